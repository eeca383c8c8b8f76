import { beforeEach, describe, expect, it } from 'vitest';

import type { IdempotencyStore, RequestPrint } from '../src/http/idempotency/store';

const T0 = new Date('2026-12-07T10:00:00.000Z');
const HOUR = 3_600_000;
const at = (ms: number) => new Date(T0.getTime() + ms);
const times = (nowMs: number) => ({
  now: at(nowMs),
  expiresAt: at(nowMs + 24 * HOUR),
  lockedUntil: at(nowMs + 60_000),
});
const print: RequestPrint = {
  method: 'POST',
  path: '/v1/payments',
  fingerprint: { amount: 'h1', currency: 'h2' },
};
const created = {
  status: 201,
  headers: { 'content-type': 'application/json; charset=utf-8', location: '/v1/payments/pay_1' },
  body: '{"id":"pay_1"}',
};

/**
 * What every IdempotencyStore does, run against the in-memory fake (unit) and the PostgreSQL repo
 * (integration), so the fake the plugin's specs use cannot drift from the real thing.
 */
export function idempotencyStoreContract(
  name: string,
  make: () => Promise<IdempotencyStore>,
): void {
  describe(`IdempotencyStore contract: ${name}`, () => {
    let store: IdempotencyStore;
    beforeEach(async () => {
      store = await make();
    });

    it('claims a new key, then answers in_flight with the stored print until completed', async () => {
      expect(await store.claim('m1', 'k', print, times(0))).toEqual({ outcome: 'claimed' });
      expect(await store.claim('m1', 'k', print, times(1_000))).toEqual({
        outcome: 'in_flight',
        request: print,
      });
      await store.complete('m1', 'k', created);
      expect(await store.claim('m1', 'k', print, times(2_000))).toEqual({
        outcome: 'completed',
        request: print,
        response: created,
      });
    });

    it('keeps a stored 5xx like any answer', async () => {
      await store.claim('m1', 'k5', print, times(0));
      const failed = { status: 503, headers: {}, body: '{"error":{}}' };
      await store.complete('m1', 'k5', failed);
      expect(await store.claim('m1', 'k5', print, times(1_000))).toMatchObject({
        outcome: 'completed',
        response: failed,
      });
    });

    it('scopes keys: the same key of another merchant is a different key', async () => {
      await store.claim('m1', 'k', print, times(0));
      await store.complete('m1', 'k', created);
      expect(await store.claim('m2', 'k', print, times(0))).toEqual({ outcome: 'claimed' });
    });

    it('takes over an expired key and a claim whose lease ran out, not a live one', async () => {
      await store.claim('m1', 'done', print, times(0));
      await store.complete('m1', 'done', created);
      expect((await store.claim('m1', 'done', print, times(24 * HOUR - 1))).outcome).toBe(
        'completed',
      );
      expect(await store.claim('m1', 'done', print, times(24 * HOUR))).toEqual({
        outcome: 'claimed',
      });

      await store.claim('m1', 'crashed', print, times(0));
      expect((await store.claim('m1', 'crashed', print, times(59_999))).outcome).toBe('in_flight');
      expect(await store.claim('m1', 'crashed', print, times(60_000))).toEqual({
        outcome: 'claimed',
      });
    });

    it('releases an unanswered claim so the key is free again, never a completed one', async () => {
      await store.claim('m1', 'r', print, times(0));
      await store.release('m1', 'r');
      expect(await store.claim('m1', 'r', print, times(1))).toEqual({ outcome: 'claimed' });
      await store.complete('m1', 'r', created);
      await store.release('m1', 'r');
      expect((await store.claim('m1', 'r', print, times(2))).outcome).toBe('completed');
    });

    it('finds a live record without taking the key, and nothing for a free one', async () => {
      expect(await store.find('m1', 'f', at(0))).toEqual({ outcome: 'absent' });
      expect(await store.claim('m1', 'f', print, times(0))).toEqual({ outcome: 'claimed' });
      expect(await store.find('m1', 'f', at(1_000))).toEqual({
        outcome: 'in_flight',
        request: print,
      });
      // A claim whose lease ran out is free, as claim would take it over.
      expect(await store.find('m1', 'f', at(60_000))).toEqual({ outcome: 'absent' });
      await store.complete('m1', 'f', created);
      expect(await store.find('m1', 'f', at(2_000))).toEqual({
        outcome: 'completed',
        request: print,
        response: created,
      });
      expect(await store.find('m1', 'f', at(24 * HOUR))).toEqual({ outcome: 'absent' });
      expect(await store.find('m2', 'f', at(2_000))).toEqual({ outcome: 'absent' });
    });

    it('records a first answer in one write, replayed like a completed claim', async () => {
      const t = { now: at(0), expiresAt: at(24 * HOUR) };
      expect(await store.record('m1', 'one', print, created, t)).toBe(true);
      expect(await store.claim('m1', 'one', print, times(1_000))).toEqual({
        outcome: 'completed',
        request: print,
        response: created,
      });
      expect(await store.find('m1', 'one', at(24 * HOUR - 1))).toMatchObject({
        outcome: 'completed',
      });
      expect(await store.sweep(at(24 * HOUR), 10)).toBe(1);
    });

    it('records only where a claim would take the key: a live record is kept', async () => {
      const other = { status: 503, headers: {}, body: '{"error":{}}' };
      await store.claim('m1', 'held', print, times(0));
      expect(
        await store.record('m1', 'held', print, other, { now: at(1), expiresAt: at(HOUR) }),
      ).toBe(false);
      expect((await store.find('m1', 'held', at(2))).outcome).toBe('in_flight');
      await store.complete('m1', 'held', created);
      expect(
        await store.record('m1', 'held', print, other, { now: at(3), expiresAt: at(HOUR) }),
      ).toBe(false);
      expect(await store.find('m1', 'held', at(4))).toMatchObject({ response: created });
      // Expired: taken over like a new key.
      expect(
        await store.record('m1', 'held', print, other, {
          now: at(24 * HOUR),
          expiresAt: at(48 * HOUR),
        }),
      ).toBe(true);
      expect(await store.find('m1', 'held', at(24 * HOUR + 1))).toMatchObject({ response: other });
    });

    it('sweeps only expired keys, in batches of at most the limit', async () => {
      for (const key of ['a', 'b', 'c']) {
        await store.claim('m1', key, print, times(0));
        await store.complete('m1', key, created);
      }
      await store.claim('m1', 'young', print, times(HOUR));
      expect(await store.sweep(at(24 * HOUR - 1), 10)).toBe(0);
      expect(await store.sweep(at(24 * HOUR), 2)).toBe(2);
      expect(await store.sweep(at(24 * HOUR), 2)).toBe(1);
      expect(await store.sweep(at(24 * HOUR), 2)).toBe(0);
      expect((await store.claim('m1', 'young', print, times(HOUR + 1))).outcome).toBe('in_flight');
    });
  });
}
