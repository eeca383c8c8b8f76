import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { PaymentEvent } from '@tolem/contracts/events';
import { describe, expect, it } from 'vitest';

import { methodString, notificationEventOf, providerString } from './payment-event.mapper';

describe('payment event mapping', () => {
  it('names methods and providers with the lower-case wire strings', () => {
    expect(methodString(PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE)).toBe('webmoney_purse');
    expect(methodString(PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE)).toBe(
      'webmoney_keeper_mobile',
    );
    expect(methodString(PaymentMethod.PAYMENT_METHOD_CARD)).toBe('card');
    expect(methodString(PaymentMethod.PAYMENT_METHOD_WAVEPAY)).toBe('wavepay');
    expect(methodString(PaymentMethod.PAYMENT_METHOD_QR)).toBe('qr');
    expect(methodString(PaymentMethod.PAYMENT_METHOD_UNSPECIFIED)).toBe('');
    expect(providerString(Provider.PROVIDER_WEBMONEY)).toBe('webmoney');
    expect(providerString(Provider.PROVIDER_INTELLECTMONEY)).toBe('intellectmoney');
    expect(providerString(Provider.PROVIDER_PAYKASSMA)).toBe('paykassma');
    expect(providerString(Provider.PROVIDER_QR_ACQUIRER)).toBe('qr_acquirer');
  });

  it('survives a protobuf round trip with amounts and attributes intact', () => {
    const wire = PaymentEvent.encode(
      PaymentEvent.fromPartial({
        eventId: 'evt_payload',
        eventType: 'payment.succeeded',
        paymentId: 'pay_1',
        merchantId: 'mer_1',
        gross: { amountMinor: 10_000n, currency: 'USD' },
        method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
        provider: Provider.PROVIDER_WEBMONEY,
        providerAttributes: { payer_phone: '79001234567' },
        sequence: 2n,
        paymentStatus: 'failed',
        failureCode: 'expired_card',
      }),
    ).finish();
    expect(
      notificationEventOf(PaymentEvent.decode(wire), { eventId: '', eventType: '' }),
    ).toMatchObject({
      eventId: 'evt_payload',
      eventType: 'payment.succeeded',
    });
    const event = notificationEventOf(PaymentEvent.decode(wire), {
      eventId: 'evt_header',
      eventType: 'payment.other',
    });
    expect(event).toMatchObject({
      eventId: 'evt_header',
      eventType: 'payment.other',
      gross: { amountMinor: 10_000n, currency: 'USD' },
      method: 'webmoney_keeper_mobile',
      provider: 'webmoney',
      providerAttributes: { payer_phone: '79001234567' },
      sequence: 2n,
      paymentStatus: 'failed',
      failureCode: 'expired_card',
    });
  });
});
