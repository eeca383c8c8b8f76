import type { Payment, PaymentMethod, ProviderName } from '../domain/payment';
import { applyTransition, type TransitionDeps } from './apply-transition';

/** What the provider reported with a verified failure. */
export interface FailureFacts {
  /** The audit trail's reason, e.g. `callback cb_…`. */
  reason: string;
  /** The method the payer actually used; null keeps the payment's. */
  method: PaymentMethod | null;
  provider: ProviderName;
  providerPaymentId: string;
  attributes: Record<string, string>;
  /** The payment's failure_code; '' is PROVIDER_PAYMENT_FAILED. */
  failureCode: string;
}

/**
 * The one path of a verified failure (a provider callback, a bound-card charge's decline): moves
 * the payment to failed with the provider facts and the failure code; its `payment.failed` event
 * is written with the transition (owed to the ledger until recorded there). A duplicate is a
 * no-op; a final payment with another outcome throws PAYMENT_ALREADY_FINAL and nothing changes.
 */
export async function failPayment(
  deps: TransitionDeps,
  payment: Payment,
  facts: FailureFacts,
): Promise<{ payment: Payment; changed: boolean }> {
  return applyTransition(
    deps,
    payment.id,
    (p) => ({
      to: 'failed',
      reason: facts.reason,
      patch: {
        method: facts.method ?? p.method,
        provider: facts.provider,
        providerPaymentId: facts.providerPaymentId || p.providerPaymentId,
        providerAttributes: { ...p.providerAttributes, ...facts.attributes },
        failureCode: facts.failureCode || 'PROVIDER_PAYMENT_FAILED',
      },
    }),
    payment,
  );
}
