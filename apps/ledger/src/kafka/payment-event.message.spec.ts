import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { PaymentEvent } from '@tolem/contracts/events';
import { describe, expect, it } from 'vitest';

import { paymentEventMessage } from './payment-event.message';

describe('paymentEventMessage', () => {
  it('keys by payment id, sets event headers and encodes a decodable PaymentEvent', () => {
    const occurredAt = new Date('2026-11-23T10:00:00.000Z');
    const msg = paymentEventMessage('payments.events.v1', {
      eventId: 'evt_1',
      eventType: 'payment.succeeded',
      sequence: 1n,
      ledgerTransactionId: 'txn_1',
      occurredAt,
      paymentId: 'pay_1',
      merchantId: 'mer_1',
      orderId: 'o-1',
      gross: { amountMinor: 10_000n, currency: 'KGS' },
      fee: { amountMinor: 250n, currency: 'KGS' },
      net: { amountMinor: 9_750n, currency: 'KGS' },
      method: 'webmoney_keeper_mobile',
      provider: 'webmoney',
      providerPaymentId: 'wm-1',
      providerAttributes: { payer_phone: '+996700000000', keeper_mobile_payment_no: '42' },
      description: 'Tea',
      paymentStatus: 'succeeded',
      failureCode: '',
    });
    expect(msg.topic).toBe('payments.events.v1');
    expect(msg.key).toBe('pay_1');
    expect(msg.headers).toEqual({ 'event-id': 'evt_1', 'event-type': 'payment.succeeded' });
    expect(PaymentEvent.decode(msg.payload)).toEqual({
      eventId: 'evt_1',
      eventType: 'payment.succeeded',
      occurredAt,
      paymentId: 'pay_1',
      merchantId: 'mer_1',
      orderId: 'o-1',
      gross: { amountMinor: 10_000n, currency: 'KGS' },
      fee: { amountMinor: 250n, currency: 'KGS' },
      net: { amountMinor: 9_750n, currency: 'KGS' },
      method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
      provider: Provider.PROVIDER_WEBMONEY,
      providerPaymentId: 'wm-1',
      providerAttributes: { payer_phone: '+996700000000', keeper_mobile_payment_no: '42' },
      ledgerTransactionId: 'txn_1',
      description: 'Tea',
      sequence: 1n,
      paymentStatus: 'succeeded',
      failureCode: '',
      caseId: '',
      caseKind: '',
      caseResolution: '',
    });
  });
});
