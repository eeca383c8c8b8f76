import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed HTML forms (`POST /pay`, Web-Oplata / WebMoney style). The signature is
 * hex(HMAC-SHA256(form secret, canonical string)), lowercase, where the canonical string is every
 * posted field except `signature`, as `name=value`, sorted by name (byte order; names are ASCII),
 * joined by a line feed, UTF-8. Empty fields that are posted are signed as `name=`.
 */
export const FORM_FIELDS = [
  'amount',
  'currency',
  'customer_ref',
  'description',
  'fail_url',
  'livemode',
  'merchant_id',
  'order_id',
  'success_url',
] as const;
export const REQUIRED_FORM_FIELDS = ['merchant_id', 'order_id', 'amount', 'currency'] as const;

export function canonicalFormString(fields: Record<string, string>): string {
  return Object.keys(fields)
    .filter((name) => name !== 'signature')
    .sort()
    .map((name) => `${name}=${fields[name] ?? ''}`)
    .join('\n');
}

export function signForm(secret: string, fields: Record<string, string>): string {
  return createHmac('sha256', secret).update(canonicalFormString(fields), 'utf8').digest('hex');
}

/** True when `signature` is the form's signature under one of `secrets` (constant-time compare). */
export function formSignatureMatches(
  secrets: string[],
  fields: Record<string, string>,
  signature: string,
): boolean {
  const given = Buffer.from(signature.toLowerCase(), 'utf8');
  let ok = false;
  for (const secret of secrets) {
    const expected = Buffer.from(signForm(secret, fields), 'utf8');
    // Every secret is checked, so the time does not tell which one matched.
    if (expected.length === given.length && timingSafeEqual(expected, given)) ok = true;
  }
  return ok;
}
