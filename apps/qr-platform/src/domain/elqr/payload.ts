import {
  ELQR_ADDITIONAL_IDS,
  type ElqrAdditionalField,
  packAdditionalFields,
  parseAdditionalTemplate,
} from './additional';
import { checksumMatches, elqrChecksum } from './checksum';
import {
  assertNoAstral,
  decodeLocatedTlvs,
  ElqrError,
  encodeTlv,
  encodeTlvs,
  type LocatedTlvElement,
  type TlvElement,
} from './tlv';

export type ElqrType = 'static' | 'dynamic';

/** Root ID 32: who collects the money (the provider/PSP) and for what. */
export interface ElqrService {
  /** 32/00, a domain such as `qr.finik.kg`. */
  providerId: string;
  /** 32/01. */
  serviceCode?: string;
  /** 32/10. */
  recipientId?: string;
  /** 32/11: the provider's reference for this one payment (dynamic codes). */
  transactionId?: string;
  /** 32/12. */
  amountEditable?: boolean;
  /** 32/13. */
  recipientIdEditable?: boolean;
  /** Sub-elements of 32 this codec does not interpret, kept verbatim so a rebuild loses nothing. */
  extra?: readonly TlvElement[];
}

/** Root ID 33. */
export interface ElqrMerchant {
  /** 33/00. */
  merchantId?: string;
  /** 33/01. */
  serviceName?: string;
  /** Sub-elements of 33 this codec does not interpret, kept verbatim. */
  extra?: readonly TlvElement[];
}

/** The decoded content of an ELQR payload (everything but the checksum). */
export interface ElqrPayment {
  /** 00, `01` today. */
  version: string;
  /** 01: `11` static (payer enters the amount), `12` dynamic. */
  type: ElqrType;
  service: ElqrService;
  merchant?: ElqrMerchant;
  /** 34. */
  comment?: string;
  /** 52, four digits. */
  mcc?: string;
  /** 53, ISO 4217 numeric (`417` = KGS). */
  currency?: string;
  /** 54: an integer count of tyiyn (1 KGS = 100 tyiyn), never a decimal string. */
  amountTyiyn?: bigint;
  /** 59, the display name. */
  name?: string;
  /** 35–39: additional fields in order, across the templates they were packed into. */
  additional?: ElqrAdditionalField[];
  /** Root elements this codec does not interpret, kept verbatim. */
  extra?: readonly TlvElement[];
}

export const ELQR_VERSION = '01';
export const ELQR_CURRENCY_KGS = '417';

/** Value limits, in UTF-16 code units (protocols.md §5.2). */
export const ELQR_LIMITS = {
  providerId: 32,
  serviceCode: 32,
  recipientId: 32,
  transactionId: 32,
  merchantId: 32,
  serviceName: 32,
  comment: 32,
  name: 25,
  amountDigits: 13,
} as const;

const TYPE_CODES: Record<ElqrType, string> = { static: '11', dynamic: '12' };
const KNOWN_ROOT_IDS = new Set([
  '00',
  '01',
  '32',
  '33',
  '34',
  ...ELQR_ADDITIONAL_IDS,
  '52',
  '53',
  '54',
  '59',
  '63',
]);
const KNOWN_SERVICE_IDS = new Set(['00', '01', '10', '11', '12', '13']);
const KNOWN_MERCHANT_IDS = new Set(['00', '01']);
const CHECKSUM_ELEMENT_LENGTH = 8; // `6304` + 4 hex

function flagCode(value: boolean): string {
  return value ? '11' : '12';
}

function limited(value: string, max: number, field: string): string {
  assertNoAstral(value, field);
  if (value.length > max) {
    throw new ElqrError(
      'ELQR_VALUE_TOO_LONG',
      `${field} is ${value.length} characters, at most ${max}`,
      field,
    );
  }
  return value;
}

function matching(value: string, pattern: RegExp, field: string, what: string): string {
  if (!pattern.test(value))
    throw new ElqrError('ELQR_INVALID_VALUE', `${field} must be ${what}`, field);
  return value;
}

/** Appends uninterpreted sub-elements after the known ones, in ascending id order (stable). */
function withExtra(
  subs: TlvElement[],
  extra: readonly TlvElement[] | undefined,
  known: ReadonlySet<string>,
  scope: string,
): TlvElement[] {
  for (const e of extra ?? []) {
    if (known.has(e.id)) {
      throw new ElqrError(
        'ELQR_INVALID_VALUE',
        `extra element ${scope}${e.id} is a known id`,
        `${scope}${e.id}`,
      );
    }
    subs.push(e);
  }
  return subs.sort((a, b) => Number(a.id) - Number(b.id));
}

