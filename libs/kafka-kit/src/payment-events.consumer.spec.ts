import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { PaymentEvent } from '@tolem/contracts/events';
import { isDomainError } from '@tolem/errors';
import { currentLogContext } from '@tolem/observability';
import type { Knex } from 'knex';
import { describe, expect, it } from 'vitest';

import {
  decodePaymentEvent,
  methodNameOf,
  paymentEventHandler,
  providerNameOf,
} from './payment-events.consumer';

const wire = (event: Partial<PaymentEvent>): Buffer =>
  Buffer.from(PaymentEvent.encode(PaymentEvent.fromPartial(event)).finish());

describe('payment event decoding', () => {
  it('names methods and providers with the lower-case wire strings, empty when unspecified', () => {
    expect(methodNameOf(PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE)).toBe('webmoney_purse');
    expect(methodNameOf(PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE)).toBe(
      'webmoney_keeper_mobile',
    );
    expect(methodNameOf(PaymentMethod.PAYMENT_METHOD_CARD)).toBe('card');
    expect(methodNameOf(PaymentMethod.PAYMENT_METHOD_WAVEPAY)).toBe('wavepay');
    expect(methodNameOf(PaymentMethod.PAYMENT_METHOD_QR)).toBe('qr');
    expect(methodNameOf(PaymentMethod.PAYMENT_METHOD_UNSPECIFIED)).toBe('');
    expect(methodNameOf(PaymentMethod.UNRECOGNIZED)).toBe('');
    expect(providerNameOf(Provider.PROVIDER_WEBMONEY)).toBe('webmoney');
    expect(providerNameOf(Provider.PROVIDER_INTELLECTMONEY)).toBe('intellectmoney');
    expect(providerNameOf(Provider.PROVIDER_PAYKASSMA)).toBe('paykassma');
    expect(providerNameOf(Provider.PROVIDER_QR_ACQUIRER)).toBe('qr_acquirer');
    expect(providerNameOf(Provider.PROVIDER_UNSPECIFIED)).toBe('');
  });

  it('keeps amounts beyond 2^53 exact as Money, with attributes, status and refund fields', () => {
    const same = {
      eventId: 'evt_payload',
      eventType: 'payment.succeeded',
      occurredAt: new Date('2026-03-01T10:00:00.123Z'),
      paymentId: 'pay_1',
      merchantId: 'mer_1',
      orderId: 'order-42',
      livemode: true,
      gross: { amountMinor: 9_007_199_254_740_993n, currency: 'USD' },
      net: { amountMinor: 10_000n, currency: 'USD' },
      providerPaymentId: '1234567',
      providerAttributes: { payer_phone: '79001234567' },
      ledgerTransactionId: 'txn_1',
      description: 'Order 42',
      sequence: 2n,
      paymentStatus: 'failed',
      failureCode: 'expired_card',
      refundId: 're_1',
    } as const;
    const event = decodePaymentEvent(
      wire({
        ...same,
        method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
        provider: Provider.PROVIDER_WEBMONEY,
      }),
    );
    expect(event).toEqual({
      ...same,
      fee: undefined,
      method: 'webmoney_keeper_mobile',
      provider: 'webmoney',
      caseId: '',
      caseKind: '',
      caseResolution: '',
    });
  });

  it('reads livemode; an event without it (from before the field) reads as false', () => {
    expect(decodePaymentEvent(wire({ eventId: 'evt_live', livemode: true })).livemode).toBe(true);
    expect(decodePaymentEvent(wire({ eventId: 'evt_test', livemode: false })).livemode).toBe(false);
    expect(decodePaymentEvent(wire({ eventId: 'evt_old' })).livemode).toBe(false);
  });

  it('carries the case fields', () => {
    expect(
      decodePaymentEvent(
        wire({
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
      ),
    ).toMatchObject({
      paymentStatus: 'succeeded',
      failureCode: 'none',
      caseId: 'case_1',
      caseKind: 'late_payment',
      caseResolution: 'applied',
    });
  });

  it('carries the recurring fields of a recurring event, and none for other events', () => {
    const event = decodePaymentEvent(
      wire({
        eventId: 'evt_r',
        eventType: 'recurring.charge.failed',
        paymentId: 'pay_1',
        failureCode: '51',
        recurringOperationId: 'sop_1',
        recurringChargeId: 'chg_1',
        recurringAttempt: 2,
        cardBindingId: 'cbd_1',
      }),
    );
    expect(event).toMatchObject({ eventType: 'recurring.charge.failed', failureCode: '51' });
    expect(event.recurring).toEqual({
      operationId: 'sop_1',
      chargeId: 'chg_1',
      attempt: 2,
      bindingId: 'cbd_1',
      receiptId: '',
      cancelReason: '',
    });
    expect(decodePaymentEvent(wire({ eventId: 'evt_p' })).recurring).toBeUndefined();
  });

  it('refuses an amount in a currency Tolem does not handle, so the event goes to the DLQ', () => {
    let thrown: unknown;
    try {
      decodePaymentEvent(wire({ eventId: 'evt_1', gross: { amountMinor: 1n, currency: 'XXX' } }));
    } catch (err) {
      thrown = err;
    }
    expect(isDomainError(thrown) && thrown.code).toBe('MONEY_UNKNOWN_CURRENCY');
  });

  it('refuses bytes that are not a PaymentEvent', () => {
    expect(() => decodePaymentEvent(Buffer.from([0xff, 0xff, 0xff]))).toThrow();
  });
});

describe('payment event handler', () => {
  it('runs the handler in a log context naming the event’s payment and merchant', async () => {
    const seen: unknown[] = [];
    const step = paymentEventHandler(async (_trx, event) => {
      await Promise.resolve();
      seen.push([event.eventType, currentLogContext()]);
    });
    const event = decodePaymentEvent(
      wire({ eventId: 'evt_1', paymentId: 'pay_1', merchantId: 'mer_1', eventType: '' }),
    );
    await step({} as Knex.Transaction, {
      eventId: 'evt_1',
      eventType: 'payment.succeeded',
      event,
    });
    expect(seen).toEqual([['payment.succeeded', { paymentId: 'pay_1', merchantId: 'mer_1' }]]);
    expect(currentLogContext()).toBeUndefined();
  });
});
