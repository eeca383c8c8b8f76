import type { Knex } from '@tolem/db-kit';
import { type Money, money } from '@tolem/money';

import type { Schedule } from '../domain/operation';

export type ChargeState = 'pending' | 'retrying' | 'succeeded' | 'abandoned' | 'failed' | 'skipped';

export interface ChargeAttempt {
  number: number;
  paymentId: string;
  attemptedAt: Date;
  outcome: 'succeeded' | 'failed' | 'pending';
  declineCode: string;
  declineKind: string;
  reasonCode: string;
}

/** One occurrence of an operation and what became of it. */
export interface Charge {
  id: string;
  operationId: string;
  merchantId: string;
  scheduledAt: Date;
  state: ChargeState;
  amount: Money;
  description: string;
  operationVersion: number;
  attempt: number;
  firstAttemptAt: Date | null;
  nextAttemptAt: Date | null;
  paymentId: string;
  receiptId: string;
  attempts: ChargeAttempt[];
}

export interface ChargeRow {
  id: string;
  operation_id: string;
  merchant_id: string;
  scheduled_at: Date;
  state: ChargeState;
  amount_minor: bigint;
  currency: string;
  description: string;
  operation_version: number;
  attempt: number;
  first_attempt_at: Date | null;
  next_attempt_at: Date | null;
  claimed_until: Date | null;
  claim_token: string | null;
  payment_id: string;
  receipt_id: string;
  created_at: Date;
  updated_at: Date;
}

export interface AttemptRow {
  charge_id: string;
  number: number;
  payment_id: string;
  attempted_at: Date;
  outcome: ChargeAttempt['outcome'];
  decline_code: string;
  decline_kind: string;
  reason_code: string;
}

/** The columns of scheduled_operations the scheduler reads. */
export interface OperationRow {
  id: string;
  merchant_id: string;
  binding_id: string;
  amount_minor: bigint;
  currency: string;
  description: string;
  schedule_cron: string | null;
  schedule_interval: 'daily' | 'weekly' | 'monthly' | null;
  schedule_day: number;
  schedule_time_of_day: string;
  time_zone: string;
  ends_at: Date | null;
  fire_on_skip: boolean;
  state: string;
  next_charge_at: Date | null;
  version: number;
}

export function scheduleOf(row: OperationRow): Schedule {
  if (row.schedule_cron !== null) {
    return { kind: 'cron', cron: row.schedule_cron, timeZone: row.time_zone };
  }
  return {
    kind: 'interval',
    interval: row.schedule_interval ?? 'daily',
    day: row.schedule_day,
    timeOfDay: row.schedule_time_of_day,
    timeZone: row.time_zone,
  };
}

export function attemptToDomain(row: AttemptRow): ChargeAttempt {
  return {
    number: row.number,
    paymentId: row.payment_id,
    attemptedAt: row.attempted_at,
    outcome: row.outcome,
    declineCode: row.decline_code,
    declineKind: row.decline_kind,
    reasonCode: row.reason_code,
  };
}

export function chargeToDomain(row: ChargeRow, attempts: AttemptRow[]): Charge {
  return {
    id: row.id,
    operationId: row.operation_id,
    merchantId: row.merchant_id,
    scheduledAt: row.scheduled_at,
    state: row.state,
    amount: money(row.amount_minor, row.currency),
    description: row.description,
    operationVersion: row.operation_version,
    attempt: row.attempt,
    firstAttemptAt: row.first_attempt_at,
    nextAttemptAt: row.next_attempt_at,
    paymentId: row.payment_id,
    receiptId: row.receipt_id,
    attempts: attempts.map(attemptToDomain),
  };
}

export interface ChargePageQuery {
  merchantId: string;
  operationId: string;
  limit: number;
  startingAfter: string;
  endingBefore: string;
  state: ChargeState | null;
}

/** Reads of charges for ListCharges. */
export interface ChargesReader {
  /** The operation when it is the merchant's; null otherwise (unknown and foreign look alike). */
  /** Whether it is the merchant's operation (of that mode, when one is given). */
  operationExists(merchantId: string, operationId: string, livemode?: boolean): Promise<boolean>;
  /** The charge's page position when it is one of the operation's charges. */
  positionOf(
    operationId: string,
    chargeId: string,
  ): Promise<{ scheduledAt: Date; id: string } | null>;
  /** Up to `limit` charges, newest occurrence first, on the anchor's side, with their attempts. */
  list(
    query: ChargePageQuery,
    anchor: { direction: 'after' | 'before'; scheduledAt: Date; id: string } | null,
    limit: number,
  ): Promise<Charge[]>;
}

export function createChargesReader(db: Knex): ChargesReader {
  return {
    async operationExists(merchantId, operationId, livemode) {
      const row = await db('scheduled_operations')
        .where({
          id: operationId,
          merchant_id: merchantId,
          ...(livemode === undefined ? {} : { livemode }),
        })
        .first('id');
      return row !== undefined;
    },
    async positionOf(operationId, chargeId) {
      const row = (await db('charges')
        .where({ id: chargeId, operation_id: operationId })
        .first('id', 'scheduled_at')) as { id: string; scheduled_at: Date } | undefined;
      return row ? { id: row.id, scheduledAt: row.scheduled_at } : null;
    },
    async list(query, anchor, limit) {
      const q = db<ChargeRow>('charges').where({ operation_id: query.operationId });
      if (query.state) void q.where({ state: query.state });
      if (anchor?.direction === 'after') {
        void q.whereRaw('(scheduled_at, id) < (?, ?)', [anchor.scheduledAt, anchor.id]);
        void q.orderBy([
          { column: 'scheduled_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ]);
      } else if (anchor?.direction === 'before') {
        void q.whereRaw('(scheduled_at, id) > (?, ?)', [anchor.scheduledAt, anchor.id]);
        void q.orderBy([
          { column: 'scheduled_at', order: 'asc' },
          { column: 'id', order: 'asc' },
        ]);
      } else {
        void q.orderBy([
          { column: 'scheduled_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ]);
      }
      const rows = (await q.limit(limit)) as ChargeRow[];
      if (rows.length === 0) return [];
      const attempts = (await db<AttemptRow>('charge_attempts')
        .whereIn(
          'charge_id',
          rows.map((r) => r.id),
        )
        .orderBy('number', 'asc')) as AttemptRow[];
      const byCharge = new Map<string, AttemptRow[]>();
      for (const a of attempts) {
        const list = byCharge.get(a.charge_id) ?? [];
        list.push(a);
        byCharge.set(a.charge_id, list);
      }
      return rows.map((r) => chargeToDomain(r, byCharge.get(r.id) ?? []));
    },
  };
}
