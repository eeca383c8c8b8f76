import { isDomainError } from '@tolem/errors';

import { bindingDifference, type PendingCardBinding, retryDelayMs } from '../domain/card-binding';
import type { Payment } from '../domain/payment';
import type { Clock, Log, PendingCardBindingRepository, RecurringPort } from '../domain/ports';
import type { ReportedCardBinding } from '../domain/provider';

export interface CardBindingDeps {
  bindings: PendingCardBindingRepository;
  recurring: RecurringPort;
  clock: Clock;
  log: Log;
}

export type BindingAttempt = 'recorded' | 'retry' | 'gave_up';

/**
 * One RecordCardBinding call for a stored binding. Recorded: marked so. Refused for good
 * (invalid, or a conflicting binding already recorded for the payment): kept with the error and
 * left for an operator. Anything else (recurring down, a deadline): retried after a backoff.
 */
export async function attemptCardBinding(
  deps: CardBindingDeps,
  binding: PendingCardBinding,
): Promise<BindingAttempt> {
  try {
    await deps.recurring.recordCardBinding({
      merchantId: binding.merchantId,
      paymentId: binding.paymentId,
      binding: {
        bindingRef: binding.bindingRef,
        state: binding.state,
        cardLast4: binding.cardLast4,
      },
      firstAmount: binding.firstAmount,
      customerRef: binding.customerRef,
      cardExpiry: binding.cardExpiry,
      livemode: binding.livemode,
    });
  } catch (err) {
    const now = deps.clock.now();
    const code = isDomainError(err) ? err.code : 'UNKNOWN';
    const permanent = isDomainError(err) && (err.kind === 'invalid' || err.kind === 'conflict');
    await deps.bindings.markFailed(binding.paymentId, {
      error: code,
      nextAttemptAt: new Date(now.getTime() + retryDelayMs(binding.attempts + 1)),
      giveUp: permanent,
      at: now,
    });
    if (permanent) {
      deps.log.error(
        { paymentId: binding.paymentId, code },
        'recurring refused a card binding; kept in pending_card_bindings for an operator',
      );
      return 'gave_up';
    }
    deps.log.warn(
      { paymentId: binding.paymentId, code, attempts: binding.attempts + 1 },
      'recording a card binding failed; the card-binding sweeper retries',
    );
    return 'retry';
  }
  await deps.bindings.markRecorded(binding.paymentId, deps.clock.now());
  return 'recorded';
}

export interface ReportCardBindingDeps extends CardBindingDeps {
  /** The sweeper leaves a new binding this long to the immediate attempt. */
  graceMs: number;
}

/**
 * Reports a card binding from a verified provider callback to the recurring service: stored in
 * pending_card_bindings first (so it survives recurring being down), then recorded at once when
 * possible. Never throws because of recurring: the provider's reply must not depend on it. Only
 * a failure to store the binding itself is thrown (then the provider resends the callback).
 */
export function makeReportCardBinding(deps: ReportCardBindingDeps) {
  return async (payment: Payment, reported: ReportedCardBinding): Promise<void> => {
    const now = deps.clock.now();
    const { inserted, binding } = await deps.bindings.enqueue({
      paymentId: payment.id,
      merchantId: payment.merchantId,
      bindingRef: reported.bindingRef,
      state: reported.state,
      cardLast4: reported.cardLast4,
      firstAmount: payment.amount,
      customerRef: payment.customerRef,
      cardExpiry: reported.cardExpiry ?? '',
      livemode: payment.livemode,
      nextAttemptAt: new Date(now.getTime() + deps.graceMs),
      createdAt: now,
    });
    if (!inserted) {
      const field = bindingDifference(binding, reported);
      if (field) {
        deps.log.warn(
          { paymentId: payment.id, field },
          'a later callback reports another card binding; the first one is kept',
        );
      }
      // A duplicate callback: the first report, or the sweeper, takes care of it.
      if (binding.recordedAt || binding.gaveUpAt || binding.nextAttemptAt > now) return;
    }
    try {
      await attemptCardBinding(deps, binding);
    } catch (err) {
      // Bookkeeping after the call failed (our database): the row is stored, the sweeper retries.
      deps.log.warn({ paymentId: payment.id, err }, 'card binding bookkeeping failed; will retry');
    }
  };
}

export type ReportCardBinding = ReturnType<typeof makeReportCardBinding>;
