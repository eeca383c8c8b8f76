import { checkoutErrors } from '../domain/errors';
import {
  decideTransition,
  type Payment,
  type PaymentStatus,
  statusEventOf,
} from '../domain/payment';
import type { Clock, PaymentRepository } from '../domain/ports';

/** Fields a transition may change besides the status. */
export type PaymentPatch = Partial<
  Pick<
    Payment,
    | 'method'
    | 'provider'
    | 'providerPaymentId'
    | 'providerAttributes'
    | 'fee'
    | 'failureCode'
    | 'succeededAt'
  >
>;

export interface PlannedTransition {
  to: PaymentStatus;
  reason: string;
  patch?: PaymentPatch;
}

export interface TransitionDeps {
  payments: PaymentRepository;
  clock: Clock;
}

const MAX_ATTEMPTS = 5;

/**
 * Applies one state-machine transition with optimistic locking: plan against the current row,
 * write it where the version is unchanged, and re-plan on the fresh row when another writer won.
 * `plan` returning null means "nothing to do". A same-outcome repeat on a final payment is a
 * no-op; a different outcome throws PAYMENT_ALREADY_FINAL and writes nothing. A new status's
 * ledger event is written with the transition row (owed to the ledger until recorded there).
 */
export async function applyTransition(
  deps: TransitionDeps,
  paymentId: string,
  plan: (current: Payment, now: Date) => PlannedTransition | null,
  preloaded?: Payment,
): Promise<{ payment: Payment; changed: boolean }> {
  let current = preloaded;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    current ??= await deps.payments.findById(paymentId);
    if (!current)
      throw checkoutErrors.create('PAYMENT_NOT_FOUND', `payment ${paymentId} not found`);
    const now = deps.clock.now();
    const planned = plan(current, now);
    if (!planned) return { payment: current, changed: false };
    if (decideTransition(current.status, planned.to) === 'noop')
      return { payment: current, changed: false };
    const next: Payment = { ...current, ...planned.patch, status: planned.to, updatedAt: now };
    const transition =
      current.status === planned.to
        ? null
        : {
            paymentId,
            from: current.status,
            to: planned.to,
            reason: planned.reason,
            at: now,
            event: statusEventOf(next, now),
          };
    const saved = await deps.payments.update(next, current.version, transition);
    if (saved) return { payment: saved, changed: true };
    current = undefined;
  }
  throw checkoutErrors.create(
    'PAYMENT_CONCURRENT_UPDATE',
    `payment ${paymentId} kept changing; retry`,
    {
      retriable: true,
    },
  );
}
