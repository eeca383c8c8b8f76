import { checkoutErrors } from '../domain/errors';
import {
  type Merchant,
  type UpdateMerchantInput,
  validateMerchantUpdate,
} from '../domain/merchant';
import type { Clock, MerchantRepository } from '../domain/ports';
import type { DeliverOnboarding } from './onboarding';

export interface UpdateMerchantDeps {
  merchants: MerchantRepository;
  clock: Clock;
  deliverOnboarding: DeliverOnboarding;
}

/**
 * Changes the fields that are set. Peer-owned settings become onboarding steps in the same
 * transaction (a newer change replaces a queued older one) and are delivered at once; a peer that
 * is down leaves them to the sweeper. An invalid field writes nothing.
 */
export function makeUpdateMerchant(deps: UpdateMerchantDeps) {
  return async (input: UpdateMerchantInput): Promise<Merchant> => {
    const { patch, steps } = validateMerchantUpdate(input);
    const updated = input.merchantId
      ? await deps.merchants.update(input.merchantId, patch, steps, deps.clock.now())
      : undefined;
    if (!updated) throw checkoutErrors.create('MERCHANT_NOT_FOUND', 'merchant not found');
    if (steps.length === 0) return updated;
    return (await deps.deliverOnboarding(updated.id)) ?? updated;
  };
}
