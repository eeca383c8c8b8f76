import { Merchant } from '@tolem/contracts/checkout';
import { PaymentMethod } from '@tolem/contracts/common';
import { describe, expect, it } from 'vitest';

import { merchantToJson, toCreateMerchantRequest, toSetFeePlanRequest } from './merchant.mapper';

describe('merchant mapping', () => {
  const body = {
    name: 'Book shop',
    enabled_methods: ['webmoney_purse', 'webmoney_keeper_mobile'],
    fee_rules: [{ method: 'webmoney_purse', percent_bps: 250, fixed_minor: 10 }],
    webmoney_shop_id: '123',
    result_url: 'https://shop.example/result',
    success_url: 'https://shop.example/ok',
  };

  it('maps method names to enums and fees to bigint minor units', () => {
    expect(toCreateMerchantRequest(body, 'k1')).toEqual({
      idempotencyKey: 'k1',
      name: 'Book shop',
      enabledMethods: [
        PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
        PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
      ],
      feeRules: [
        { method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE, percentBps: 250, fixedMinor: 10n },
      ],
      webmoneyShopId: '123',
      defaultSuccessUrl: 'https://shop.example/ok',
      defaultFailUrl: '',
    });
  });

  it('refuses unknown methods, float or negative fixed fees', () => {
    expect(() => toCreateMerchantRequest({ ...body, enabled_methods: ['paypal'] }, 'k')).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', details: { field: 'enabled_methods' } }),
    );
    expect(() =>
      toCreateMerchantRequest(
        { ...body, fee_rules: [{ method: 'card', percent_bps: 1, fixed_minor: 0.5 }] },
        'k',
      ),
    ).toThrow(expect.objectContaining({ code: 'MONEY_NOT_AN_INTEGER' }));
    expect(() =>
      toCreateMerchantRequest(
        { ...body, fee_rules: [{ method: 'card', percent_bps: 1, fixed_minor: -1 }] },
        'k',
      ),
    ).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });

  it('renders the merchant with method names', () => {
    const json = merchantToJson(
      Merchant.fromPartial({
        id: 'mer_1',
        name: 'Book shop',
        enabledMethods: [PaymentMethod.PAYMENT_METHOD_CARD],
        feeRules: [{ method: PaymentMethod.PAYMENT_METHOD_CARD, percentBps: 300, fixedMinor: 0n }],
      }),
    );
    expect(json).toMatchObject({
      id: 'mer_1',
      object: 'merchant',
      enabled_methods: ['card'],
      fee_rules: [{ method: 'card', percent_bps: 300, fixed_minor: 0 }],
      webmoney_shop_id: null,
    });
  });

  it("turns the merchant's fee rules into the ledger's fee plan, the fixed part in every currency", () => {
    const req = toSetFeePlanRequest(
      Merchant.fromPartial({
        id: 'mer_1',
        feeRules: [
          { method: PaymentMethod.PAYMENT_METHOD_CARD, percentBps: 290, fixedMinor: 0n },
          {
            method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
            percentBps: 300,
            fixedMinor: 10n,
          },
        ],
      }),
    );
    expect(req.merchantId).toBe('mer_1');
    expect(req.rules[0]).toEqual({
      method: PaymentMethod.PAYMENT_METHOD_CARD,
      percentBps: 290,
      fixed: [],
    });
    const km = req.rules[1];
    expect(km?.percentBps).toBe(300);
    expect(km?.fixed).toContainEqual({ amountMinor: 10n, currency: 'USD' });
    expect(km?.fixed).toContainEqual({ amountMinor: 10n, currency: 'KGS' });
    expect(km?.fixed).toContainEqual({ amountMinor: 10n, currency: 'MMK' });
    expect(new Set(km?.fixed.map((f) => f.currency)).size).toBe(km?.fixed.length);
    expect(toSetFeePlanRequest(Merchant.fromPartial({ id: 'mer_2' })).rules).toEqual([]);
    expect(() => toSetFeePlanRequest(undefined)).toThrow(
      expect.objectContaining({ kind: 'internal' }),
    );
  });
});
