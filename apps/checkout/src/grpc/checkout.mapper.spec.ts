import { PaymentStatus } from '@tolem/contracts/checkout';
import { PaymentMethod as PbMethod, Provider as PbProvider } from '@tolem/contracts/common';
import { money } from '@tolem/money';
import { describe, expect, it } from 'vitest';

import { type Payment, PAYMENT_METHODS, PROVIDERS } from '../domain/payment';
import type { ProviderAction } from '../domain/provider';
import {
  callbackRequestToDomain,
  chargeBoundCardRequestToDomain,
  createPaymentRequestToDomain,
  createQrPaymentRequestToDomain,
  paymentToProto,
  statusToProto,
  submitPayerInputRequestToDomain,
} from './checkout.mapper';
import {
  actionFromProto,
  actionToProto,
  methodFromProto,
  methodToProto,
  providerFromProto,
  providerToProto,
} from './common.mapper';

const payment: Payment = {
  id: 'pay_1',
  merchantId: 'mer_1',
  amount: money(1999n, 'KGS'),
  status: 'created',
  orderId: 'o',
  description: 'd',
  successUrl: 'https://s',
  failUrl: 'https://f',
  metadata: { a: '1' },
  pageSecret: 'secret-of-pay_1-0123456789',
  livemode: false,
  customerRef: '',
  initiator: '',
  method: null,
  provider: null,
  providerPaymentId: null,
  providerAttributes: {},
  fee: null,
  failureCode: null,
  succeededAt: null,
  ledgerPostedAt: null,
  ledgerTransactionId: null,
  refundedMinor: 0n,
  version: 0,
  createdAt: new Date('2026-01-01T00:00:00Z'),
  updatedAt: new Date('2026-01-01T00:00:00Z'),
  expiresAt: new Date('2026-01-02T00:00:00Z'),
};

