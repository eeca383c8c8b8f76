import type { Money } from '@tolem/money';

import type { PaymentMethod, ProviderName } from './payment';

/** What the customer's browser must do next; passed through from the provider adapters as is. */
export type ProviderAction =
  | {
      kind: 'form_post';
      url: string;
      fields: { name: string; value: string }[];
      acceptCharset: string;
    }
  | { kind: 'redirect'; url: string }
  | { kind: 'instructions'; title: string; values: Record<string, string> };

/** A provider's callback exactly as the gateway received it. */
export interface RawHttpRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
  remoteAddress: string;
  query: string;
}

/** The exact HTTP answer for the provider. */
export interface HttpReply {
  statusCode: number;
  contentType: string;
  body: Uint8Array;
}

export type CallbackOutcome = 'succeeded' | 'failed' | 'pending' | 'precheck_accepted' | 'rejected';

/** A callback as the provider adapters verified and normalized it. */
export interface VerifiedCallback {
  reply: HttpReply;
  outcome: CallbackOutcome;
  paymentId: string;
  /** As reported by the provider; not trusted blindly (compared with the payment). */
  amount: { amountMinor: bigint; currency: string } | null;
  method: PaymentMethod | null;
  providerPaymentId: string;
  attributes: Record<string, string>;
  reasonCode: string;
  callbackId: string;
}

export interface StartProviderPaymentInput {
  paymentId: string;
  merchantId: string;
  method: PaymentMethod;
  amount: Money;
  description: string;
  successUrl: string;
  failUrl: string;
  payer: Record<string, string>;
  providerShopId: string;
}

export interface StartedProviderPayment {
  provider: ProviderName;
  action: ProviderAction;
  providerReference: string;
}

export function textReply(statusCode: number, text: string): HttpReply {
  return { statusCode, contentType: 'text/plain', body: new TextEncoder().encode(text) };
}
