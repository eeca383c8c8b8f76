import { createHash } from 'node:crypto';

import { qrbankErrors } from './errors';

/**
 * A minimal ELQR reader (protocols.md §5.2), written for the payer bank app and apart from
 * Tolem's qr-platform codec: the public Finik vectors check each side alone.
 */

export interface TlvElement {
  id: string;
  value: string;
  /** Offset of the element's ID in the payload (UTF-16 code units). */
  start: number;
}

function invalid(field: string, message: string): never {
  throw qrbankErrors.create('QRBANK_PAYLOAD_INVALID', `${field}: ${message}`, {
    details: { field },
  });
}

/**
 * 2-digit ID, 2-digit length counted in characters (UTF-16 code units, not bytes), value. IDs may
 * come in any order; a repeated ID is refused.
 */
export function parseTlv(text: string, where = 'payload'): TlvElement[] {
  const elements: TlvElement[] = [];
  const seen = new Set<string>();
  let i = 0;
  while (i < text.length) {
    const head = text.slice(i, i + 4);
    if (!/^\d{4}$/.test(head)) invalid(where, `malformed element at ${i}`);
    const id = head.slice(0, 2);
    const length = Number.parseInt(head.slice(2), 10);
    if (i + 4 + length > text.length) invalid(where, `element ${id} runs past the end`);
    if (seen.has(id)) invalid(where, `element ${id} appears twice`);
    seen.add(id);
    elements.push({ id, value: text.slice(i + 4, i + 4 + length), start: i });
    i += 4 + length;
  }
  return elements;
}

/**
 * The payload of a payment link: everything after the first `#`, percent-decoded as UTF-8; a
 * string without `#` is taken as the raw payload (what a QR image may hold).
 */
export function payloadOfLink(input: string): string {
  const trimmed = input.trim();
  const hash = trimmed.indexOf('#');
  const raw = hash < 0 ? trimmed : trimmed.slice(hash + 1);
  try {
    return decodeURIComponent(raw);
  } catch {
    return invalid('link', 'not valid percent-encoded UTF-8');
  }
}

/** ID 63: the last 4 hex digits of SHA-256 over the UTF-8 text before the `63` element. */
export function elqrChecksum(textBefore63: string): string {
  return createHash('sha256').update(textBefore63, 'utf8').digest('hex').slice(-4);
}

/** Checks the ID 63 checksum as received; 63 must be the last element. */
export function verifyChecksum(payload: string, elements: readonly TlvElement[]): void {
  const crc = elements.find((e) => e.id === '63');
  if (crc === undefined) invalid('63', 'checksum missing');
  if (elements[elements.length - 1] !== crc) invalid('63', 'checksum must be the last element');
  if (!/^[0-9A-Fa-f]{4}$/.test(crc.value)) invalid('63', 'checksum must be 4 hex digits');
  const expected = elqrChecksum(payload.slice(0, crc.start));
  if (expected !== crc.value.toLowerCase()) {
    throw qrbankErrors.create('QRBANK_CHECKSUM_INVALID', 'The QR checksum (ID 63) does not match', {
      details: { field: '63' },
    });
  }
}

/** One visible additional field (IDs 35-39): `key:label:value:title:visible`. */
export interface ExtraField {
  key: string;
  label: string;
  value: string;
  title: string;
}

/** Every additional field (IDs 35-39) with all its parts, hidden ones included. */
export interface AdditionalField extends ExtraField {
  /** Root ID (35-39) and sub-ID of the element that carried it. */
  id: string;
  subId: string;
  /** Wire `11` visible, `12` hidden: the payer's app shows only visible ones. */
  visible: boolean;
}

export interface ElqrPayment {
  payload: string;
  kind: 'static' | 'dynamic';
  providerId: string;
  serviceCode?: string;
  recipientId?: string;
  transactionId?: string;
  /** What the bank reports to Tolem as qr_id: 32/11 transactionId, else 32/10 recipientId. */
  qrId: string;
  /** ID 54 in tyiyn; undefined (or 0) lets the payer type the amount. */
  amountTyiyn?: bigint;
  amountEditable: boolean;
  currency: string;
  mcc?: string;
  merchantName?: string;
  merchantId?: string;
  serviceName?: string;
  comment?: string;
  /** The additional fields marked visible: what the payer's app shows. */
  extraFields: ExtraField[];
  /** All additional fields (IDs 35-39), in payload order, each split into its parts. */
  additionalData: AdditionalField[];
}

