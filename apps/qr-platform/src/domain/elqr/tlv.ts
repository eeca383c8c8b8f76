/**
 * ELQR TLV: 2-digit id, 2-digit decimal length, value. The length counts UTF-16 code units (what
 * Kyrgyz bank apps count), not UTF-8 bytes, so `3409КИРИЛЛ Б.` is valid. Astral characters take
 * two code units for one symbol and make producers disagree on lengths: they are rejected.
 */

/**
 * Stable codec error codes:
 * - `ELQR_MALFORMED`: the text is not ELQR (bad TLV header, truncated element, missing or repeated
 *   element, elements after the checksum, an additional field without its five parts);
 * - `ELQR_VALUE_TOO_LONG`: a value does not fit its limit or its 2-digit length;
 * - `ELQR_UNSUPPORTED_CHARACTER`: a character outside the BMP (lengths would be ambiguous);
 * - `ELQR_INVALID_VALUE`: well-formed TLV holding a value the format does not allow (amount, flag, MCC);
 * - `ELQR_CHECKSUM_MISMATCH`: ID 63 does not match the text it protects (only when verification is asked).
 */
export type ElqrErrorCode =
  | 'ELQR_MALFORMED'
  | 'ELQR_VALUE_TOO_LONG'
  | 'ELQR_UNSUPPORTED_CHARACTER'
  | 'ELQR_INVALID_VALUE'
  | 'ELQR_CHECKSUM_MISMATCH';

/**
 * A codec failure; `field` names the element (`32/11`, `54`, `35/01`, …) when one is at fault and
 * `offset` is where it starts in the decoded payload text (UTF-16 code units), when parsing.
 */
export class ElqrError extends Error {
  readonly code: ElqrErrorCode;
  readonly field: string | undefined;
  readonly offset: number | undefined;

  constructor(code: ElqrErrorCode, message: string, field?: string, offset?: number) {
    super(message);
    this.name = 'ElqrError';
    this.code = code;
    this.field = field;
    this.offset = offset;
  }
}

export interface TlvElement {
  readonly id: string;
  readonly value: string;
}

/** An element with the offset of its header in the whole payload, for precise parse errors. */
export interface LocatedTlvElement extends TlvElement {
  readonly offset: number;
}

/** Largest value a 2-digit length can describe. */
export const TLV_MAX_VALUE_LENGTH = 99;

const TWO_DIGITS = /^\d{2}$/;

/** True when text[i] and text[i + 1] are both ASCII digits (what `^\d{2}$` tests on a slice). */
function digitPairAt(text: string, i: number): boolean {
  if (i + 2 > text.length) return false;
  const a = text.charCodeAt(i) - 48;
  const b = text.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9;
}
// Any surrogate code unit: astral characters (paired) and broken halves (lone) alike.
const SURROGATE = /[\uD800-\uDFFF]/;

export function hasAstralCharacters(value: string): boolean {
  return SURROGATE.test(value);
}

export function assertNoAstral(value: string, field: string): void {
  if (hasAstralCharacters(value)) {
    throw new ElqrError(
      'ELQR_UNSUPPORTED_CHARACTER',
      `${field} contains a character outside the Basic Multilingual Plane`,
      field,
    );
  }
}

export function encodeTlv(id: string, value: string): string {
  if (!TWO_DIGITS.test(id))
    throw new ElqrError('ELQR_INVALID_VALUE', `bad TLV id ${JSON.stringify(id)}`);
  assertNoAstral(value, id);
  if (value.length > TLV_MAX_VALUE_LENGTH) {
    throw new ElqrError(
      'ELQR_VALUE_TOO_LONG',
      `element ${id} is ${value.length} characters, at most ${TLV_MAX_VALUE_LENGTH} fit`,
      id,
    );
  }
  return `${id}${String(value.length).padStart(2, '0')}${value}`;
}

export function encodeTlvs(elements: readonly TlvElement[]): string {
  return elements.map((e) => encodeTlv(e.id, e.value)).join('');
}

/** Splits text into elements in the order received; throws ELQR_MALFORMED on any inconsistency. */
export function decodeTlvs(text: string): TlvElement[] {
  return decodeLocatedTlvs(text).map(({ id, value }) => ({ id, value }));
}

/**
 * decodeTlvs for text nested at `base` in a payload (a template's value): offsets and field names
 * (`scope` + id, e.g. `32/` + `11`) in errors point into the whole payload.
 */
export function decodeLocatedTlvs(text: string, base = 0, scope = ''): LocatedTlvElement[] {
  const astral = text.search(SURROGATE);
  if (astral !== -1) {
    throw new ElqrError(
      'ELQR_UNSUPPORTED_CHARACTER',
      `payload contains a character outside the BMP at offset ${base + astral}`,
      undefined,
      base + astral,
    );
  }
  const out: LocatedTlvElement[] = [];
  let i = 0;
  while (i < text.length) {
    const id = text.slice(i, i + 2);
    const at = base + i;
    if (!digitPairAt(text, i) || !digitPairAt(text, i + 2)) {
      const field =
        scope && TWO_DIGITS.test(id) ? `${scope}${id}` : scope.slice(0, -1) || undefined;
      throw new ElqrError('ELQR_MALFORMED', `bad TLV header at offset ${at}`, field, at);
    }
    const start = i + 4;
    const end = start + (text.charCodeAt(i + 2) - 48) * 10 + (text.charCodeAt(i + 3) - 48);
    if (end > text.length) {
      throw new ElqrError(
        'ELQR_MALFORMED',
        `element ${scope}${id} at offset ${at} runs past the end`,
        `${scope}${id}`,
        at,
      );
    }
    out.push({ id, value: text.slice(start, end), offset: at });
    i = end;
  }
  return out;
}
