import { describe, expect, it } from 'vitest';

import { applyEvent, type ReportEvent, statusOf } from './payment-fact';

const succeeded: ReportEvent = {
  eventId: 'evt_1',
  eventType: 'payment.succeeded',
  occurredAt: new Date('2026-03-01T23:59:59.999Z'),
  paymentId: 'pay_1',
  merchantId: 'mer_1',
  orderId: 'o-1',
  gross: { amountMinor: 10_000n, currency: 'KGS' },
  fee: { amountMinor: 250n, currency: 'KGS' },
  net: { amountMinor: 9_750n, currency: 'KGS' },
  method: 'qr',
  provider: 'qr_acquirer',
  providerPaymentId: 'qr-77',
  providerAttributes: { payer_phone: '996700000001' },
  sequence: 1n,
  paymentStatus: '',
  failureCode: '',
  caseId: '',
  caseKind: '',
  caseResolution: '',
  livemode: false,
};

const now = new Date('2026-03-02T00:00:05Z');

describe('statusOf', () => {
  it('takes the payment_status the event carries, whatever its type', () => {
    expect(statusOf({ eventType: 'refund.succeeded', paymentStatus: 'partially_refunded' })).toBe(
      'partially_refunded',
    );
    expect(statusOf({ eventType: 'payment.funds_applied', paymentStatus: 'succeeded' })).toBe(
      'succeeded',
    );
    expect(statusOf({ eventType: 'chargeback.lost', paymentStatus: 'charged_back' })).toBe(
      'charged_back',
    );
  });

  it.each([
    ['payment.succeeded', 'succeeded'],
    ['payment.failed', 'failed'],
    ['payment.expired', 'expired'],
    ['payment.created', 'created'],
    ['payment.pending', 'pending'],
    ['payment.canceled', 'canceled'],
    ['payment.requires_review', 'requires_review'],
    ['refund.succeeded', 'refunded'],
    ['payment.held', 'payment.held'],
    ['payment.hold_voided', 'payment.hold_voided'],
    ['payment.reversed', 'payment.reversed'],
    ['refund.reversed', 'refund.reversed'],
    ['payout.succeeded', 'payout.succeeded'],
    ['payout.reversed', 'payout.reversed'],
  ])('without payment_status (an older event) %s -> %s', (eventType, status) => {
    expect(statusOf({ eventType, paymentStatus: '' })).toBe(status);
  });

  it.each([
    'funds.unapplied',
    'funds.returned',
    'case.opened',
    'case.resolved',
    'payment.funds_applied',
    'refund.pending',
    'payment.disputed',
    'recurring.charge.succeeded',
    'recurring.charge.failed',
    'recurring.charge.abandoned',
    'recurring.operation.canceled',
    'constructor',
    'toString',
  ])('without payment_status %s leaves the status as it is', (eventType) => {
    expect(statusOf({ eventType, paymentStatus: '' })).toBeUndefined();
  });
});

