import { isDomainError } from '@tolem/errors';

import type { Clock, Log, PaymentRepository } from '../domain/ports';
import type { PostToLedger } from './post-to-ledger';

export interface SweepUnpostedDeps {
  payments: PaymentRepository;
  postToLedger: PostToLedger;
  clock: Clock;
  log: Log;
  /**
   * Leave a just-succeeded payment to the callback that is posting it, so the ledger normally
   * sees one call; later attempts are safe anyway (same idempotency key, same content).
   */
  graceMs: number;
  batchSize?: number;
}

/**
 * One sweep: posts succeeded payments the ledger has not acknowledged yet (the callback's post
 * failed and the provider may never resend). Stops early while the ledger is unreachable.
 */
export function makeSweepUnposted(deps: SweepUnpostedDeps) {
  return async (): Promise<{ posted: number; failed: number }> => {
    const now = deps.clock.now();
    const before = new Date(now.getTime() - deps.graceMs);
    const due = await deps.payments.listUnposted(before, deps.batchSize ?? 100, now);
    let posted = 0;
    let failed = 0;
    for (const payment of due) {
      try {
        await deps.postToLedger(payment);
        posted += 1;
      } catch (err) {
        failed += 1;
        const code = isDomainError(err) ? err.code : undefined;
        if (isDomainError(err) && err.retriable) {
          deps.log.warn(
            { paymentId: payment.id, code },
            'ledger unreachable; sweep stops until next tick',
          );
          break;
        }
        deps.log.error({ paymentId: payment.id, code, err }, 'ledger refused a succeeded payment');
        // Left for a while, so that refused payments never fill the sweep's every batch.
        await deps.payments.deferPost(payment.id, now);
      }
    }
    if (posted > 0) deps.log.info({ posted }, 'posted unposted payments to the ledger');
    return { posted, failed };
  };
}
