import { createHash } from 'node:crypto';

import { webmoneyErrors } from './errors';
import type { Payer } from './invoices';
import { PURSE_PATTERN } from './payment-form';

/** The public test payer (omnipay-webmoney fixture): purse digits and WMID. */
export const TEST_PAYER_PURSE_DIGITS = '366393600555';
export const TEST_PAYER_WMID = '404521188333';

export function testPayerPurse(payeePurse: string): string {
  return `${payeePurse.charAt(0)}${TEST_PAYER_PURSE_DIGITS}`;
}

function payerInvalid(field: string, message: string): never {
  throw webmoneyErrors.create('WEBMONEY_PAYER_INVALID', message, { details: { field } });
}

/** A purse payer; WebMoney transfers only between purses of one type (same letter). */
export function pursePayer(payeePurse: string, purse: string, wmid: string): Payer {
  const p = purse.trim().toUpperCase();
  const w = wmid.trim();
  if (!PURSE_PATTERN.test(p))
    payerInvalid('payer_purse', 'payer purse must be a purse letter and 12 digits');
  if (p.charAt(0) !== payeePurse.charAt(0)) {
    payerInvalid(
      'payer_purse',
      `payer purse must be of type ${payeePurse.charAt(0)}, like the payee purse`,
    );
  }
  if (!/^\d{12}$/.test(w)) payerInvalid('payer_wmid', 'WMID must be 12 digits');
  return { method: 'purse', purse: p, wmid: w };
}

/** Phone as Keeper Mobile keeps it: digits only, country and area code included (10–15 digits). */
export function normalizePhone(input: string): string {
  const digits = input.replace(/[\s()+.-]/g, '');
  if (!/^\d{10,15}$/.test(digits))
    payerInvalid('phone', 'phone must be 10 to 15 digits with the country code');
  return digits;
}

function digitsFrom(seed: string): string {
  // 12 digits, first one non-zero, stable for a seed.
  const n = BigInt(`0x${createHash('sha256').update(seed).digest('hex').slice(0, 24)}`);
  return String(100_000_000_000n + (n % 900_000_000_000n));
}

/**
 * A Keeper Mobile payer: the money comes from the purse linked to the phone, so the same phone
 * always shows the same purse (of the payee's type) and WMID in notifications.
 */
export function keeperMobilePayer(payeePurse: string, phone: string): Payer {
  const digits = normalizePhone(phone);
  return {
    method: 'keeper_mobile',
    purse: `${payeePurse.charAt(0)}${digitsFrom(`purse:${digits}`)}`,
    wmid: digitsFrom(`wmid:${digits}`),
    phone: digits,
  };
}
