import type { Secret } from '@tolem/config';

import type { HashAlgorithm } from './signing';

/** The WebMoney purse settings the sandbox plays (what a merchant sets in WebMoney's interface). */
export interface WebmoneySandboxConfig {
  /** Secret Key shared with the merchant; signs LMI_HASH and LMI_HASH2. */
  secretKey: Secret;
  hashAlgorithm: HashAlgorithm;
  /** X20 secret: when set, payment forms must carry a valid LMI_PAYMENTFORM_SIGN. */
  x20Secret?: Secret;
  /** LMI_MODE reported to the merchant: '1' test, '0' real. */
  mode: '0' | '1';
  /** Notification deliveries (first included) until the Result URL answers HTTP 200. */
  notifyAttempts: number;
  /** Pause before the second delivery, doubled for each later one (WebMoney's real policy is not public). */
  notifyBackoffMs: number;
}
