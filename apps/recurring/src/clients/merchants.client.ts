import { MerchantServiceClient } from '@tolem/contracts/checkout';
import { createClient } from '@tolem/grpc-kit';

/** The merchant's receipt settings, read from checkout (which owns merchants). */
export interface MerchantReceiptSettingsPort {
  /** The merchant's `vat_rate` (`none` when unset). Throws when checkout did not answer. */
  vatRateOf(merchantId: string): Promise<string>;
}

/**
 * MerchantService.GetMerchant with a short cache: a batch of charges of one merchant asks once,
 * and a changed VAT rate reaches receipts within `ttlMs`.
 */
export function createMerchantsClient(
  address: string,
  options: { deadlineMs: number; ttlMs: number },
): MerchantReceiptSettingsPort & { close(): void } {
  const client = createClient(MerchantServiceClient, address, {
    defaultDeadlineMs: options.deadlineMs,
  });
  const cache = new Map<string, { vatRate: string; until: number }>();
  return {
    async vatRateOf(merchantId) {
      // A cache, so real time: a moved test clock must not keep it cold.
      const now = Date.now();
      const hit = cache.get(merchantId);
      if (hit && hit.until > now) return hit.vatRate;
      const { merchant } = await client.getMerchant({ merchantId });
      const vatRate = merchant?.vatRate || 'none';
      cache.set(merchantId, { vatRate, until: now + options.ttlMs });
      return vatRate;
    },
    close: () => client.close(),
  };
}
