import { Merchant } from '@tolem/contracts/checkout';
import { PaymentMethod } from '@tolem/contracts/common';
import { describe, expect, it } from 'vitest';

import type { CreateMerchantBody } from '../schemas';
import {
  merchantToJson,
  sameFeeRules,
  toCreateMerchantRequest,
  toFeeRules,
  toSetFeePlanRequest,
} from './merchant.mapper';

describe('merchant mapping', () => {
  const body: CreateMerchantBody = {
    name: 'Book shop',
    enabled_methods: ['webmoney_purse', 'webmoney_keeper_mobile'],
    fee_rules: [
      {
        method: 'card',
        percent_bps: 250,
        fixed: [
          { amount: 30, currency: 'RUB' },
          { amount: '7', currency: 'USD' },
        ],
      },
      { method: 'qr', percent_bps: 100 },
    ],
    webmoney_shop_id: '123',
    result_url: 'https://shop.example/result',
    success_url: 'https://shop.example/ok',
  };
  const withRules = (fee_rules: CreateMerchantBody['fee_rules']) => ({ ...body, fee_rules });

  it('maps method names to enums; checkout gets no fee rules', () => {
    const req = toCreateMerchantRequest(body, 'k1');
    expect(req).toEqual({
      idempotencyKey: 'k1',
      name: 'Book shop',
      enabledMethods: [
        PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
        PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
      ],
      webmoneyShopId: '123',
      defaultSuccessUrl: 'https://shop.example/ok',
      defaultFailUrl: '',
    });
    expect(() => toCreateMerchantRequest({ ...body, enabled_methods: ['paypal'] }, 'k')).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', details: { field: 'enabled_methods' } }),
    );
  });

  it('passes the fee rules to the ledger in its shape, the fixed part per currency', () => {
    expect(toSetFeePlanRequest('mer_1', toFeeRules(body))).toEqual({
      merchantId: 'mer_1',
      rules: [
        {
          method: PaymentMethod.PAYMENT_METHOD_CARD,
          percentBps: 250,
          fixed: [
            { amountMinor: 30n, currency: 'RUB' },
            { amountMinor: 7n, currency: 'USD' },
          ],
        },
        { method: PaymentMethod.PAYMENT_METHOD_QR, percentBps: 100, fixed: [] },
      ],
    });
    expect(toFeeRules({ ...body, fee_rules: undefined })).toEqual([]);
  });

  it.each<[string, CreateMerchantBody['fee_rules'], string, string]>([
    [
      'an unknown method',
      [{ method: 'paypal', percent_bps: 1 }],
      'VALIDATION_FAILED',
      'fee_rules[0].method',
    ],
    [
      'two rules for one method',
      [
        { method: 'card', percent_bps: 1 },
        { method: 'card', percent_bps: 2 },
      ],
      'VALIDATION_FAILED',
      'fee_rules[1].method',
    ],
    [
      'an unknown currency',
      [{ method: 'card', percent_bps: 1, fixed: [{ amount: 1, currency: 'XXX' }] }],
      'VALIDATION_FAILED',
      'fee_rules[0].fixed[0].currency',
    ],
    [
      'two fixed parts in one currency',
      [
        {
          method: 'card',
          percent_bps: 1,
          fixed: [
            { amount: 1, currency: 'RUB' },
            { amount: 2, currency: 'RUB' },
          ],
        },
      ],
      'VALIDATION_FAILED',
      'fee_rules[0].fixed[1].currency',
    ],
    [
      'a negative fixed part',
      [{ method: 'card', percent_bps: 1, fixed: [{ amount: -1, currency: 'RUB' }] }],
      'VALIDATION_FAILED',
      'fee_rules[0].fixed[0].amount',
    ],
  ])('refuses %s, naming the field', (_name, rules, code, field) => {
    expect(() => toFeeRules(withRules(rules))).toThrow(
      expect.objectContaining({ code, details: { field } }),
    );
  });

  it('refuses a fractional fixed part', () => {
    expect(() =>
      toFeeRules(
        withRules([{ method: 'card', percent_bps: 1, fixed: [{ amount: 0.5, currency: 'RUB' }] }]),
      ),
    ).toThrow(expect.objectContaining({ code: 'MONEY_NOT_AN_INTEGER' }));
  });

  it('compares plans regardless of the order of rules and fixed parts', () => {
    const rules = toFeeRules(body);
    const reordered = toFeeRules(
      withRules([
        { method: 'qr', percent_bps: 100, fixed: [] },
        {
          method: 'card',
          percent_bps: 250,
          fixed: [
            { amount: 7, currency: 'USD' },
            { amount: 30, currency: 'RUB' },
          ],
        },
      ]),
    );
    expect(sameFeeRules(rules, reordered)).toBe(true);
    const otherFixed = toFeeRules(
      withRules([{ method: 'card', percent_bps: 250, fixed: [{ amount: 30, currency: 'USD' }] }]),
    );
    expect(sameFeeRules(rules, otherFixed)).toBe(false);
  });

  it('renders the merchant with method names and the ledger’s fee rules', () => {
    const merchant = Merchant.fromPartial({
      id: 'mer_1',
      name: 'Book shop',
      enabledMethods: [PaymentMethod.PAYMENT_METHOD_CARD],
    });
    expect(merchantToJson(merchant, toFeeRules(body))).toMatchObject({
      id: 'mer_1',
      object: 'merchant',
      enabled_methods: ['card'],
      fee_rules: [
        {
          method: 'card',
          percent_bps: 250,
          fixed: [
            { amount: 30, currency: 'RUB' },
            { amount: 7, currency: 'USD' },
          ],
        },
        { method: 'qr', percent_bps: 100, fixed: [] },
      ],
      webmoney_shop_id: null,
    });
    expect(merchantToJson(merchant, undefined).fee_rules).toBeNull();
    expect(() => merchantToJson(undefined, [])).toThrow(
      expect.objectContaining({ kind: 'internal' }),
    );
  });
});
