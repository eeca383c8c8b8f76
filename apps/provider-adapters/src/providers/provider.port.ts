import type { Money } from '@tolem/money';

import type { CallbackResult, CardBinding, RawCallback } from '../domain/callback';
import type { MethodName, ProviderName, ProviderTransaction } from '../domain/provider-transaction';

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

/** Outcomes of provider operations other than callbacks (proto Outcome). */
export type OperationOutcome = 'succeeded' | 'failed' | 'pending' | 'manual_review';

/** The payer's second-step input (Wavepay: the wallet transaction number `key1`). */
export interface PayerInput {
  /** The payment's transaction at this adapter's provider. */
  transaction: ProviderTransaction;
  fields: Record<string, string>;
}

export interface PayerInputResult {
  outcome: OperationOutcome;
  /** What the payer sees next; the same instructions again after a failed attempt. */
  nextAction?: ProviderAction;
  providerPaymentId?: string;
  reasonCode?: string;
  /** The provider's text for the payer; never secrets. */
  message?: string;
  /** A failed attempt that leaves the payment open for another input. */
  payerMayRetry: boolean;
  /** What the provider reported as received. */
  amount?: Money;
  attributes: Record<string, string>;
}

export interface ChargeBoundCardInput {
  idempotencyKey: string;
  merchantId: string;
  bindingRef: string;
  amount: Money;
  description: string;
  paymentId: string;
}

export interface ChargeResult {
  outcome: 'succeeded' | 'failed' | 'pending';
  declineCode?: string;
  declineKind?: 'soft' | 'hard';
  providerPaymentId?: string;
  providerOperationId?: string;
  reasonCode?: string;
  /** This answer repeats an earlier attempt with the same idempotency key. */
  replayed: boolean;
  amount: Money;
}

/** The provider-side state of one transaction (proto QueryPaymentStatusResponse). */
export interface PaymentStatusResult {
  transaction: ProviderTransaction;
  /** True when the provider was asked just now. */
  checkedWithProvider: boolean;
  /** Our reference at the provider (the order number it knows the payment by). */
  providerReference: string;
  /** What a merchant may see; adapter bookkeeping stays out. */
  attributes: Record<string, string>;
}

export interface RefundInput {
  idempotencyKey: string;
  transaction: ProviderTransaction;
  amount: Money;
}

export interface RefundResult {
  outcome: OperationOutcome;
  providerRefundId?: string;
  reasonCode?: string;
}

/**
 * One provider behind one interface (a Hyperswitch-style connector). An adapter owns its
 * provider's wire format: it converts Money to the provider's decimals and back, verifies callbacks
 * against the raw bytes, and persists its provider transactions through the repository port it
 * was built with. Nothing provider-specific leaks out of it.
 *
 * The optional capabilities exist where the provider offers them; for an adapter without one
 * the registry answers PROVIDER_OPERATION_UNSUPPORTED.
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
   * that is an outcome `rejected` with a reason code and a refusal reply. Verified money that does
   * not settle its order (another amount, a second transfer, a success after failure) is never
   * refused: it is reported as `succeeded` with what was received (shared/extra-transfer.ts).
   * Throws only when it cannot decide (e.g. the database is down), so the provider gets an error
   * and retries.
   */
  handleCallback(raw: RawCallback): Promise<CallbackResult>;
  /**
   * The callback as it may be stored for audit: removes values that must never rest in the
   * database (e.g. a shared secret some providers echo). Identity when absent.
   */
  redactForAudit?(raw: RawCallback): RawCallback;
  /** The payer's second step (Wavepay activation). Idempotent per payment once settled. */
  submitPayerInput?(input: PayerInput): Promise<PayerInputResult>;
  /** One charge of a bound card; idempotent on the idempotency key. */
  chargeBoundCard?(input: ChargeBoundCardInput): Promise<ChargeResult>;
  /** Refreshes a transaction's state from the provider's status API. */
  queryStatus?(transaction: ProviderTransaction): Promise<PaymentStatusResult>;
  refund?(input: RefundInput): Promise<RefundResult>;
  /**
   * What a succeeded transaction settled, as its callback reported it: the amount the provider
   * confirmed (null when it confirmed none) and the attributes a merchant may see. Absent: the
   * stored amount and attributes.
   */
  settlementOf?(transaction: ProviderTransaction): Settlement;
}

/** A settled transaction as the provider confirmed it (ListSettledTransactions). */
export interface Settlement {
  amount: Money | null;
  attributes: Record<string, string>;
  /** The card binding its success reported, as its callback did. */
  cardBinding?: CardBinding;
}

/** The optional operations, by name (for PROVIDER_OPERATION_UNSUPPORTED). */
export type ProviderCapability = 'submitPayerInput' | 'chargeBoundCard' | 'queryStatus' | 'refund';
