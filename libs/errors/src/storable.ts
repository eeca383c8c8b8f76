import { commonErrors, type DomainError } from './domain-error';

/** A request value no database column can hold as it is, and the field it is in. */
export interface UnstorableValue {
  /** As VALIDATION_FAILED names fields: `metadata.cart`, `items[0].name`. */
  field: string;
  problem: string;
}

/** An unpaired UTF-16 surrogate: JSON (`\ud800`) allows it; UTF-8, and so PostgreSQL, cannot. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Times in years 1 to 9999 (ms since the epoch): PostgreSQL stores wider ones, none is a payment's. */
export const EARLIEST_TIME = Date.parse('0001-01-01T00:00:00Z');
export const LATEST_TIME = Date.parse('9999-12-31T23:59:59.999Z');

function stringProblem(value: string): string | undefined {
  if (value.includes('\u0000')) return 'must not contain a NUL character';
  if (LONE_SURROGATE.test(value)) return 'must not contain an unpaired UTF-16 surrogate';
  return undefined;
}

function unstorableTime(value: Date): boolean {
  const time = value.getTime();
  return Number.isNaN(time) || time < EARLIEST_TIME || time > LATEST_TIME;
}

/**
 * The walk: `at` holds the keys and indexes down to `value`, joined into a field name only for
 * the value found, so a clean request (nearly all) builds no name at all.
 */
function find(
  value: unknown,
  at: (string | number)[],
): { at: (string | number)[]; problem: string } | undefined {
  if (typeof value === 'string') {
    const problem = stringProblem(value);
    return problem ? { at: [...at], problem } : undefined;
  }
  if (value instanceof Date) {
    return unstorableTime(value)
      ? { at: [...at], problem: 'must be a valid time in years 1 to 9999' }
      : undefined;
  }
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      at.push(i);
      const found = find(value[i], at);
      at.pop();
      if (found) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    at.push(key);
    const problem = stringProblem(key);
    const found = problem
      ? { at: [...at], problem }
      : find((value as Record<string, unknown>)[key], at);
    at.pop();
    if (found) return found;
  }
  return undefined;
}

/**
 * The first value in `value` that no PostgreSQL column could hold as it is, found before it is
 * written: a string or key with a NUL character or an unpaired surrogate, or a time that is
 * invalid or outside years 1 to 9999 (a protobuf Timestamp can hold both). Each key is named
 * through `name`; bytes (a callback's raw body) are not looked into. Undefined when all is well.
 */
export function unstorableValue(
  value: unknown,
  path = '',
  name: (key: string) => string = (key) => key,
): UnstorableValue | undefined {
  const found = find(value, []);
  if (!found) return undefined;
  let field = path;
  for (const key of found.at) {
    if (typeof key === 'number') field += `[${key}]`;
    else field = field ? `${field}.${name(key)}` : name(key);
  }
  return { field, problem: found.problem };
}

/**
 * VALIDATION_FAILED for such a value: without it the request reached a database and failed
 * there as an internal error (or, for a surrogate, was silently stored as U+FFFD).
 */
export function unstorableValueError(found: UnstorableValue): DomainError {
  return commonErrors.create(
    'VALIDATION_FAILED',
    `${found.field || 'the request'} ${found.problem}`,
    { details: found.field ? { field: found.field } : {} },
  );
}
