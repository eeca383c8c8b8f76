import {
  CURRENCIES,
  type CurrencyCode,
  fromMajorString,
  type Money,
  toMajorString,
} from '@tolem/money';

import { emvcoCrc } from './crc';
import {
  assertPrintable,
  decodeTlvs,
  EmvcoError,
  type EmvcoTlv,
  encodeTlv,
  type LocatedTlv,
  uniqueById,
} from './tlv';

export type EmvcoInitiation = 'static' | 'dynamic';

/** IDs 02–25: a card scheme's merchant identifier, a primitive value. */
export interface EmvcoSchemeAccount {
  readonly id: string;
  readonly value: string;
}

/** IDs 26–51 (merchant accounts) and 80–99 (unreserved): a template led by a GUID/AID in sub-ID 00. */
export interface EmvcoTemplate {
  readonly id: string;
  /** Sub-ID 00: a globally unique identifier (AID, reverse domain name or UUID). */
  readonly guid: string;
  /** Sub-IDs 01–99 in the order emitted; their meaning belongs to the GUID's owner. */
  readonly data: readonly EmvcoTlv[];
}

export type EmvcoMerchantAccount = EmvcoSchemeAccount | EmvcoTemplate;

/**
 * An amount (54, 56) in integer minor units when Tolem knows the currency's exponent (libs/money);
 * for any other ISO 4217 currency the decimal text is kept exactly as received, never guessed.
 */
export type EmvcoAmount = Money | { readonly decimal: string };

/** 55–57: how the payer may add a tip or is charged a convenience fee. */
export type EmvcoTip =
  | { readonly kind: 'prompt' }
  | { readonly kind: 'fixed'; readonly fee: EmvcoAmount }
  /** Percentage as a decimal string, e.g. `3.00` (00.01–99.99). */
  | { readonly kind: 'percentage'; readonly percent: string };

/** 62: additional data field template. */
export interface EmvcoAdditionalData {
  /** 01 */ billNumber?: string;
  /** 02 */ mobileNumber?: string;
  /** 03 */ storeLabel?: string;
  /** 04 */ loyaltyNumber?: string;
  /** 05 */ referenceLabel?: string;
  /** 06 */ customerLabel?: string;
  /** 07 */ terminalLabel?: string;
  /** 08 */ purposeOfTransaction?: string;
  /** 09: what the payer's app must ask for: any of `A` (address), `M` (mobile), `E` (email). */
  consumerDataRequest?: string;
  /** 10–99: RFU and payment-system templates, verbatim. */
  extra?: readonly EmvcoTlv[];
}

/** 64: merchant information in an alternate language. */
export interface EmvcoLanguageTemplate {
  /** 00: ISO 639 alpha-2. */ language: string;
  /** 01 */ merchantName: string;
  /** 02 */ merchantCity?: string;
  /** 03–99: RFU, verbatim. */
  extra?: readonly EmvcoTlv[];
}

/** A merchant-presented EMVCo QR payload (everything but the CRC). */
export interface EmvcoPayload {
  /** 01: 11 static (payer enters the amount, reusable), 12 dynamic (one transaction). */
  initiation?: EmvcoInitiation;
  /** 02–51, at least one. */
  merchantAccounts: readonly EmvcoMerchantAccount[];
  /** 52: four digits. */
  mcc: string;
  /** 53: ISO 4217 numeric. */
  currency: string;
  /** 54: omitted lets the payer enter the amount. */
  amount?: EmvcoAmount;
  /** 55–57. */
  tip?: EmvcoTip;
  /** 58: ISO 3166-1 alpha-2. */
  country: string;
  /** 59 */ merchantName: string;
  /** 60 */ merchantCity: string;
  /** 61 */ postalCode?: string;
  /** 62 */ additionalData?: EmvcoAdditionalData;
  /** 64 */ language?: EmvcoLanguageTemplate;
  /** 65–79: RFU for EMVCo, verbatim. */
  rfu?: readonly EmvcoTlv[];
  /** 80–99. */
  unreserved?: readonly EmvcoTemplate[];
}

export const EMVCO_PAYLOAD_FORMAT = '01';