function serviceTemplate(s: ElqrService): string {
  if (!s.providerId)
    throw new ElqrError('ELQR_INVALID_VALUE', '32/00 providerId is required', '32/00');
  const subs: TlvElement[] = [
    { id: '00', value: limited(s.providerId, ELQR_LIMITS.providerId, '32/00') },
  ];
  if (s.serviceCode !== undefined) {
    subs.push({ id: '01', value: limited(s.serviceCode, ELQR_LIMITS.serviceCode, '32/01') });
  }
  if (s.recipientId !== undefined) {
    subs.push({ id: '10', value: limited(s.recipientId, ELQR_LIMITS.recipientId, '32/10') });
  }
  if (s.transactionId !== undefined) {
    subs.push({ id: '11', value: limited(s.transactionId, ELQR_LIMITS.transactionId, '32/11') });
  }
  if (s.amountEditable !== undefined) subs.push({ id: '12', value: flagCode(s.amountEditable) });
  if (s.recipientIdEditable !== undefined)
    subs.push({ id: '13', value: flagCode(s.recipientIdEditable) });
  return encodeTlvs(withExtra(subs, s.extra, KNOWN_SERVICE_IDS, '32/'));
}

function merchantTemplate(m: ElqrMerchant): string {
  const subs: TlvElement[] = [];
  if (m.merchantId !== undefined) {
    subs.push({ id: '00', value: limited(m.merchantId, ELQR_LIMITS.merchantId, '33/00') });
  }
  if (m.serviceName !== undefined) {
    subs.push({ id: '01', value: limited(m.serviceName, ELQR_LIMITS.serviceName, '33/01') });
  }
  return encodeTlvs(withExtra(subs, m.extra, KNOWN_MERCHANT_IDS, '33/'));
}

function amountDigits(amount: bigint): string {
  if (amount < 0n)
    throw new ElqrError('ELQR_INVALID_VALUE', '54 amount must not be negative', '54');
  const digits = amount.toString();
  if (digits.length > ELQR_LIMITS.amountDigits) {
    throw new ElqrError(
      'ELQR_VALUE_TOO_LONG',
      `54 amount has more than ${ELQR_LIMITS.amountDigits} digits`,
      '54',
    );
  }
  return digits;
}

/**
 * Encodes a payment as ELQR payload text, root elements in ascending id order and the checksum
 * last, so a payload parsed from a canonical producer rebuilds byte for byte.
 */
export function buildElqrPayload(p: ElqrPayment): string {
  const root: TlvElement[] = [
    { id: '00', value: matching(p.version, /^\d{2}$/, '00', 'two digits') },
    { id: '01', value: TYPE_CODES[p.type] },
    { id: '32', value: serviceTemplate(p.service) },
  ];
  if (p.service.serviceCode === undefined && p.merchant?.merchantId === undefined) {
    throw new ElqrError(
      'ELQR_INVALID_VALUE',
      'either 32/01 serviceCode or 33/00 merchantId is required',
      '32/01',
    );
  }
  if (p.merchant) {
    const template = merchantTemplate(p.merchant);
    if (template) root.push({ id: '33', value: template });
  }
  if (p.comment !== undefined)
    root.push({ id: '34', value: limited(p.comment, ELQR_LIMITS.comment, '34') });
  if (p.mcc !== undefined)
    root.push({ id: '52', value: matching(p.mcc, /^\d{4}$/, '52', 'four digits') });
  if (p.currency !== undefined) {
    root.push({ id: '53', value: matching(p.currency, /^\d{3}$/, '53', 'three digits') });
  }
  if (p.amountTyiyn !== undefined) root.push({ id: '54', value: amountDigits(p.amountTyiyn) });
  if (p.name !== undefined) root.push({ id: '59', value: limited(p.name, ELQR_LIMITS.name, '59') });
  if (p.additional) root.push(...packAdditionalFields(p.additional));
  for (const e of p.extra ?? []) {
    if (KNOWN_ROOT_IDS.has(e.id)) {
      throw new ElqrError('ELQR_INVALID_VALUE', `extra element ${e.id} is a known id`, e.id);
    }
    root.push(e);
  }
  // Stable sort: repeated extra ids keep their relative order.
  root.sort((a, b) => Number(a.id) - Number(b.id));
  const body = encodeTlvs(root);
  return body + encodeTlv('63', elqrChecksum(body));
}