describe('applyEvent', () => {
  it('creates a fact from the first event', () => {
    expect(applyEvent(undefined, succeeded, now)).toEqual({
      paymentId: 'pay_1',
      merchantId: 'mer_1',
      orderId: 'o-1',
      status: 'succeeded',
      failureCode: '',
      grossMinor: 10_000n,
      feeMinor: 250n,
      netMinor: 9_750n,
      currency: 'KGS',
      method: 'qr',
      provider: 'qr_acquirer',
      providerPaymentId: 'qr-77',
      providerAttributes: { payer_phone: '996700000001' },
      lastEventId: 'evt_1',
      lastSequence: 1n,
      occurredAt: succeeded.occurredAt,
      updatedAt: now,
      createdAt: succeeded.occurredAt,
      history: [
        {
          status: 'succeeded',
          eventType: 'payment.succeeded',
          sequence: 1n,
          occurredAt: succeeded.occurredAt,
        },
      ],
      seenSequences: [1n],
      statusSequence: 1n,
      amountsSequence: 1n,
      feeSequence: 1n,
      livemode: false,
    });
  });

  it('ignores a sequence seen before, and never lets an older event overwrite a newer status or amounts', () => {
    const fact = applyEvent(undefined, { ...succeeded, sequence: 3n }, now);
    if (!fact) throw new Error('expected a fact');
    expect(applyEvent(fact, { ...succeeded, eventId: 'evt_x', sequence: 3n }, now)).toBeUndefined();
    const earlier = new Date('2026-02-28T10:00:00Z');
    const late = applyEvent(
      fact,
      {
        ...succeeded,
        eventId: 'evt_y',
        sequence: 2n,
        eventType: 'payment.failed',
        occurredAt: earlier,
        gross: { amountMinor: 1n, currency: 'KGS' },
        failureCode: 'declined',
      },
      now,
    );
    expect(late).toMatchObject({
      status: 'succeeded',
      failureCode: '',
      grossMinor: 10_000n,
      feeMinor: 250n,
      occurredAt: succeeded.occurredAt,
      lastEventId: 'evt_1',
      lastSequence: 3n,
      createdAt: earlier,
      seenSequences: [2n, 3n],
    });
    // The late status is still part of the payment's story, in its place.
    expect(late?.history.map((h) => [h.sequence, h.status])).toEqual([
      [2n, 'failed'],
      [3n, 'succeeded'],
    ]);
  });

  it('fills in what only a late event carries: a refund seen first, its payment after', () => {
    const refund = {
      ...succeeded,
      eventId: 'evt_3',
      eventType: 'refund.succeeded',
      paymentStatus: 'partially_refunded',
      refundId: 're_1',
      sequence: 3n,
      occurredAt: new Date('2026-03-05T08:00:00Z'),
      gross: { amountMinor: 4_000n, currency: 'KGS' },
      fee: { amountMinor: 0n, currency: 'KGS' },
      net: { amountMinor: 4_000n, currency: 'KGS' },
    };
    const inOrder = applyEvent(applyEvent(undefined, succeeded, now), refund, now);
    const reversed = applyEvent(applyEvent(undefined, refund, now), succeeded, now);
    expect(reversed).toEqual(inOrder);
    expect(reversed).toMatchObject({
      status: 'partially_refunded',
      grossMinor: 10_000n,
      feeMinor: 250n,
      netMinor: 9_750n,
      occurredAt: succeeded.occurredAt,
    });
  });

  it('takes the status of a refund but never its amount or day: the payment keeps what it was', () => {
    const fact = applyEvent(undefined, succeeded, now);
    if (!fact) throw new Error('expected a fact');
    const refunded = applyEvent(
      fact,
      {
        ...succeeded,
        eventId: 'evt_2',
        eventType: 'refund.succeeded',
        occurredAt: undefined,
        orderId: '',
        gross: { amountMinor: 3_000n, currency: 'KGS' },
        net: { amountMinor: 3_000n, currency: 'KGS' },
        fee: undefined,
        method: '',
        providerAttributes: { refund_no: 'r-1' },
        sequence: 2n,
      },
      now,
    );
    expect(refunded).toMatchObject({
      status: 'refunded',
      orderId: 'o-1',
      grossMinor: 10_000n,
      feeMinor: 250n,
      netMinor: 9_750n,
      method: 'qr',
      providerAttributes: { payer_phone: '996700000001', refund_no: 'r-1' },
      lastEventId: 'evt_2',
      lastSequence: 2n,
      occurredAt: succeeded.occurredAt,
    });
    expect(refunded?.history.map((h) => h.status)).toEqual(['succeeded', 'refunded']);
  });

  const status = (eventType: string, paymentStatus: string, sequence: bigint) => ({
    ...succeeded,
    eventId: `evt_${sequence}`,
    eventType,
    paymentStatus,
    sequence,
    fee: { amountMinor: 0n, currency: 'KGS' },
    net: { amountMinor: 0n, currency: 'KGS' },
  });

  it('takes gross but never fee or net from a status fact, so it cannot erase what a payment earned', () => {
    const pending = applyEvent(undefined, status('payment.pending', 'pending', 1n), now);
    expect(pending).toMatchObject({ status: 'pending', grossMinor: 10_000n, feeMinor: 0n });
    const paid = applyEvent(
      pending,
      { ...succeeded, paymentStatus: 'succeeded', sequence: 2n },
      now,
    );
    expect(paid).toMatchObject({ status: 'succeeded', feeMinor: 250n, netMinor: 9_750n });
    // Not a sequence checkout produces (success is final but for refunds and cases); if a
    // producer broke that, the money the payment earned would still be there.
    const review = applyEvent(paid, status('payment.requires_review', 'requires_review', 3n), now);
    expect(review).toMatchObject({
      status: 'requires_review',
      grossMinor: 10_000n,
      feeMinor: 250n,
      netMinor: 9_750n,
    });
  });

  it('keeps the failure code of the event that set the status', () => {
    const pending = applyEvent(undefined, status('payment.pending', 'pending', 1n), now);
    const failed = applyEvent(
      pending,
      { ...status('payment.failed', 'failed', 2n), failureCode: 'insufficient_funds' },
      now,
    );
    expect(failed).toMatchObject({ status: 'failed', failureCode: 'insufficient_funds' });
  });

  it('only moves the position for an event that does not set the status, whatever money it carries', () => {
    const fact = applyEvent(undefined, { ...succeeded, paymentStatus: 'succeeded' }, now);
    if (!fact) throw new Error('expected a fact');
    const later = new Date('2026-03-09T00:00:00Z');
    for (const [eventType, sequence] of [
      ['funds.unapplied', 2n],
      ['case.opened', 3n],
      ['payment.funds_applied', 4n],
      ['case.resolved', 5n],
    ] as const) {
      const next = applyEvent(
        fact,
        {
          ...succeeded,
          eventId: `evt_${sequence}`,
          eventType,
          sequence,
          occurredAt: later,
          gross: { amountMinor: 7_000n, currency: 'KGS' },
          fee: { amountMinor: 70n, currency: 'KGS' },
          net: { amountMinor: 6_930n, currency: 'KGS' },
          providerAttributes: { payer_phone: '996700000002' },
          caseId: 'case_1',
        },
        later,
      );
      expect(next).toEqual({
        ...fact,
        lastEventId: `evt_${sequence}`,
        lastSequence: sequence,
        seenSequences: [1n, sequence],
        updatedAt: later,
      });
    }
  });

  it('makes an expired payment succeed with the money a case applied to it', () => {
    const expired = applyEvent(undefined, status('payment.expired', 'expired', 2n), now);
    const applied = applyEvent(
      expired,
      {
        ...succeeded,
        eventType: 'payment.funds_applied',
        paymentStatus: 'succeeded',
        gross: { amountMinor: 9_000n, currency: 'KGS' },
        fee: { amountMinor: 225n, currency: 'KGS' },
        net: { amountMinor: 8_775n, currency: 'KGS' },
        caseId: 'case_1',
        sequence: 5n,
      },
      now,
    );
    expect(applied).toMatchObject({
      status: 'succeeded',
      grossMinor: 9_000n,
      feeMinor: 225n,
      netMinor: 8_775n,
    });
  });

  it('creates a fact without status or amounts when a case event is the first one seen', () => {
    expect(
      applyEvent(undefined, { ...succeeded, eventType: 'case.opened', caseId: 'case_1' }, now),
    ).toMatchObject({
      merchantId: 'mer_1',
      status: '',
      grossMinor: 0n,
      feeMinor: 0n,
      netMinor: 0n,
      lastSequence: 1n,
    });
  });
});
