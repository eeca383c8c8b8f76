import { Payment, PaymentStatus } from '@tolem/contracts/checkout';
import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { describe, expect, it } from 'vitest';

import {
  balanceToJson,
  minorToJson,
  paymentToJson,
  toBalanceRequest,
  toCreatePaymentRequest,
  toListPaymentsRequest,
} from './payment.mapper';

describe('toCreatePaymentRequest', () => {
  const base = { amount: 1999 as unknown, currency: 'USD' };

  it('maps the body to CreatePayment with bigint minor units, the merchant and the key', () => {
    const req = toCreatePaymentRequest(
      {
        ...base,
        order_id: 'o-1',
        description: 'Book',
        success_url: 'https://shop.example/ok',
        metadata: { cart: '7' },
      },
      'mer_1',
      'key-1',
    );
    expect(req).toEqual({
      merchantId: 'mer_1',
      idempotencyKey: 'key-1',
      amount: { amountMinor: 1999n, currency: 'USD' },
      orderId: 'o-1',
      description: 'Book',
      successUrl: 'https://shop.example/ok',
      failUrl: '',
      metadata: { cart: '7' },
    });
  });

  it("passes the customer's reference through and returns it on the payment", () => {
    const req = toCreatePaymentRequest({ ...base, customer_ref: 'cust-42' }, 'mer_1', 'key-1');
    expect(req.customerRef).toBe('cust-42');
    expect(toCreatePaymentRequest(base, 'mer_1', 'key-1').customerRef).toBeUndefined();
    const json = paymentToJson(
      Payment.fromPartial({
        id: 'pay_1',
        amount: { amountMinor: 1n, currency: 'USD' },
        customerRef: 'cust-42',
      }),
      'https://pay.example',
    );
    expect(json.customer_ref).toBe('cust-42');
    const none = paymentToJson(
      Payment.fromPartial({ id: 'pay_2', amount: { amountMinor: 1n, currency: 'USD' } }),
      'https://pay.example',
    );
    expect(none.customer_ref).toBeNull();
  });

  it('accepts amounts beyond 2^53 as strings, exactly', () => {
    const req = toCreatePaymentRequest({ amount: '9007199254740993', currency: 'VND' }, 'm', 'k');
    expect(req.amount?.amountMinor).toBe(9007199254740993n);
  });

  it.each([
    [19.99, 'MONEY_NOT_AN_INTEGER'],
    [2 ** 53, 'MONEY_NOT_AN_INTEGER'],
    ['19.99', 'MONEY_NOT_AN_INTEGER'],
    [null, 'MONEY_NOT_AN_INTEGER'],
    [0, 'MONEY_ZERO_AMOUNT'],
    [-5, 'MONEY_NEGATIVE_AMOUNT'],
  ])('refuses amount %j with %s (400)', (amount, code) => {
    expect(() => toCreatePaymentRequest({ amount, currency: 'USD' }, 'm', 'k')).toThrow(
      expect.objectContaining({ code, kind: 'invalid' }),
    );
  });

  it('refuses unknown currencies and non-http(s) URLs, naming the field', () => {
    expect(() => toCreatePaymentRequest({ ...base, currency: 'XXX' }, 'm', 'k')).toThrow(
      expect.objectContaining({ code: 'MONEY_UNKNOWN_CURRENCY' }),
    );
    for (const url of ['javascript:alert(1)', '/relative', 'ftp://x']) {
      expect(() => toCreatePaymentRequest({ ...base, fail_url: url }, 'm', 'k')).toThrow(
        expect.objectContaining({ code: 'VALIDATION_FAILED', details: { field: 'fail_url' } }),
      );
    }
  });
});

