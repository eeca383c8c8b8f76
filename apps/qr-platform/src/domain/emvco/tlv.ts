/**
 * EMVCo TLV: 2-digit id, 2-digit decimal length, value. The length counts characters (the spec's
 * own sample has `0104最佳运输`), i.e. UTF-16 code units here; astral characters would count as
 * two and make producers disagree, so they are rejected as ELQR does.
 */

export type EmvcoErrorCode =
  /** A TLV header that is not 2+2 digits. */
  | 'EMVCO_MALFORMED'
  /** An element whose length runs past the end of its payload or template. */
  | 'EMVCO_BAD_LENGTH'
  /** ID 63 does not match the payload. */
  | 'EMVCO_CRC_MISMATCH'
  /** ID 63 is not the last element or not 4 hex digits. */
  | 'EMVCO_CRC_MALFORMED'
  /** A mandatory element (00, 52, 53, 58, 59, 60, 63, a merchant account, a GUID …) is absent. */
  | 'EMVCO_MISSING_FIELD'
  /** An id appears twice in the same scope. */
  | 'EMVCO_DUPLICATE_FIELD'
  /** Digits required (52, 53, 55 …) and something else found. */
  | 'EMVCO_NOT_NUMERIC'
  /** 54/56/57 is not a decimal amount the currency allows. */
  | 'EMVCO_AMOUNT_FORMAT'
  /** A value outside its allowed set (00 ≠ 01, 01 ∉ {11, 12}, 58 not alpha-2, …). */
  | 'EMVCO_INVALID_VALUE'
  /** A value longer than its element allows (build side). */
  | 'EMVCO_VALUE_TOO_LONG'
  /** Control or astral characters. */
  | 'EMVCO_UNSUPPORTED_CHARACTER';

/**
 * A codec failure. `field` names the element (`54`, `62/05`, `26/00`) and `offset` the character
 * index of its TLV header in the payload, when one is at fault.
 */
export class EmvcoError extends Error {
  readonly code: EmvcoErrorCode;
  readonly field: string | undefined;
  readonly offset: number | undefined;

  constructor(code: EmvcoErrorCode, message: string, field?: string, offset?: number) {
    super(offset === undefined ? message : `${message} (offset ${offset})`);
    this.name = 'EmvcoError';
    this.code = code;
    this.field = field;
    this.offset = offset;
  }
}

export interface EmvcoTlv {
  readonly id: string;
  readonly value: string;
}

/** A decoded element and where its header starts in the whole payload. */
export interface LocatedTlv extends EmvcoTlv {
  readonly offset: number;
}

export const TLV_MAX_VALUE_LENGTH = 99;

const TWO_DIGITS = /^\d{2}$/;

/** True when text[i] and text[i + 1] are both ASCII digits (what `^\d{2}$` tests on a slice). */
function digitPairAt(text: string, i: number): boolean {
  if (i + 2 > text.length) return false;
  const a = text.charCodeAt(i) - 48;
  const b = text.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9;
}
// Surrogates (astral characters and lone halves), C0/C1 controls and DEL: nothing a payer's app
// can display or a QR producer should emit.

const UNSUPPORTED = /[\uD800-\uDFFF\u0000-\u001F\u007F-\u009F]/;

/** `offset` is where `value` starts in the payload; the error points at the bad character itself. */
export function assertPrintable(value: string, field: string, offset?: number): void {
  const at = value.search(UNSUPPORTED);
  if (at !== -1) {
    offset = offset === undefined ? undefined : offset + at;
    throw new EmvcoError(
      'EMVCO_UNSUPPORTED_CHARACTER',
      `${field} contains a control character or one outside the Basic Multilingual Plane`,
      field,
      offset,
    );
  }
}

export function encodeTlv(id: string, value: string, scope = ''): string {
  const field = `${scope}${id}`;
  if (!TWO_DIGITS.test(id))
    throw new EmvcoError('EMVCO_INVALID_VALUE', `bad TLV id ${JSON.stringify(id)}`, field);
  assertPrintable(value, field);
  if (value.length === 0)
    throw new EmvcoError('EMVCO_INVALID_VALUE', `element ${field} is empty`, field);
  if (value.length > TLV_MAX_VALUE_LENGTH) {
    throw new EmvcoError(
      'EMVCO_VALUE_TOO_LONG',
      `element ${field} is ${value.length} characters, at most ${TLV_MAX_VALUE_LENGTH} fit`,
      field,
    );
  }
  return `${id}${String(value.length).padStart(2, '0')}${value}`;
}

/**
 * Splits `text` into elements in the order received. `base` is the offset of `text` in the whole
 * payload and `scope` the template prefix (`62/`), so errors point into the payload as scanned.
 */
export function decodeTlvs(text: string, base = 0, scope = ''): LocatedTlv[] {
  const out: LocatedTlv[] = [];
  let i = 0;
  while (i < text.length) {
    const id = text.slice(i, i + 2);
    if (!digitPairAt(text, i)) {
      throw new EmvcoError(
        'EMVCO_MALFORMED',
        `bad TLV id in ${scope || 'payload'}`,
        scope ? scope.slice(0, -1) : undefined,
        base + i,
      );
    }
    const field = `${scope}${id}`;
    if (!digitPairAt(text, i + 2)) {
      throw new EmvcoError(
        'EMVCO_BAD_LENGTH',
        `element ${field} has no 2-digit length`,
        field,
        base + i,
      );
    }
    const start = i + 4;
    const end = start + (text.charCodeAt(i + 2) - 48) * 10 + (text.charCodeAt(i + 3) - 48);
    if (end > text.length) {
      throw new EmvcoError(
        'EMVCO_BAD_LENGTH',
        `element ${field} runs past the end`,
        field,
        base + i,
      );
    }
    if (end === start) {
      throw new EmvcoError('EMVCO_BAD_LENGTH', `element ${field} has length 00`, field, base + i);
    }
    out.push({ id, value: text.slice(start, end), offset: base + i });
    i = end;
  }
  return out;
}

/** Indexes elements by id; an id seen twice in one scope is an error. */
export function uniqueById(elements: readonly LocatedTlv[], scope = ''): Map<string, LocatedTlv> {
  const byId = new Map<string, LocatedTlv>();
  for (const e of elements) {
    if (byId.has(e.id)) {
      throw new EmvcoError(
        'EMVCO_DUPLICATE_FIELD',
        `${scope}${e.id} appears twice`,
        `${scope}${e.id}`,
        e.offset,
      );
    }
    byId.set(e.id, e);
  }
  return byId;
}
