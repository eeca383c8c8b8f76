import { describe, expect, it } from 'vitest';

import { inMemoryReporting } from '../../test/fakes/in-memory-store';
import type { ReportEvent } from '../domain/payment-fact';
import { makeApplyPaymentEvent } from './apply-payment-event';
import { makeListRefunds } from './list-refunds';

const clock = { now: () => new Date('2026-03-09T00:00:00Z') };
const KGS = (amountMinor: bigint) => ({ amountMinor, currency: 'KGS' });

function base(sequence: bigint, eventType: string, at: string): ReportEvent {
  return {
    eventId: `evt_${sequence}`,
    eventType,
    occurredAt: new Date(at),
    paymentId: 'pay_1',
    merchantId: 'mer_1',
    orderId: 'o-1',
    gross: KGS(10_000n),
    fee: KGS(300n),
    net: KGS(9_700n),
    method: 'webmoney_purse',
    provider: 'webmoney',
    providerPaymentId: 'wm-1',
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

/** How the ledger writes a refund: pending (debited), then succeeded or failed, amount as gross/net. */
function refundEv(
  sequence: bigint,
  type: 'pending' | 'succeeded' | 'failed',
  refundId: string,
  amount: bigint,
  at: string,
  paymentStatus = '',
): ReportEvent {
  return {
    ...base(sequence, `refund.${type}`, at),
    refundId,
    gross: KGS(amount),
    fee: KGS(0n),
    net: KGS(amount),
    paymentStatus,
    failureCode: type === 'failed' ? 'provider_refused' : '',
  };
}

/** Paid on the 1st; 3,000 refunded (2nd/3rd), 2,000 refunded (4th), the remaining 5,000 (5th/6th). */
const story: ReportEvent[] = [
  {
    ...base(1n, 'payment.pending', '2026-03-01T09:00:00Z'),
    paymentStatus: 'pending',
    fee: KGS(0n),
    net: KGS(0n),
  },
  { ...base(2n, 'payment.succeeded', '2026-03-01T09:01:00Z'), paymentStatus: 'succeeded' },
  refundEv(3n, 'pending', 're_a', 3_000n, '2026-03-02T10:00:00Z'),
  refundEv(4n, 'succeeded', 're_a', 3_000n, '2026-03-03T10:00:00Z', 'partially_refunded'),
  refundEv(5n, 'pending', 're_b', 2_000n, '2026-03-04T10:00:00Z'),
  refundEv(6n, 'succeeded', 're_b', 2_000n, '2026-03-04T11:00:00Z', 'partially_refunded'),
  refundEv(7n, 'pending', 're_c', 5_000n, '2026-03-05T10:00:00Z'),
  refundEv(8n, 'succeeded', 're_c', 5_000n, '2026-03-06T10:00:00Z', 'refunded'),
];

function permutations(seed: number, items: ReportEvent[]): ReportEvent[] {
  let a = seed;
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    a = (a * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = a % (i + 1);
    [out[i], out[j]] = [out[j] as ReportEvent, out[i] as ReportEvent];
  }
  return out;
}

describe('refunds in reporting', () => {
  it('keeps the payment as paid through two partial refunds then a full one, each refund its own row', async () => {
    const store = inMemoryReporting();
    const apply = makeApplyPaymentEvent({ ...store, clock });
    for (const e of story) await apply(e);

    expect(store.factRows.get('pay_1')).toMatchObject({
      status: 'refunded',
      grossMinor: 10_000n,
      feeMinor: 300n,
      netMinor: 9_700n,
      occurredAt: new Date('2026-03-01T09:01:00Z'),
      createdAt: new Date('2026-03-01T09:00:00Z'),
    });
    expect(store.factRows.get('pay_1')?.history.map((h) => h.status)).toEqual([
      'pending',
      'succeeded',
      'partially_refunded',
      'partially_refunded',
      'refunded',
    ]);
    expect(
      [...store.refundRows.values()].map((r) => [r.refundId, r.status, r.amountMinor, r.statusAt]),
    ).toEqual([
      ['re_a', 'succeeded', 3_000n, new Date('2026-03-03T10:00:00Z')],
      ['re_b', 'succeeded', 2_000n, new Date('2026-03-04T11:00:00Z')],
      ['re_c', 'succeeded', 5_000n, new Date('2026-03-06T10:00:00Z')],
    ]);
    // The payment stays on its own day with all it earned; refunds are counted apart, per day.
    expect([...store.totalRows.values()]).toEqual([
      {
        merchantId: 'mer_1',
        day: '2026-03-01',
        currency: 'KGS',
        method: 'webmoney_purse',
        status: 'refunded',
        livemode: false,
        paymentsCount: 1n,
        grossMinor: 10_000n,
        feeMinor: 300n,
        netMinor: 9_700n,
      },
    ]);
    expect(
      [...store.refundTotalRows.values()].map((r) => [
        r.day,
        r.status,
        r.refundsCount,
        r.amountMinor,
      ]),
    ).toEqual([
      ['2026-03-03', 'succeeded', 1n, 3_000n],
      ['2026-03-04', 'succeeded', 1n, 2_000n],
      ['2026-03-06', 'succeeded', 1n, 5_000n],
    ]);
  });

  it("counts a live payment's refunds in live rows, apart from a test payment's", async () => {
    const store = inMemoryReporting();
    const apply = makeApplyPaymentEvent({ ...store, clock });
    for (const e of story) await apply(e);
    const live = (e: ReportEvent): ReportEvent => ({
      ...e,
      eventId: `${e.eventId}_live`,
      paymentId: 'pay_2',
      refundId: e.refundId && `${e.refundId}_live`,
      livemode: true,
    });
    for (const e of story) await apply(live(e));
    expect(store.refundRows.get('re_a')?.livemode).toBe(false);
    expect(store.refundRows.get('re_a_live')?.livemode).toBe(true);
    expect(
      [...store.refundTotalRows.values()]
        .filter((r) => r.day === '2026-03-03')
        .map((r) => [r.livemode, r.status, r.refundsCount, r.amountMinor]),
    ).toEqual([
      [false, 'succeeded', 1n, 3_000n],
      [true, 'succeeded', 1n, 3_000n],
    ]);
    expect(store.refundTotalRows).toEqual(store.refundTotalsFromRefunds());
    const listed = makeListRefunds({ refunds: store.refunds });
    const page = (livemode?: boolean) =>
      listed({ merchantId: 'mer_1', paymentId: '', pageSize: 0, pageToken: '', livemode });
    expect((await page(true)).refunds.map((r) => r.refundId).sort()).toEqual([
      're_a_live',
      're_b_live',
      're_c_live',
    ]);
    expect((await page(false)).refunds.map((r) => r.refundId).sort()).toEqual([
      're_a',
      're_b',
      're_c',
    ]);
    expect((await page()).refunds).toHaveLength(6);
  });

  it('shows a pending refund as pending on its day, and a failed one as failed', async () => {
    const store = inMemoryReporting();
    const apply = makeApplyPaymentEvent({ ...store, clock });
    for (const e of story.slice(0, 3)) await apply(e);
    expect(store.refundRows.get('re_a')).toMatchObject({
      status: 'pending',
      requestedAt: new Date('2026-03-02T10:00:00Z'),
      resolvedAt: null,
    });
    expect(store.factRows.get('pay_1')).toMatchObject({ status: 'succeeded', grossMinor: 10_000n });
    await apply(refundEv(4n, 'failed', 're_a', 3_000n, '2026-03-03T10:00:00Z'));
    expect(store.refundRows.get('re_a')).toMatchObject({
      status: 'failed',
      failureCode: 'provider_refused',
    });
    expect(store.factRows.get('pay_1')).toMatchObject({ status: 'succeeded' });
    expect([...store.refundTotalRows.values()]).toEqual([
      expect.objectContaining({ day: '2026-03-03', status: 'failed', refundsCount: 1n }),
    ]);
  });

  it('converges to the same rows and totals whatever order and duplication the events arrive in', async () => {
    const inOrder = inMemoryReporting();
    const applyInOrder = makeApplyPaymentEvent({ ...inOrder, clock });
    for (const e of story) await applyInOrder(e);
    for (const seed of [1, 7, 42, 1234, 99_999]) {
      const store = inMemoryReporting();
      const apply = makeApplyPaymentEvent({ ...store, clock });
      for (const e of permutations(seed, [...story, ...story.slice(2, 6)])) await apply(e);
      expect(store.factRows).toEqual(inOrder.factRows);
      expect(store.refundRows).toEqual(inOrder.refundRows);
      expect(store.totalRows).toEqual(inOrder.totalRows);
      expect(store.refundTotalRows).toEqual(inOrder.refundTotalRows);
      expect(store.refundTotalRows).toEqual(store.refundTotalsFromRefunds());
      expect(store.totalRows).toEqual(store.totalsFromFacts());
    }
  });

  it('never lets a late refund.pending reopen a refund that already succeeded', async () => {
    const store = inMemoryReporting();
    const apply = makeApplyPaymentEvent({ ...store, clock });
    await apply(story[1] as ReportEvent);
    await apply(story[3] as ReportEvent);
    await apply(story[2] as ReportEvent);
    expect(store.refundRows.get('re_a')).toMatchObject({
      status: 'succeeded',
      requestedAt: new Date('2026-03-02T10:00:00Z'),
      resolvedAt: new Date('2026-03-03T10:00:00Z'),
    });
  });
});
