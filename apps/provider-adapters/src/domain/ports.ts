import type { CallbackVerdict, RawCallback } from './callback';
import type {
  ExtraTransfer,
  MethodName,
  NewProviderTransaction,
  ProviderName,
  ProviderTransaction,
  TransactionPatch,
  TransactionStatus,
} from './provider-transaction';

/** Storage of provider transactions; one per (provider, payment). */
export interface ProviderTransactionRepository {
  /**
   * Inserts unless the payment already has a transaction at this provider; returns the stored
   * one. When the idempotency key or external reference is already another payment's, returns
   * that transaction (created false): the caller compares it with its request.
   */
  createOnce(
    tx: NewProviderTransaction,
  ): Promise<{ transaction: ProviderTransaction; created: boolean }>;
  /** Switches the method of an unpaid transaction; returns undefined when it is no longer unpaid. */
  changeMethod(id: string, method: MethodName): Promise<ProviderTransaction | undefined>;
  findByOrderNo(provider: ProviderName, orderNo: bigint): Promise<ProviderTransaction | undefined>;
  findByPaymentId(
    provider: ProviderName,
    paymentId: string,
  ): Promise<ProviderTransaction | undefined>;
  /** The payment's most recently updated transaction at any provider. */
  findLatestForPayment(paymentId: string): Promise<ProviderTransaction | undefined>;
  findByExternalRef(
    provider: ProviderName,
    externalRef: string,
  ): Promise<ProviderTransaction | undefined>;
  findByProviderPaymentId(
    provider: ProviderName,
    providerPaymentId: string,
  ): Promise<ProviderTransaction | undefined>;
  findByIdempotencyKey(
    provider: ProviderName,
    idempotencyKey: string,
  ): Promise<ProviderTransaction | undefined>;
  /**
   * Marks an open transaction succeeded, atomically (only from `created`, `pending` or
   * `manual_review`). `changed` is false when it was already final; `transaction` is then the
   * stored, unchanged row. `conflict` is true when another transaction of the provider already
   * carries this providerPaymentId.
   */
  markSucceeded(
    id: string,
    settlement: {
      providerPaymentId: string;
      method: MethodName;
      attributes: Record<string, string>;
    },
  ): Promise<{ transaction: ProviderTransaction; changed: boolean; conflict: boolean }>;
  /**
   * Records verified money that does not settle the transaction, atomically and once per
   * providerPaymentId: `recorded` is false when that transfer was already recorded, and
   * `transfer` is then the earlier record (a resend is answered as the first time). Never changes
   * the status or the settlement.
   */
  recordExtraTransfer(
    id: string,
    transfer: Omit<ExtraTransfer, 'receivedAt'>,
  ): Promise<{ transaction: ProviderTransaction; transfer: ExtraTransfer; recorded: boolean }>;
  /**
   * Applies a patch only while the transaction is in one of `from` (open states by default),
   * atomically; attributes are merged. `changed` is false when the state no longer allowed it;
   * `conflict` when providerPaymentId or externalRef belongs to another transaction.
   */
  update(
    id: string,
    patch: TransactionPatch,
    from?: readonly TransactionStatus[],
  ): Promise<{ transaction: ProviderTransaction; changed: boolean; conflict: boolean }>;
  /**
   * Succeeded payer payments (not bound-card charges) in settlement order (updated_at, id),
   * after `after` and settled at or before `settledBefore`. Each comes with its position, to
   * resume after it exactly (microseconds, which a Date would lose).
   */
  listSettled(input: {
    after: SettledPosition | null;
    settledBefore: Date;
    limit: number;
  }): Promise<{ transaction: ProviderTransaction; position: SettledPosition }[]>;
  /**
   * Transactions with extra transfers, in the order their latest was recorded
   * (extra_recorded_at, id), after `after` and recorded at or before `recordedBefore`: a
   * transaction is listed again when another is recorded for it.
   */
  listWithExtraTransfers(input: {
    after: SettledPosition | null;
    recordedBefore: Date;
    limit: number;
  }): Promise<{ transaction: ProviderTransaction; position: SettledPosition }[]>;
}

/** Where a transaction stands in settlement order: updated_at in epoch microseconds, and id. */
export interface SettledPosition {
  atMicros: bigint;
  id: string;
}

/** Append-only audit log of every callback received. */
export interface CallbackLog {
  /** Stores the raw callback before anything else happens; returns its id (`cb_…`). */
  record(provider: string, raw: RawCallback): Promise<string>;
  /** Records how the callback was decided. */
  decide(
    id: string,
    decision: { verdict: CallbackVerdict; reasonCode?: string; paymentId?: string },
  ): Promise<void>;
  /**
   * Deletes at most `limit` callbacks received before `cutoff`, oldest first; returns how many
   * went. Small batches keep each delete's locks and WAL short while callbacks keep arriving.
   */
  deleteReceivedBefore(cutoff: Date, limit: number): Promise<number>;
  /** One stored callback with its decision; undefined when unknown or past retention. */
  find(id: string): Promise<StoredCallback | undefined>;
}

/** A raw callback as the audit log keeps it (already redacted) and how it was decided. */
export interface StoredCallback extends RawCallback {
  id: string;
  provider: string;
  receivedAt: Date;
  verdict: string;
  reasonCode: string;
  paymentId: string;
}

/** The structured log as use cases see it (pino's Logger satisfies it). */
export interface EventLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** One HTTP exchange with a provider's server-to-server API. */
export interface ProviderHttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface ProviderHttpResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Outbound HTTP to providers. Throws a DomainError PROVIDER_UNAVAILABLE (retriable) when no
 * answer came (refused, reset, timeout); any HTTP status is an answer for the adapter to judge.
 */
export interface ProviderHttp {
  send(request: ProviderHttpRequest): Promise<ProviderHttpResponse>;
}

/** Time, injectable so signature windows and schedules are testable: @tolem/runtime's Clock. */
export type { Clock } from '@tolem/runtime';
