import type {
  ClaimResult,
  IdempotencyStore,
  LookupResult,
  RequestPrint,
  StoredResponse,
} from '../../src/http/idempotency/store';

interface Row {
  request: RequestPrint;
  response: StoredResponse | null;
  lockedUntil: Date | null;
  expiresAt: Date;
}

/**
 * The in-memory IdempotencyStore of the unit specs; idempotency-store.contract.ts holds it to the
 * same behaviour as the PostgreSQL repo. `failing` makes every call throw (a database outage).
 */
export function createMemoryIdempotencyStore(): IdempotencyStore & {
  rows: Map<string, Row>;
  failing: boolean;
} {
  const rows = new Map<string, Row>();
  const id = (scope: string, key: string) => JSON.stringify([scope, key]);
  /** Expired, or claimed by a request whose lease ran out: taken over like a new key. */
  const isFree = (row: Row, now: Date): boolean =>
    row.expiresAt <= now ||
    (row.response === null && row.lockedUntil !== null && row.lockedUntil <= now);
  const store = {
    rows,
    failing: false,
    async claim(
      scope: string,
      key: string,
      request: RequestPrint,
      times: { now: Date; expiresAt: Date; lockedUntil: Date },
    ): Promise<ClaimResult> {
      if (store.failing) throw new Error('store down');
      const row = rows.get(id(scope, key));
      if (!row || isFree(row, times.now)) {
        rows.set(id(scope, key), {
          request: structuredClone(request),
          response: null,
          lockedUntil: times.lockedUntil,
          expiresAt: times.expiresAt,
        });
        return { outcome: 'claimed' };
      }
      if (row.response === null) return { outcome: 'in_flight', request: row.request };
      return { outcome: 'completed', request: row.request, response: row.response };
    },
    async find(scope: string, key: string, now: Date): Promise<LookupResult> {
      if (store.failing) throw new Error('store down');
      const row = rows.get(id(scope, key));
      if (!row || isFree(row, now)) return { outcome: 'absent' };
      if (row.response === null) return { outcome: 'in_flight', request: row.request };
      return { outcome: 'completed', request: row.request, response: row.response };
    },
    async record(
      scope: string,
      key: string,
      request: RequestPrint,
      response: StoredResponse,
      times: { now: Date; expiresAt: Date },
    ): Promise<boolean> {
      if (store.failing) throw new Error('store down');
      const row = rows.get(id(scope, key));
      if (row && !isFree(row, times.now)) return false;
      rows.set(id(scope, key), {
        request: structuredClone(request),
        response: structuredClone(response),
        lockedUntil: null,
        expiresAt: times.expiresAt,
      });
      return true;
    },
    async complete(scope: string, key: string, response: StoredResponse): Promise<void> {
      if (store.failing) throw new Error('store down');
      const row = rows.get(id(scope, key));
      if (row) Object.assign(row, { response: structuredClone(response), lockedUntil: null });
    },
    async release(scope: string, key: string): Promise<void> {
      if (store.failing) throw new Error('store down');
      if (rows.get(id(scope, key))?.response === null) rows.delete(id(scope, key));
    },
    async sweep(now: Date, limit: number): Promise<number> {
      if (store.failing) throw new Error('store down');
      let deleted = 0;
      for (const [k, row] of rows) {
        if (deleted >= limit) break;
        if (row.expiresAt <= now) {
          rows.delete(k);
          deleted++;
        }
      }
      return deleted;
    },
  };
  return store;
}
