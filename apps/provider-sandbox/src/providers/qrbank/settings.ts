import type { Secret } from '@tolem/config';

/** The payer bank (acquirer) the sandbox plays towards Tolem's QR platform. */
export interface QrBankSandboxConfig {
  /** Sent as X-Tolem-Acquirer. */
  acquirerId: string;
  /** HMAC-SHA256 key of X-Tolem-Signature. */
  acquirerSecret: Secret;
  /** Tolem's confirmation URL. */
  callbackUrl: string;
}
