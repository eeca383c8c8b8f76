import { commonErrors, type DomainError } from './domain-error';

/**
 * The path of the first string in `value` holding U+0000, or of a key holding it (`metadata.cart`,
 * `items[0].name`, with `name` applied to each key); undefined when none does. Bytes (a callback's
 * raw body) are not looked into.
 */
export function nulField(
  value: unknown,
  path = '',
  name: (key: string) => string = (key) => key,
): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = nulField(item, `${path}[${i}]`, name);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const at = path ? `${path}.${name(key)}` : name(key);
    if (key.includes('\u0000')) return at;
    const found = nulField(item, at, name);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * VALIDATION_FAILED for a request holding a NUL character in `field`. JSON (`\u0000`), a URL
 * (`%00`) and protobuf strings all allow it, but no PostgreSQL text or jsonb value can hold one:
 * such a request reached a database and failed there as an internal error.
 */
export function nulCharacterError(field: string): DomainError {
  return commonErrors.create(
    'VALIDATION_FAILED',
    `${field || 'the request'} must not contain a NUL character`,
    { details: field ? { field } : {} },
  );
}
