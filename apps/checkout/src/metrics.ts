import type { Knex } from '@tolem/db-kit';
import { counter, gaugeOnScrape, metricsRegistry } from '@tolem/metrics';
import type { Registry } from 'prom-client';

import type { Payment } from './domain/payment';

/**
 * Checkout's own metrics: payments by method and final outcome (counted once the transition
 * committed), and what waits for a person, read on scrape: open cases by kind, and settled
 * money the reconciler could not explain, by code and provider.
 */
export function checkoutMetrics(db: Knex, registry: Registry = metricsRegistry) {
  const finished = counter(
    'tolem_payments_finished_total',
    'Payments that reached a final status, by method and outcome (succeeded, failed, expired, ' +
      'canceled): the success rate per method.',
    ['method', 'outcome'],
    registry,
  );
  gaugeOnScrape(
    'tolem_cases_open',
    'Cases (late, duplicate or mismatched money) waiting for an operator, by kind.',
    ['kind'],
    async (set) => {
      const result = await db.raw(
        `select kind, count(*)::int as count from cases
          where status in ('opening', 'open') group by kind`,
      );
      for (const row of result.rows as { kind: string; count: number }[])
        set({ kind: row.kind }, row.count);
    },
    registry,
  );
  gaugeOnScrape(
    'tolem_reconcile_differences_open',
    'Settled money the reconciler could not explain and nobody resolved yet, by code and provider.',
    ['code', 'provider'],
    async (set) => {
      const result = await db.raw(
        `select code, provider, count(*)::int as count from reconciler_differences
          where resolved_at is null group by code, provider`,
      );
      for (const row of result.rows as { code: string; provider: string; count: number }[])
        set({ code: row.code, provider: row.provider }, row.count);
    },
    registry,
  );
  return {
    finished(payment: Payment): void {
      finished.inc({ method: payment.method ?? 'none', outcome: payment.status });
    },
  };
}
