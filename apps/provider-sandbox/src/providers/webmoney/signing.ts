import { createHash, timingSafeEqual } from 'node:crypto';

/** Written apart from provider-adapters on purpose: the public vectors check each side alone. */

export type HashAlgorithm = 'sha256' | 'md5';

/** The notification values WebMoney signs, as the exact strings sent on the wire. */
export interface SignedValues {
  payeePurse: string;
  amount: string;
  /** LMI_HOLD (days), only when the payment form asked for an authorization hold. */
  hold?: string;
  paymentNo: string;
  mode: string;
  sysInvsNo: string;
  sysTransNo: string;
  sysTransDate: string;
  payerPurse: string;
  payerWm: string;
}

function hexUpper(algorithm: HashAlgorithm, text: string): string {
  return createHash(algorithm).update(text, 'utf8').digest('hex').toUpperCase();
}

/**
 * LMI_HASH (protocols.md §1.5): the ten values concatenated with no separator, secret key eighth,
 * hashed with the purse's configured algorithm. LMI_HOLD is not part of it.
 */
export function lmiHash(v: SignedValues, secretKey: string, algorithm: HashAlgorithm): string {
  return hexUpper(
    algorithm,
    v.payeePurse +
      v.amount +
      v.paymentNo +
      v.mode +
      v.sysInvsNo +
      v.sysTransNo +
      v.sysTransDate +
      secretKey +
      v.payerPurse +
      v.payerWm,
  );
}

/** LMI_HASH2 (§1.6): SHA-256 of the same values joined by `;`, LMI_HOLD right after the amount. */
export function lmiHash2(v: SignedValues, secretKey: string): string {
  const parts = [v.payeePurse, v.amount];
  if (v.hold !== undefined) parts.push(v.hold);
  parts.push(
    v.paymentNo,
    v.mode,
    v.sysInvsNo,
    v.sysTransNo,
    v.sysTransDate,
    secretKey,
    v.payerPurse,
    v.payerWm,
  );
  return hexUpper('sha256', parts.join(';'));
}

/**
 * LMI_PAYMENTFORM_SIGN (§1.6): SHA-256 of `purse;amount;no;<X20 secret>;` with the trailing `;`.
 * Where LMI_HOLD would go is not public, so the sandbox signs the form without it.
 */
export function paymentFormSign(
  payeePurse: string,
  amount: string,
  paymentNo: string,
  x20Secret: string,
): string {
  return hexUpper('sha256', `${payeePurse};${amount};${paymentNo};${x20Secret};`);
}

/** Constant-time comparison of hex signatures; implementations differ in hex case, so ignore it. */
export function sameHex(expected: string, received: string): boolean {
  const a = Buffer.from(expected.toUpperCase(), 'utf8');
  const b = Buffer.from(received.toUpperCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