export interface ParsedElqr {
  payment: ElqrPayment;
  /** The ID 63 value as received. */
  checksum: string;
  checksumValid: boolean;
  /** Root elements in the order received. */
  elements: readonly TlvElement[];
}

export interface ParseElqrOptions {
  /**
   * Throw ELQR_CHECKSUM_MISMATCH instead of returning `checksumValid: false`: for callers that act
   * on the payment (a payer's bank), where a mismatching payload must never be read as a payment.
   */
  verifyChecksum?: boolean;
}

/**
 * Finds ID 63 and the text it protects. ID 63 must be the last element: anything after it would
 * not be covered by the checksum, so such a payload cannot be trusted.
 */
function splitChecksum(
  payload: string,
  elements: readonly LocatedTlvElement[],
): { body: string; checksum: string } {
  const index = elements.findIndex((e) => e.id === '63');
  if (index === -1)
    throw new ElqrError('ELQR_MALFORMED', 'ID 63 checksum is missing', '63', payload.length);
  const element = elements[index] as LocatedTlvElement;
  if (index !== elements.length - 1) {
    throw new ElqrError(
      'ELQR_MALFORMED',
      'elements after ID 63 are not covered by the checksum',
      '63',
      element.offset,
    );
  }
  if (!/^[0-9a-fA-F]{4}$/.test(element.value)) {
    throw new ElqrError('ELQR_MALFORMED', 'ID 63 must be 4 hex characters', '63', element.offset);
  }
  return {
    body: payload.slice(0, payload.length - CHECKSUM_ELEMENT_LENGTH),
    checksum: element.value,
  };
}

function flagOf(e: LocatedTlvElement, field: string): boolean {
  if (e.value === '11') return true;
  if (e.value === '12') return false;
  throw new ElqrError('ELQR_INVALID_VALUE', `${field} must be 11 or 12`, field, e.offset);
}

function single(
  elements: readonly LocatedTlvElement[],
  scope: string,
): Map<string, LocatedTlvElement> {
  const byId = new Map<string, LocatedTlvElement>();
  for (const e of elements) {
    if (byId.has(e.id)) {
      throw new ElqrError(
        'ELQR_MALFORMED',
        `${scope}${e.id} appears twice`,
        `${scope}${e.id}`,
        e.offset,
      );
    }
    byId.set(e.id, e);
  }
  return byId;
}

/** Sub-elements of a root template, located in the whole payload, plus the uninterpreted ones. */
function subElements(
  e: LocatedTlvElement,
  known: ReadonlySet<string>,
): { subs: Map<string, LocatedTlvElement>; extra: TlvElement[] } {
  const all = decodeLocatedTlvs(e.value, e.offset + 4, `${e.id}/`);
  return {
    subs: single(all, `${e.id}/`),
    extra: all.filter((s) => !known.has(s.id)).map(({ id, value }) => ({ id, value })),
  };
}

function validValue(e: LocatedTlvElement, pattern: RegExp, field: string, what: string): string {
  if (!pattern.test(e.value))
    throw new ElqrError('ELQR_INVALID_VALUE', `${field} must be ${what}`, field, e.offset);
  return e.value;
}

function parseService(template: LocatedTlvElement): ElqrService {
  const { subs, extra } = subElements(template, KNOWN_SERVICE_IDS);
  const providerId = subs.get('00')?.value;
  if (!providerId) {
    throw new ElqrError('ELQR_MALFORMED', '32/00 providerId is missing', '32/00', template.offset);
  }
  const service: ElqrService = { providerId };
  const serviceCode = subs.get('01');
  if (serviceCode !== undefined) service.serviceCode = serviceCode.value;
  const recipientId = subs.get('10');
  if (recipientId !== undefined) service.recipientId = recipientId.value;
  const transactionId = subs.get('11');
  if (transactionId !== undefined) service.transactionId = transactionId.value;
  const amountEditable = subs.get('12');
  if (amountEditable !== undefined) service.amountEditable = flagOf(amountEditable, '32/12');
  const recipientIdEditable = subs.get('13');
  if (recipientIdEditable !== undefined)
    service.recipientIdEditable = flagOf(recipientIdEditable, '32/13');
  if (extra.length > 0) service.extra = extra;
  return service;
}

