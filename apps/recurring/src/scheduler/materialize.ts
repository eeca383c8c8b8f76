import type { Knex } from '@tolem/db-kit';
import { newId } from '@tolem/ids';

import { type OperationRow, scheduleOf } from './charges.repo';
import type { NextOccurrence } from './ports';

/** Occurrences turned into charges per operation per round; a longer backlog continues next round. */
export const MAX_CATCH_UP = 1000;

/** An operation's due occurrences as charge rows, and where its schedule goes on from. */
export interface OccurrencePlan {
  operationId: string;
  /** The next occurrence after the due ones; null when none is left before the end date. */
  next: Date | null;
  rows: Record<string, unknown>[];
}

/**
 * The charges an operation's occurrences due by `now` become, under the terms it has now (amount,
 * description, version): with fire_on_skip false only the most recent due one is charged, the
 * earlier ones are `skipped`. Throws when the schedule cannot be read.
 */
export function planOccurrences(
  op: OperationRow,
  now: Date,
  nextOccurrence: NextOccurrence,
): OccurrencePlan {
  const schedule = scheduleOf(op);
  const beforeEnd = (at: Date) => op.ends_at === null || at.getTime() <= op.ends_at.getTime();
  const due: Date[] = [];
  let next: Date | null = op.next_charge_at;
  while (next && next.getTime() <= now.getTime() && beforeEnd(next) && due.length < MAX_CATCH_UP) {
    due.push(next);
    next = nextOccurrence(schedule, next);
  }
  if (next && !beforeEnd(next)) next = null;
  // More than MAX_CATCH_UP behind: the most recent missed one is in a later chunk.
  const backlogLeft = next !== null && next.getTime() <= now.getTime();
  const rows = due.map((at, i) => {
    const charged = op.fire_on_skip || (i === due.length - 1 && !backlogLeft);
    return {
      id: newId('chg'),
      operation_id: op.id,
      merchant_id: op.merchant_id,
      scheduled_at: at,
      state: charged ? 'pending' : 'skipped',
      amount_minor: op.amount_minor,
      currency: op.currency,
      description: op.description,
      operation_version: op.version,
      next_attempt_at: charged ? at : null,
      created_at: now,
      updated_at: now,
    };
  });
  return { operationId: op.id, next, rows };
}

/** Inserts planned charges; an occurrence that already has its charge keeps it (one per occurrence). */
export async function insertCharges(trx: Knex, rows: Record<string, unknown>[]): Promise<void> {
  // One statement per chunk, well inside PostgreSQL's bind-parameter limit.
  for (let i = 0; i < rows.length; i += 1000) {
    await trx('charges')
      .insert(rows.slice(i, i + 1000))
      .onConflict(['operation_id', 'scheduled_at'])
      .ignore();
  }
}

/**
 * What OperationChange.settleDueAt asks for: the occurrences an active operation's stored row had
 * due by `at`, which the scheduler had not reached, become its charges, planned as the scheduler
 * would plan them (an edit) or recorded as skipped (a pause, cancel or revocation), under the
 * caller's row lock. A paused or finished operation has none.
 */
export async function settleDueOccurrences(
  trx: Knex,
  row: OperationRow,
  change: { settleDueAt?: Date; settleAs?: 'planned' | 'skipped' },
  nextOccurrence: NextOccurrence,
): Promise<void> {
  if (!change.settleDueAt || row.state !== 'active') return;
  const { rows } = planOccurrences(row, change.settleDueAt, nextOccurrence);
  await insertCharges(
    trx,
    change.settleAs === 'skipped'
      ? rows.map((r) => ({ ...r, state: 'skipped', next_attempt_at: null }))
      : rows,
  );
}
