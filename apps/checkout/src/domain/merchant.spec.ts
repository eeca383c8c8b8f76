import { describe, expect, it } from 'vitest';

import {
  type CreateMerchantInput,
  validateMerchantRequest,
  validateMerchantUpdate,
} from './merchant';

describe('merchant validation', () => {
  const ok: CreateMerchantInput = {
    idempotencyKey: '',
    name: 'M',
    enabledMethods: ['card'],
    webmoneyShopId: '',
    defaultSuccessUrl: 'https://m.example/ok',
    defaultFailUrl: '',
    vatRate: 'none',
    notificationUrl: '',
    allowNegativeBalance: false,
    feeRules: [],
    apiKeyMode: 'test',
  };

  it('accepts a valid request', () => {
    expect(() => validateMerchantRequest(ok)).not.toThrow();
  });

  it.each([
    'none',
    'vat0',
    'vat5',
    'vat7',
    'vat10',
    'vat12',
    'vat20',
    'vat22',
    'vat5_105',
    'vat7_107',
    'vat10_110',
    'vat20_120',
    'vat22_122',
  ])('accepts the receipt VAT rate %s (every YooKassa vat_code, and vat12)', (vatRate) => {
    expect(() => validateMerchantRequest({ ...ok, vatRate })).not.toThrow();
  });

  it.each<[Partial<CreateMerchantInput>, string]>([
    [{ name: '  ' }, 'name'],
    [{ enabledMethods: [] }, 'enabled_methods'],
    [{ enabledMethods: ['card', 'card'] }, 'enabled_methods'],
    [{ defaultSuccessUrl: 'ftp://m.example' }, 'default_success_url'],
    [{ defaultFailUrl: 'not a url' }, 'default_fail_url'],
    [{ vatRate: 'vat18' }, 'vat_rate'],
    [{ vatRate: 'vat22_120' }, 'vat_rate'],
    [{ notificationUrl: 'javascript:alert(1)' }, 'notification_url'],
    // It receives live payments: https, unless loopback.
    [{ notificationUrl: 'http://m.example/hook' }, 'notification_url'],
    [{ feeRules: [{ method: 'card', percentBps: 10_001, fixed: [] }] }, 'fee_rules[0].percent_bps'],
    [
      {
        feeRules: [
          { method: 'card', percentBps: 1, fixed: [] },
          { method: 'card', percentBps: 2, fixed: [] },
        ],
      },
      'fee_rules[1].method',
    ],
    [
      {
        feeRules: [
          { method: 'card', percentBps: 1, fixed: [{ amountMinor: 1n, currency: 'XXX' }] },
        ],
      },
      'fee_rules[0].fixed[0].currency',
    ],
    [
      {
        feeRules: [
          { method: 'card', percentBps: 1, fixed: [{ amountMinor: -1n, currency: 'KGS' }] },
        ],
      },
      'fee_rules[0].fixed[0].amount',
    ],
  ])('refuses %o naming %s', (change, field) => {
    expect(() => validateMerchantRequest({ ...ok, ...change })).toThrow(
      expect.objectContaining({
        code: 'MERCHANT_INVALID_REQUEST',
        kind: 'invalid',
        details: { field },
      }),
    );
  });
});

describe('merchant update validation', () => {
  it('splits an update into the merchant row and the steps peers own', () => {
    const { patch, steps } = validateMerchantUpdate({
      merchantId: 'mer_1',
      name: 'New name',
      vatRate: 'vat20',
      notificationUrl: 'https://m.example/hook',
      allowNegativeBalance: true,
      feeRules: [{ method: 'card', percentBps: 100, fixed: [] }],
    });
    expect(patch).toEqual({
      name: 'New name',
      vatRate: 'vat20',
      notificationUrl: 'https://m.example/hook',
    });
    expect(steps.map((s) => s.step).sort()).toEqual([
      'ledger_fee_plan',
      'ledger_settings',
      'notifier_endpoint',
    ]);
  });

  it('changes nothing for fields that are not set', () => {
    expect(validateMerchantUpdate({ merchantId: 'mer_1' })).toEqual({ patch: {}, steps: [] });
  });

  it('refuses an invalid field', () => {
    expect(() => validateMerchantUpdate({ merchantId: 'mer_1', enabledMethods: [] })).toThrow(
      expect.objectContaining({ details: { field: 'enabled_methods' } }),
    );
  });

  it('takes a plain-http notification URL only on loopback, where it never leaves the machine', () => {
    expect(() =>
      validateMerchantUpdate({ merchantId: 'mer_1', notificationUrl: 'http://m.example/hook' }),
    ).toThrow(
      expect.objectContaining({
        code: 'MERCHANT_INVALID_REQUEST',
        message: 'notification_url must be https: it receives live payments',
      }),
    );
    for (const url of ['http://127.0.0.1:8080/hook', 'http://localhost/hook', 'http://[::1]:1/h'])
      expect(validateMerchantUpdate({ merchantId: 'mer_1', notificationUrl: url }).patch).toEqual({
        notificationUrl: url,
      });
  });
});