/** Value limits from the EMVCo MPM spec, in characters. */
export const EMVCO_LIMITS = {
  amount: 13,
  percent: 5,
  merchantName: 25,
  merchantCity: 15,
  postalCode: 10,
  additionalData: 25,
  languageName: 25,
  languageCity: 15,
} as const;

const INITIATION_CODES: Record<EmvcoInitiation, string> = { static: '11', dynamic: '12' };
const TIP_CODES = { prompt: '01', fixed: '02', percentage: '03' } as const;
const ADDITIONAL_IDS = [
  ['01', 'billNumber'],
  ['02', 'mobileNumber'],
  ['03', 'storeLabel'],
  ['04', 'loyaltyNumber'],
  ['05', 'referenceLabel'],
  ['06', 'customerLabel'],
  ['07', 'terminalLabel'],
  ['08', 'purposeOfTransaction'],
  ['09', 'consumerDataRequest'],
] as const;
const CRC_HEADER = '6304';

const idNumber = (id: string): number => Number(id);
const isSchemeAccountId = (id: string): boolean => idNumber(id) >= 2 && idNumber(id) <= 25;
const isTemplateAccountId = (id: string): boolean => idNumber(id) >= 26 && idNumber(id) <= 51;
const isRfuId = (id: string): boolean => idNumber(id) >= 65 && idNumber(id) <= 79;
const isUnreservedId = (id: string): boolean => idNumber(id) >= 80 && idNumber(id) <= 99;

function currencyByNumeric(numeric: string): CurrencyCode | undefined {
  for (const [code, info] of Object.entries(CURRENCIES)) {
    if (info.numeric === numeric) return code as CurrencyCode;
  }
  return undefined;
}

const DECIMAL = /^\d+(\.\d+)?$/;

function checkText(value: string, max: number, field: string): string {
  assertPrintable(value, field);
  if (value.length === 0) throw new EmvcoError('EMVCO_INVALID_VALUE', `${field} is empty`, field);
  if (value.length > max) {
    throw new EmvcoError(
      'EMVCO_VALUE_TOO_LONG',
      `${field} is ${value.length} characters, at most ${max}`,
      field,
    );
  }
  return value;
}

function checkPattern(
  value: string,
  pattern: RegExp,
  field: string,
  what: string,
  numeric = false,
): string {
  if (!pattern.test(value)) {
    throw new EmvcoError(
      numeric ? 'EMVCO_NOT_NUMERIC' : 'EMVCO_INVALID_VALUE',
      `${field} must be ${what}`,
      field,
    );
  }
  return value;
}

function amountText(amount: EmvcoAmount, currency: string, field: string): string {
  let text: string;
  if ('decimal' in amount) {
    if (currencyByNumeric(currency)) {
      throw new EmvcoError(
        'EMVCO_AMOUNT_FORMAT',
        `${field} must be Money in minor units for currency ${currency}`,
        field,
      );
    }
    text = amount.decimal;
    if (!DECIMAL.test(text))
      throw new EmvcoError('EMVCO_AMOUNT_FORMAT', `${field} is not a decimal amount`, field);
  } else {
    if (CURRENCIES[amount.currency].numeric !== currency) {
      throw new EmvcoError(
        'EMVCO_INVALID_VALUE',
        `${field} is in ${amount.currency}, ID 53 says ${currency}`,
        field,
      );
    }
    if (amount.amountMinor <= 0n)
      throw new EmvcoError('EMVCO_AMOUNT_FORMAT', `${field} must be positive`, field);
    text = toMajorString(amount);
  }
  if (text.length > EMVCO_LIMITS.amount) {
    throw new EmvcoError(
      'EMVCO_VALUE_TOO_LONG',
      `${field} has more than ${EMVCO_LIMITS.amount} characters`,
      field,
    );
  }
  return text;
}

function templateValue(t: EmvcoTemplate): string {
  const scope = `${t.id}/`;
  const subs = [encodeTlv('00', t.guid, scope)];
  const seen = new Set<string>();
  for (const e of t.data) {
    if (e.id === '00' || seen.has(e.id)) {
      throw new EmvcoError(
        'EMVCO_DUPLICATE_FIELD',
        `${scope}${e.id} appears twice`,
        `${scope}${e.id}`,
      );
    }
    seen.add(e.id);
    subs.push(encodeTlv(e.id, e.value, scope));
  }
  return subs.join('');
}

