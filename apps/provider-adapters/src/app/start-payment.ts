import { providerErrors } from '../domain/errors';
import type { StartPaymentInput, StartPaymentResult } from '../providers/provider.port';
import type { ProviderRegistry } from '../providers/registry';

export interface StartPaymentDeps {
  registry: ProviderRegistry;
  /** What the configured provider URLs are (PROVIDER_ENVIRONMENT). */
  environment: 'sandbox' | 'live';
}

/**
 * Starts a payment at the provider that serves its method. Idempotent per payment: the adapter
 * keeps one provider transaction per (provider, payment), so a retry returns the same order
 * reference; an unsupported method is PROVIDER_METHOD_UNSUPPORTED. A payment whose mode is not
 * this deployment's (a live payment here where the URLs are sandboxes, or a test payment where
 * they are live) is PROVIDER_LIVEMODE_MISMATCH, and no provider is called.
 */
export function makeStartPayment(deps: StartPaymentDeps) {
  return async (input: StartPaymentInput, livemode: boolean): Promise<StartPaymentResult> => {
    if (livemode !== (deps.environment === 'live')) {
      throw providerErrors.create(
        'PROVIDER_LIVEMODE_MISMATCH',
        livemode
          ? 'a live payment cannot be sent to sandbox provider endpoints'
          : 'a test payment cannot be sent to live provider endpoints',
        { details: { livemode: String(livemode), environment: deps.environment } },
      );
    }
    return deps.registry.forMethod(input.method).startPayment(input);
  };
}
