import type { Secret } from '@tolem/config';
import type { CurrencyCode } from '@tolem/money';

import type { ProviderTransactionRepository } from '../../domain/ports';

export interface WebMoneyConfig {
  /** The payment form, e.g. https://merchant.webmoney.ru/lmi/payment_utf.asp (or the sandbox's). */
  merchantUrl: string;
  /** LMI_RESULT_URL: the gateway's public callback endpoint for WebMoney. */
  resultUrl: string;
  /** Our purse per currency; the purse letter always matches the currency. */
  purses: ReadonlyMap<CurrencyCode, string>;
  /** The purse's Secret Key, shared with WebMoney; signs notifications (LMI_HASH, LMI_HASH2). */
  secretKey: Secret;
  /** X20 secret; when set the form carries LMI_PAYMENTFORM_SIGN. */
  x20Secret?: Secret;
  /** Accept LMI_HASH in the SIGN form (132 chars); it still needs a valid LMI_HASH2. */
  allowSignHash: boolean;
  /** Refuse notifications without LMI_HASH2. */
  requireHash2: boolean;
  /** The LMI_MODE we expect: '1' test (sandbox), '0' real. */
  mode: '0' | '1';
}

/** What every WebMoney flow works with. */
export interface WebMoneyContext {
  config: WebMoneyConfig;
  transactions: ProviderTransactionRepository;
}
