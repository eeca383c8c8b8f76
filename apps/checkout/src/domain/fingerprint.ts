import { hash } from 'node:crypto';

/** A JSON-compatible value; bigints are canonicalized as decimal strings. */
export type Canonical =
  | string
  | number
  | boolean
  | null
  | bigint
  | readonly Canonical[]
  | { readonly [key: string]: Canonical };

function normalize(value: Canonical): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map((v: Canonical) => normalize(v));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      out[key] = normalize((value as Record<string, Canonical>)[key] as Canonical);
    }
    return out;
  }
  return value;
}

/** The value with object keys sorted at every level and bigints as strings, ready for JSON. */
export function canonicalValue(value: Canonical): unknown {
  return normalize(value);
}

/** JSON with object keys sorted at every level, so equal requests always serialize equally. */
export function canonicalJson(value: Canonical): string {
  return JSON.stringify(normalize(value));
}

/** sha256 hex of the canonical JSON: what an idempotency record remembers of a request. */
export function fingerprintOf(value: Canonical): string {
  return hash('sha256', canonicalJson(value), 'hex');
}

/**
 * The first field (in the caller's order) whose canonical value differs, so a reused
 * idempotency key can be answered with the field that changed. Undefined when all are equal.
 */
export function firstDifferingField(
  stored: Record<string, Canonical>,
  incoming: Record<string, Canonical>,
  order: readonly string[],
): string | undefined {
  for (const field of order) {
    const a = stored[field];
    const b = incoming[field];
    if (canonicalJson(a ?? null) !== canonicalJson(b ?? null)) return field;
  }
  return undefined;
}
