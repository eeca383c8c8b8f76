import { createHash, timingSafeEqual } from 'node:crypto';

/** Constant-time comparison of a secret token (hashing first evens out the lengths). */
export function sameSecret(expected: string, received: string): boolean {
  const a = createHash('sha256').update(expected, 'utf8').digest();
  const b = createHash('sha256').update(received, 'utf8').digest();
  return timingSafeEqual(a, b);
}
