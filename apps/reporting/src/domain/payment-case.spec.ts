import { describe, expect, it } from 'vitest';

import { applyCaseEvent, heldMinor, isCaseEvent, type PaymentCase } from './payment-case';
import type { ReportEvent } from './payment-fact';

const now = new Date('2026-03-05T00:00:00Z');
const KGS = (amountMinor: bigint) => ({ amountMinor, currency: 'KGS' });

function caseEvent(eventType: string, overrides: Partial<ReportEvent> = {}): ReportEvent {
  return {
    eventId: `evt_${eventType}`,
    eventType,
    occurredAt: new Date('2026-03-02T10:00:00Z'),
    paymentId: 'pay_1',
    merchantId: 'mer_1',
    orderId: 'o-1',
    gross: undefined,
    fee: undefined,
    net: undefined,
    method: 'qr',
    provider: 'qr_acquirer',
    providerPaymentId: '',
    providerAttributes: {},
    sequence: 2n,
    paymentStatus: '',
    failureCode: '',
    caseId: 'case_1',
    caseKind: '',
    caseResolution: '',
    livemode: false,
    ...overrides,
  };
}

function run(events: ReportEvent[]): PaymentCase | undefined {
  let c: PaymentCase | undefined;
  for (const e of events) c = applyCaseEvent(c, e, now);
  return c;
}

describe('applyCaseEvent', () => {
  it('follows duplicate money from unapplied funds to the merchant, on top of the payment', () => {
    const held = run([
      caseEvent('funds.unapplied', {
        gross: KGS(10_000n),
        fee: KGS(0n),
        net: KGS(0n),
        caseKind: 'duplicate_payment',
      }),
      caseEvent('case.opened', { caseKind: 'duplicate_payment' }),
    ]);
    expect(held).toMatchObject({
      caseId: 'case_1',
      paymentId: 'pay_1',
      merchantId: 'mer_1',
      caseKind: 'duplicate_payment',
      currency: 'KGS',
      receivedMinor: 10_000n,
      appliedGrossMinor: 0n,
      resolution: '',
      openedAt: new Date('2026-03-02T10:00:00Z'),
      resolvedAt: null,
    });
    expect(held && heldMinor(held)).toBe(10_000n);

    const appliedAt = new Date('2026-03-04T08:00:00Z');
    const resolved = run([
      caseEvent('funds.unapplied', { gross: KGS(10_000n) }),
      caseEvent('case.opened', { caseKind: 'duplicate_payment' }),
      caseEvent('payment.funds_applied', {
        gross: KGS(10_000n),
        fee: KGS(250n),
        net: KGS(9_750n),
        occurredAt: appliedAt,
      }),
      caseEvent('case.resolved', { caseResolution: 'applied', occurredAt: appliedAt }),
    ]);
    expect(resolved).toMatchObject({
      caseKind: 'duplicate_payment',
      appliedGrossMinor: 10_000n,
      appliedFeeMinor: 250n,
      appliedNetMinor: 9_750n,
      appliedOnTop: true,
      appliedAt,
      resolution: 'applied',
      resolvedAt: appliedAt,
    });
    expect(resolved && heldMinor(resolved)).toBe(0n);
  });

  it('marks money whose application made the payment succeed as the payment’s own', () => {
    const c = run([
      caseEvent('funds.unapplied', { gross: KGS(9_000n), caseKind: 'late_payment' }),
      caseEvent('payment.funds_applied', {
        gross: KGS(9_000n),
        fee: KGS(225n),
        net: KGS(8_775n),
        paymentStatus: 'succeeded',
      }),
    ]);
    expect(c).toMatchObject({
      appliedOnTop: false,
      appliedGrossMinor: 9_000n,
      caseKind: 'late_payment',
    });
  });

  it('records money returned to the payer', () => {
    const c = run([
      caseEvent('funds.unapplied', { gross: KGS(5_000n) }),
      caseEvent('funds.returned', { gross: KGS(5_000n) }),
      caseEvent('case.resolved', { caseResolution: 'returned' }),
    ]);
    expect(c).toMatchObject({ returnedMinor: 5_000n, resolution: 'returned', appliedOnTop: false });
    expect(c && heldMinor(c)).toBe(0n);
  });

  it('refuses a case event without case id, or with a case of another payment (DLQ)', () => {
    expect(() => applyCaseEvent(undefined, caseEvent('case.opened', { caseId: '' }), now)).toThrow(
      expect.objectContaining({ code: 'REPORTING_BAD_EVENT', retriable: false }),
    );
    const c = run([caseEvent('case.opened')]);
    expect(() =>
      applyCaseEvent(c, caseEvent('case.resolved', { paymentId: 'pay_2' }), now),
    ).toThrow(expect.objectContaining({ code: 'REPORTING_BAD_EVENT' }));
  });

  it('knows which events belong to a case', () => {
    for (const t of [
      'funds.unapplied',
      'funds.returned',
      'payment.funds_applied',
      'case.opened',
      'case.resolved',
    ])
      expect(isCaseEvent(t)).toBe(true);
    for (const t of ['payment.succeeded', 'refund.succeeded', 'payment.requires_review'])
      expect(isCaseEvent(t)).toBe(false);
  });
});
