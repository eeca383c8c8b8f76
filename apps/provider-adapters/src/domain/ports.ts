import type { CallbackVerdict, RawCallback } from './callback';
import type {
  MethodName,
  NewProviderTransaction,
  ProviderName,
  ProviderTransaction,
} from './provider-transaction';

/** Storage of provider transactions; one per (provider, payment). */
export interface ProviderTransactionRepository {
  /** Inserts unless the payment already has a transaction at this provider; returns the stored one. */
  createOnce(
    tx: NewProviderTransaction,
  ): Promise<{ transaction: ProviderTransaction; created: boolean }>;
  /** Switches the method of an unpaid transaction; returns undefined when it is no longer unpaid. */
  changeMethod(id: string, method: MethodName): Promise<ProviderTransaction | undefined>;
  findByOrderNo(provider: ProviderName, orderNo: bigint): Promise<ProviderTransaction | undefined>;
  /**
   * Marks an unpaid transaction succeeded, atomically (only from `created`). `changed` is false when
   * it was already final; `transaction` is then the stored, unchanged row. `conflict` is true when
   * another transaction of the provider already carries this providerPaymentId.
   */
  markSucceeded(
    id: string,
    settlement: {
      providerPaymentId: string;
      method: MethodName;
      attributes: Record<string, string>;
    },
  ): Promise<{ transaction: ProviderTransaction; changed: boolean; conflict: boolean }>;
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
}

/** The structured log as use cases see it (pino's Logger satisfies it). */
export interface EventLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}
