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

/** Thrown after a round that found the ledger unreachable, so the relay's loop backs off. */
export class LedgerUnreachable extends Error {}

/**
 * Hands recurring_facts to the ledger (the only publisher of events) in the order they were
 * written, deleting each once the ledger accepted it, so nothing is lost while the ledger is
 * down. A fact the ledger refuses waits with its own backoff; while the ledger is unreachable
 * the round ends and throws (the loop backs off, and every fact goes at the first round after
 * the ledger is back). Rows are locked (SKIP LOCKED) while sent, so several instances share the
 * work without sending one twice at once; a payment whose earlier fact another instance holds
 * waits for it, so the ledger sees each payment's facts in order. The ledger is idempotent on
 * the key for the rest. Returns how many facts it looked at (a full batch means run again).
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
      const round = await deps.db.transaction(async (trx) => {
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
        // A payment's facts keep their order: after one of them is refused, its later ones wait,
        // and so do those whose earlier fact another instance has locked (skipped above).
        const held = await heldByOthers(trx, rows);
        let ledgerDown = false;
        for (const row of rows) {
          if (ledgerDown || held.has(row.payment_id)) continue;
          try {
            await deps.ledger.recordFact(factOfRow(row));
            await trx('recurring_facts').where({ id: row.id }).delete();
          } catch (err) {
            held.add(row.payment_id);
            // Unreachable: the rest of the batch would fail the same way; the loop backs off
            // instead of the fact, so it goes as soon as the ledger answers again.
            ledgerDown = !isDomainError(err) || err.retriable;
            const attempts = row.attempts + 1;
            const backoff = ledgerDown
              ? 0
              : exponentialBackoffMs(
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
        return { looked: rows.length, ledgerDown };
      });
      if (round.ledgerDown) throw new LedgerUnreachable('ledger unreachable; recurring facts wait');
      return round.looked;
    },
  };
}

/** Payments of `rows` with an earlier fact not among them: another instance is sending it. */
async function heldByOthers(trx: Knex.Transaction, rows: FactRow[]): Promise<Set<string>> {
  const first = new Map<string, bigint>();
  for (const row of rows) if (!first.has(row.payment_id)) first.set(row.payment_id, row.id);
  if (first.size === 0) return new Set();
  const { rows: held } = (await trx.raw(
    `select distinct e.payment_id from recurring_facts e
       join unnest(?::text[], ?::bigint[]) as b(payment_id, first_id)
         on e.payment_id = b.payment_id and e.id < b.first_id`,
    [[...first.keys()], [...first.values()].map(String)],
  )) as { rows: { payment_id: string }[] };
  return new Set(held.map((r) => r.payment_id));
}
