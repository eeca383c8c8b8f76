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

/**
 * manual_review: verified, but the provider could not match the money (Paykassma
 * `possible_transaction_created`, or another sum); a person decides, the payment never drops.
 * unregistered_qr: verified QR money for a code no payment is registered under (a static
 * code's scan): nothing settled yet, no payment id; qrCodeId names the code.
 */
export type CallbackOutcome =
  | 'succeeded'
  | 'failed'
  | 'pending'
  | 'precheck_accepted'
  | 'rejected'
  | 'manual_review'
  | 'unregistered_qr';

/** A card bound on a first card payment (IntellectMoney recurringState); never card data. */
export interface ReportedCardBinding {
  /** Opaque provider reference for later charges. */
  bindingRef: string;
  state: 'activated' | 'error';
  /** Empty when the provider did not say. */
  cardLast4: string;
  /** `MM/YY`, empty when the provider did not say (IntellectMoney never does). */
  cardExpiry?: string;
}

/** A callback as the provider adapters verified and normalized it. */
export interface VerifiedCallback {
  /** The provider's answer when the outcome is applied as reported. */
  reply: HttpReply;
  /**
   * The provider's answer that makes it send the callback again later: for when Tolem could not
   * record the money yet (e.g. the ledger is down). Rendered by the adapter in the provider's
   * format; for a pre-check (never resent) it refuses the payment for now.
   */
  retryReply: HttpReply;
  /**
   * The provider's answer that refuses the callback: for a pre-check (WebMoney pre-request) the
   * payment must not go ahead (the payer sees the text); otherwise nothing was recorded.
   */
  refusalReply: HttpReply;
  outcome: CallbackOutcome;
  paymentId: string;
  /** As reported by the provider; not trusted blindly (compared with the payment). */
  amount: { amountMinor: bigint; currency: string } | null;
  method: PaymentMethod | null;
  providerPaymentId: string;
  attributes: Record<string, string>;
  reasonCode: string;
  callbackId: string;
  /** Present when the callback reports a card binding (payer.remember_card=true). */
  cardBinding: ReportedCardBinding | null;
  /** unregistered_qr: the `qr_…` code the bank's confirmation names; '' otherwise. */
  qrCodeId: string;
}

/** What the payer typed on Tolem's page, passed to the provider (Wavepay: `key1`). */
export interface ProviderPayerInput {
  paymentId: string;
  method: PaymentMethod;
  fields: Record<string, string>;
}

/** The provider's answer to payer input, normalized by the provider adapters. */
export interface PayerInputAnswer {
  outcome: 'succeeded' | 'failed' | 'pending' | 'manual_review';
  /** What to show the payer next; null when the adapters sent none. */
  nextAction: ProviderAction | null;
  providerPaymentId: string;
  /** Stable code when not succeeded, e.g. PROVIDER_ACTIVATION_FAILED. */
  reasonCode: string;
  /** The provider's text for the payer; never secrets. */
  message: string;
  /** A failed attempt that leaves the payment open for another input. */
  payerMayRetry: boolean;
  /**
   * What the provider reported as received; null when it reported nothing, even on succeeded
   * (reasonCode PROVIDER_AMOUNT_NOT_REPORTED): then nothing may be credited on this answer.
   */
  amount: { amountMinor: bigint; currency: string } | null;
  attributes: Record<string, string>;
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
  /** The payment's mode: provider-adapters refuses to send it to endpoints of the other mode. */
  livemode: boolean;
}

export interface StartedProviderPayment {
  provider: ProviderName;
  action: ProviderAction;
  providerReference: string;
}

/** A merchant-initiated charge of a bound card, as provider-adapters takes it. */
export interface BoundCardChargeRequest {
  /** provider-adapters charges at most once per key. */
  idempotencyKey: string;
  merchantId: string;
  /** The binding's provider reference (CardBinding.provider_binding_ref). */
  bindingRef: string;
  amount: Money;
  description: string;
  /** The charge's payment: one provider charge per payment. */
  paymentId: string;
}

/** `soft`: may be retried; `hard`: never; `unknown`: a decline code the adapters did not classify. */
export type DeclineKind = 'soft' | 'hard' | 'unknown';

/** provider-adapters' answer to a bound-card charge, normalized. */
export interface BoundCardCharge {
  outcome: 'succeeded' | 'failed' | 'pending';
  /** The card scheme's response code of a decline, e.g. "51"; '' otherwise. */
  declineCode: string;
  /** '' when there is no decline code. */
  declineKind: DeclineKind | '';
  providerPaymentId: string;
  /** IntellectMoney's scheduled operation that charges. */
  providerOperationId: string;
  /** Stable code when not succeeded, e.g. PROVIDER_CARD_DECLINED. */
  reasonCode: string;
  /** The adapters answered from an earlier attempt with the same key. */
  replayed: boolean;
  /** What the provider charged; null when the adapters did not say. */
  amount: Money | null;
}

export function textReply(statusCode: number, text: string): HttpReply {
  return { statusCode, contentType: 'text/plain', body: new TextEncoder().encode(text) };
}
