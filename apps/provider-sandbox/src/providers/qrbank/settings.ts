import type { Secret } from '@tolem/config';

/** The payer bank (acquirer) the sandbox plays towards Tolem's QR platform. */
export interface QrBankSandboxConfig {
  /** Sent as X-Tolem-Acquirer. */
  acquirerId: string;
  /** HMAC-SHA256 key of X-Tolem-Signature. */
  acquirerSecret: Secret;
  /** Tolem's confirmation URL. */
  callbackUrl: string;
  /**
   * Tolem's public base URL (the gateway), whose `GET /qr/v1/details` the bank asks before every
   * payment. Unset: the bank reads codes alone (a rig without Tolem, e.g. the adapters' contract
   * tests) and its pages say the code was not checked with Tolem.
   */
  tolemUrl?: string;
}
