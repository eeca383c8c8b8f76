import type { Knex } from '@tolem/db-kit';
import { counter, gaugeOnScrape, metricsRegistry } from '@tolem/metrics';
import type { Registry } from 'prom-client';

import type { Payment } from './domain/payment';

/**
 * Checkout's own metrics: payments by method and final outcome (counted once the transition
 * committed), and what waits for a person, read on scrape: open cases by kind, settled money
 * the reconciler could not explain, by code and provider, refunds that stalled at a step, and
 * the payout queue.
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
  gaugeOnScrape(
    'tolem_refunds_stalled',
    'Refunds the sweeper tried and could not move on (a peer away or refusing, a provider ' +
      'still pending), by step (reserve, execute, resolve).',
    ['step'],
    async (set) => {
      // refunds_unfinished_idx holds exactly the refunds at these steps.
      const result = await db.raw(
        `select step, count(*)::int as count from refunds
          where step in ('reserve', 'execute', 'resolve') and sweep_attempts > 0 group by step`,
      );
      for (const row of result.rows as { step: string; count: number }[])
        set({ step: row.step }, row.count);
    },
    registry,
  );
  const payoutQueue = (sql: string): Parameters<typeof gaugeOnScrape>[3] => {
    return async (set) => {
      const result = await db.raw(sql);
      set({}, Number((result.rows as { value: number | null }[])[0]?.value ?? 0));
    };
  };
  gaugeOnScrape(
    'tolem_refund_payouts_waiting',
    "Refunds waiting in the operators' payout queue (no provider refund) for a payout to the payer.",
    [],
    payoutQueue(`select count(*)::int as value from refunds where step = 'await_payout'`),
    registry,
  );
  gaugeOnScrape(
    'tolem_refund_payouts_oldest_age_seconds',
    "How long the oldest refund in the operators' payout queue has waited (0 when it is empty).",
    [],
    // A refund's updated_at is when it entered the queue: nothing else writes it while it waits.
    payoutQueue(
      `select coalesce(extract(epoch from now() - min(updated_at)), 0)::float8 as value
         from refunds where step = 'await_payout'`,
    ),
    registry,
  );
  return {
    finished(payment: Payment): void {
      finished.inc({ method: payment.method ?? 'none', outcome: payment.status });
    },
  };
}
