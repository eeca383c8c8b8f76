import { describe, expect, it, vi } from 'vitest';

import { callback, rawRequest } from '../../test/fakes/in-memory';
import { TTL_MS, world } from '../../test/fakes/world';
import { statusEventKeyOf } from './record-status-events';

async function pendingPayment() {
  const w = world();
  const { merchant, payment } = await w.created();
  await w.startPayment({
    paymentId: payment.id,
    pageSecret: payment.pageSecret,
    method: 'webmoney_purse',
    payer: {},
  });
  return { w, merchant, payment };
}

describe('status events owed to the ledger', () => {
  it('captures each new status with its transition, and none for created or succeeded', async () => {
    const { w, payment } = await pendingPayment();
    w.provider.nextCallback = callback({
      paymentId: payment.id,
      outcome: 'failed',
      reasonCode: 'WM_DECLINED',
    });
    await w.handleCallback({ provider: 'webmoney', request: rawRequest });

    const owed = await w.statusEvents.listOwed(payment.id);
    expect(owed.map((o) => [o.event.eventType, o.event.status, o.event.failureCode])).toEqual([
      ['payment.pending', 'pending', ''],
      ['payment.failed', 'failed', 'WM_DECLINED'],
    ]);
    expect(owed[0]?.event).toMatchObject({
      amount: { amountMinor: 10_000n, currency: 'USD' },
      method: 'webmoney_purse',
      provider: 'webmoney',
    });
  });

  it('takes what an event carries from the payment its caller holds, without reading it again', async () => {
    const { w, payment } = await pendingPayment();
    const reads = vi.spyOn(w.payments, 'findById');

    expect(await w.recordStatusEvents.forPayment(payment.id, payment)).toBe(1);
    expect(reads).not.toHaveBeenCalled();
    expect(w.ledger.events.map((e) => [e.paymentId, e.eventType])).toEqual([
      [payment.id, 'payment.pending'],
    ]);
  });

  it("sends each event once when the relay comes while the money's path is sending", async () => {
    const { w, payment } = await pendingPayment();
    w.provider.nextCallback = callback({ paymentId: payment.id, outcome: 'failed' });
    await w.handleCallback({ provider: 'webmoney', request: rawRequest });
    const record = w.ledger.recordPaymentEvent.bind(w.ledger);
    // A ledger that takes a moment to answer, as a real one does.
    const sent = vi.spyOn(w.ledger, 'recordPaymentEvent').mockImplementation(async (input) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return record(input);
    });

    const counts = await Promise.all([
      w.recordStatusEvents.forPayment(payment.id, payment),
      w.recordStatusEvents.sweep({ graceMs: 0 }),
      w.recordStatusEvents.sweep({ graceMs: 0 }),
    ]);
    expect(counts).toEqual([2, 0, 0]);
    expect(sent).toHaveBeenCalledTimes(2);
    expect(w.ledger.events.map((e) => e.eventType)).toEqual(['payment.pending', 'payment.failed']);
  });

  it("the relay's round still runs after the money's path failed, and the events wait for the next", async () => {
    const { w, payment } = await pendingPayment();
    w.ledger.down = true;
    const first = w.recordStatusEvents.forPayment(payment.id);
    const relayed = w.recordStatusEvents.sweep({ graceMs: 0 });
    await expect(first).rejects.toThrow();
    expect(await relayed).toBe(0);
    w.ledger.down = false;
    expect(await w.recordStatusEvents.sweep({ graceMs: 0 })).toBe(1);
  });

  it('sends them in transition order under one key each, and marks them recorded', async () => {
    const { w, payment } = await pendingPayment();
    w.provider.nextCallback = callback({ paymentId: payment.id, outcome: 'failed' });
    await w.handleCallback({ provider: 'webmoney', request: rawRequest });

    expect(await w.recordStatusEvents.forPayment(payment.id)).toBe(2);
    expect(w.ledger.events).toEqual([
      {
        paymentId: payment.id,
        eventType: 'payment.pending',
        sequence: 1n,
        key: statusEventKeyOf(payment.id, '2'),
      },
      {
        paymentId: payment.id,
        eventType: 'payment.failed',
        sequence: 2n,
        key: statusEventKeyOf(payment.id, '3'),
      },
    ]);
    expect(await w.statusEvents.listOwed(payment.id)).toEqual([]);
    // Nothing owed: a second round sends nothing.
    expect(await w.recordStatusEvents.forPayment(payment.id)).toBe(0);
    expect(w.ledger.events).toHaveLength(2);
  });

  it('keeps them while the ledger is down and sends the same facts, in order, once it is back', async () => {
    const { w, payment } = await pendingPayment();
    w.ledger.down = true;
    await w.expirePayments();
    w.clock.advance(TTL_MS + 1);
    await w.expirePayments();
    expect(await w.recordStatusEvents.sweep({ graceMs: 0 })).toBe(0);
    expect((await w.statusEvents.listOwed(payment.id)).map((o) => o.event.eventType)).toEqual([
      'payment.pending',
      'payment.expired',
    ]);
    expect(w.log.lines.some((l) => l.msg === 'ledger unreachable; status events wait')).toBe(true);

    w.ledger.down = false;
    expect(await w.recordStatusEvents.sweep({ graceMs: 0 })).toBe(2);
    expect(w.ledger.events.map((e) => [e.eventType, e.sequence])).toEqual([
      ['payment.pending', 1n],
      ['payment.expired', 2n],
    ]);
  });

  it("hands a succeeded payment's earlier status to the ledger before its money", async () => {
    const { w, payment } = await pendingPayment();
    w.provider.nextCallback = callback({
      paymentId: payment.id,
      amount: { amountMinor: 10_000n, currency: 'USD' },
    });
    await w.handleCallback({ provider: 'webmoney', request: rawRequest });
    expect(w.ledger.events.map((e) => [e.eventType, e.sequence])).toEqual([
      ['payment.pending', 1n],
      ['payment.succeeded', 2n],
    ]);
  });

  it('marks a fact the ledger found stale as superseded, and does not send it again', async () => {
    const { w, payment } = await pendingPayment();
    // The ledger already has the money (posted by another instance before this fact arrived).
    w.ledger.events.push({
      paymentId: payment.id,
      eventType: 'payment.succeeded',
      sequence: 1n,
      key: `payment:${payment.id}:succeeded`,
    });
    await w.recordStatusEvents.forPayment(payment.id);
    expect([...w.statusEvents.outcomes.values()]).toEqual(['superseded']);
    expect(w.ledger.events).toHaveLength(1);
    expect(await w.statusEvents.listOwed(payment.id)).toEqual([]);
  });
  it('leaves an event the ledger refused, and its payment, for a while; the payments behind it still go', async () => {
    const w = world();
    const start = (p: { id: string; pageSecret: string }) =>
      w.startPayment({
        paymentId: p.id,
        pageSecret: p.pageSecret,
        method: 'webmoney_purse',
        payer: {},
      });
    const refused = (await w.created()).payment;
    const other = (await w.created({ idempotencyKey: 'order-2', orderId: 'order-2' })).payment;
    w.ledger.refusing.add(refused.id);
    await start(refused);
    await start(other);
    const refusals = () =>
      w.log.lines.filter((l) => l.msg === 'ledger refused a status event').length;

    // One payment a round: the refused one, which waited longest, and then the other all the same.
    expect(await w.recordStatusEvents.sweep({ graceMs: 0, limit: 1 })).toBe(0);
    expect(refusals()).toBe(1);
    expect(await w.recordStatusEvents.sweep({ graceMs: 0, limit: 1 })).toBe(1);
    expect(w.ledger.events.map((e) => e.paymentId)).toEqual([other.id]);
    // Not asked again before 10 s, then not before twice as long after another refusal.
    expect(await w.recordStatusEvents.sweep({ graceMs: 0 })).toBe(0);
    expect(refusals()).toBe(1);
    w.clock.advance(10_000);
    await w.recordStatusEvents.sweep({ graceMs: 0 });
    expect(refusals()).toBe(2);
    w.clock.advance(10_000);
    await w.recordStatusEvents.sweep({ graceMs: 0 });
    expect(refusals()).toBe(2);

    w.ledger.refusing.delete(refused.id);
    w.clock.advance(10_000);
    expect(await w.recordStatusEvents.sweep({ graceMs: 0 })).toBe(1);
    expect(await w.statusEvents.listOwed(refused.id)).toEqual([]);
  });
});
