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

/** Whether anything in `value` is unstorable: the walk on every request, building no paths. */
function holdsUnstorable(value: unknown): boolean {
  if (typeof value === 'string') return stringProblem(value) !== undefined;
  if (value instanceof Date) return unstorableTime(value);
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return false;
  if (Array.isArray(value)) return value.some(holdsUnstorable);
  for (const key of Object.keys(value)) {
    if (stringProblem(key) !== undefined) return true;
    if (holdsUnstorable((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

function findUnstorable(
  value: unknown,
  path: string,
  name: (key: string) => string,
): UnstorableValue | undefined {
  if (typeof value === 'string') {
    const problem = stringProblem(value);
    return problem ? { field: path, problem } : undefined;
  }
  if (value instanceof Date) {
    return unstorableTime(value)
      ? { field: path, problem: 'must be a valid time in years 1 to 9999' }
      : undefined;
  }
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findUnstorable(item, `${path}[${i}]`, name);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const at = path ? `${path}.${name(key)}` : name(key);
    const problem = stringProblem(key);
    if (problem) return { field: at, problem };
    const found = findUnstorable(item, at, name);
    if (found) return found;
  }
  return undefined;
}

/**
 * The first value in `value` that no PostgreSQL column could hold as it is, found before it is
 * written: a string or key with a NUL character or an unpaired surrogate, or a time that is
 * invalid or outside years 1 to 9999 (a protobuf Timestamp can hold both). Each key is named
 * through `name`; bytes (a callback's raw body) are not looked into. Undefined when all is well;
 * a clean request (nearly all) is walked once, without building a path.
 */
export function unstorableValue(
  value: unknown,
  path = '',
  name: (key: string) => string = (key) => key,
): UnstorableValue | undefined {
  return holdsUnstorable(value) ? findUnstorable(value, path, name) : undefined;
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
