import { checkoutErrors } from '../domain/errors';
import type { Merchant } from '../domain/merchant';
import type { MerchantRepository } from '../domain/ports';

export interface GetMerchantDeps {
  merchants: MerchantRepository;
}

/** Reads one merchant; MERCHANT_NOT_FOUND when unknown. */
export function makeGetMerchant(deps: GetMerchantDeps) {
  return async (merchantId: string): Promise<Merchant> => {
    const merchant = merchantId ? await deps.merchants.findById(merchantId) : undefined;
    if (!merchant) throw checkoutErrors.create('MERCHANT_NOT_FOUND', 'merchant not found');
    return merchant;
  };
}
