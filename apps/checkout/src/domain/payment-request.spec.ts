import { describe, expect, it } from 'vitest';

import { type CreatePaymentInput, validatePaymentRequest } from './payment-request';

const ok: CreatePaymentInput = {
  merchantId: 'mer_1',
  idempotencyKey: 'k',
  amountMinor: 100n,
  currency: 'KGS',
  orderId: 'o'.repeat(64),
  description: 'd'.repeat(255),
  successUrl: 'https://shop.example/ok',
  failUrl: 'http://shop.example/fail',
  metadata: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, 'v'])),
};

describe('payment request validation', () => {
  it('accepts the limits themselves', () => {
    expect(validatePaymentRequest(ok).amount).toEqual({ amountMinor: 100n, currency: 'KGS' });
  });

  it.each<[Partial<CreatePaymentInput>, string]>([
    [{ amountMinor: 0n }, 'MONEY_ZERO_AMOUNT'],
    [{ amountMinor: -1n }, 'MONEY_NEGATIVE_AMOUNT'],
    [{ currency: 'XXX' }, 'MONEY_UNKNOWN_CURRENCY'],
  ])('refuses bad money %o with %s', (change, code) => {
    expect(() => validatePaymentRequest({ ...ok, ...change })).toThrow(
      expect.objectContaining({ code, kind: 'invalid' }),
    );
  });

  it.each<[Partial<CreatePaymentInput>, string]>([
    [{ orderId: 'o'.repeat(65) }, 'order_id'],
    [{ description: 'd'.repeat(256) }, 'description'],
    [{ successUrl: 'javascript:alert(1)' }, 'success_url'],
    [{ failUrl: 'nope' }, 'fail_url'],
    // new URL() would drop these and accept what is then stored with them.
    [{ failUrl: 'https://evil.example/x\nfail_url=https://shop.example/' }, 'fail_url'],
    [{ successUrl: 'https://shop.example/\tok' }, 'success_url'],
    [{ successUrl: 'https://shop.example/ ok' }, 'success_url'],
    [{ metadata: { ...ok.metadata, extra: 'v' } }, 'metadata'],
    [{ metadata: { ['k'.repeat(41)]: 'v' } }, 'metadata'],
  ])('refuses %o naming %s', (change, field) => {
    expect(() => validatePaymentRequest({ ...ok, ...change })).toThrow(
      expect.objectContaining({ code: 'PAYMENT_INVALID_REQUEST', details: { field } }),
    );
  });
});
