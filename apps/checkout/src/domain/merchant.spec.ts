import { money } from '@tolem/money';
import { describe, expect, it } from 'vitest';

import {
  type CreateMerchantInput,
  feeFor,
  type Merchant,
  validateMerchantRequest,
} from './merchant';

const merchant: Merchant = {
  id: 'mer_1',
  name: 'M',
  enabledMethods: ['webmoney_purse', 'webmoney_keeper_mobile', 'card'],
  feeRules: [
    { method: 'webmoney_purse', percentBps: 250, fixedMinor: 10n },
    { method: 'webmoney_keeper_mobile', percentBps: 10_000, fixedMinor: 5n },
  ],
  webmoneyShopId: '',
  defaultSuccessUrl: '',
  defaultFailUrl: '',
  createdAt: new Date(),
};

describe('fee application', () => {
  it('applies the rule of the method: round half up on the percent, plus the fixed part', () => {
    expect(feeFor(merchant, 'webmoney_purse', money(10_000n, 'KGS'))).toEqual(money(260n, 'KGS'));
    // 2.5% of 1 tyiyn is 0.025 -> 0, plus 10 fixed, capped at the gross.
    expect(feeFor(merchant, 'webmoney_purse', money(1n, 'KGS'))).toEqual(money(1n, 'KGS'));
    // 2.5% of 20 = 0.5 -> rounds up to 1.
    expect(feeFor(merchant, 'webmoney_purse', money(20n, 'USD'))).toEqual(money(11n, 'USD'));
  });

  it('never charges more than the gross', () => {
    expect(feeFor(merchant, 'webmoney_keeper_mobile', money(100n, 'KGS'))).toEqual(
      money(100n, 'KGS'),
    );
  });

  it('charges nothing for a method without a rule or without a method', () => {
    expect(feeFor(merchant, 'card', money(10_000n, 'KGS'))).toEqual(money(0n, 'KGS'));
    expect(feeFor(merchant, null, money(10_000n, 'KGS'))).toEqual(money(0n, 'KGS'));
  });
});

describe('merchant validation', () => {
  const ok: CreateMerchantInput = {
    idempotencyKey: '',
    name: 'M',
    enabledMethods: ['card'],
    feeRules: [{ method: 'card', percentBps: 0, fixedMinor: 0n }],
    webmoneyShopId: '',
    defaultSuccessUrl: 'https://m.example/ok',
    defaultFailUrl: '',
  };

  it('accepts a valid request', () => {
    expect(() => validateMerchantRequest(ok)).not.toThrow();
    expect(() =>
      validateMerchantRequest({
        ...ok,
        feeRules: [{ method: 'card', percentBps: 10_000, fixedMinor: 0n }],
      }),
    ).not.toThrow();
  });

  it.each<[Partial<CreateMerchantInput>, string]>([
    [{ name: '  ' }, 'name'],
    [{ enabledMethods: [] }, 'enabled_methods'],
    [{ enabledMethods: ['card', 'card'] }, 'enabled_methods'],
    [{ feeRules: [{ method: 'card', percentBps: 10_001, fixedMinor: 0n }] }, 'fee_rules'],
    [{ feeRules: [{ method: 'card', percentBps: -1, fixedMinor: 0n }] }, 'fee_rules'],
    [{ feeRules: [{ method: 'card', percentBps: 1.5, fixedMinor: 0n }] }, 'fee_rules'],
    [{ feeRules: [{ method: 'card', percentBps: 0, fixedMinor: -1n }] }, 'fee_rules'],
    [
      {
        feeRules: [
          { method: 'card', percentBps: 0, fixedMinor: 0n },
          { method: 'card', percentBps: 1, fixedMinor: 0n },
        ],
      },
      'fee_rules',
    ],
    [{ defaultSuccessUrl: 'ftp://m.example' }, 'default_success_url'],
    [{ defaultFailUrl: 'not a url' }, 'default_fail_url'],
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
