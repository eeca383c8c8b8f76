import type { Knex } from 'knex';

/**
 * The W3C trace context (`traceparent`, `tracestate`) of the work that made a delivery (the
 * consumed payment event), so every attempt, retries days later included, is a span of the
 * payment's trace. Null for deliveries made while tracing was off, and for older rows.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table deliveries add column trace_context jsonb`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`alter table deliveries drop column trace_context`);
}
