import type { Secret } from '@tolem/config';

import type { ProviderHttp, ProviderTransactionRepository } from '../../domain/ports';

export interface PaykassmaConfig {
  /** The payment window, https://plugin.{domain}/ (or the sandbox's). */
  pluginUrl: string;
  /** The plugin-API base, https://api.{domain} (or the sandbox's), no trailing slash. */
  apiUrl: string;
  /** `?secret=` of every plugin-API call. */
  pluginApiSecret: Secret;
  postbackAccessKey: Secret;
  postbackPrivateKey: Secret;
  /** Payment window language: `en` or `my` for Wavepay. */
  lang: string;
}

/** What every Paykassma flow works with. */
export interface PaykassmaContext {
  config: PaykassmaConfig;
  transactions: ProviderTransactionRepository;
  http: ProviderHttp;
}
