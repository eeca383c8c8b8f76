import type { Knex } from '@tolem/db-kit';
import { counter, gaugeOnScrape, metricsRegistry } from '@tolem/metrics';
import type { Registry } from 'prom-client';

import type { Transaction } from './domain/journal';

/**
 * The ledger's own metrics: transactions posted by kind (counted after their commit, replays
 * not), and unapplied funds held, read on scrape from the partial index of held rows.
 */
export function ledgerMetrics(db: Knex, registry: Registry = metricsRegistry) {
  const posted = counter(
    'tolem_ledger_transactions_posted_total',
    'Ledger transactions committed, by kind (payment, refund, hold, payout, reversal, …).',
    ['kind'],
    registry,
  );
  gaugeOnScrape(
    'tolem_ledger_unapplied_funds_held_minor',
    'Money held as unapplied funds awaiting an operator (apply or return), in minor units.',
    ['currency'],
    async (set) => {
      for (const row of await heldByCurrency(db)) set({ currency: row.currency }, row.amount);
    },
    registry,
  );
  gaugeOnScrape(
    'tolem_ledger_unapplied_funds_held_cases',
    'Cases whose money is held as unapplied funds, by currency.',
    ['currency'],
    async (set) => {
      for (const row of await heldByCurrency(db)) set({ currency: row.currency }, row.cases);
    },
    registry,
  );
  return {
    posted(transactions: Iterable<Transaction>): void {
      for (const t of transactions) posted.inc({ kind: t.kind });
    },
  };
}

/**
 * Prometheus samples are float64, so the sum leaves PostgreSQL as one: exact up to 2^53 minor
 * units, and only ever observed here, never computed with.
 */
async function heldByCurrency(
  db: Knex,
): Promise<{ currency: string; amount: number; cases: number }[]> {
  const result = await db.raw(
    `select currency, sum(amount_minor)::float8 as amount, count(*)::int as cases
       from unapplied_funds where status = 'held' group by currency`,
  );
  return result.rows as { currency: string; amount: number; cases: number }[];
}
