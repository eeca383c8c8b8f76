import type { Merchant } from '../domain/merchant';
import type { MerchantRepository } from '../domain/ports';

export interface MerchantCacheOptions {
  /** How long a merchant read is reused: a change to a merchant shows within this long. */
  ttlMs: number;
  /** Milliseconds now; injectable for tests. */
  now?: () => number;
  maxEntries?: number;
}

/**
 * A read-through cache of merchants for hot paths (every payment create reads its merchant, and
 * a merchant's methods and default URLs change seldom). Only found merchants are kept, so a new
 * merchant works at once; concurrent misses for one merchant share a single read.
 */
export function cachedMerchants(
  merchants: Pick<MerchantRepository, 'findById'>,
  options: MerchantCacheOptions,
): Pick<MerchantRepository, 'findById'> {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 10_000;
  const cache = new Map<string, { merchant: Promise<Merchant | undefined>; expiresAt: number }>();

  return {
    findById(id) {
      const hit = cache.get(id);
      if (hit && hit.expiresAt > now()) return hit.merchant;
      if (cache.size >= maxEntries) {
        // Map keeps insertion order: the first key is the oldest entry.
        const oldest = cache.keys().next();
        if (!oldest.done) cache.delete(oldest.value);
      }
      // Dropped again unless found, so a merchant created a moment later is not refused.
      const forget = () => {
        if (cache.get(id) === entry) cache.delete(id);
      };
      const entry = {
        merchant: merchants.findById(id).then(
          (found) => {
            if (!found) forget();
            return found;
          },
          (err: unknown) => {
            forget();
            throw err;
          },
        ),
        expiresAt: now() + options.ttlMs,
      };
      cache.set(id, entry);
      return entry.merchant;
    },
  };
}
