import { createHmac } from 'node:crypto';

import { Secret } from '@tolem/config';
import { describe, expect, it } from 'vitest';

import {
  answer,
  inMemoryStore,
  manualClock,
  scriptedMerchant,
} from '../../test/fakes/in-memory-store';
import type { HttpOutcome } from '../domain/ports';
import { makeDispatchDue } from './dispatch-due';

const SECRET = 'whsec_0123456789abcdef';
const WINDOW = 3 * 60_000;

async function setup(answers: HttpOutcome[]) {
  const store = inMemoryStore();
  const clock = manualClock();
  const endpoint = store.addEndpoint({
    url: 'https://m.example/hook',
    signingSecret: new Secret(SECRET),
  });
  await store.deliveries.insertOnce({
    id: 'dlv_1',
    eventId: 'evt_1',
    eventType: 'payment.succeeded',
    paymentId: 'pay_1',
    merchantId: 'mer_1',
    endpointId: endpoint.id,
    sequence: 1n,
    url: 'https://m.example/hook',
    payload: '{"id":"evt_1","type":"payment.succeeded"}',
    nextAttemptAt: clock.now(),
    expiresAt: new Date(clock.now().getTime() + WINDOW),
    createdAt: clock.now(),
  });
  const merchant = scriptedMerchant(answers);
  const dispatch = makeDispatchDue({
    deliveries: store.deliveries,
    http: merchant,
    clock,
    random: () => 0,
    backoff: { minMs: 1_000, maxMs: 60_000 },
    timeoutMs: 10_000,
    batchSize: 10,
  });
  return { store, clock, merchant, dispatch };
}

describe('dispatchDue', () => {
  it('POSTs the stored body with event headers and a verifiable signature, and stops on 200 "ok"', async () => {
    const { store, clock, merchant, dispatch } = await setup([answer(200, 'ok\n')]);
    const [summary] = await dispatch();
    expect(summary).toMatchObject({
      deliveryId: 'dlv_1',
      status: 'delivered',
      statusCode: 200,
      attempt: 1,
    });
    const [req] = merchant.requests;
    expect(req?.body).toBe('{"id":"evt_1","type":"payment.succeeded"}');
    expect(req?.headers).toMatchObject({
      'content-type': 'application/json',
      'tolem-event-id': 'evt_1',
      'tolem-event-type': 'payment.succeeded',
    });
    const [, t, v1] =
      /^t=(\d+),v1=([0-9a-f]{64})$/.exec(req?.headers['tolem-signature'] ?? '') ?? [];
    expect(Number(t)).toBe(Math.floor(clock.now().getTime() / 1000));
    expect(v1).toBe(createHmac('sha256', SECRET).update(`${t}.${req?.body}`).digest('hex'));
    expect(store.deliveryRows.get('dlv_1')).toMatchObject({
      status: 'delivered',
      attempts: 1,
      lastStatusCode: 200,
    });
    expect(await dispatch()).toEqual([]);
  });

  it('retries after 500 with growing backoff, then delivers; every attempt is recorded', async () => {
    const { store, clock, merchant, dispatch } = await setup([
      answer(500, 'boom'),
      answer(500, 'boom'),
      answer(200, 'ok'),
    ]);
    await dispatch();
    const afterFirst = store.deliveryRows.get('dlv_1');
    expect(afterFirst).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastStatusCode: 500,
      lastError: 'HTTP 500',
    });
    expect(afterFirst?.nextAttemptAt.getTime()).toBe(clock.now().getTime() + 1_000);
    expect(await dispatch()).toEqual([]);
    clock.advance(1_000);
    await dispatch();
    expect(store.deliveryRows.get('dlv_1')?.nextAttemptAt.getTime()).toBe(
      clock.now().getTime() + 2_000,
    );
    clock.advance(2_000);
    await dispatch();
    expect(merchant.requests).toHaveLength(3);
    expect(store.deliveryRows.get('dlv_1')).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(store.attempts.map((a) => a.statusCode)).toEqual([500, 500, 200]);
    expect(store.attempts[0]?.responseSnippet).toBe('boom');
  });

  it('does not accept 200 with a body other than "ok"', async () => {
    const { store, dispatch } = await setup([answer(200, 'OK!')]);
    const [summary] = await dispatch();
    expect(summary?.status).toBe('pending');
    expect(store.deliveryRows.get('dlv_1')).toMatchObject({
      status: 'pending',
      lastStatusCode: 200,
      lastError: 'answer was not "ok"',
    });
  });

  it('gives up when the retry window has closed', async () => {
    const { store, clock, merchant, dispatch } = await setup([
      { kind: 'error', error: 'timeout', durationMs: 10_000 },
    ]);
    for (let i = 0; i < 50 && store.deliveryRows.get('dlv_1')?.status === 'pending'; i += 1) {
      await dispatch();
      clock.advance(60_000);
    }
    const d = store.deliveryRows.get('dlv_1');
    expect(d).toMatchObject({ status: 'exhausted', lastError: 'timeout', lastStatusCode: null });
    // Three minutes of window with backoff capped at one minute: a handful of attempts, the last at the deadline.
    expect(merchant.requests.length).toBeGreaterThanOrEqual(3);
    expect(merchant.requests.length).toBeLessThanOrEqual(6);
  });

  it('keeps a 200 snippet to 200 characters', async () => {
    const { store, dispatch } = await setup([answer(200, 'x'.repeat(500))]);
    await dispatch();
    expect(store.attempts[0]?.responseSnippet).toHaveLength(200);
  });
});
