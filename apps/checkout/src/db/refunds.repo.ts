import type { Knex } from '@tolem/db-kit';
import { type CurrencyCode, money } from '@tolem/money';

import { checkoutErrors } from '../domain/errors';
import { type Canonical, canonicalJson } from '../domain/fingerprint';
import type { Payment } from '../domain/payment';
import type { RefundRepository } from '../domain/ports';
import type {
  Refund,
  RefundExecution,
  RefundOutcome,
  RefundStatus,
  RefundStep,
} from '../domain/refund';
import { readPayments } from './payments.repo';
import { retryAtAfter } from './retry-backoff';

interface RefundRow {
  id: string;
  merchant_id: string;
  payment_id: string;
  amount_minor: bigint | string;
  currency: string;
  status: RefundStatus;
  step: RefundStep;
  execution: RefundExecution | null;
  reason: string;
  outcome: RefundOutcome | null;
  outcome_reference: string;
  failure_code: string;
  operator: string;
  idempotency_key: string;
  livemode: boolean;
  request: Record<string, Canonical>;
  request_fingerprint: string;
  created_at: Date;
  updated_at: Date;
}

function toDomain(r: RefundRow): Refund {
  return {
    id: r.id,
    merchantId: r.merchant_id,
    paymentId: r.payment_id,
    amount: money(BigInt(r.amount_minor), r.currency.trim() as CurrencyCode),
    status: r.status,
    step: r.step,
    execution: r.execution,
    reason: r.reason,
    outcome: r.outcome,
    outcomeReference: r.outcome_reference,
    failureCode: r.failure_code,
    operator: r.operator,
    idempotencyKey: r.idempotency_key,
    livemode: r.livemode,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Statuses whose amount is taken from what is left to refund. */
const TAKING: RefundStatus[] = ['pending', 'succeeded'];

export function createRefundsRepo(db: Knex): RefundRepository {
  return {
    async createIdempotent(key, request, decide) {
      return db.transaction(async (trx) => {
        const replay = async () => {
          const existing: RefundRow | undefined = await trx('refunds')
            .where({ merchant_id: key.merchantId, idempotency_key: key.idempotencyKey })
            .first();
          if (!existing) return undefined;
          return {
            created: false as const,
            refund: toDomain(existing),
            request: existing.request,
            fingerprint: existing.request_fingerprint,
          };
        };
        const before = await replay();
        if (before) return before;
        // The payment's row lock serializes its refunds: two can never both take the rest.
        const locked: { id: string; merchant_id: string } | undefined = await trx('payments')
          .select('id', 'merchant_id')
          .where({ id: key.paymentId })
          .forUpdate()
          .first();
        if (!locked || locked.merchant_id !== key.merchantId) {
          throw checkoutErrors.create('PAYMENT_NOT_FOUND', 'payment not found', {
            details: { field: 'payment' },
          });
        }
        // A retry that waited for the lock behind its first attempt finds that attempt's refund
        // now, instead of seeing it take the amount (or the key) and failing.
        const waited = await replay();
        if (waited) return waited;
        // Writers of the payment wait for the lock above, so this is its latest committed state.
        const payment = (await readPayments(trx, [key.paymentId])).get(key.paymentId) as Payment;
        const taken = await trx.raw<{ rows: { sum: string | null }[] }>(
          'select sum(amount_minor)::text as sum from refunds where payment_id = ? and status = any(?::text[])',
          [key.paymentId, `{${TAKING.join(',')}}`],
        );
        const refund = decide(payment, BigInt(taken.rows[0]?.sum ?? '0'));
        // The same key for another payment, at the same time: it waits on the unique index, then
        // is answered with the row the other wrote (a replay or a conflict, by fingerprint).
        const inserted: RefundRow[] = await trx('refunds')
          .insert({
            id: refund.id,
            merchant_id: refund.merchantId,
            payment_id: refund.paymentId,
            amount_minor: refund.amount.amountMinor.toString(),
            currency: refund.amount.currency,
            status: refund.status,
            step: refund.step,
            execution: refund.execution,
            reason: refund.reason,
            outcome: refund.outcome,
            outcome_reference: refund.outcomeReference,
            failure_code: refund.failureCode,
            operator: refund.operator,
            idempotency_key: refund.idempotencyKey,
            livemode: refund.livemode,
            request: canonicalJson(request.canonical),
            request_fingerprint: request.fingerprint,
            created_at: refund.createdAt,
            updated_at: refund.updatedAt,
          })
          .onConflict(['merchant_id', 'idempotency_key'])
          .ignore()
          .returning('*');
        const row = inserted[0];
        if (row) return { created: true as const, refund: toDomain(row) };
        const other = await replay();
        if (!other) throw new Error(`refund key ${key.idempotencyKey} conflicted with no row`);
        return other;
      });
    },

    async findById(id) {
      const row: RefundRow | undefined = await db('refunds').where({ id }).first();
      return row ? toDomain(row) : undefined;
    },

    async list(filter) {
      const q = db('refunds').where({ merchant_id: filter.merchantId });
      // refunds_merchant_mode_idx: one mode's refunds, newest first.
      if (filter.livemode !== null) void q.andWhere({ livemode: filter.livemode });
      if (filter.paymentId) void q.andWhere({ payment_id: filter.paymentId });
      if (filter.startingAfter) void q.andWhere('id', '<', filter.startingAfter);
      const rows: RefundRow[] = await q.orderBy('id', 'desc').limit(filter.limit);
      return rows.map(toDomain);
    },

    async advance(id, from, next, at) {
      return db.transaction(async (trx) => {
        const rows: RefundRow[] = await trx('refunds')
          .where({ id, step: from })
          .update({
            step: next.step,
            status: next.status,
            execution: next.execution,
            outcome: next.outcome,
            outcome_reference: next.outcomeReference,
            failure_code: next.failureCode,
            operator: next.operator,
            updated_at: at,
            // A step taken: the next one is tried at once, its own waits start over.
            sweep_attempts: 0,
            sweep_retry_at: null,
          })
          .returning('*');
        const row = rows[0];
        if (!row) return undefined;
        if (next.status === 'succeeded') {
          await trx.raw('update payments set refunded_minor = refunded_minor + ? where id = ?', [
            BigInt(row.amount_minor).toString(),
            row.payment_id,
          ]);
        }
        return toDomain(row);
      });
    },

    async listUnfinished(before, limit, dueAt) {
      const rows: RefundRow[] = await db('refunds')
        .whereIn('step', ['reserve', 'execute', 'resolve'])
        .andWhere('updated_at', '<', before)
        .andWhere((q) => q.whereNull('sweep_retry_at').orWhere('sweep_retry_at', '<=', dueAt))
        .orderBy('updated_at')
        .limit(limit);
      return rows.map(toDomain);
    },

    async deferSweep(refundId, now) {
      await db.raw(
        `update refunds set sweep_attempts = sweep_attempts + 1,
           sweep_retry_at = ${retryAtAfter('sweep_attempts', '10 minutes')}
         where id = ? and step in ('reserve', 'execute', 'resolve')`,
        [now, refundId],
      );
    },

    async listAwaitingPayout(limit, after) {
      // refunds_payout_queue_idx (created_at) where step = 'await_payout'.
      const q = db('refunds').where({ step: 'await_payout' });
      if (after) {
        void q.andWhereRaw('(created_at, id) > (?, ?)', [after.createdAt, after.id]);
      }
      const rows: RefundRow[] = await q.orderBy(['created_at', 'id']).limit(limit);
      const payments = await readPayments(
        db,
        rows.map((row) => row.payment_id),
      );
      return rows.flatMap((row) => {
        const payment = payments.get(row.payment_id);
        return payment ? [{ refund: toDomain(row), payment }] : [];
      });
    },
  };
}
