import { isDomainError } from '@tolem/errors';

import { isExpiredByTime } from '../domain/payment';
import type { Clock, Log, PaymentRepository } from '../domain/ports';
import { applyTransition } from './apply-transition';

export interface ExpirePaymentsDeps {
  payments: PaymentRepository;
  clock: Clock;
  log: Log;
  batchSize?: number;
}

/**
 * One sweep: marks created/pending payments past their expiry time as expired, each through the
 * state machine with its optimistic lock, so a payment that just succeeded is never expired.
 */
export function makeExpirePayments(deps: ExpirePaymentsDeps) {
  return async (): Promise<number> => {
    const due = await deps.payments.listExpirable(deps.clock.now(), deps.batchSize ?? 200);
    let expired = 0;
    for (const payment of due) {
      try {
        const { changed } = await applyTransition(
          deps,
          payment.id,
          (current, now) =>
            isExpiredByTime(current, now) ? { to: 'expired', reason: 'expired' } : null,
          payment,
        );
        if (changed) expired += 1;
      } catch (err) {
        // Reached a final state meanwhile: nothing to expire.
        if (isDomainError(err) && err.code === 'PAYMENT_ALREADY_FINAL') continue;
        throw err;
      }
    }
    if (expired > 0) deps.log.info({ expired }, 'expired payments');
    return expired;
  };
}
