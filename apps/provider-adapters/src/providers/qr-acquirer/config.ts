import type { Secret } from '@tolem/config';

import type { Clock, ProviderTransactionRepository } from '../../domain/ports';

export interface QrAcquirerConfig {
  /** Acquirer id -> shared secret (QR_ACQUIRER_SECRETS). */
  secrets: ReadonlyMap<string, Secret>;
  /** How far X-Tolem-Timestamp may be from our clock (QR_CALLBACK_MAX_SKEW_MS). */
  maxSkewMs: number;
}

/** What every QR acquiring flow works with. */
export interface QrAcquirerContext {
  config: QrAcquirerConfig;
  transactions: ProviderTransactionRepository;
  clock: Clock;
}
