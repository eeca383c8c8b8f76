import type { ProviderName } from '../domain/provider-transaction';
import type { ChargeBoundCardInput, ChargeResult } from '../providers/provider.port';
import type { ProviderRegistry } from '../providers/registry';

export interface ChargeBoundCardDeps {
  registry: ProviderRegistry;
}

/**
 * One charge of a bound card, at the provider holding the binding (IntellectMoney today). The
 * adapter keeps it idempotent on the caller's key; whether and when to retry a decline is the
 * recurring service's decision, told by the decline kind.
 */
export function makeChargeBoundCard(deps: ChargeBoundCardDeps) {
  return async (provider: ProviderName, input: ChargeBoundCardInput): Promise<ChargeResult> =>
    deps.registry.capability(provider, 'chargeBoundCard')(input);
}