function additionalDataValue(a: EmvcoAdditionalData): string {
  const subs: EmvcoTlv[] = [];
  for (const [id, key] of ADDITIONAL_IDS) {
    const v = a[key];
    if (v === undefined) continue;
    if (key === 'consumerDataRequest')
      checkPattern(v, /^(?!.*(.).*\1)[AME]{1,3}$/, '62/09', 'distinct letters among A, M, E');
    subs.push({ id, value: checkText(v, EMVCO_LIMITS.additionalData, `62/${id}`) });
  }
  for (const e of a.extra ?? []) {
    if (idNumber(e.id) < 10)
      throw new EmvcoError(
        'EMVCO_INVALID_VALUE',
        `62/${e.id} is a named field, not extra`,
        `62/${e.id}`,
      );
    subs.push(e);
  }
  subs.sort((x, y) => idNumber(x.id) - idNumber(y.id));
  return encodeUnique(subs, '62/');
}

function encodeUnique(elements: readonly EmvcoTlv[], scope: string): string {
  const seen = new Set<string>();
  return elements
    .map((e) => {
      if (seen.has(e.id)) {
        throw new EmvcoError(
          'EMVCO_DUPLICATE_FIELD',
          `${scope}${e.id} appears twice`,
          `${scope}${e.id}`,
        );
      }
      seen.add(e.id);
      return encodeTlv(e.id, e.value, scope);
    })
    .join('');
}

/**
 * Encodes a payload: root elements in ascending id order, ID 63 (CRC-16/CCITT-FALSE, uppercase hex)
 * last. Every value is checked as the parser would check it, so what this builds always parses.
 */
export function buildEmvco(p: EmvcoPayload): string {
  const root: EmvcoTlv[] = [{ id: '00', value: EMVCO_PAYLOAD_FORMAT }];
  if (p.initiation !== undefined) root.push({ id: '01', value: INITIATION_CODES[p.initiation] });
  if (p.merchantAccounts.length === 0) {
    throw new EmvcoError(
      'EMVCO_MISSING_FIELD',
      'at least one merchant account (02–51) is required',
      '26',
    );
  }
  for (const a of p.merchantAccounts) {
    if ('guid' in a) {
      if (!isTemplateAccountId(a.id))
        throw new EmvcoError(
          'EMVCO_INVALID_VALUE',
          `merchant account templates use ids 26–51, not ${a.id}`,
          a.id,
        );
      root.push({ id: a.id, value: templateValue(a) });
    } else {
      if (!isSchemeAccountId(a.id))
        throw new EmvcoError(
          'EMVCO_INVALID_VALUE',
          `scheme merchant accounts use ids 02–25, not ${a.id}`,
          a.id,
        );
      root.push({ id: a.id, value: a.value });
    }
  }
  root.push({ id: '52', value: checkPattern(p.mcc, /^\d{4}$/, '52', 'four digits', true) });
  root.push({ id: '53', value: checkPattern(p.currency, /^\d{3}$/, '53', 'three digits', true) });
  if (p.amount !== undefined)
    root.push({ id: '54', value: amountText(p.amount, p.currency, '54') });
  if (p.tip !== undefined) {
    root.push({ id: '55', value: TIP_CODES[p.tip.kind] });
    if (p.tip.kind === 'fixed')
      root.push({ id: '56', value: amountText(p.tip.fee, p.currency, '56') });
    if (p.tip.kind === 'percentage')
      root.push({ id: '57', value: percentText(p.tip.percent, '57') });
  }
  root.push({
    id: '58',
    value: checkPattern(p.country, /^[A-Z]{2}$/, '58', 'two capital letters'),
  });
  root.push({ id: '59', value: checkText(p.merchantName, EMVCO_LIMITS.merchantName, '59') });
  root.push({ id: '60', value: checkText(p.merchantCity, EMVCO_LIMITS.merchantCity, '60') });
  if (p.postalCode !== undefined)
    root.push({ id: '61', value: checkText(p.postalCode, EMVCO_LIMITS.postalCode, '61') });
  if (p.additionalData !== undefined) {
    const value = additionalDataValue(p.additionalData);
    if (value) root.push({ id: '62', value });
  }
  if (p.language !== undefined) root.push({ id: '64', value: languageValue(p.language) });
  for (const e of p.rfu ?? []) {
    if (!isRfuId(e.id))
      throw new EmvcoError('EMVCO_INVALID_VALUE', `RFU elements use ids 65–79, not ${e.id}`, e.id);
    root.push(e);
  }
  for (const t of p.unreserved ?? []) {
    if (!isUnreservedId(t.id))
      throw new EmvcoError(
        'EMVCO_INVALID_VALUE',
        `unreserved templates use ids 80–99, not ${t.id}`,
        t.id,
      );
    root.push({ id: t.id, value: templateValue(t) });
  }
  root.sort((a, b) => idNumber(a.id) - idNumber(b.id));
  const body = encodeUnique(root, '') + CRC_HEADER;
  return body + emvcoCrc(body);
}

