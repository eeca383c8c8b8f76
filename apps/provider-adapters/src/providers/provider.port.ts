import type { Money } from '@tolem/money';

import type { CallbackResult, RawCallback } from '../domain/callback';
import type { MethodName, ProviderName } from '../domain/provider-transaction';

/** What checkout asks for when the payer picked a method. */
export interface StartPaymentInput {
  paymentId: string;
  merchantId: string;
  method: MethodName;
  amount: Money;
  description: string;
  successUrl: string;
  failUrl: string;
  /** Method-specific payer input, e.g. `phone` for Keeper Mobile. */
  payer: Record<string, string>;
  /** The merchant's identity at the provider (WebMoney LMI_SHOP_ID). */
  providerShopId: string;
}

/** What the payer's browser must do next. */
export type ProviderAction =
  | {
      kind: 'form_post';
      url: string;
      /** Ordered: some providers' pages care. */
      fields: { name: string; value: string }[];
      acceptCharset: string;
    }
  | { kind: 'redirect'; url: string }
  | { kind: 'instructions'; title: string; values: Record<string, string> };

export interface StartPaymentResult {
  provider: ProviderName;
  action: ProviderAction;
  /** Our reference at the provider (WebMoney LMI_PAYMENT_NO). */
  providerReference: string;
}

/**
 * One provider behind one interface (a Hyperswitch-style connector). An adapter owns its
 * provider's wire format: it converts Money to the provider's decimals and back, verifies callbacks
 * against the raw bytes, and persists its provider transactions through the repository port it
 * was built with. Nothing provider-specific leaks out of it.
 *
 * Later issues add optional capabilities here (queryStatus, refund, chargeBoundCard); the
 * registry will refuse them with PROVIDER_METHOD_UNSUPPORTED for adapters that lack them.
 */
export interface PaymentProvider {
  readonly name: ProviderName;
  /** The methods this adapter serves; the registry routes them here. */
  readonly methods: readonly MethodName[];
  /**
   * Registers the payment (idempotent per payment id: the same order reference every time) and
   * returns the browser action. Throws DomainErrors for bad input, before writing anything.
   */
  startPayment(input: StartPaymentInput): Promise<StartPaymentResult>;
  /**
   * Verifies and applies one callback. Never throws for forged, malformed or inconsistent input:
   * that is an outcome `rejected` with a reason code and a refusal reply. Throws only when it
   * cannot decide (e.g. the database is down), so the provider gets an error and retries.
   */
  handleCallback(raw: RawCallback): Promise<CallbackResult>;
  /**
   * The callback as it may be stored for audit: removes values that must never rest in the
   * database (e.g. a shared secret some providers echo). Identity when absent.
   */
  redactForAudit?(raw: RawCallback): RawCallback;
}
