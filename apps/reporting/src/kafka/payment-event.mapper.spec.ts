import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { PaymentEvent } from '@tolem/contracts/events';
import { describe, expect, it } from 'vitest';

import { methodFromString, providerFromString } from '../payment-enums';
import { reportEventOf } from './payment-event.mapper';

describe('reportEventOf', () => {
  it('decodes amounts, lower-case method/provider strings and attributes; headers win for id and type', () => {
    const wire = PaymentEvent.encode(
      PaymentEvent.fromPartial({
        eventId: 'evt_payload',
        eventType: 'payment.succeeded',
        paymentId: 'pay_1',
        merchantId: 'mer_1',
        gross: { amountMinor: 9_007_199_254_740_993n, currency: 'USD' },
        method: PaymentMethod.PAYMENT_METHOD_WAVEPAY,
        provider: Provider.PROVIDER_PAYKASSMA,
        providerAttributes: { wallet_txn: '123' },
        sequence: 4n,
      }),
    ).finish();
    expect(
      reportEventOf(PaymentEvent.decode(wire), { eventId: 'evt_header', eventType: '' }),
    ).toMatchObject({
      eventId: 'evt_header',
      eventType: 'payment.succeeded',
      gross: { amountMinor: 9_007_199_254_740_993n, currency: 'USD' },
      fee: undefined,
      method: 'wavepay',
      provider: 'paykassma',
      providerAttributes: { wallet_txn: '123' },
      sequence: 4n,
    });
  });

  it('carries the status and case fields', () => {
    const wire = PaymentEvent.encode(
      PaymentEvent.fromPartial({
        eventId: 'evt_1',
        eventType: 'case.resolved',
        paymentId: 'pay_1',
        merchantId: 'mer_1',
        paymentStatus: 'succeeded',
        failureCode: 'none',
        caseId: 'case_1',
        caseKind: 'late_payment',
        caseResolution: 'applied',
      }),
    ).finish();
    expect(
      reportEventOf(PaymentEvent.decode(wire), { eventId: 'evt_1', eventType: 'case.resolved' }),
    ).toMatchObject({
      paymentStatus: 'succeeded',
      failureCode: 'none',
      caseId: 'case_1',
      caseKind: 'late_payment',
      caseResolution: 'applied',
    });
  });

  it('carries the refund id of a refund event', () => {
    const wire = PaymentEvent.encode(
      PaymentEvent.fromPartial({
        eventType: 'refund.pending',
        paymentId: 'pay_1',
        refundId: 're_1',
      }),
    ).finish();
    expect(
      reportEventOf(PaymentEvent.decode(wire), { eventId: 'evt_1', eventType: '' }).refundId,
    ).toBe('re_1');
  });

  it('maps the strings back to proto enums', () => {
    expect(methodFromString('webmoney_keeper_mobile')).toBe(
      PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
    );
    expect(methodFromString('')).toBe(PaymentMethod.PAYMENT_METHOD_UNSPECIFIED);
    expect(providerFromString('webmoney')).toBe(Provider.PROVIDER_WEBMONEY);
    expect(providerFromString('nope')).toBe(Provider.PROVIDER_UNSPECIFIED);
  });
});
