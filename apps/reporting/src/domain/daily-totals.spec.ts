import { describe, expect, it } from 'vitest';

import {
  caseContribution,
  contributionsDelta,
  factContribution,
  isEmptyTotalsRow,
  totalsDelta,
  utcDay,
} from './daily-totals';
import type { PaymentCase } from './payment-case';
import type { PaymentFact } from './payment-fact';

const fact: PaymentFact = {
  paymentId: 'pay_1',
  merchantId: 'mer_1',
  orderId: '',
  status: 'succeeded',
  failureCode: '',
  grossMinor: 1_000n,
  feeMinor: 30n,
  netMinor: 970n,
  currency: 'USD',
  method: 'card',
  provider: 'intellectmoney',
  providerPaymentId: '',
  providerAttributes: {},
  lastEventId: 'evt_1',
  lastSequence: 1n,
  occurredAt: new Date('2026-03-01T23:30:00Z'),
  updatedAt: new Date('2026-03-01T23:30:00Z'),
  createdAt: new Date('2026-03-01T00:00:00Z'),
  history: [],
  seenSequences: [1n],
  statusSequence: 1n,
  amountsSequence: 1n,
  feeSequence: 1n,
  livemode: false,
};

describe('totalsDelta', () => {
  it('adds a new fact to its (merchant, UTC day, currency, method, status) row', () => {
    expect(totalsDelta(undefined, fact)).toEqual([
      {
        key: {
          merchantId: 'mer_1',
          day: '2026-03-01',
          currency: 'USD',
          method: 'card',
          status: 'succeeded',
          livemode: false,
        },
        paymentsCount: 1n,
        grossMinor: 1_000n,
        feeMinor: 30n,
        netMinor: 970n,
      },
    ]);
  });

  it('moves the payment between statuses when the status changes', () => {
    const refunded = { ...fact, status: 'refunded' };
    const deltas = totalsDelta(fact, refunded);
    expect(deltas).toHaveLength(2);
    expect(deltas.find((d) => d.key.status === 'succeeded')).toMatchObject({
      paymentsCount: -1n,
      grossMinor: -1_000n,
      netMinor: -970n,
    });
    expect(deltas.find((d) => d.key.status === 'refunded')).toMatchObject({
      paymentsCount: 1n,
      grossMinor: 1_000n,
      netMinor: 970n,
    });
  });

  it('only adjusts amounts when the row stays the same, and nothing when nothing changed', () => {
    expect(totalsDelta(fact, { ...fact, feeMinor: 50n, netMinor: 950n })).toEqual([
      {
        key: expect.objectContaining({ status: 'succeeded' }),
        paymentsCount: 0n,
        grossMinor: 0n,
        feeMinor: 20n,
        netMinor: -20n,
      },
    ]);
    expect(totalsDelta(fact, { ...fact, lastSequence: 2n })).toEqual([]);
  });

  it('returns deltas in one key order whichever way the status moves (no lock-order deadlocks)', () => {
    const failed = { ...fact, status: 'failed' };
    const there = totalsDelta(fact, failed).map((d) => d.key.status);
    const back = totalsDelta(failed, fact).map((d) => d.key.status);
    expect(there).toEqual(back);
  });

  it('uses the UTC day', () => {
    expect(utcDay(new Date('2026-03-01T23:59:59.999-05:00'))).toBe('2026-03-02');
  });
});

const appliedCase: PaymentCase = {
  caseId: 'case_1',
  paymentId: 'pay_1',
  merchantId: 'mer_1',
  caseKind: 'duplicate_payment',
  currency: 'USD',
  method: 'card',
  receivedMinor: 1_000n,
  appliedGrossMinor: 1_000n,
  appliedFeeMinor: 30n,
  appliedNetMinor: 970n,
  returnedMinor: 0n,
  appliedOnTop: true,
  appliedAt: new Date('2026-03-04T10:00:00Z'),
  resolution: 'applied',
  openedAt: new Date('2026-03-03T10:00:00Z'),
  resolvedAt: new Date('2026-03-04T10:00:00Z'),
  updatedAt: new Date('2026-03-04T10:00:00Z'),
  livemode: false,
};

describe('caseContribution', () => {
  it('counts money applied on top of a succeeded payment as succeeded money of its day, not a payment', () => {
    expect(caseContribution(appliedCase)).toEqual([
      {
        key: {
          merchantId: 'mer_1',
          day: '2026-03-04',
          currency: 'USD',
          method: 'card',
          status: 'succeeded',
          livemode: false,
        },
        paymentsCount: 0n,
        grossMinor: 1_000n,
        feeMinor: 30n,
        netMinor: 970n,
      },
    ]);
  });

  it('counts nothing for money held, returned, or already the payment’s own', () => {
    const held = { ...appliedCase, appliedOnTop: false, appliedAt: null, appliedGrossMinor: 0n };
    expect(caseContribution(held)).toEqual([]);
    expect(caseContribution({ ...held, returnedMinor: 1_000n, resolution: 'returned' })).toEqual(
      [],
    );
    expect(caseContribution({ ...appliedCase, appliedOnTop: false })).toEqual([]);
    expect(caseContribution(undefined)).toEqual([]);
  });

  it('adds the applied money to the succeeded row of the payment when both fall on one day', () => {
    const sameDay = { ...appliedCase, appliedAt: fact.occurredAt };
    expect(
      contributionsDelta(factContribution(fact), [
        ...factContribution(fact),
        ...caseContribution(sameDay),
      ]),
    ).toEqual([
      {
        key: expect.objectContaining({ day: '2026-03-01', status: 'succeeded' }),
        paymentsCount: 0n,
        grossMinor: 1_000n,
        feeMinor: 30n,
        netMinor: 970n,
      },
    ]);
  });
});

describe('isEmptyTotalsRow', () => {
  it('keeps a row that holds money of no payment', () => {
    const zero = { paymentsCount: 0n, grossMinor: 0n, feeMinor: 0n, netMinor: 0n };
    expect(isEmptyTotalsRow(zero)).toBe(true);
    expect(isEmptyTotalsRow({ ...zero, netMinor: 1n })).toBe(false);
    expect(isEmptyTotalsRow({ ...zero, paymentsCount: 1n })).toBe(false);
  });
});
