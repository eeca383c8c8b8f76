import { hash } from 'node:crypto';

/**
 * What a request looked like, enough to recognise its retry: the route and a hash per JSON leaf
 * (`amount`, `metadata.order`, `items[0].sku`), so a reused key can be answered with the field that
 * changed while the store keeps none of the merchant's values.
 */
export interface RequestPrint {
  method: string;
  path: string;
  fingerprint: Record<string, string>;
}

/** The first answer to a key, replayed byte for byte. */
export interface StoredResponse {
  status: number;
  /** Only the headers a replay must carry (content-type, location, retry-after). */
  headers: Record<string, string>;
  body: string;
}

export type ClaimResult =
  /** The key is ours: run the handler, then complete (or release) it. */
  | { outcome: 'claimed' }
  /** Another request with this key has not answered yet. */
  | { outcome: 'in_flight'; request: RequestPrint }
  | { outcome: 'completed'; request: RequestPrint; response: StoredResponse };

/** What a key holds, read without taking it: `absent` when it is free (new, expired, abandoned). */
export type LookupResult = { outcome: 'absent' } | Exclude<ClaimResult, { outcome: 'claimed' }>;

/**
 * The gateway's idempotency keys, scoped per merchant (`scope`). Times come from the caller's
 * clock so expiry is testable; each call is one statement.
 */
export interface IdempotencyStore {
  /**
   * Takes the key for this request unless a live record exists: a completed one (replay it) or an
   * in-flight one whose lease has not run out. An expired record, or an in-flight one past
   * `lockedUntil` (its gateway died), is taken over.
   */
  claim(
    scope: string,
    key: string,
    request: RequestPrint,
    times: { now: Date; expiresAt: Date; lockedUntil: Date },
  ): Promise<ClaimResult>;
  /**
   * Reads the key's live record without writing: a completed one, or an in-flight one whose lease
   * has not run out; `absent` otherwise (what `claim` would take over).
   */
  find(scope: string, key: string, now: Date): Promise<LookupResult>;
  /**
   * Stores a first answer in one write, for a key that was never claimed: a key whose handler is
   * itself idempotent on it answers first and is recorded after (see the plugin's `downstream`
   * routes). Takes the key only where `claim` would; false when a live record is there (another
   * request got it first), which is kept.
   */
  record(
    scope: string,
    key: string,
    request: RequestPrint,
    response: StoredResponse,
    times: { now: Date; expiresAt: Date },
  ): Promise<boolean>;
  /** Stores the first answer; from now on the key replays it until it expires. */
  complete(scope: string, key: string, response: StoredResponse): Promise<void>;
  /** Forgets a claim whose request was refused before it took effect (validation). */
  release(scope: string, key: string): Promise<void>;
  /** Deletes up to `limit` records expired at `now`; returns how many. */
  sweep(now: Date, limit: number): Promise<number>;
}

// crypto.hash: one call, no Hash object per leaf (about 5x cheaper for short inputs).
const hashOf = (value: unknown): string =>
  hash('sha256', JSON.stringify(value), 'base64url').slice(0, 22);

/** Leaf path -> short hash; empty objects and arrays are leaves so `{}` and absent differ. */
export function fingerprintOf(body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (value: unknown, path: string): void => {
    if (Array.isArray(value) && value.length > 0) {
      value.forEach((item, i) => walk(item, `${path}[${i}]`));
    } else if (
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      Object.keys(value).length > 0
    ) {
      for (const [k, v] of Object.entries(value)) walk(v, path === '' ? k : `${path}.${k}`);
    } else if (value !== undefined) {
      out[path === '' ? '(body)' : path] = hashOf(value);
    }
  };
  // The top-level object is the request itself, not a value: `{}` has no fields.
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    for (const [k, v] of Object.entries(body)) walk(v, k);
  } else {
    walk(body, '');
  }
  return out;
}

/** The first field (in sorted order) present or valued differently in one print only, or null. */
export function firstDifference(
  a: Record<string, string>,
  b: Record<string, string>,
): string | null {
  const fields = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return fields.find((f) => a[f] !== b[f]) ?? null;
}
