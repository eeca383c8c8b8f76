import { createHash, randomFillSync, timingSafeEqual } from 'node:crypto';

import { checkoutErrors } from './errors';
import type { Payment } from './payment';

const SECRET_BYTES = 32;
/** CSPRNG output drawn 4 KiB at a time: one kernel call per 128 secrets, not one per create. */
const pool = Buffer.alloc(128 * SECRET_BYTES);
let poolOffset = pool.length;

/** 256 bits from the CSPRNG, base64url (43 characters): safe in a URL as it is. */
export function newPageSecret(): string {
  if (poolOffset + SECRET_BYTES > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const secret = pool.toString('base64url', poolOffset, poolOffset + SECRET_BYTES);
  // Handed-out bytes do not stay in memory.
  pool.fill(0, poolOffset, poolOffset + SECRET_BYTES);
  poolOffset += SECRET_BYTES;
  return secret;
}

/**
 * Constant-time comparison of the presented secret with the payment's. Both sides are hashed
 * first, so neither the length nor a common prefix of the stored secret leaks through timing.
 */
export function pageSecretMatches(stored: string, presented: string): boolean {
  if (stored === '' || presented === '') return false;
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(stored), digest(presented));
}

/**
 * The payer's pages present the payment's page secret; the payment id alone is no credential.
 * A wrong or missing secret is PAYMENT_NOT_FOUND with the same message as an unknown payment,
 * so the answer never tells a guesser that the id exists.
 */
export function requirePageSecret(payment: Payment | undefined, presented: string): Payment {
  if (!payment || !pageSecretMatches(payment.pageSecret, presented)) {
    throw checkoutErrors.create('PAYMENT_NOT_FOUND', 'payment not found');
  }
  return payment;
}