describe('paymentToJson', () => {
  it('renders the merchant-facing payment with lower-case status, method names and payment_url', () => {
    const json = paymentToJson(
      Payment.fromPartial({
        id: 'pay_1',
        pageSecret: 'a-b_c',
        merchantId: 'mer_1',
        amount: { amountMinor: 1999n, currency: 'USD' },
        status: PaymentStatus.PAYMENT_STATUS_SUCCEEDED,
        orderId: 'o-1',
        method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
        provider: Provider.PROVIDER_WEBMONEY,
        providerPaymentId: '777',
        providerAttributes: { payer_phone: '+79001234567' },
        availableMethods: [
          PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
          PaymentMethod.PAYMENT_METHOD_CARD,
        ],
        fee: { amountMinor: 58n, currency: 'USD' },
        createdAt: new Date('2026-01-02T03:04:05.000Z'),
      }),
      'https://pay.example',
    );
    expect(json).toMatchObject({
      id: 'pay_1',
      object: 'payment',
      status: 'succeeded',
      amount: 1999,
      currency: 'USD',
      order_id: 'o-1',
      description: null,
      payment_url: 'https://pay.example/pay/pay_1?secret=a-b_c',
      method: 'webmoney_keeper_mobile',
      provider: 'webmoney',
      provider_payment_id: '777',
      provider_attributes: { payer_phone: '+79001234567' },
      fee: 58,
      available_methods: ['webmoney_purse', 'card'],
      created_at: '2026-01-02T03:04:05.000Z',
    });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });

  it('maps requires_review and a Wavepay payment with its fee', () => {
    const json = paymentToJson(
      Payment.fromPartial({
        id: 'pay_w',
        amount: { amountMinor: 500_200n, currency: 'MMK' },
        status: PaymentStatus.PAYMENT_STATUS_REQUIRES_REVIEW,
        method: PaymentMethod.PAYMENT_METHOD_WAVEPAY,
        provider: Provider.PROVIDER_PAYKASSMA,
        fee: { amountMinor: 10_004n, currency: 'MMK' },
      }),
      'https://pay.example',
    );
    expect(json).toMatchObject({
      status: 'requires_review',
      method: 'wavepay',
      provider: 'paykassma',
      amount: 500_200,
      currency: 'MMK',
      fee: 10_004,
    });
  });

  it('renders an unknown method and provider as null, and refuses a missing payment as internal', () => {
    const json = paymentToJson(
      Payment.fromPartial({ id: 'p', amount: { amountMinor: 1n, currency: 'USD' } }),
      'b',
    );
    expect(json).toMatchObject({ method: null, provider: null, fee: null, status: 'unknown' });
    expect(() => paymentToJson(undefined, 'b')).toThrow(
      expect.objectContaining({ kind: 'internal' }),
    );
  });
});

describe('minorToJson and balances', () => {
  it('uses numbers while exact and strings beyond', () => {
    expect(minorToJson(9007199254740991n)).toBe(9007199254740991);
    expect(minorToJson(9007199254740992n)).toBe('9007199254740992');
    expect(minorToJson(-9007199254740992n)).toBe('-9007199254740992');
  });

  it('maps a balance and refuses an unknown currency before asking the ledger', () => {
    expect(
      balanceToJson(
        { available: { amountMinor: 500n, currency: 'USD' }, pending: undefined, livemode: false },
        'USD',
      ),
    ).toEqual({
      object: 'balance',
      currency: 'USD',
      available: 500,
      pending: 0,
      livemode: false,
    });
    expect(toBalanceRequest('mer_1', 'KGS', false)).toEqual({
      merchantId: 'mer_1',
      currency: 'KGS',
      livemode: false,
    });
    expect(toBalanceRequest('mer_1', 'KGS', true)).toMatchObject({ livemode: true });
    expect(() => toBalanceRequest('mer_1', 'ABC', true)).toThrow(
      expect.objectContaining({ code: 'MONEY_UNKNOWN_CURRENCY' }),
    );
  });
});

describe('toListPaymentsRequest', () => {
  it("asks for the key's mode only, like every other list", () => {
    expect(toListPaymentsRequest({}, 'mer_1', false)).toMatchObject({
      merchantId: 'mer_1',
      livemode: false,
      limit: 10,
    });
    expect(toListPaymentsRequest({ limit: '5' }, 'mer_1', true)).toMatchObject({
      merchantId: 'mer_1',
      livemode: true,
      limit: 5,
    });
  });

  it('refuses both cursors at once, naming ending_before', () => {
    expect(() =>
      toListPaymentsRequest({ starting_after: 'pay_1', ending_before: 'pay_2' }, 'mer_1', true),
    ).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});
