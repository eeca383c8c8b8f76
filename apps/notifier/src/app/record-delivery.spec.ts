import { Secret } from '@tolem/config';
import { describe, expect, it } from 'vitest';

import { aNotificationEvent, RETRY_WINDOW_MS } from '../../test/fakes/endpoints.fixture';
import { inMemoryStore, manualClock } from '../../test/fakes/in-memory-store';
import { makeRecordDelivery } from './record-delivery';
import { makeUpsertEndpoint } from './upsert-endpoint';

/** mer_1's live payment.succeeded for pay_1, with its fee and net. */
const event = aNotificationEvent({
  fee: { amountMinor: 20n, currency: 'KGS' },
  net: { amountMinor: 980n, currency: 'KGS' },
});

describe('recordDelivery', () => {
  it('records a pending delivery to the endpoint URL, due now, expiring after the window', async () => {
    const store = inMemoryStore();
    const clock = manualClock();
    const endpoint = store.addEndpoint({ url: 'https://m.example/hook' });
    const record = makeRecordDelivery({ ...store, clock, retryWindowMs: RETRY_WINDOW_MS });
    expect(await record(event)).toEqual({ inserted: true });
    const [d] = await store.deliveries.list({ merchantId: 'mer_1', limit: 10 });
    expect(d).toMatchObject({
      eventId: 'evt_1',
      endpointId: endpoint.id,
      url: 'https://m.example/hook',
      status: 'pending',
      attempts: 0,
      sequence: 1n,
    });
    expect(d?.id).toMatch(/^dlv_/);
    expect(d?.nextAttemptAt).toEqual(clock.now());
    expect(d?.expiresAt.getTime()).toBe(clock.now().getTime() + RETRY_WINDOW_MS);
    expect(JSON.parse(d?.payload ?? '{}')).toMatchObject({
      id: 'evt_1',
      data: { amount: 1000, net: 980 },
    });
    expect(store.eventRows.get('evt_1')?.routed).toBe(true);
  });

  it('fans an event out to every subscribed endpoint, disabled ones included', async () => {
    const store = inMemoryStore();
    const all = store.addEndpoint();
    const paid = store.addEndpoint({ eventTypes: ['payment.succeeded', 'refund.succeeded'] });
    const disabled = store.addEndpoint({ status: 'disabled', disabledReason: 'merchant' });
    store.addEndpoint({ eventTypes: ['refund.succeeded'] });
    store.addEndpoint({ merchantId: 'mer_other' });
    await makeRecordDelivery({ ...store, clock: manualClock(), retryWindowMs: RETRY_WINDOW_MS })(
      event,
    );
    const got = await store.deliveries.list({ merchantId: 'mer_1', limit: 10 });
    expect(got.map((d) => d.endpointId).sort()).toEqual([all.id, paid.id, disabled.id].sort());
    expect(await store.deliveries.list({ merchantId: 'mer_other', limit: 10 })).toEqual([]);
  });

  it('builds each endpoint its own format', async () => {
    const store = inMemoryStore();
    const json = store.addEndpoint({ format: 'json' });
    const form = store.addEndpoint({ format: 'form' });
    await makeRecordDelivery({ ...store, clock: manualClock(), retryWindowMs: RETRY_WINDOW_MS })(
      event,
    );
    const byEndpoint = new Map(
      (await store.deliveries.list({ merchantId: 'mer_1', limit: 10 })).map((d) => [
        d.endpointId,
        d.payload,
      ]),
    );
    expect(JSON.parse(byEndpoint.get(json.id) ?? '')).toMatchObject({
      id: 'evt_1',
      data: { amount: 1000, amount_major: '10.00', currency: 'KGS' },
    });
    const fields = new URLSearchParams(byEndpoint.get(form.id));
    expect(fields.get('event_id')).toBe('evt_1');
    expect(fields.get('amount_major')).toBe('10.00');
    expect(fields.get('status')).toBe('succeeded');
  });

  it('keeps the event unrouted while the merchant has no endpoint, and routes it on upsert', async () => {
    const store = inMemoryStore();
    const clock = manualClock();
    await makeRecordDelivery({ ...store, clock, retryWindowMs: RETRY_WINDOW_MS })(event);
    expect(await store.deliveries.list({ merchantId: 'mer_1', limit: 1 })).toEqual([]);
    expect(store.eventRows.get('evt_1')?.routed).toBe(false);
    clock.advance(60_000);
    await makeUpsertEndpoint({
      transactor: store.transactor,
      clock,
      retryWindowMs: RETRY_WINDOW_MS,
    })({
      merchantId: 'mer_1',
      url: 'https://late.example',
      signingSecret: new Secret('s'.repeat(16)),
    });
    const [d] = await store.deliveries.list({ merchantId: 'mer_1', limit: 1 });
    expect(d).toMatchObject({ url: 'https://late.example', status: 'pending' });
    expect(d?.nextAttemptAt).toEqual(clock.now());
    expect(store.eventRows.get('evt_1')?.routed).toBe(true);
  });

  it('does not route an unrouted event older than the retry window', async () => {
    const store = inMemoryStore();
    const clock = manualClock();
    await makeRecordDelivery({ ...store, clock, retryWindowMs: RETRY_WINDOW_MS })(event);
    clock.advance(RETRY_WINDOW_MS + 1);
    await makeUpsertEndpoint({
      transactor: store.transactor,
      clock,
      retryWindowMs: RETRY_WINDOW_MS,
    })({
      merchantId: 'mer_1',
      url: 'https://late.example',
      signingSecret: new Secret('s'.repeat(16)),
    });
    expect(await store.deliveries.list({ merchantId: 'mer_1', limit: 1 })).toEqual([]);
  });

  it('records one delivery per event id', async () => {
    const store = inMemoryStore();
    store.addEndpoint();
    const record = makeRecordDelivery({
      ...store,
      clock: manualClock(),
      retryWindowMs: RETRY_WINDOW_MS,
    });
    await record(event);
    expect(await record(event)).toEqual({ inserted: false });
    expect(await store.deliveries.list({ merchantId: 'mer_1', limit: 10 })).toHaveLength(1);
  });

  it.each([
    'payment.pending',
    'funds.unapplied',
    'funds.returned',
    'case.opened',
    'case.resolved',
    'payment.held',
    'payment.hold_voided',
    'payout.succeeded',
    'payout.reversed',
    'recurring.charge.refunded',
    'payment.something_new',
  ])('records no delivery for %s, and never refuses it (no DLQ)', async (eventType) => {
    const store = inMemoryStore();
    const record = makeRecordDelivery({
      ...store,
      clock: manualClock(),
      retryWindowMs: RETRY_WINDOW_MS,
    });
    expect(await record({ ...event, eventType, paymentStatus: '' })).toEqual({ inserted: false });
    // A payout event has no merchant notification fields to check; it is still just skipped.
    expect(await record({ ...event, eventType, merchantId: '', eventId: 'evt_2' })).toEqual({
      inserted: false,
    });
    expect(await store.deliveries.list({ merchantId: 'mer_1', limit: 10 })).toEqual([]);
  });

  it('records a failed payment with its status and failure code in the body', async () => {
    const store = inMemoryStore();
    store.addEndpoint();
    const record = makeRecordDelivery({
      ...store,
      clock: manualClock(),
      retryWindowMs: RETRY_WINDOW_MS,
    });
    await record({
      ...event,
      eventType: 'payment.failed',
      paymentStatus: 'failed',
      failureCode: 'insufficient_funds',
      fee: undefined,
      net: undefined,
    });
    const [d] = await store.deliveries.list({ merchantId: 'mer_1', limit: 10 });
    expect(d?.eventType).toBe('payment.failed');
    expect(JSON.parse(d?.payload ?? '{}')).toMatchObject({
      type: 'payment.failed',
      data: { status: 'failed', failure_code: 'insufficient_funds', fee: 0, net: 0 },
    });
  });

  it('refuses an event without merchant or payment as a non-retriable error (DLQ)', async () => {
    const record = makeRecordDelivery({
      ...inMemoryStore(),
      clock: manualClock(),
      retryWindowMs: RETRY_WINDOW_MS,
    });
    await expect(record({ ...event, merchantId: '' })).rejects.toMatchObject({
      code: 'NOTIFIER_BAD_EVENT',
      retriable: false,
    });
    await expect(record({ ...event, paymentId: '' })).rejects.toMatchObject({
      code: 'NOTIFIER_BAD_EVENT',
    });
  });
});
