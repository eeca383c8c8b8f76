import {
  type CurrencyCode,
  fromMajorString,
  isCurrencyCode,
  type Money,
  toMajorString,
} from '@tolem/money';

import { providerErrors } from '../../domain/errors';

/**
 * WebMoney purse letter -> the currency it holds (protocols.md §1.8). Only the letters of
 * currencies Tolem handles; gold, crypto and credit purses are not payable here.
 */
export const PURSE_LETTER_CURRENCY: Readonly<Record<string, CurrencyCode>> = {
  Z: 'USD',
  E: 'EUR',
  R: 'RUB',
  K: 'KZT',
  U: 'UAH',
  B: 'BYN',
  Y: 'UZS',
  V: 'VND',
};

/** Letter + 12 digits, e.g. Z145179295679. */
export const PURSE_PATTERN = /^[A-Z]\d{12}$/;

/** The currency a purse holds, or undefined for a malformed or unsupported purse. */
export function currencyOfPurse(purse: string): CurrencyCode | undefined {
  return PURSE_PATTERN.test(purse) ? PURSE_LETTER_CURRENCY[purse.charAt(0)] : undefined;
}

/**
 * Parses WEBMONEY_PURSES (`USD:Z145179295679,EUR:E…`) into currency -> purse. Throws an Error
 * naming the bad entry (never a secret: purses are public identifiers).
 */
export function parsePurses(spec: string): ReadonlyMap<CurrencyCode, string> {
  const purses = new Map<CurrencyCode, string>();
  for (const entry of spec
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '')) {
    const [currency = '', purse = '', ...rest] = entry.split(':').map((p) => p.trim());
    if (rest.length > 0 || !isCurrencyCode(currency)) {
      throw new Error(`entry "${entry}" must be CURRENCY:PURSE with a known ISO 4217 currency`);
    }
    if (!PURSE_PATTERN.test(purse))
      throw new Error(`purse of ${currency} must be a letter and 12 digits`);
    if (currencyOfPurse(purse) !== currency) {
      throw new Error(`purse ${purse} does not hold ${currency} (letter ${purse.charAt(0)})`);
    }
    if (purses.has(currency)) throw new Error(`${currency} is listed twice`);
    purses.set(currency, purse);
  }
  if (purses.size === 0) throw new Error('at least one CURRENCY:PURSE is required');
  return purses;
}

/** Our amount as WebMoney's LMI_PAYMENT_AMOUNT: `.` separator, the currency's exponent (1465 USD -> "14.65"). */
export function toWebMoneyAmount(amount: Money): string {
  return toMajorString(amount);
}

/** A WebMoney amount string back to minor units, exactly; MONEY_BAD_DECIMAL when it is not one. */
export function fromWebMoneyAmount(text: string, currency: CurrencyCode): Money {
  return fromMajorString(text, currency);
}

/** Form fields WebMoney echoes back untouched, so callbacks carry our own ids. */
export const PAYMENT_ID_FIELD = 'TOLEM_PAYMENT_ID';
export const METHOD_FIELD = 'TOLEM_METHOD';

/** WebMoney's limit for a payment description. */
export const MAX_DESCRIPTION_CHARS = 255;

/**
 * LMI_PAYMENT_DESC_BASE64: base64 of the UTF-8 description, cut to 255 characters (whole code
 * points, so a cut never splits a character). Base64 sidesteps the form's charset entirely.
 */
export function encodeDescription(description: string): string {
  const chars = Array.from(description.trim());
  return Buffer.from(chars.slice(0, MAX_DESCRIPTION_CHARS).join(''), 'utf8').toString('base64');
}

/**
 * LMI_PAYER_PHONE_NUMBER for Keeper Mobile: the full international number as digits only. Common
 * punctuation (`+`, spaces, dashes, dots, brackets) is dropped; anything else is refused.
 */
export function normalizePayerPhone(raw: string | undefined): string {
  const text = (raw ?? '').trim();
  if (text === '') {
    throw providerErrors.create(
      'PROVIDER_PAYER_PHONE_INVALID',
      'payer.phone is required for Keeper Mobile',
      {
        details: { field: 'payer.phone' },
      },
    );
  }
  if (!/^\+?[\d\s().-]+$/.test(text)) {
    throw providerErrors.create(
      'PROVIDER_PAYER_PHONE_INVALID',
      'payer.phone must be a phone number',
      {
        details: { field: 'payer.phone' },
      },
    );
  }
  const digits = text.replace(/\D/g, '');
  // E.164 allows at most 15 digits; fewer than 10 cannot carry country and area code.
  if (digits.length < 10 || digits.length > 15) {
    throw providerErrors.create(
      'PROVIDER_PAYER_PHONE_INVALID',
      'payer.phone must have 10 to 15 digits including the country code',
      { details: { field: 'payer.phone' } },
    );
  }
  return digits;
}

/** Provider attribute keys (snake_case, shared with checkout, ledger and events). */
export interface WebMoneyPaymentAttributes {
  payer_purse: string;
  payer_wmid: string;
  wm_invoice_no: string;
  wm_transfer_no: string;
  wm_transfer_date: string;
  payer_phone?: string;
  keeper_mobile_payment_no?: string;
}

/** The attributes a merchant sees for a WebMoney payment, from a notification's fields. */
export function notificationAttributes(
  fields: ReadonlyMap<string, string>,
): Record<string, string> {
  const attributes: Record<string, string> = {
    payer_purse: fields.get('LMI_PAYER_PURSE') ?? '',
    payer_wmid: fields.get('LMI_PAYER_WM') ?? '',
    wm_invoice_no: fields.get('LMI_SYS_INVS_NO') ?? '',
    wm_transfer_no: fields.get('LMI_SYS_TRANS_NO') ?? '',
    wm_transfer_date: fields.get('LMI_SYS_TRANS_DATE') ?? '',
  } satisfies WebMoneyPaymentAttributes;
  const phone = fields.get('LMI_TELEPAT_PHONENUMBER');
  const keeperNo = fields.get('LMI_TELEPAT_ORDERID');
  if (phone) attributes['payer_phone'] = phone;
  if (keeperNo) attributes['keeper_mobile_payment_no'] = keeperNo;
  return attributes;
}

/** Keeper Mobile notifications carry the telepat fields (protocols.md §1.7). */
export function isKeeperMobileNotification(fields: ReadonlyMap<string, string>): boolean {
  return Boolean(fields.get('LMI_TELEPAT_PHONENUMBER') || fields.get('LMI_TELEPAT_ORDERID'));
}
