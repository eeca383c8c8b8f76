import { createHash, timingSafeEqual } from 'node:crypto';

import { Refusal } from '../shared/refusal';
import type { WebMoneyConfig } from './config';

/** The values WebMoney signs in a payment notification, exactly as received. */
export interface NotificationSignedFields {
  payeePurse: string;
  amount: string;
  /** Authorization hold in days; only part of LMI_HASH2, right after the amount, when present. */
  hold?: string;
  paymentNo: string;
  mode: string;
  invoiceNo: string;
  transferNo: string;
  transferDate: string;
  payerPurse: string;
  payerWmid: string;
}

/**
 * LMI_HASH's algorithm is recognisable by its length (protocols.md §1.5): 32 hex = MD5,
 * 64 hex = SHA-256, 132 = SIGN (a WM Keeper key signature the secret key cannot verify).
 */
export type LmiHashType = 'md5' | 'sha256' | 'sign';

export function lmiHashType(value: string): LmiHashType | undefined {
  if (!/^[0-9A-Fa-f]+$/.test(value)) return undefined;
  switch (value.length) {
    case 32:
      return 'md5';
    case 64:
      return 'sha256';
    case 132:
      return 'sign';
    default:
      return undefined;
  }
}

function hexUpper(algorithm: 'md5' | 'sha256', text: string): string {
  return createHash(algorithm).update(text, 'utf8').digest('hex').toUpperCase();
}

/**
 * LMI_HASH: the ten values concatenated without separators, secret in eighth place; LMI_HOLD is
 * not part of it (§1.5).
 */
export function lmiHash(
  f: NotificationSignedFields,
  secret: string,
  algorithm: 'md5' | 'sha256',
): string {
  return hexUpper(
    algorithm,
    f.payeePurse +
      f.amount +
      f.paymentNo +
      f.mode +
      f.invoiceNo +
      f.transferNo +
      f.transferDate +
      secret +
      f.payerPurse +
      f.payerWmid,
  );
}

/** LMI_HASH2: SHA-256 of the same values joined by `;`, LMI_HOLD after the amount when present (§1.6). */
export function lmiHash2(f: NotificationSignedFields, secret: string): string {
  const values = [f.payeePurse, f.amount];
  if (f.hold !== undefined) values.push(f.hold);
  values.push(
    f.paymentNo,
    f.mode,
    f.invoiceNo,
    f.transferNo,
    f.transferDate,
    secret,
    f.payerPurse,
    f.payerWmid,
  );
  return hexUpper('sha256', values.join(';'));
}

/**
 * LMI_PAYMENTFORM_SIGN (§1.6): SHA-256 of `purse;amount;no;<X20 secret>;` with the trailing `;`.
 * Upper-case hex, like every other WebMoney hash (implementations differ; WebMoney compares
 * hex case-insensitively as far as public handlers show).
 */
export function paymentFormSign(
  payeePurse: string,
  amount: string,
  paymentNo: string,
  x20Secret: string,
): string {
  return hexUpper('sha256', `${payeePurse};${amount};${paymentNo};${x20Secret};`);
}

/** Compares hex digests case-insensitively in constant time for equal lengths. */
export function hexEquals(received: string, expected: string): boolean {
  const a = Buffer.from(received.toUpperCase(), 'utf8');
  const b = Buffer.from(expected.toUpperCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Every notification field the signatures cover; all must be present. */
const SIGNED_FIELDS = [
  'LMI_PAYEE_PURSE',
  'LMI_PAYMENT_AMOUNT',
  'LMI_PAYMENT_NO',
  'LMI_MODE',
  'LMI_SYS_INVS_NO',
  'LMI_SYS_TRANS_NO',
  'LMI_SYS_TRANS_DATE',
  'LMI_PAYER_PURSE',
  'LMI_PAYER_WM',
] as const;

/**
 * Signature first (nothing about our orders is revealed to an unsigned request), then §1.4 checks.
 * Throws a Refusal naming the field at fault.
 */
export function verifyNotificationSignature(
  config: Pick<WebMoneyConfig, 'secretKey' | 'allowSignHash' | 'requireHash2'>,
  fields: ReadonlyMap<string, string>,
): void {
  const missing = SIGNED_FIELDS.filter((f) => !fields.get(f));
  if (missing.length > 0)
    throw new Refusal('PROVIDER_MALFORMED_CALLBACK', 'notification lacks signed fields', [
      ...missing,
    ]);
  const hash = fields.get('LMI_HASH') ?? '';
  if (hash === '')
    throw new Refusal('PROVIDER_SIGNATURE_INVALID', 'LMI_HASH is missing', ['LMI_HASH']);
  const signed: NotificationSignedFields = {
    payeePurse: fields.get('LMI_PAYEE_PURSE') ?? '',
    amount: fields.get('LMI_PAYMENT_AMOUNT') ?? '',
    hold: fields.get('LMI_HOLD') || undefined,
    paymentNo: fields.get('LMI_PAYMENT_NO') ?? '',
    mode: fields.get('LMI_MODE') ?? '',
    invoiceNo: fields.get('LMI_SYS_INVS_NO') ?? '',
    transferNo: fields.get('LMI_SYS_TRANS_NO') ?? '',
    transferDate: fields.get('LMI_SYS_TRANS_DATE') ?? '',
    payerPurse: fields.get('LMI_PAYER_PURSE') ?? '',
    payerWmid: fields.get('LMI_PAYER_WM') ?? '',
  };
  const secret = config.secretKey.reveal();
  const type = lmiHashType(hash);
  if (type === undefined) {
    throw new Refusal('PROVIDER_SIGNATURE_INVALID', 'LMI_HASH is neither MD5, SHA-256 nor SIGN', [
      'LMI_HASH',
    ]);
  }
  if (type === 'sign' && !config.allowSignHash) {
    throw new Refusal(
      'PROVIDER_SIGNATURE_UNSUPPORTED',
      'LMI_HASH is a SIGN signature, which is not allowed',
      ['LMI_HASH'],
    );
  }
  // SIGN cannot be checked with the secret key; LMI_HASH2 then carries the whole proof.
  if (type !== 'sign' && !hexEquals(hash, lmiHash(signed, secret, type))) {
    throw new Refusal('PROVIDER_SIGNATURE_INVALID', `LMI_HASH (${type}) does not match`, [
      'LMI_HASH',
    ]);
  }
  const hash2 = fields.get('LMI_HASH2') ?? '';
  if (hash2 === '') {
    if (config.requireHash2 || type === 'sign') {
      throw new Refusal('PROVIDER_SIGNATURE_INVALID', 'LMI_HASH2 is missing', ['LMI_HASH2']);
    }
    return;
  }
  if (!hexEquals(hash2, lmiHash2(signed, secret))) {
    throw new Refusal('PROVIDER_SIGNATURE_INVALID', 'LMI_HASH2 does not match', ['LMI_HASH2']);
  }
}