const flag = (v: string | undefined) => v === '11';

/**
 * IDs 35-39: each a TLV list whose values are `key:label:value:title:visibility`, visibility `11`
 * (shown) or `12` (hidden). A `:` inside a part is impossible to tell apart, so five parts exactly.
 */
function readAdditionalData(root: ReadonlyMap<string, string>): AdditionalField[] {
  const fields: AdditionalField[] = [];
  for (const id of ['35', '36', '37', '38', '39']) {
    const value = root.get(id);
    if (value === undefined) continue;
    for (const element of parseTlv(value, id)) {
      const where = `${id}/${element.id}`;
      const parts = element.value.split(':');
      if (parts.length !== 5) invalid(where, 'additional fields are key:label:value:title:visible');
      const [key, label, v, title, visibility] = parts as [string, string, string, string, string];
      if (key === '') invalid(where, 'the key is empty');
      if (visibility !== '11' && visibility !== '12') invalid(where, 'visibility must be 11 or 12');
      fields.push({
        id,
        subId: element.id,
        key,
        label,
        value: v,
        title,
        visible: visibility === '11',
      });
    }
  }
  return fields;
}

/**
 * Reads a payment link or raw payload: TLV, checksum, then the fields a payer app shows. Astral
 * characters are refused (lengths would be ambiguous), as are non-KGS codes.
 */
export function decodeElqr(input: string): ElqrPayment {
  const payload = payloadOfLink(input);
  if (payload === '') invalid('link', 'empty');
  if (/[\uD800-\uDFFF]/.test(payload))
    invalid('payload', 'characters outside the BMP are not allowed');
  const elements = parseTlv(payload);
  verifyChecksum(payload, elements);
  const root = new Map(elements.map((e) => [e.id, e.value]));

  if (root.get('00') !== '01') invalid('00', 'version must be 01');
  const type = root.get('01');
  if (type !== undefined && type !== '11' && type !== '12') invalid('01', 'must be 11 or 12');
  const template = root.get('32');
  if (template === undefined) invalid('32', 'provider template is required');
  const sub = new Map(parseTlv(template, '32').map((e) => [e.id, e.value]));
  const providerId = sub.get('00');
  if (!providerId) invalid('32', 'providerId (32/00) is required');
  const merchant = root.has('33')
    ? new Map(parseTlv(root.get('33') ?? '', '33').map((e) => [e.id, e.value]))
    : undefined;
  if (!sub.get('01') && !merchant?.get('00'))
    invalid('32', 'serviceCode (32/01) or merchantId (33/00) is required');

  const currency = root.get('53');
  if (currency !== '417') invalid('53', 'only KGS (417) is supported');
  const amountText = root.get('54');
  if (amountText !== undefined && !/^\d{1,13}$/.test(amountText))
    invalid('54', 'amount must be whole tyiyn');
  const transactionId = sub.get('11') || undefined;
  const recipientId = sub.get('10') || undefined;
  const qrId = transactionId ?? recipientId;
  if (qrId === undefined) invalid('32', 'transactionId (32/11) or recipientId (32/10) is required');

  const additionalData = readAdditionalData(root);
  const extraFields = additionalData
    .filter((f) => f.visible)
    .map(({ key, label, value, title }) => ({ key, label, value, title }));

  const payment: ElqrPayment = {
    payload,
    kind: type === '12' ? 'dynamic' : 'static',
    providerId,
    qrId,
    amountEditable: flag(sub.get('12')),
    currency: 'KGS',
    extraFields,
    additionalData,
  };
  const optional: Array<[keyof ElqrPayment, string | undefined]> = [
    ['serviceCode', sub.get('01')],
    ['recipientId', recipientId],
    ['transactionId', transactionId],
    ['mcc', root.get('52')],
    ['merchantName', root.get('59')],
    ['merchantId', merchant?.get('00')],
    ['serviceName', merchant?.get('01')],
    ['comment', root.get('34')],
  ];
  for (const [key, value] of optional) if (value) Object.assign(payment, { [key]: value });
  if (amountText !== undefined && BigInt(amountText) > 0n) payment.amountTyiyn = BigInt(amountText);
  return payment;
}
