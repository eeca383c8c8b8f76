import { isDomainError } from '@tolem/errors';

import type { Payment, PaymentMethod, ProviderName } from '../domain/payment';
import type { Log } from '../domain/ports';
import { applyTransition, type TransitionDeps } from './apply-transition';
import type { PostToLedger } from './post-to-ledger';

export interface SucceedPaymentDeps extends TransitionDeps {
  postToLedger: PostToLedger;
  log: Log;
}

/** What the provider reported with a verified success. */
export interface SuccessFacts {
  /** The audit trail's reason, e.g. `callback cb_…`. */
  reason: string;
  /** The method the payer actually used; null keeps the payment's. */
  method: PaymentMethod | null;
  provider: ProviderName | null;
  providerPaymentId: string;
  attributes: Record<string, string>;
}

/**
 * The one path of every verified success (a provider callback or the payer's input): moves the
 * payment to succeeded with the method actually used and the provider facts, then posts it to the
 * ledger under `payment:{id}:succeeded` unless already posted; the ledger decides the fee and
 * checkout stores it. A ledger failure is not thrown: `posted` is false and the ledger sweeper
 * retries with the identical request. Throws PAYMENT_ALREADY_FINAL (nothing written) for a final
 * payment that cannot become succeeded.
 */
export async function succeedPayment(
  deps: SucceedPaymentDeps,
  payment: Payment,
  facts: SuccessFacts,
): Promise<{ payment: Payment; posted: boolean }> {
  const { payment: current } = await applyTransition(
    deps,
    payment.id,
    (p, now) => ({
      to: 'succeeded',
      reason: facts.reason,
      patch: {
        method: facts.method ?? p.method,
        provider: facts.provider ?? p.provider,
        providerPaymentId: facts.providerPaymentId || p.providerPaymentId,
        providerAttributes: { ...p.providerAttributes, ...facts.attributes },
        failureCode: null,
        succeededAt: now,
      },
    }),
    payment,
  );
  if (current.ledgerPostedAt) return { payment: current, posted: true };
  try {
    return { payment: await deps.postToLedger(current), posted: true };
  } catch (err) {
    deps.log.warn(
      { paymentId: current.id, err, code: isDomainError(err) ? err.code : undefined },
      'ledger post failed; the ledger sweeper retries',
    );
    return { payment: current, posted: false };
  }
}
