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
};

const now = new Date('2026-03-02T00:00:05Z');

describe('statusOf', () => {
  it.each([
    ['payment.succeeded', 'succeeded'],
    ['payment.failed', 'failed'],
    ['payment.expired', 'expired'],
    ['payment.created', 'created'],
    ['payment.pending', 'pending'],
    ['payment.canceled', 'canceled'],
    ['refund.succeeded', 'refunded'],
    ['recurring.charge.succeeded', 'succeeded'],
    ['recurring.charge.failed', 'failed'],
    ['payment.disputed', 'payment.disputed'],
    ['refund.failed', 'refund.failed'],
  ])('%s -> %s', (type, status) => {
    expect(statusOf(type)).toBe(status);
  });

  it('does not confuse inherited object keys with event types', () => {
    expect(statusOf('constructor')).toBe('constructor');
    expect(statusOf('toString')).toBe('toString');
  });
});

describe('applyEvent', () => {
  it('creates a fact from the first event', () => {
    expect(applyEvent(undefined, succeeded, now)).toEqual({
      paymentId: 'pay_1',
      merchantId: 'mer_1',
      orderId: 'o-1',
      status: 'succeeded',
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
    });
  });

  it('ignores duplicates and events older than the fact', () => {
    const fact = applyEvent(undefined, { ...succeeded, sequence: 3n }, now);
    if (!fact) throw new Error('expected a fact');
    expect(applyEvent(fact, { ...succeeded, eventId: 'evt_x', sequence: 3n }, now)).toBeUndefined();
    expect(
      applyEvent(
        fact,
        { ...succeeded, eventId: 'evt_y', sequence: 2n, eventType: 'payment.failed' },
        now,
      ),
    ).toBeUndefined();
  });

  it('moves forward on a newer event, keeping what the event leaves out', () => {
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
      feeMinor: 250n,
      method: 'qr',
      providerAttributes: { payer_phone: '996700000001', refund_no: 'r-1' },
      lastEventId: 'evt_2',
      lastSequence: 2n,
      occurredAt: now,
    });
  });
});
