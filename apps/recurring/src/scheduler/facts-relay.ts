import type { Knex } from '@tolem/db-kit';
import { isDomainError } from '@tolem/errors';
import { money } from '@tolem/money';
import type { Clock, LoopLog } from '@tolem/runtime';

import type { RecurringEventType, RecurringFact } from '../domain/facts';
import type { CancelReason } from '../domain/operation';
import type { LedgerFactsPort } from './ports';

interface FactRow {
  id: bigint;
  idempotency_key: string;
  event_type: RecurringEventType;
  payment_id: string;
  merchant_id: string;
  body: {
    amount: { amountMinor: string; currency: string };
    operationId: string;
    chargeId?: string;
    attempt?: number;
    bindingId: string;
    receiptId?: string;
    failureCode?: string;
    cancelReason?: CancelReason;
    description: string;
    livemode: boolean;
    occurredAt: string;
  };
  attempts: number;
}

function toFact(row: FactRow): RecurringFact {
  const b = row.body;
  return {
    idempotencyKey: row.idempotency_key,
    eventType: row.event_type,
    paymentId: row.payment_id,
    merchantId: row.merchant_id,
    amount: money(BigInt(b.amount.amountMinor), b.amount.currency),
    operationId: b.operationId,
    ...(b.chargeId !== undefined ? { chargeId: b.chargeId } : {}),
    ...(b.attempt !== undefined ? { attempt: b.attempt } : {}),
    bindingId: b.bindingId,
    ...(b.receiptId !== undefined ? { receiptId: b.receiptId } : {}),
    ...(b.failureCode !== undefined ? { failureCode: b.failureCode } : {}),
    ...(b.cancelReason !== undefined ? { cancelReason: b.cancelReason } : {}),
    description: b.description,
    livemode: b.livemode,
    occurredAt: new Date(b.occurredAt),
  };
}

export interface FactsRelayOptions {
  batchSize: number;
  /** First pause after a refused send; doubles per failure up to maxBackoffMs. */
  baseBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_RELAY_OPTIONS: FactsRelayOptions = Object.freeze({
  batchSize: 100,
  baseBackoffMs: 1_000,
  maxBackoffMs: 10 * 60_000,
});

/**
 * Hands recurring_facts to the ledger (the only publisher of events) in the order they were
 * written, deleting each once the ledger accepted it; a refused one waits with backoff and is
 * kept until accepted, so nothing is lost while the ledger is down. Rows are locked (SKIP LOCKED)
 * while sent, so several instances share the work without sending one twice at once; the ledger
 * is idempotent on the key for the rest. Returns how many facts it looked at (a full batch means
 * run again).
 */
export function createFactsRelay(deps: {
  db: Knex;
  clock: Clock;
  ledger: LedgerFactsPort;
  log: LoopLog;
  options?: Partial<FactsRelayOptions>;
}): { runOnce(): Promise<number> } {
  const opts: FactsRelayOptions = { ...DEFAULT_RELAY_OPTIONS, ...deps.options };
  return {
    async runOnce() {
      const now = deps.clock.now();
      return deps.db.transaction(async (trx) => {
        // A fact waits while an earlier fact of its payment waits for its backoff, so the ledger
        // sees a payment's facts in the order they happened.
        const rows = (await trx('recurring_facts as f')
          .where('f.next_attempt_at', '<=', now)
          .whereNotExists(
            trx('recurring_facts as e')
              .whereRaw('e.payment_id = f.payment_id and e.id < f.id')
              .where('e.next_attempt_at', '>', now)
              .select(trx.raw('1')),
          )
          .orderBy('f.id')
          .limit(opts.batchSize)
          .forUpdate()
          .skipLocked()
          .select('f.*')) as FactRow[];
        // A payment's facts keep their order: after one of them is refused, its later ones wait.
        const held = new Set<string>();
        let ledgerDown = false;
        for (const row of rows) {
          if (ledgerDown || held.has(row.payment_id)) continue;
          try {
            await deps.ledger.recordFact(toFact(row));
            await trx('recurring_facts').where({ id: row.id }).delete();
          } catch (err) {
            held.add(row.payment_id);
            // Unreachable: the rest of the batch would fail the same way; wait for the next round.
            ledgerDown = !isDomainError(err) || err.retriable;
            const attempts = row.attempts + 1;
            const backoff = Math.min(
              opts.maxBackoffMs,
              opts.baseBackoffMs * 2 ** Math.min(attempts - 1, 30),
            );
            const lastError = isDomainError(err)
              ? `${err.code}: ${err.message}`
              : 'ledger call failed';
            await trx('recurring_facts')
              .where({ id: row.id })
              .update({
                attempts,
                next_attempt_at: new Date(now.getTime() + backoff),
                last_error: lastError.slice(0, 500),
              });
            if (attempts === 1 || attempts % 20 === 0) {
              deps.log.error(
                { factKey: row.idempotency_key, attempts, error: lastError },
                'recurring fact refused by the ledger; kept for a later send',
              );
            }
          }
        }
        return rows.length;
      });
    },
  };
}
