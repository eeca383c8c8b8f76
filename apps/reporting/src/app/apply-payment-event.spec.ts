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
    paymentStatus: '',
    failureCode: '',
    caseId: '',
    caseKind: '',
    caseResolution: '',
    livemode: false,
  };
}

const KGS = (amountMinor: bigint) => ({ amountMinor, currency: 'KGS' });

/** A status fact as checkout records it: the payment's amount as gross, no fee or net. */
function statusFact(paymentId: string, sequence: bigint, status: string, day: string): ReportEvent {
  return {
    ...ev(paymentId, sequence, `payment.${status}`, day, 10_000n),
    paymentStatus: status,
    fee: KGS(0n),
    net: KGS(0n),
  };
}

/** An event of case `case_<paymentId>`, carrying `gross` (fee and net zero unless given). */
function caseEv(
  paymentId: string,
  sequence: bigint,
  eventType: string,
  day: string,
  overrides: Partial<ReportEvent> = {},
): ReportEvent {
  return {
    ...ev(paymentId, sequence, eventType, day, 0n),
    gross: KGS(0n),
    fee: KGS(0n),
    net: KGS(0n),
    caseId: `case_${paymentId}`,
    ...overrides,
  };
}

/** Duplicate money on a succeeded payment, held, then credited to the merchant on day 3. */
function duplicateApplied(paymentId: string): ReportEvent[] {
  return [
    {
      ...ev(paymentId, 1n, 'payment.succeeded', '2026-03-01', 10_000n),
      paymentStatus: 'succeeded',
    },
    caseEv(paymentId, 2n, 'funds.unapplied', '2026-03-02', {
      gross: KGS(10_000n),
      caseKind: 'duplicate_payment',
    }),
    caseEv(paymentId, 3n, 'case.opened', '2026-03-02', { caseKind: 'duplicate_payment' }),
    caseEv(paymentId, 4n, 'payment.funds_applied', '2026-03-03', {
      gross: KGS(10_000n),
      fee: KGS(100n),
      net: KGS(9_900n),
    }),
    caseEv(paymentId, 5n, 'case.resolved', '2026-03-03', {
      caseKind: 'duplicate_payment',
      caseResolution: 'applied',
    }),
  ];
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
        method: 'qr',
        status: 'succeeded',
        livemode: false,
        paymentsCount: 1n,
        grossMinor: 10_000n,
        feeMinor: 100n,
        netMinor: 9_900n,
      },
    ]);
  });

  it('changes nothing for a duplicate; an older sequence never overwrites the newer status', async () => {
    const store = inMemoryReporting();
    const apply = makeApplyPaymentEvent({ ...store, clock });
    await apply({
      ...ev('pay_1', 3n, 'payment.failed', '2026-03-02', 10_000n),
      paymentStatus: 'failed',
    });
    const before = {
      facts: structuredClone(store.factRows),
      totals: structuredClone(store.totalRows),
    };
    expect(
      await apply({
        ...ev('pay_1', 3n, 'payment.failed', '2026-03-02', 99n),
        paymentStatus: 'failed',
      }),
    ).toEqual({ applied: false });
    expect(store.factRows).toEqual(before.facts);
    expect(store.totalRows).toEqual(before.totals);
    // A stale success (sequence 2) is history, not the status.
    expect(
      await apply({
        ...ev('pay_1', 2n, 'payment.succeeded', '2026-03-01', 10_000n),
        paymentStatus: 'succeeded',
      }),
    ).toEqual({ applied: true });
    expect(store.factRows.get('pay_1')).toMatchObject({ status: 'failed', lastSequence: 3n });
    expect([...store.totalRows.values()].map((r) => r.status)).toEqual(['failed']);
  });

  it('keeps a succeeded payment, its day and the totals as they were through recurring events', async () => {
    const store = inMemoryReporting();
    const apply = makeApplyPaymentEvent({ ...store, clock });
    await apply({
      ...ev('pay_1', 1n, 'payment.succeeded', '2026-03-01', 10_000n),
      paymentStatus: 'succeeded',
      method: 'card',
      provider: 'intellectmoney',
    });
    const before = {
      fact: structuredClone(store.factRows.get('pay_1')),
      totals: structuredClone(store.totalRows),
    };
    // As the ledger publishes them: no status, the payment's amount as gross, nothing moved, a
    // later day, and no method when the recurring service left it out.
    const recurring = (sequence: bigint, eventType: string): ReportEvent => ({
      ...ev('pay_1', sequence, eventType, '2026-03-03', 10_000n),
      fee: KGS(0n),
      net: KGS(0n),
      method: '',
      provider: '',
      failureCode: eventType === 'recurring.charge.failed' ? '51' : '',
    });
    for (const [sequence, type] of [
      [2n, 'recurring.charge.succeeded'],
      [3n, 'recurring.charge.failed'],
      [4n, 'recurring.operation.canceled'],
    ] as const) {
      expect(await apply(recurring(sequence, type))).toEqual({ applied: true });
    }
    expect(store.factRows.get('pay_1')).toMatchObject({
      status: 'succeeded',
      failureCode: '',
      grossMinor: 10_000n,
      feeMinor: 100n,
      netMinor: 9_900n,
      method: 'card',
      provider: 'intellectmoney',
      occurredAt: before.fact?.occurredAt,
      history: before.fact?.history,
      lastSequence: 4n,
    });
    expect(store.totalRows).toEqual(before.totals);
  });

  it('keeps a test and a live payment of the same merchant, day, currency and method in their own rows', async () => {
    const store = inMemoryReporting();
    const apply = makeApplyPaymentEvent({ ...store, clock });
    await apply(ev('pay_t', 1n, 'payment.succeeded', '2026-03-01', 10_000n));
    await apply({ ...ev('pay_l', 1n, 'payment.succeeded', '2026-03-01', 7_000n), livemode: true });
    expect(store.factRows.get('pay_t')?.livemode).toBe(false);
    expect(store.factRows.get('pay_l')?.livemode).toBe(true);
    const row = { merchantId: 'mer_1', day: '2026-03-01', currency: 'KGS', method: 'qr' };
    expect([...store.totalRows.values()]).toEqual([
      {
        ...row,
        status: 'succeeded',
        livemode: false,
        paymentsCount: 1n,
        grossMinor: 10_000n,
        feeMinor: 100n,
        netMinor: 9_900n,
      },
      {
        ...row,
        status: 'succeeded',
        livemode: true,
        paymentsCount: 1n,
        grossMinor: 7_000n,
        feeMinor: 70n,
        netMinor: 6_930n,
      },
    ]);
    // The live payment's refund moves only live money.
    await apply({ ...ev('pay_l', 2n, 'refund.succeeded', '2026-03-02', 7_000n), livemode: true });
    expect(
      [...store.totalRows.values()].map((r) => [r.livemode, r.status, r.paymentsCount]),
    ).toEqual([
      [false, 'succeeded', 1n],
      [true, 'refunded', 1n],
    ]);
    expect(store.totalRows).toEqual(store.totalsFromFacts());
  });

  it('keeps a live payment live whatever the order, when one of its events predates modes', async () => {
    // An event from before modes reads as livemode false; only `true` says something.
    const events = [
      { ...ev('pay_1', 1n, 'payment.pending', '2026-03-01', 10_000n), livemode: false },
      { ...ev('pay_1', 2n, 'payment.succeeded', '2026-03-01', 10_000n), livemode: true },
      { ...ev('pay_1', 3n, 'refund.succeeded', '2026-03-02', 10_000n), livemode: true },
    ];
    const inOrder = inMemoryReporting();
    const applyInOrder = makeApplyPaymentEvent({ ...inOrder, clock });
    for (const e of events) await applyInOrder(e);
    expect(inOrder.factRows.get('pay_1')?.livemode).toBe(true);
    for (const seed of [1, 2, 3, 42]) {
      const store = inMemoryReporting();
      const apply = makeApplyPaymentEvent({ ...store, clock });
      for (const e of shuffled([...events, ...events], seed)) await apply(e);
      expect(store.factRows).toEqual(inOrder.factRows);
      expect(store.totalRows).toEqual(inOrder.totalRows);
      expect([...store.totalRows.values()].map((r) => [r.livemode, r.status])).toEqual([
        [true, 'refunded'],
      ]);
    }
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

  it.each(['failed', 'expired', 'canceled'])(
    'ends pending -> %s with that status, the amount as gross and nothing in succeeded totals',
    async (outcome) => {
      const store = inMemoryReporting();
      const apply = makeApplyPaymentEvent({ ...store, clock });
      await apply(statusFact('pay_1', 1n, 'pending', '2026-03-01'));
      await apply({
        ...statusFact('pay_1', 2n, outcome, '2026-03-02'),
        failureCode: outcome === 'failed' ? 'card_declined' : '',
      });
      expect(store.factRows.get('pay_1')).toMatchObject({
        status: outcome,
        failureCode: outcome === 'failed' ? 'card_declined' : '',
        grossMinor: 10_000n,
        feeMinor: 0n,
        netMinor: 0n,
        lastSequence: 2n,
      });
      expect([...store.totalRows.values()]).toEqual([
        expect.objectContaining({ day: '2026-03-02', status: outcome, paymentsCount: 1n }),
      ]);
    },
  );

  it('keeps a succeeded payment as it was through a case, and counts the applied money on its day', async () => {
    const store = inMemoryReporting();
    const apply = makeApplyPaymentEvent({ ...store, clock });
    const events = duplicateApplied('pay_1');
    await apply(events[0] as ReportEvent);
    const paid = structuredClone(store.factRows.get('pay_1'));
    for (const e of events.slice(1)) expect(await apply(e)).toEqual({ applied: true });

    expect(store.factRows.get('pay_1')).toEqual({
      ...paid,
      lastEventId: 'evt_pay_1_5',
      lastSequence: 5n,
      seenSequences: [1n, 2n, 3n, 4n, 5n],
    });
    expect(store.caseRows.get('case_pay_1')).toMatchObject({
      paymentId: 'pay_1',
      caseKind: 'duplicate_payment',
      receivedMinor: 10_000n,
      appliedGrossMinor: 10_000n,
      appliedFeeMinor: 100n,
      appliedNetMinor: 9_900n,
      returnedMinor: 0n,
      appliedOnTop: true,
      resolution: 'applied',
    });
    expect([...store.totalRows.values()]).toEqual([
      {
        merchantId: 'mer_1',
        day: '2026-03-01',
        currency: 'KGS',
        method: 'qr',
        status: 'succeeded',
        livemode: false,
        paymentsCount: 1n,
        grossMinor: 10_000n,
        feeMinor: 100n,
        netMinor: 9_900n,
      },
      {
        merchantId: 'mer_1',
        day: '2026-03-03',
        currency: 'KGS',
        method: 'qr',
        status: 'succeeded',
        livemode: false,
        paymentsCount: 0n,
        grossMinor: 10_000n,
        feeMinor: 100n,
        netMinor: 9_900n,
      },
    ]);
    expect(store.totalRows).toEqual(store.totalsFromFacts());
  });

  it('counts money that was held nowhere while held, and nowhere once returned', async () => {
    const store = inMemoryReporting();
    const apply = makeApplyPaymentEvent({ ...store, clock });
    const [paid, unapplied, opened] = duplicateApplied('pay_1') as [
      ReportEvent,
      ReportEvent,
      ReportEvent,
    ];
    await apply(paid);
    const totalsPaid = structuredClone(store.totalRows);
    await apply(unapplied);
    await apply(opened);
    expect(store.totalRows).toEqual(totalsPaid);
    await apply(caseEv('pay_1', 4n, 'funds.returned', '2026-03-03', { gross: KGS(10_000n) }));
    await apply(caseEv('pay_1', 5n, 'case.resolved', '2026-03-03', { caseResolution: 'returned' }));
    expect(store.totalRows).toEqual(totalsPaid);
    expect(store.caseRows.get('case_pay_1')).toMatchObject({
      receivedMinor: 10_000n,
      returnedMinor: 10_000n,
      appliedGrossMinor: 0n,
      resolution: 'returned',
    });
  });

  it('makes a late payment succeed with the money its case applied, counted once', async () => {
    const store = inMemoryReporting();
    const apply = makeApplyPaymentEvent({ ...store, clock });
    await apply(statusFact('pay_1', 1n, 'pending', '2026-03-01'));
    await apply(statusFact('pay_1', 2n, 'expired', '2026-03-01'));
    await apply(caseEv('pay_1', 3n, 'funds.unapplied', '2026-03-02', { gross: KGS(9_000n) }));
    await apply(caseEv('pay_1', 4n, 'case.opened', '2026-03-02', { caseKind: 'late_payment' }));
    expect(store.factRows.get('pay_1')).toMatchObject({ status: 'expired', lastSequence: 4n });
    await apply(
      caseEv('pay_1', 5n, 'payment.funds_applied', '2026-03-03', {
        paymentStatus: 'succeeded',
        gross: KGS(9_000n),
        fee: KGS(90n),
        net: KGS(8_910n),
      }),
    );
    await apply(caseEv('pay_1', 6n, 'case.resolved', '2026-03-03', { caseResolution: 'applied' }));
    expect(store.factRows.get('pay_1')).toMatchObject({
      status: 'succeeded',
      grossMinor: 9_000n,
      feeMinor: 90n,
      netMinor: 8_910n,
      occurredAt: new Date('2026-03-03T12:00:00Z'),
      lastSequence: 6n,
    });
    expect(store.caseRows.get('case_pay_1')).toMatchObject({
      caseKind: 'late_payment',
      appliedOnTop: false,
    });
    expect([...store.totalRows.values()]).toEqual([
      {
        merchantId: 'mer_1',
        day: '2026-03-03',
        currency: 'KGS',
        method: 'qr',
        status: 'succeeded',
        livemode: false,
        paymentsCount: 1n,
        grossMinor: 9_000n,
        feeMinor: 90n,
        netMinor: 8_910n,
      },
    ]);
  });

  it('changes nothing for a duplicate case event, and keeps totals equal to facts and cases in any order', async () => {
    const events = [...duplicateApplied('pay_1'), ...duplicateApplied('pay_2')];
    const inOrder = inMemoryReporting();
    const applyInOrder = makeApplyPaymentEvent({ ...inOrder, clock });
    for (const e of events) {
      await applyInOrder(e);
      expect(await applyInOrder(e)).toEqual({ applied: false });
    }
    expect(inOrder.caseRows.get('case_pay_1')).toMatchObject({ appliedGrossMinor: 10_000n });
    expect(inOrder.totalRows).toEqual(inOrder.totalsFromFacts());

    // Out of order, a late event is skipped (Kafka keeps one payment's events in order, so this
    // only happens to redelivered duplicates); the totals still equal what the rows say.
    for (const seed of [1, 7, 42]) {
      const store = inMemoryReporting();
      const apply = makeApplyPaymentEvent({ ...store, clock });
      for (const e of shuffled([...events, ...events], seed)) await apply(e);
      expect(store.totalRows).toEqual(store.totalsFromFacts());
    }
  });

  it('refuses a case event without a case id, writing nothing (DLQ)', async () => {
    const store = inMemoryReporting();
    const apply = makeApplyPaymentEvent({ ...store, clock });
    await apply(duplicateApplied('pay_1')[0] as ReportEvent);
    const before = structuredClone(store.factRows);
    await expect(
      apply(caseEv('pay_1', 2n, 'funds.unapplied', '2026-03-02', { caseId: '' })),
    ).rejects.toMatchObject({ code: 'REPORTING_BAD_EVENT', retriable: false });
    expect(store.factRows).toEqual(before);
    expect(store.caseRows.size).toBe(0);
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
