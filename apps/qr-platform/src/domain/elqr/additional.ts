import {
  assertNoAstral,
  decodeLocatedTlvs,
  ElqrError,
  encodeTlv,
  type LocatedTlvElement,
  TLV_MAX_VALUE_LENGTH,
  type TlvElement,
} from './tlv';

/**
 * One additional field (root IDs 35–39): a sub-element whose value is `key:label:value:title:visible`.
 * The payer's bank shows `label`/`value` (under `title`) when `visible`; `key` names the field for
 * the provider.
 */
export interface ElqrAdditionalField {
  key: string;
  label: string;
  value: string;
  title: string;
  /** `11` visible, `12` hidden on the wire. */
  visible: boolean;
}

/** The root templates the fields are packed into, in order, as space runs out. */
export const ELQR_ADDITIONAL_IDS = ['35', '36', '37', '38', '39'] as const;

const SEPARATOR = ':';
const PARTS = ['key', 'label', 'value', 'title'] as const;
const SUB_HEADER_LENGTH = 4;

function encodeField(f: ElqrAdditionalField, field: string): string {
  if (!f.key) throw new ElqrError('ELQR_INVALID_VALUE', `${field}.key is required`, field);
  for (const part of PARTS) {
    assertNoAstral(f[part], field);
    // `:` separates the parts and there is no escape, so a `:` would shift every later part.
    if (f[part].includes(SEPARATOR)) {
      throw new ElqrError('ELQR_INVALID_VALUE', `${field}.${part} must not contain ":"`, field);
    }
  }
  return [f.key, f.label, f.value, f.title, f.visible ? '11' : '12'].join(SEPARATOR);
}

/**
 * Packs fields into templates 35→39 with sub-ids 00, 01, … per template, opening the next template
 * when the current one cannot take the next field. Throws ELQR_VALUE_TOO_LONG when one field
 * cannot fit a template or all five are full.
 */
export function packAdditionalFields(fields: readonly ElqrAdditionalField[]): TlvElement[] {
  const out: TlvElement[] = [];
  let template = '';
  let sub = 0;
  const flush = (): void => {
    const id = ELQR_ADDITIONAL_IDS[out.length];
    if (id === undefined) {
      throw new ElqrError(
        'ELQR_VALUE_TOO_LONG',
        'additional fields do not fit templates 35 to 39',
        '39',
      );
    }
    out.push({ id, value: template });
    template = '';
    sub = 0;
  };
  fields.forEach((f, i) => {
    const field = `additional[${i}]`;
    const text = encodeField(f, field);
    const size = SUB_HEADER_LENGTH + text.length;
    if (size > TLV_MAX_VALUE_LENGTH) {
      throw new ElqrError(
        'ELQR_VALUE_TOO_LONG',
        `${field} is ${text.length} characters, at most ${TLV_MAX_VALUE_LENGTH - SUB_HEADER_LENGTH} fit a template`,
        field,
      );
    }
    if (template.length + size > TLV_MAX_VALUE_LENGTH) flush();
    template += encodeTlv(String(sub).padStart(2, '0'), text);
    sub += 1;
  });
  if (template) flush();
  return out;
}

function parseField(e: LocatedTlvElement, field: string): ElqrAdditionalField {
  const parts = e.value.split(SEPARATOR);
  if (parts.length !== 5) {
    throw new ElqrError(
      'ELQR_MALFORMED',
      `${field} must be key:label:value:title:visible (5 parts), it has ${parts.length}`,
      field,
      e.offset,
    );
  }
  const [key, label, value, title, visibility] = parts as [string, string, string, string, string];
  if (!key) throw new ElqrError('ELQR_MALFORMED', `${field} has an empty key`, field, e.offset);
  if (visibility !== '11' && visibility !== '12') {
    throw new ElqrError(
      'ELQR_INVALID_VALUE',
      `${field} visibility must be 11 or 12`,
      field,
      e.offset,
    );
  }
  return { key, label, value, title, visible: visibility === '11' };
}

/** Fields of one template (`id` 35–39, its value at `offset`), in the order received. */
export function parseAdditionalTemplate(
  id: string,
  value: string,
  offset: number,
): ElqrAdditionalField[] {
  const seen = new Set<string>();
  return decodeLocatedTlvs(value, offset + SUB_HEADER_LENGTH, `${id}/`).map((e) => {
    const field = `${id}/${e.id}`;
    if (seen.has(e.id))
      throw new ElqrError('ELQR_MALFORMED', `${field} appears twice`, field, e.offset);
    seen.add(e.id);
    return parseField(e, field);
  });
}
