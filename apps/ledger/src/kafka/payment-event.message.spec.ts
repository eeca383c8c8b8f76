import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { PaymentEvent } from '@tolem/contracts/events';
import { describe, expect, it } from 'vitest';

import type { PaymentEventRecord } from '../domain/events';
import {
  paymentEventMessage,
  paymentEventMessageSequenceLast,
  SEQUENCE_SLOT_BYTES,
} from './payment-event.message';

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
      livemode: true,
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
      livemode: true,
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
      refundId: '',
      recurringOperationId: '',
      recurringChargeId: '',
      recurringAttempt: 0,
      cardBindingId: '',
      receiptId: '',
      cancelReason: '',
    });
  });

  it('carries a recurring event’s operation, charge, attempt, binding, receipt and cancel reason', () => {
    const msg = paymentEventMessage('payments.events.v1', {
      eventId: 'evt_r',
      eventType: 'recurring.operation.canceled',
      sequence: 3n,
      ledgerTransactionId: '',
      occurredAt: new Date('2026-12-06T10:00:00.000Z'),
      paymentId: 'pay_r',
      merchantId: 'mer_1',
      orderId: '',
      livemode: false,
      gross: { amountMinor: 500n, currency: 'RUB' },
      fee: { amountMinor: 0n, currency: 'RUB' },
      net: { amountMinor: 0n, currency: 'RUB' },
      method: 'card',
      provider: 'intellectmoney',
      providerPaymentId: '',
      providerAttributes: {},
      description: 'Tea box',
      paymentStatus: '',
      failureCode: '14',
      recurring: {
        operationId: 'sop_1',
        chargeId: 'chg_1',
        attempt: 2,
        bindingId: 'cbd_1',
        receiptId: 'rct_1',
        cancelReason: 'hard_decline',
      },
    });
    expect(PaymentEvent.decode(msg.payload)).toMatchObject({
      eventType: 'recurring.operation.canceled',
      paymentStatus: '',
      failureCode: '14',
      recurringOperationId: 'sop_1',
      recurringChargeId: 'chg_1',
      recurringAttempt: 2,
      cardBindingId: 'cbd_1',
      receiptId: 'rct_1',
      cancelReason: 'hard_decline',
    });
  });
});

describe('paymentEventMessage livemode', () => {
  it.each([false, true])('carries the payment’s livemode %s to the event', (livemode) => {
    const msg = paymentEventMessage('payments.events.v1', {
      eventId: 'evt_3',
      eventType: 'refund.succeeded',
      sequence: 4n,
      ledgerTransactionId: 'txn_3',
      occurredAt: new Date('2026-12-06T10:00:00.000Z'),
      paymentId: 'pay_3',
      merchantId: 'mer_1',
      orderId: 'o-3',
      livemode,
      gross: { amountMinor: 500n, currency: 'KGS' },
      fee: { amountMinor: 0n, currency: 'KGS' },
      net: { amountMinor: 500n, currency: 'KGS' },
      method: 'card',
      provider: 'intellectmoney',
      providerPaymentId: '',
      providerAttributes: {},
      description: '',
      paymentStatus: 'partially_refunded',
      failureCode: '',
      refundId: 're_1',
    });
    expect(PaymentEvent.decode(msg.payload).livemode).toBe(livemode);
  });
});

/** n as a varint padded to 10 bytes, byte for byte what the migration's ledger_varint10 builds. */
function paddedVarint(n: bigint): Buffer {
  const out = Buffer.alloc(10);
  for (let i = 0; i < 10; i++) {
    const bits = Number((n >> BigInt(7 * i)) & 127n);
    out[i] = i < 9 ? bits | 128 : Number((n >> 63n) & 1n);
  }
  return out;
}

describe('paymentEventMessageSequenceLast', () => {
  const event: Omit<PaymentEventRecord, 'sequence'> = {
    eventId: 'evt_2',
    eventType: 'payment.succeeded',
    ledgerTransactionId: 'txn_2',
    occurredAt: new Date('2026-12-06T10:00:00.000Z'),
    paymentId: 'pay_2',
    merchantId: 'mer_1',
    orderId: 'o-2',
    livemode: false,
    gross: { amountMinor: 10_000n, currency: 'KGS' },
    fee: { amountMinor: 0n, currency: 'KGS' },
    net: { amountMinor: 10_000n, currency: 'KGS' },
    method: 'wavepay',
    provider: 'paykassma',
    providerPaymentId: 'pk-2',
    providerAttributes: {},
    description: 'Tea',
    paymentStatus: 'succeeded',
    failureCode: '',
  };

  it.each([1n, 127n, 128n, 300n, 2n ** 35n, 2n ** 63n - 1n])(
    'decodes as the plain encoding once the slot holds sequence %s',
    (sequence) => {
      const slotted = paymentEventMessageSequenceLast('payments.events.v1', event);
      const payload = Buffer.from(slotted.payload);
      paddedVarint(sequence).copy(payload, payload.length - SEQUENCE_SLOT_BYTES);
      const plain = paymentEventMessage('payments.events.v1', { ...event, sequence });
      expect(PaymentEvent.decode(payload)).toEqual(PaymentEvent.decode(plain.payload));
      expect(PaymentEvent.decode(payload).sequence).toBe(sequence);
      expect(slotted.key).toBe(plain.key);
      expect(slotted.headers).toEqual(plain.headers);
    },
  );
});
