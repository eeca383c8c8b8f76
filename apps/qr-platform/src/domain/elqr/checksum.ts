import { createHash } from 'node:crypto';

/**
 * ELQR ID 63: the last 4 hex characters of SHA-256 over the UTF-8 bytes of the payload text that
 * precedes ID 63 (the `6304` header itself excluded). Not the EMVCo CRC-16: that matches no real
 * Kyrgyz bank link. Emitted lowercase, as the public Finik vectors are.
 */
export function elqrChecksum(textBeforeChecksum: string): string {
  return createHash('sha256').update(textBeforeChecksum, 'utf8').digest('hex').slice(-4);
}

/** Banks emit both cases, so the comparison ignores case. */
export function checksumMatches(received: string, textBeforeChecksum: string): boolean {
  return received.toLowerCase() === elqrChecksum(textBeforeChecksum);
}
