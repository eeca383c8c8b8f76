import type { Knex } from '@tolem/db-kit';
import { gaugeOnScrape, metricsRegistry } from '@tolem/metrics';
import type { Clock } from '@tolem/runtime';
import type { Registry } from 'prom-client';

/**
 * Recurring's metrics, read on scrape against the service's clock (a test clock moves it):
 * - the scheduler's backlog: occurrences of active operations that are due and not yet turned
 *   into a charge (stage="occurrence"), and charges due for an attempt (stage="charge"), with the
 *   age of the oldest of each: a scheduler that stopped or fell behind shows here first;
 * - the facts relay's backlog (the ledger's RecordPaymentEvent not yet accepted), under the same
 *   names as the ledger's outbox with relay="recurring-facts".
 */
export function recurringMetrics(db: Knex, clock: Clock, registry: Registry = metricsRegistry) {
  async function due(): Promise<{ stage: string; count: number; oldest: Date | null }[]> {
    const now = clock.now();
    const result = await db.raw(
      `select 'occurrence' as stage, count(*)::int as count, min(next_charge_at) as oldest
         from scheduled_operations
        where state = 'active' and next_charge_at is not null and next_charge_at <= ?
       union all
       select 'charge', count(*)::int, min(next_attempt_at)
         from charges
        where state in ('pending', 'retrying') and next_attempt_at <= ?`,
      [now, now],
    );
    return result.rows as { stage: string; count: number; oldest: Date | null }[];
  }
  const ageSeconds = (oldest: Date | null) =>
    oldest ? Math.max(0, (clock.now().getTime() - new Date(oldest).getTime()) / 1_000) : 0;

  gaugeOnScrape(
    'tolem_recurring_due_backlog',
    'Due scheduled work not yet done: occurrences not yet charged, and charges due for an attempt.',
    ['stage'],
    async (set) => {
      for (const row of await due()) set({ stage: row.stage }, row.count);
    },
    registry,
  );
  gaugeOnScrape(
    'tolem_recurring_due_oldest_age_seconds',
    'How long the oldest due occurrence (or charge attempt) has waited (0 when none is due).',
    ['stage'],
    async (set) => {
      for (const row of await due()) set({ stage: row.stage }, ageSeconds(row.oldest));
    },
    registry,
  );
  gaugeOnScrape(
    'tolem_outbox_backlog_messages',
    'Messages written to the outbox and not yet acknowledged by Kafka.',
    ['relay'],
    async (set) => {
      const [row] = (await db('recurring_facts').count({ count: '*' })) as { count: string }[];
      set({ relay: 'recurring-facts' }, Number(row?.count ?? 0));
    },
    registry,
  );
  gaugeOnScrape(
    'tolem_outbox_oldest_age_seconds',
    'Age of the oldest unpublished outbox row (0 when none waits).',
    ['relay'],
    async (set) => {
      const row = (await db('recurring_facts').min({ oldest: 'created_at' }).first()) as
        | { oldest: Date | null }
        | undefined;
      set({ relay: 'recurring-facts' }, ageSeconds(row?.oldest ?? null));
    },
    registry,
  );
}