function parseMerchant(template: LocatedTlvElement): ElqrMerchant {
  const { subs, extra } = subElements(template, KNOWN_MERCHANT_IDS);
  const merchant: ElqrMerchant = {};
  const merchantId = subs.get('00');
  if (merchantId !== undefined) merchant.merchantId = merchantId.value;
  const serviceName = subs.get('01');
  if (serviceName !== undefined) merchant.serviceName = serviceName.value;
  if (extra.length > 0) merchant.extra = extra;
  return merchant;
}

/**
 * Decodes payload text (not a link). Elements may arrive in any order (Elcart puts 53 before 52);
 * the checksum is verified over the text exactly as received. A wrong checksum does not throw
 * unless `verifyChecksum` is set: `checksumValid` is false and the caller decides. Structural
 * faults throw ElqrError with the field and offset at fault.
 */
export function parseElqrPayload(payload: string, options: ParseElqrOptions = {}): ParsedElqr {
  const located = decodeLocatedTlvs(payload);
  const { body, checksum } = splitChecksum(payload, located);
  const checksumValid = checksumMatches(checksum, body);
  // Checked before the content: a payload that does not match may be anything, so its content
  // errors would only mislead.
  if (options.verifyChecksum && !checksumValid) {
    throw new ElqrError(
      'ELQR_CHECKSUM_MISMATCH',
      'ID 63 does not match the payload',
      '63',
      payload.length - CHECKSUM_ELEMENT_LENGTH,
    );
  }
  const known = single(
    located.filter((e) => KNOWN_ROOT_IDS.has(e.id)),
    '',
  );
  const extra = located
    .filter((e) => !KNOWN_ROOT_IDS.has(e.id))
    .map(({ id, value }) => ({ id, value }));

  const version = known.get('00');
  if (version === undefined)
    throw new ElqrError('ELQR_MALFORMED', 'ID 00 version is missing', '00', 0);
  const typeElement = known.get('01');
  const type =
    typeElement?.value === '11' ? 'static' : typeElement?.value === '12' ? 'dynamic' : undefined;
  if (!type) {
    throw new ElqrError(
      'ELQR_MALFORMED',
      'ID 01 must be 11 (static) or 12 (dynamic)',
      '01',
      typeElement?.offset ?? 0,
    );
  }
  const service = known.get('32');
  if (service === undefined) throw new ElqrError('ELQR_MALFORMED', 'ID 32 is missing', '32', 0);

  const payment: ElqrPayment = {
    version: validValue(version, /^\d{2}$/, '00', 'two digits'),
    type,
    service: parseService(service),
  };
  const merchant = known.get('33');
  if (merchant !== undefined) payment.merchant = parseMerchant(merchant);
  // 34 is free text: Cyrillic, `:` and `#` are plain characters here.
  const comment = known.get('34');
  if (comment !== undefined) payment.comment = comment.value;
  const mcc = known.get('52');
  if (mcc !== undefined) payment.mcc = validValue(mcc, /^\d{4}$/, '52', 'four digits');
  const currency = known.get('53');
  if (currency !== undefined)
    payment.currency = validValue(currency, /^\d{3}$/, '53', 'three digits');
  const amount = known.get('54');
  if (amount !== undefined) {
    // `54010` (0) is what some banks put on static links; it is kept, not read as "no amount".
    payment.amountTyiyn = BigInt(validValue(amount, /^\d{1,13}$/, '54', '1 to 13 digits'));
  }
  const name = known.get('59');
  if (name !== undefined) payment.name = name.value;
  const additional = ELQR_ADDITIONAL_IDS.flatMap((id) => {
    const template = known.get(id);
    return template ? parseAdditionalTemplate(id, template.value, template.offset) : [];
  });
  if (additional.length > 0) payment.additional = additional;
  if (extra.length > 0) payment.extra = extra;

  const elements = located.map(({ id, value }) => ({ id, value }));
  return { payment, checksum, checksumValid, elements };
}

/** True when the payload is well-formed TLV ending in a matching ID 63. Never throws. */
export function verifyElqrChecksum(payload: string): boolean {
  try {
    const { body, checksum } = splitChecksum(payload, decodeLocatedTlvs(payload));
    return checksumMatches(checksum, body);
  } catch {
    return false;
  }
}
