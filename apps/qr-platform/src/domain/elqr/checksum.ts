import { hash } from 'node:crypto';

/**
 * ELQR ID 63: the last 4 hex characters of SHA-256 over the UTF-8 bytes of the payload text that
 * precedes ID 63 (the `6304` header itself excluded). Not the EMVCo CRC-16: that matches no real
 * Kyrgyz bank link. Emitted lowercase, as the public Finik vectors are.
 */
export function elqrChecksum(textBeforeChecksum: string): string {
  // One-shot hash: a payload is a few hundred bytes, where createHash's object and stream
  // set-up cost more than the digest (bench:qr).
  return hash('sha256', textBeforeChecksum, 'hex').slice(-4);
}

/** Banks emit both cases, so the comparison ignores case. */
export function checksumMatches(received: string, textBeforeChecksum: string): boolean {
  return received.toLowerCase() === elqrChecksum(textBeforeChecksum);
}
