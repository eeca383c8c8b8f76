import { describe, expect, it } from 'vitest';

import { textReply } from '../domain/callback';
import type { PaymentProvider } from './provider.port';
import { createProviderRegistry } from './registry';

function fakeAdapter(overrides: Partial<PaymentProvider> = {}): PaymentProvider {
  return {
    name: 'webmoney',
    methods: ['webmoney_purse', 'webmoney_keeper_mobile'],
    async startPayment() {
      return {
        provider: 'webmoney',
        action: { kind: 'redirect', url: 'https://x.test' },
        providerReference: '1',
      };
    },
    async handleCallback() {
      return {
        reply: textReply(200, 'YES'),
        retryReply: textReply(200, 'later'),
        refusalReply: textReply(200, 'no'),
        outcome: 'precheck_accepted',
        verdict: 'precheck_accepted',
        attributes: {},
      };
    },
    ...overrides,
  };
}

describe('createProviderRegistry', () => {
  it('routes both WebMoney methods to the WebMoney adapter', () => {
    const adapter = fakeAdapter();
    const registry = createProviderRegistry([adapter]);
    expect(registry.forMethod('webmoney_purse')).toBe(adapter);
    expect(registry.forMethod('webmoney_keeper_mobile')).toBe(adapter);
    expect(registry.forProvider('webmoney')).toBe(adapter);
  });

  it.each(['card', 'wavepay', 'qr'] as const)(
    'refuses %s with PROVIDER_METHOD_UNSUPPORTED (precondition)',
    (method) => {
      const registry = createProviderRegistry([fakeAdapter()]);
      expect(() => registry.forMethod(method)).toThrow(
        expect.objectContaining({ code: 'PROVIDER_METHOD_UNSUPPORTED', kind: 'precondition' }),
      );
    },
  );

  it('refuses a provider without an adapter, and a method the adapter does not list', () => {
    const registry = createProviderRegistry([fakeAdapter({ methods: ['webmoney_purse'] })]);
    expect(() => registry.forProvider('intellectmoney')).toThrow(
      expect.objectContaining({ code: 'PROVIDER_METHOD_UNSUPPORTED' }),
    );
    expect(() => registry.forMethod('webmoney_keeper_mobile')).toThrow(
      expect.objectContaining({ code: 'PROVIDER_METHOD_UNSUPPORTED' }),
    );
  });

  it('binds optional operations and refuses missing ones with PROVIDER_OPERATION_UNSUPPORTED', async () => {
    const adapter = fakeAdapter({
      async refund() {
        return { outcome: 'succeeded', providerRefundId: 'r1' };
      },
    });
    const registry = createProviderRegistry([adapter]);
    const refund = registry.capability('webmoney', 'refund');
    expect(await refund({} as never)).toMatchObject({ providerRefundId: 'r1' });
    expect(() => registry.capability('webmoney', 'chargeBoundCard')).toThrow(
      expect.objectContaining({
        code: 'PROVIDER_OPERATION_UNSUPPORTED',
        kind: 'precondition',
        details: { provider: 'webmoney', operation: 'chargeBoundCard' },
      }),
    );
    expect(() => registry.capability('paykassma', 'submitPayerInput')).toThrow(
      expect.objectContaining({ code: 'PROVIDER_METHOD_UNSUPPORTED' }),
    );
  });

  it('refuses wiring mistakes at start-up', () => {
    expect(() => createProviderRegistry([fakeAdapter(), fakeAdapter()])).toThrow(/two adapters/);
    expect(() => createProviderRegistry([fakeAdapter({ methods: ['card'] })])).toThrow(
      /cannot serve card/,
    );
  });
});
