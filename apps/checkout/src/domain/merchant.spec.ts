import { describe, expect, it } from 'vitest';

import { type CreateMerchantInput, validateMerchantRequest } from './merchant';

describe('merchant validation', () => {
  const ok: CreateMerchantInput = {
    idempotencyKey: '',
    name: 'M',
    enabledMethods: ['card'],
    webmoneyShopId: '',
    defaultSuccessUrl: 'https://m.example/ok',
    defaultFailUrl: '',
  };

  it('accepts a valid request', () => {
    expect(() => validateMerchantRequest(ok)).not.toThrow();
  });

  it.each<[Partial<CreateMerchantInput>, string]>([
    [{ name: '  ' }, 'name'],
    [{ enabledMethods: [] }, 'enabled_methods'],
    [{ enabledMethods: ['card', 'card'] }, 'enabled_methods'],
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