function percentText(value: string, field: string): string {
  if (!/^\d{1,2}(\.\d{1,2})?$/.test(value) || /^0+(\.0+)?$/.test(value)) {
    throw new EmvcoError(
      'EMVCO_AMOUNT_FORMAT',
      `${field} must be a percentage between 00.01 and 99.99`,
      field,
    );
  }
  return value;
}

function languageValue(l: EmvcoLanguageTemplate): string {
  const subs: EmvcoTlv[] = [
    {
      id: '00',
      value: checkPattern(l.language, /^[A-Za-z]{2}$/, '64/00', 'an ISO 639 alpha-2 code'),
    },
    { id: '01', value: checkText(l.merchantName, EMVCO_LIMITS.languageName, '64/01') },
  ];
  if (l.merchantCity !== undefined)
    subs.push({ id: '02', value: checkText(l.merchantCity, EMVCO_LIMITS.languageCity, '64/02') });
  for (const e of l.extra ?? []) {
    if (idNumber(e.id) < 3)
      throw new EmvcoError(
        'EMVCO_INVALID_VALUE',
        `64/${e.id} is a named field, not extra`,
        `64/${e.id}`,
      );
    subs.push(e);
  }
  subs.sort((x, y) => idNumber(x.id) - idNumber(y.id));
  return encodeUnique(subs, '64/');
}

// ---------------------------------------------------------------------------------------------
// Parsing

function fail(code: EmvcoError['code'], message: string, e: LocatedTlv, field = e.id): never {
  throw new EmvcoError(code, message, field, e.offset);
}

function required(
  byId: Map<string, LocatedTlv>,
  id: string,
  what: string,
  scope = '',
  offset?: number,
): LocatedTlv {
  const e = byId.get(id);
  if (!e)
    throw new EmvcoError(
      'EMVCO_MISSING_FIELD',
      `${scope}${id} ${what} is missing`,
      `${scope}${id}`,
      offset,
    );
  return e;
}

function numeric(e: LocatedTlv, digits: number, field = e.id): string {
  if (!new RegExp(`^\\d{${digits}}$`).test(e.value))
    fail('EMVCO_NOT_NUMERIC', `${field} must be ${digits} digits`, e, field);
  return e.value;
}

function parseAmount(e: LocatedTlv, currency: string): EmvcoAmount {
  if (e.value.length > EMVCO_LIMITS.amount || !DECIMAL.test(e.value)) {
    fail(
      'EMVCO_AMOUNT_FORMAT',
      `${e.id} must be a decimal amount of at most ${EMVCO_LIMITS.amount} characters`,
      e,
    );
  }
  const code = currencyByNumeric(currency);
  if (!code) return { decimal: e.value };
  let amount: Money;
  try {
    amount = fromMajorString(e.value, code);
  } catch {
    return fail('EMVCO_AMOUNT_FORMAT', `${e.id} has more fraction digits than ${code} allows`, e);
  }
  if (amount.amountMinor === 0n) fail('EMVCO_AMOUNT_FORMAT', `${e.id} must be positive`, e);
  return amount;
}

