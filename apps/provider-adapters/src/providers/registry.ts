import { providerOfMethod } from '@tolem/catalog';

import { providerErrors } from '../domain/errors';
import type { MethodName, ProviderName } from '../domain/provider-transaction';
import type { PaymentProvider, ProviderCapability } from './provider.port';

/** Finds the adapter for a method or a provider. */
export interface ProviderRegistry {
  /** The adapter serving the method; PROVIDER_METHOD_UNSUPPORTED when none is registered. */
  forMethod(method: MethodName): PaymentProvider;
  /** The adapter of a provider; PROVIDER_METHOD_UNSUPPORTED when none is registered. */
  forProvider(provider: ProviderName): PaymentProvider;
  /**
   * The adapter of a provider with one optional operation bound to it;
   * PROVIDER_OPERATION_UNSUPPORTED when the adapter lacks it.
   */
  capability<C extends ProviderCapability>(
    provider: ProviderName,
    capability: C,
  ): NonNullable<PaymentProvider[C]>;
}

/**
 * Routes by the catalog's method -> provider table. Providers without an adapter (not configured in
 * this deployment) are refused rather than faked.
 */
export function createProviderRegistry(adapters: readonly PaymentProvider[]): ProviderRegistry {
  const byName = new Map<ProviderName, PaymentProvider>();
  for (const adapter of adapters) {
    if (byName.has(adapter.name)) throw new Error(`two adapters registered for ${adapter.name}`);
    for (const method of adapter.methods) {
      if (providerOfMethod(method) !== adapter.name) {
        throw new Error(
          `${adapter.name} cannot serve ${method}: it belongs to ${providerOfMethod(method)}`,
        );
      }
    }
    byName.set(adapter.name, adapter);
  }

  const unsupported = (what: string, details: Record<string, string>) =>
    providerErrors.create('PROVIDER_METHOD_UNSUPPORTED', `${what} is not supported yet`, {
      details,
    });

  const forProvider = (provider: ProviderName) => {
    const adapter = byName.get(provider);
    if (!adapter) throw unsupported(`provider ${provider}`, { provider });
    return adapter;
  };

  return {
    forMethod(method) {
      const provider = providerOfMethod(method);
      const adapter = byName.get(provider);
      if (!adapter || !adapter.methods.includes(method)) {
        throw unsupported(`payment method ${method}`, { method, provider });
      }
      return adapter;
    },
    forProvider,
    capability(provider, capability) {
      const adapter = forProvider(provider);
      const operation = adapter[capability];
      if (!operation) {
        throw providerErrors.create(
          'PROVIDER_OPERATION_UNSUPPORTED',
          `${provider} does not support ${capability}`,
          { details: { provider, operation: capability } },
        );
      }
      return operation.bind(adapter) as NonNullable<PaymentProvider[typeof capability]>;
    },
  };
}
