import type { Knex } from '@tolem/db-kit';
import { isDomainError } from '@tolem/errors';
import { type Clock, exponentialBackoffMs, type LoopLog } from '@tolem/runtime';

import { factOfRow, type FactRow } from '../db/facts.repo';
import type { LedgerFactsPort } from './ports';

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
            await deps.ledger.recordFact(factOfRow(row));
            await trx('recurring_facts').where({ id: row.id }).delete();
          } catch (err) {
            held.add(row.payment_id);
            // Unreachable: the rest of the batch would fail the same way; wait for the next round.
            ledgerDown = !isDomainError(err) || err.retriable;
            const attempts = row.attempts + 1;
            const backoff = exponentialBackoffMs(
              { baseMs: opts.baseBackoffMs, maxMs: opts.maxBackoffMs },
              attempts,
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