function parseTemplate(e: LocatedTlv): EmvcoTemplate {
  const scope = `${e.id}/`;
  const subs = decodeTlvs(e.value, e.offset + 4, scope);
  uniqueById(subs, scope);
  const first = subs[0];
  if (!first || first.id !== '00') {
    throw new EmvcoError(
      'EMVCO_MISSING_FIELD',
      `${scope}00 globally unique identifier must come first`,
      `${scope}00`,
      e.offset,
    );
  }
  return {
    id: e.id,
    guid: first.value,
    data: subs.slice(1).map(({ id, value }) => ({ id, value })),
  };
}

function parseAdditionalData(e: LocatedTlv): EmvcoAdditionalData {
  const subs = decodeTlvs(e.value, e.offset + 4, '62/');
  const byId = uniqueById(subs, '62/');
  const out: EmvcoAdditionalData = {};
  for (const [id, key] of ADDITIONAL_IDS) {
    const sub = byId.get(id);
    if (sub) out[key] = sub.value;
  }
  const request = byId.get('09');
  if (request && !/^(?!.*(.).*\1)[AME]{1,3}$/.test(request.value)) {
    fail('EMVCO_INVALID_VALUE', '62/09 must be distinct letters among A, M, E', request, '62/09');
  }
  const extra = subs.filter((s) => idNumber(s.id) >= 10).map(({ id, value }) => ({ id, value }));
  if (extra.length > 0) out.extra = extra;
  return out;
}

function parseLanguage(e: LocatedTlv): EmvcoLanguageTemplate {
  const subs = decodeTlvs(e.value, e.offset + 4, '64/');
  const byId = uniqueById(subs, '64/');
  const language = required(byId, '00', 'language preference', '64/', e.offset);
  if (!/^[A-Za-z]{2}$/.test(language.value))
    fail('EMVCO_INVALID_VALUE', '64/00 must be an ISO 639 alpha-2 code', language, '64/00');
  const out: EmvcoLanguageTemplate = {
    language: language.value,
    merchantName: required(byId, '01', 'alternate merchant name', '64/', e.offset).value,
  };
  const city = byId.get('02');
  if (city) out.merchantCity = city.value;
  const extra = subs.filter((s) => idNumber(s.id) >= 3).map(({ id, value }) => ({ id, value }));
  if (extra.length > 0) out.extra = extra;
  return out;
}

function parseTip(byId: Map<string, LocatedTlv>, currency: string): EmvcoTip | undefined {
  const indicator = byId.get('55');
  const fee = byId.get('56');
  const percent = byId.get('57');
  if (!indicator) {
    const stray = fee ?? percent;
    if (stray) fail('EMVCO_MISSING_FIELD', `${stray.id} needs tip indicator 55`, stray, '55');
    return undefined;
  }
  const code = numeric(indicator, 2);
  if (code === TIP_CODES.prompt) {
    const stray = fee ?? percent;
    if (stray) fail('EMVCO_INVALID_VALUE', `55=01 (prompt) allows neither 56 nor 57`, stray);
    return { kind: 'prompt' };
  }
  if (code === TIP_CODES.fixed) {
    if (percent) fail('EMVCO_INVALID_VALUE', '55=02 (fixed fee) does not allow 57', percent);
    if (!fee)
      throw new EmvcoError(
        'EMVCO_MISSING_FIELD',
        '55=02 needs the fixed fee in 56',
        '56',
        indicator.offset,
      );
    return { kind: 'fixed', fee: parseAmount(fee, currency) };
  }
  if (code === TIP_CODES.percentage) {
    if (fee) fail('EMVCO_INVALID_VALUE', '55=03 (percentage) does not allow 56', fee);
    if (!percent)
      throw new EmvcoError(
        'EMVCO_MISSING_FIELD',
        '55=03 needs the percentage in 57',
        '57',
        indicator.offset,
      );
    try {
      return { kind: 'percentage', percent: percentText(percent.value, '57') };
    } catch (err) {
      return fail((err as EmvcoError).code, (err as EmvcoError).message, percent);
    }
  }
  return fail('EMVCO_INVALID_VALUE', '55 must be 01, 02 or 03', indicator);
}