describe('checkout mappers', () => {
  it('maps every method and provider both ways; UNSPECIFIED is no value', () => {
    for (const m of PAYMENT_METHODS) expect(methodFromProto(methodToProto(m))).toBe(m);
    for (const p of PROVIDERS) expect(providerFromProto(providerToProto(p))).toBe(p);
    expect(methodFromProto(PbMethod.PAYMENT_METHOD_UNSPECIFIED)).toBeNull();
    expect(methodToProto('webmoney_keeper_mobile')).toBe(
      PbMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
    );
    expect(providerFromProto(PbProvider.PROVIDER_UNSPECIFIED)).toBeNull();
  });

  it.each<ProviderAction>([
    {
      kind: 'form_post',
      url: 'https://p',
      fields: [
        { name: 'B', value: '2' },
        { name: 'A', value: '1' },
      ],
      acceptCharset: 'utf-8',
    },
    { kind: 'redirect', url: 'https://r' },
    { kind: 'instructions', title: 'Pay', values: { wallet: 'W1' } },
  ])('passes a %s action through unchanged (field order kept)', (action) => {
    expect(actionFromProto(actionToProto(action))).toEqual(action);
  });

  it('maps a payment without fee, method or provider to proto defaults', () => {
    const pb = paymentToProto({ payment, availableMethods: ['card', 'qr'] });
    expect(pb).toMatchObject({
      id: 'pay_1',
      amount: { amountMinor: 1999n, currency: 'KGS' },
      status: PaymentStatus.PAYMENT_STATUS_CREATED,
      method: PbMethod.PAYMENT_METHOD_UNSPECIFIED,
      provider: PbProvider.PROVIDER_UNSPECIFIED,
      providerPaymentId: '',
      failureCode: '',
      availableMethods: [PbMethod.PAYMENT_METHOD_CARD, PbMethod.PAYMENT_METHOD_QR],
    });
    expect(pb.fee).toBeUndefined();
    const paid = paymentToProto({
      payment: { ...payment, status: 'succeeded', fee: money(60n, 'KGS') },
      availableMethods: [],
    });
    expect(paid.fee).toEqual({ amountMinor: 60n, currency: 'KGS' });
  });

  it('refuses requests missing what the contract needs', () => {
    expect(() =>
      createPaymentRequestToDomain({
        merchantId: 'm',
        idempotencyKey: 'k',
        amount: undefined,
        orderId: '',
        description: '',
        successUrl: '',
        failUrl: '',
        metadata: {},
      }),
    ).toThrow(
      expect.objectContaining({ code: 'PAYMENT_INVALID_REQUEST', details: { field: 'amount' } }),
    );
    expect(() =>
      callbackRequestToDomain({ provider: PbProvider.PROVIDER_UNSPECIFIED, request: undefined }),
    ).toThrow(expect.objectContaining({ details: { field: 'provider' } }));
  });

  it('maps requires_review', () => {
    expect(statusToProto('requires_review')).toBe(PaymentStatus.PAYMENT_STATUS_REQUIRES_REVIEW);
    expect(statusToProto(null)).toBe(PaymentStatus.PAYMENT_STATUS_UNSPECIFIED);
    expect(
      paymentToProto({ payment: { ...payment, status: 'requires_review' }, availableMethods: [] })
        .status,
    ).toBe(PaymentStatus.PAYMENT_STATUS_REQUIRES_REVIEW);
  });

  it('maps SubmitPayerInput requests as sent', () => {
    expect(
      submitPayerInputRequestToDomain({
        paymentId: 'pay_1',
        pageSecret: 'the-secret',
        fields: { key1: '123' },
      }),
    ).toEqual({
      paymentId: 'pay_1',
      pageSecret: 'the-secret',
      fields: { key1: '123' },
    });
  });

  it('carries customer_ref and initiator to the proto, and maps ChargeBoundCard requests', () => {
    const proto = paymentToProto({
      payment: { ...payment, customerRef: 'cust-1', initiator: 'scheduled' },
      availableMethods: [],
    });
    expect(proto).toMatchObject({ customerRef: 'cust-1', initiator: 'scheduled' });
    expect(
      chargeBoundCardRequestToDomain({
        merchantId: 'mer_1',
        idempotencyKey: 'sop_1:t:1',
        bindingRef: 'im-1',
        amount: { amountMinor: 500n, currency: 'RUB' },
        description: 'Plan',
        orderId: 'o',
        metadata: { a: 'b' },
        livemode: true,
        customerRef: 'cust-1',
      }),
    ).toEqual({
      merchantId: 'mer_1',
      idempotencyKey: 'sop_1:t:1',
      bindingRef: 'im-1',
      amountMinor: 500n,
      currency: 'RUB',
      description: 'Plan',
      orderId: 'o',
      metadata: { a: 'b' },
      livemode: true,
      customerRef: 'cust-1',
    });
  });

  it('maps CreateQrPayment: the payment request and its expiry; no payment is invalid', () => {
    const expiresAt = new Date('2026-11-23T10:15:00Z');
    const input = createQrPaymentRequestToDomain({
      payment: {
        merchantId: 'mer_1',
        idempotencyKey: 'k',
        amount: { amountMinor: 150_000n, currency: 'KGS' },
        orderId: 'o',
        description: 'd',
        successUrl: '',
        failUrl: '',
        metadata: {},
      },
      expiresAt,
    });
    expect(input).toMatchObject({
      payment: { merchantId: 'mer_1', amountMinor: 150_000n, currency: 'KGS' },
      expiresAt,
    });
    expect(
      createQrPaymentRequestToDomain({
        payment: { ...input.payment, amount: { amountMinor: 1n, currency: 'KGS' } },
        expiresAt: undefined,
      }).expiresAt,
    ).toBeNull();
    expect(() => createQrPaymentRequestToDomain({ payment: undefined, expiresAt })).toThrow(
      expect.objectContaining({ code: 'PAYMENT_INVALID_REQUEST', details: { field: 'payment' } }),
    );
  });
});
