/**
 * ELQR TLV: 2-digit id, 2-digit decimal length, value. The length counts UTF-16 code units (what
 * Kyrgyz bank apps count), not UTF-8 bytes, so `3409КИРИЛЛ Б.` is valid. Astral characters take
 * two code units for one symbol and make producers disagree on lengths: they are rejected.
 */

export type ElqrErrorCode =
  | 'ELQR_MALFORMED'
  | 'ELQR_VALUE_TOO_LONG'
  | 'ELQR_UNSUPPORTED_CHARACTER'
  | 'ELQR_INVALID_VALUE';

/** A codec failure; `field` names the element (`32/11`, `54`, …) when one is at fault. */
export class ElqrError extends Error {
  readonly code: ElqrErrorCode;
  readonly field: string | undefined;

  constructor(code: ElqrErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'ElqrError';
    this.code = code;
    this.field = field;
  }
}

export interface TlvElement {
  readonly id: string;
  readonly value: string;
}

/** Largest value a 2-digit length can describe. */
export const TLV_MAX_VALUE_LENGTH = 99;

const TWO_DIGITS = /^\d{2}$/;
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
  if (hasAstralCharacters(text)) {
    throw new ElqrError(
      'ELQR_UNSUPPORTED_CHARACTER',
      'payload contains a character outside the BMP',
    );
  }
  const out: TlvElement[] = [];
  let i = 0;
  while (i < text.length) {
    const id = text.slice(i, i + 2);
    const len = text.slice(i + 2, i + 4);
    if (!TWO_DIGITS.test(id) || !TWO_DIGITS.test(len)) {
      throw new ElqrError('ELQR_MALFORMED', `bad TLV header at offset ${i}`);
    }
    const start = i + 4;
    const end = start + Number(len);
    if (end > text.length) {
      throw new ElqrError('ELQR_MALFORMED', `element ${id} at offset ${i} runs past the end`, id);
    }
    out.push({ id, value: text.slice(start, end) });
    i = end;
  }
  return out;
}
