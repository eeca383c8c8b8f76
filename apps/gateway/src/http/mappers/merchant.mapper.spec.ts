import { Merchant } from '@tolem/contracts/checkout';
import { PaymentMethod } from '@tolem/contracts/common';
import { describe, expect, it } from 'vitest';

import { merchantToJson, toCreateMerchantRequest } from './merchant.mapper';

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
});
