import type { StartPaymentInput, StartPaymentResult } from '../providers/provider.port';
import type { ProviderRegistry } from '../providers/registry';

export interface StartPaymentDeps {
  registry: ProviderRegistry;
}

/**
 * Starts a payment at the provider that serves its method. Idempotent per payment: the adapter
 * keeps one provider transaction per (provider, payment), so a retry returns the same order
 * reference; an unsupported method is PROVIDER_METHOD_UNSUPPORTED.
 */
export function makeStartPayment(deps: StartPaymentDeps) {
  return async (input: StartPaymentInput): Promise<StartPaymentResult> =>
    deps.registry.forMethod(input.method).startPayment(input);
}
