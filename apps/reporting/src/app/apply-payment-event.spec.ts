import { describe, expect, it } from 'vitest';

import { inMemoryReporting } from '../../test/fakes/in-memory-store';
import type { ReportEvent } from '../domain/payment-fact';
import { makeApplyPaymentEvent } from './apply-payment-event';

const clock = { now: () => new Date('2026-03-05T00:00:00Z') };

function ev(
  paymentId: string,
  sequence: bigint,
  eventType: string,
  day: string,
  gross: bigint,
  currency = 'KGS',
): ReportEvent {
  return {
    eventId: `evt_${paymentId}_${sequence}`,
    eventType,
    occurredAt: new Date(`${day}T12:00:00Z`),
    paymentId,
    merchantId: 'mer_1',
    orderId: `o-${paymentId}`,
    gross: { amountMinor: gross, currency },
    fee: { amountMinor: gross / 100n, currency },
    net: { amountMinor: gross - gross / 100n, currency },
    method: 'qr',
    provider: 'qr_acquirer',
    providerPaymentId: '',
    providerAttributes: {},
    sequence,
  };
}

/** A deterministic shuffle (mulberry32), so a failure is reproducible. */
function shuffled<T>(items: T[], seed: number): T[] {
  let a = seed;
  const rand = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('applyPaymentEvent', () => {
  it('stores the fact and counts it in daily totals', async () => {
    const store = inMemoryReporting();
    const apply = makeApplyPaymentEvent({ ...store, clock });
    expect(await apply(ev('pay_1', 1n, 'payment.succeeded', '2026-03-01', 10_000n))).toEqual({
      applied: true,
    });
    expect(store.factRows.get('pay_1')).toMatchObject({ status: 'succeeded', grossMinor: 10_000n });
    expect([...store.totalRows.values()]).toEqual([
      {
        merchantId: 'mer_1',
        day: '2026-03-01',
        currency: 'KGS',
        status: 'succeeded',
        paymentsCount: 1n,
        grossMinor: 10_000n,
        feeMinor: 100n,
        netMinor: 9_900n,
      },
    ]);
  });

  it('changes nothing for a duplicate or an older sequence', async () => {
    const store = inMemoryReporting();
    const apply = makeApplyPaymentEvent({ ...store, clock });
    await apply(ev('pay_1', 2n, 'refund.succeeded', '2026-03-02', 10_000n));
    const before = {
      facts: structuredClone(store.factRows),
      totals: structuredClone(store.totalRows),
    };
    expect(await apply(ev('pay_1', 2n, 'refund.succeeded', '2026-03-02', 99n))).toEqual({
      applied: false,
    });
    expect(await apply(ev('pay_1', 1n, 'payment.succeeded', '2026-03-01', 10_000n))).toEqual({
      applied: false,
    });
    expect(store.factRows).toEqual(before.facts);
    expect(store.totalRows).toEqual(before.totals);
  });

  it('moves the count from succeeded to refunded when a refund follows', async () => {
    const store = inMemoryReporting();
    const apply = makeApplyPaymentEvent({ ...store, clock });
    await apply(ev('pay_1', 1n, 'payment.succeeded', '2026-03-01', 10_000n));
    await apply(ev('pay_2', 1n, 'payment.succeeded', '2026-03-01', 5_000n));
    await apply(ev('pay_1', 2n, 'refund.succeeded', '2026-03-01', 10_000n));
    const rows = [...store.totalRows.values()];
    expect(rows.find((r) => r.status === 'succeeded')).toMatchObject({
      paymentsCount: 1n,
      grossMinor: 5_000n,
    });
    expect(rows.find((r) => r.status === 'refunded')).toMatchObject({
      paymentsCount: 1n,
      grossMinor: 10_000n,
    });
  });

  it('ends in the same state whatever order and duplication events arrive in, with totals equal to the facts', async () => {
    const events: ReportEvent[] = [];
    for (let p = 0; p < 12; p += 1) {
      const id = `pay_${p}`;
      const gross = BigInt(1_000 + p * 137);
      const currency = p % 3 === 0 ? 'USD' : 'KGS';
      events.push(ev(id, 1n, 'payment.pending', '2026-03-01', gross, currency));
      events.push(
        ev(
          id,
          2n,
          p % 4 === 0 ? 'payment.failed' : 'payment.succeeded',
          `2026-03-0${1 + (p % 2)}`,
          gross,
          currency,
        ),
      );
      if (p % 3 === 1) events.push(ev(id, 3n, 'refund.succeeded', '2026-03-03', gross, currency));
    }
    const inOrder = inMemoryReporting();
    const applyInOrder = makeApplyPaymentEvent({ ...inOrder, clock });
    for (const e of events) await applyInOrder(e);

    for (const seed of [1, 2, 3, 42]) {
      const store = inMemoryReporting();
      const apply = makeApplyPaymentEvent({ ...store, clock });
      for (const e of shuffled([...events, ...events.slice(0, 10)], seed)) await apply(e);
      expect(store.factRows).toEqual(inOrder.factRows);
      expect(store.totalRows).toEqual(store.totalsFromFacts());
      expect(store.totalRows).toEqual(inOrder.totalRows);
    }
  });

  it('refuses an event without payment or merchant as a non-retriable error (DLQ)', async () => {
    const apply = makeApplyPaymentEvent({ ...inMemoryReporting(), clock });
    await expect(
      apply({ ...ev('pay_1', 1n, 'payment.succeeded', '2026-03-01', 1n), paymentId: '' }),
    ).rejects.toMatchObject({
      code: 'REPORTING_BAD_EVENT',
      retriable: false,
    });
    await expect(
      apply({ ...ev('pay_1', 1n, 'payment.succeeded', '2026-03-01', 1n), merchantId: '' }),
    ).rejects.toMatchObject({
      code: 'REPORTING_BAD_EVENT',
    });
  });
});
