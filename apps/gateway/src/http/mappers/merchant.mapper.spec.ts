import { Merchant } from '@tolem/contracts/checkout';
import { ApiKeyMode } from '@tolem/contracts/checkout';
import { PaymentMethod } from '@tolem/contracts/common';
import { describe, expect, it } from 'vitest';

import type { CreateMerchantBody } from '../merchant.schemas';
import {
  apiKeyToJson,
  merchantToJson,
  toCreateMerchantRequest,
  toFeeRules,
  toUpdateMerchantRequest,
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

  it('maps the body to CreateMerchant: method enums, the fee plan checkout forwards to the ledger', () => {
    const req = toCreateMerchantRequest({ ...body, vat_rate: 'vat12', api_key_mode: 'live' }, 'k1');
    expect(req).toMatchObject({
      idempotencyKey: 'k1',
      name: 'Book shop',
      enabledMethods: [
        PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
        PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
      ],
      webmoneyShopId: '123',
      defaultSuccessUrl: 'https://shop.example/ok',
      defaultFailUrl: '',
      notificationUrl: 'https://shop.example/result',
      vatRate: 'vat12',
      allowNegativeBalance: false,
      apiKeyMode: ApiKeyMode.API_KEY_MODE_LIVE,
      feePlan: {
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
      },
    });
    expect(() => toCreateMerchantRequest({ ...body, enabled_methods: ['paypal'] }, 'k')).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', details: { field: 'enabled_methods' } }),
    );
    expect(toFeeRules(undefined)).toEqual([]);
  });

  it('maps an update to only the fields sent', () => {
    const req = toUpdateMerchantRequest('mer_1', { name: 'New', result_url: '' });
    expect(req).toMatchObject({ merchantId: 'mer_1', name: 'New', notificationUrl: '' });
    expect(req.enabledMethods).toBeUndefined();
    expect(req.feePlan).toBeUndefined();
    expect(req.vatRate).toBeUndefined();
    expect(req.allowNegativeBalance).toBeUndefined();
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
    expect(() => toFeeRules(withRules(rules).fee_rules)).toThrow(
      expect.objectContaining({ code, details: { field } }),
    );
  });

  it('refuses a fractional fixed part', () => {
    expect(() =>
      toFeeRules([{ method: 'card', percent_bps: 1, fixed: [{ amount: 0.5, currency: 'RUB' }] }]),
    ).toThrow(expect.objectContaining({ code: 'MONEY_NOT_AN_INTEGER' }));
  });

  it('renders the merchant with method names and the ledger’s fee rules', () => {
    const merchant = Merchant.fromPartial({
      id: 'mer_1',
      name: 'Book shop',
      enabledMethods: [PaymentMethod.PAYMENT_METHOD_CARD],
    });
    expect(
      merchantToJson(merchant, {
        feeRules: toFeeRules(body.fee_rules),
        allowNegativeBalance: true,
      }),
    ).toMatchObject({
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
      allow_negative_balance: true,
      webmoney_shop_id: null,
      vat_rate: 'none',
      onboarding: { status: 'complete', pending_steps: [] },
    });
    expect(merchantToJson(merchant).fee_rules).toBeNull();
    expect(
      merchantToJson(
        Merchant.fromPartial({ id: 'mer_2', onboarding: { pendingSteps: ['ledger_fee_plan'] } }),
      ).onboarding,
    ).toEqual({ status: 'pending', pending_steps: ['ledger_fee_plan'] });
    expect(() => merchantToJson(undefined)).toThrow(expect.objectContaining({ kind: 'internal' }));
  });

  it('renders API keys without secrets, with their mode and state', () => {
    const now = new Date('2026-12-07T10:00:00Z');
    const key = {
      id: 'key_1',
      merchantId: 'mer_1',
      mode: ApiKeyMode.API_KEY_MODE_LIVE,
      name: 'pos',
      keyPrefix: 'sk_live_AbCd',
      createdAt: now,
      revokedAt: undefined,
      expiresAt: undefined,
      rolledTo: '',
    };
    expect(apiKeyToJson(key, now)).toMatchObject({
      mode: 'live',
      livemode: true,
      status: 'active',
    });
    expect(apiKeyToJson({ ...key, expiresAt: new Date(now.getTime() + 1) }, now).status).toBe(
      'expiring',
    );
    expect(apiKeyToJson({ ...key, expiresAt: now }, now).status).toBe('expired');
    expect(apiKeyToJson({ ...key, revokedAt: now }, now).status).toBe('revoked');
  });
});