/**
 * Decodes a merchant-presented payload. Elements may come in any order except 00 first and 63
 * last; the CRC is checked over the text exactly as received (UTF-8 bytes). Every fault throws an
 * EmvcoError with a stable code, the element and its offset.
 */
export function parseEmvco(payload: string): EmvcoPayload {
  assertPrintable(payload, 'payload', 0);
  const elements = decodeTlvs(payload);
  const last = elements[elements.length - 1];
  const byId = uniqueById(elements);

  const crc = byId.get('63');
  if (!crc) throw new EmvcoError('EMVCO_MISSING_FIELD', '63 CRC is missing', '63', payload.length);
  if (crc !== last) fail('EMVCO_CRC_MALFORMED', '63 CRC must be the last element', crc);
  if (
    payload.slice(crc.offset, crc.offset + 4) !== CRC_HEADER ||
    !/^[0-9A-Fa-f]{4}$/.test(crc.value)
  ) {
    fail('EMVCO_CRC_MALFORMED', '63 must be 4 hex digits', crc);
  }
  const expected = emvcoCrc(payload.slice(0, crc.offset + 4));
  if (crc.value.toUpperCase() !== expected)
    fail('EMVCO_CRC_MISMATCH', '63 CRC does not match the payload', crc);

  const format = required(byId, '00', 'payload format indicator', '', 0);
  if (elements[0] !== format)
    fail('EMVCO_INVALID_VALUE', '00 payload format indicator must come first', format);
  if (format.value !== EMVCO_PAYLOAD_FORMAT) fail('EMVCO_INVALID_VALUE', '00 must be 01', format);

  const currency = numeric(required(byId, '53', 'transaction currency'), 3);
  const out: EmvcoPayload = {
    merchantAccounts: [],
    mcc: numeric(required(byId, '52', 'merchant category code'), 4),
    currency,
    country: required(byId, '58', 'country code').value,
    merchantName: required(byId, '59', 'merchant name').value,
    merchantCity: required(byId, '60', 'merchant city').value,
  };
  if (!/^[A-Z]{2}$/.test(out.country))
    fail(
      'EMVCO_INVALID_VALUE',
      '58 must be an ISO 3166 alpha-2 code',
      byId.get('58') as LocatedTlv,
    );

  const initiation = byId.get('01');
  if (initiation) {
    const code = numeric(initiation, 2);
    if (code === '11') out.initiation = 'static';
    else if (code === '12') out.initiation = 'dynamic';
    else fail('EMVCO_INVALID_VALUE', '01 must be 11 (static) or 12 (dynamic)', initiation);
  }

  const accounts: EmvcoMerchantAccount[] = [];
  const rfu: EmvcoTlv[] = [];
  const unreserved: EmvcoTemplate[] = [];
  for (const e of elements) {
    if (isSchemeAccountId(e.id)) accounts.push({ id: e.id, value: e.value });
    else if (isTemplateAccountId(e.id)) accounts.push(parseTemplate(e));
    else if (isRfuId(e.id)) rfu.push({ id: e.id, value: e.value });
    else if (isUnreservedId(e.id)) unreserved.push(parseTemplate(e));
  }
  if (accounts.length === 0) {
    throw new EmvcoError(
      'EMVCO_MISSING_FIELD',
      'at least one merchant account (02–51) is required',
      '26',
    );
  }
  out.merchantAccounts = accounts;
  if (rfu.length > 0) out.rfu = rfu;
  if (unreserved.length > 0) out.unreserved = unreserved;

  const amount = byId.get('54');
  if (amount) out.amount = parseAmount(amount, currency);
  const tip = parseTip(byId, currency);
  if (tip) out.tip = tip;
  const postal = byId.get('61');
  if (postal) out.postalCode = postal.value;
  const additional = byId.get('62');
  if (additional) out.additionalData = parseAdditionalData(additional);
  const language = byId.get('64');
  if (language) out.language = parseLanguage(language);
  return out;
}
