import type { Knex } from '@tolem/db-kit';
import { counter, gaugeOnScrape, histogram, metricsRegistry } from '@tolem/metrics';
import type { Registry } from 'prom-client';

import type { AttemptSummary } from './app/dispatch-due';

/** Attempt numbers as a label: 1-5 each, then ranges, so a long retry tail adds no series. */
export function attemptBucket(attempt: number): string {
  if (attempt <= 5) return String(attempt);
  if (attempt <= 10) return '6-10';
  if (attempt <= 20) return '11-20';
  return '21+';
}

/**
 * The notifier's metrics: every delivery attempt by its outcome (delivered, pending = will be
 * retried, exhausted) and attempt number, with its duration; endpoints disabled by the
 * dispatcher; and the endpoints disabled right now by reason, read on scrape.
 */
export function notifierMetrics(db: Knex, registry: Registry = metricsRegistry) {
  const attempts = counter(
    'tolem_notification_attempts_total',
    'Webhook delivery attempts, by outcome (delivered, pending: will retry, exhausted) and ' +
      'attempt number (1-5, 6-10, 11-20, 21+).',
    ['outcome', 'attempt'],
    registry,
  );
  const duration = histogram(
    'tolem_notification_attempt_duration_seconds',
    "Time a merchant's endpoint took to answer an attempt (or to fail), by outcome.",
    ['outcome'],
    registry,
  );
  const disabledNow = counter(
    'tolem_notification_endpoints_disabled_total',
    'Endpoints the dispatcher disabled, by reason (gone: HTTP 410, failing: every attempt failed ' +
      'for the disable window).',
    ['reason'],
    registry,
  );
  gaugeOnScrape(
    'tolem_notification_endpoints_disabled',
    'Webhook endpoints disabled right now, by reason (gone, failing, merchant); deleted ones ' +
      'are not counted.',
    ['reason'],
    async (set) => {
      const result = await db.raw(
        `select disabled_reason as reason, count(*)::int as count from webhook_endpoints
          where status = 'disabled' and disabled_reason <> 'deleted' group by disabled_reason`,
      );
      for (const row of result.rows as { reason: string; count: number }[])
        set({ reason: row.reason || 'unknown' }, row.count);
    },
    registry,
  );
  return {
    attempted(summary: AttemptSummary): void {
      const outcome = summary.decision.status;
      attempts.inc({ outcome, attempt: attemptBucket(summary.attempt) });
      duration.observe({ outcome }, summary.durationMs / 1_000);
      if (summary.effects.endpointDisabled) {
        disabledNow.inc({ reason: summary.effects.endpointDisabled });
      }
    },
  };
}
