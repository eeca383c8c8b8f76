import type { Knex } from '@tolem/db-kit';
import { money } from '@tolem/money';

import type { PaymentTimelineReader } from '../app/list-payment-events';
import type { PaymentListReader } from '../app/list-payments';
import {
  isFinal,
  type Payment,
  type PaymentInitiator,
  type PaymentMethod,
  type PaymentStatus,
  type PaymentTransition,
  type ProviderName,
} from '../domain/payment';
import type { PaymentRepository } from '../domain/ports';
import { createPaymentCreatesWriter, type PaymentCreatesOptions } from './payment-creates.writer';
import { retryAtAfter } from './retry-backoff';
import { statusEventToJson } from './status-events.repo';

interface PaymentRow {
  id: string;
  merchant_id: string;
  amount_minor: bigint;
  currency: string;
  status: PaymentStatus;
  order_id: string;
  description: string;
  success_url: string;
  fail_url: string;
  metadata: Record<string, string>;
  page_secret: string;
  livemode: boolean;
  customer_ref: string;
  initiator: PaymentInitiator;
  method: PaymentMethod | null;
  provider: ProviderName | null;
  provider_payment_id: string | null;
  provider_attributes: Record<string, string>;
  /** The fee the ledger applied; null until posted. */
  fee_minor: bigint | null;
  failure_code: string | null;
  succeeded_at: Date | null;
  ledger_posted_at: Date | null;
  ledger_transaction_id: string | null;
  refunded_minor: bigint | string;
  version: number;
  created_at: Date;
  updated_at: Date;
  expires_at: Date;
  trace_parent: string | null;
}

function toDomain(row: PaymentRow): Payment {
  const amount = money(row.amount_minor, row.currency);
  return {
    id: row.id,
    merchantId: row.merchant_id,
    amount,
    status: row.status,
    orderId: row.order_id,
    description: row.description,
    successUrl: row.success_url,
    failUrl: row.fail_url,
    metadata: row.metadata,
    pageSecret: row.page_secret,
    livemode: row.livemode,
    customerRef: row.customer_ref,
    initiator: row.initiator,
    method: row.method,
    provider: row.provider,
    providerPaymentId: row.provider_payment_id,
    providerAttributes: row.provider_attributes,
    fee: row.fee_minor === null ? null : money(row.fee_minor, amount.currency),
    failureCode: row.failure_code,
    succeededAt: row.succeeded_at,
    ledgerPostedAt: row.ledger_posted_at,
    ledgerTransactionId: row.ledger_transaction_id,
    refundedMinor: BigInt(row.refunded_minor),
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
    ...(row.trace_parent ? { traceParent: row.trace_parent } : {}),
  };
}

/**
 * Columns a transition may change; the immutable request fields are written once at insert, and
 * the fee only by markLedgerPosted (it is the ledger's).
 */
function mutableColumns(p: Payment) {
  return {
    status: p.status,
    method: p.method,
    provider: p.provider,
    provider_payment_id: p.providerPaymentId,
    provider_attributes: JSON.stringify(p.providerAttributes),
    failure_code: p.failureCode,
    succeeded_at: p.succeededAt,
    updated_at: p.updatedAt,
  };
}

function transitionRow(t: PaymentTransition) {
  return {
    payment_id: t.paymentId,
    from_status: t.from,
    to_status: t.to,
    reason: t.reason,
    at: t.at,
    ledger_event: t.event ? JSON.stringify(statusEventToJson(t.event)) : null,
  };
}

/**
 * One statement for a transition: the versioned update and its transition row commit together
 * without a BEGIN and a COMMIT of their own (two updates a payment, three round trips each saved).
 * The transition is inserted only when the update matched its expected version.
 */
function updateStatement(withTransition: boolean): string {
  const transition = withTransition
    ? `, transition as (
  insert into payment_transitions (payment_id, from_status, to_status, reason, at, ledger_event)
  select id, :from_status::text, :to_status::text, :reason::text, :at::timestamptz,
    :ledger_event::jsonb
  from updated
)`
    : '';
  return `with updated as (
  update payments set status = :status, method = :method, provider = :provider,
    provider_payment_id = :provider_payment_id, provider_attributes = :provider_attributes,
    failure_code = :failure_code, succeeded_at = :succeeded_at, updated_at = :updated_at,
    version = :next_version
  where id = :id and version = :expected_version
  returning *
)${transition}
select * from updated`;
}

/**
 * Payments by id in one read, on `conn`: the pool, or a transaction's own connection (a read
 * inside a transaction must not wait for a second pooled connection).
 */
export async function readPayments(
  conn: Knex,
  ids: readonly string[],
): Promise<Map<string, Payment>> {
  if (ids.length === 0) return new Map();
  const rows = (await conn<PaymentRow>('payments').whereIn('id', [
    ...new Set(ids),
  ])) as PaymentRow[];
  return new Map(rows.map((row) => [row.id, toDomain(row)]));
}

export interface PaymentsRepoOptions {
  /** Called after a transition that owes the ledger a status event has committed. */
  afterStatusEvent?(paymentId: string): void;
  /** Called once a transition into a final status (succeeded, failed, …) has committed. */
  afterFinal?(payment: Payment): void;
  /** Group commit of creates (lanes, batch size). */
  creates?: PaymentCreatesOptions;
}

export function createPaymentsRepo(db: Knex, options: PaymentsRepoOptions = {}): PaymentRepository {
  // Concurrent creates are group-committed: one statement and one commit per batch.
  const creates = createPaymentCreatesWriter(db, options.creates);
  return {
    async createIdempotent(payment, idempotency, transition) {
      const result = await creates.create({ payment, idempotency, transition });
      if (result.created && transition.event) options.afterStatusEvent?.(payment.id);
      return result;
    },

    async findById(id) {
      const row = (await db<PaymentRow>('payments').where({ id }).first()) as
        | PaymentRow
        | undefined;
      return row ? toDomain(row) : undefined;
    },

    findByIds: (ids) => readPayments(db, ids),

    async update(next, expectedVersion, transition) {
      const rows = (await db.raw(updateStatement(Boolean(transition)), {
        ...mutableColumns(next),
        id: next.id,
        expected_version: expectedVersion,
        next_version: expectedVersion + 1,
        ...(transition ? transitionRow(transition) : {}),
      })) as { rows: PaymentRow[] };
      const row = rows.rows[0];
      const saved = row ? toDomain(row) : undefined;
      if (saved && transition?.event) options.afterStatusEvent?.(saved.id);
      if (
        saved &&
        transition &&
        isFinal(transition.to) &&
        !(transition.from && isFinal(transition.from))
      )
        options.afterFinal?.(saved);
      return saved;
    },

    async markLedgerPosted(paymentId, transactionId, at, fee) {
      await db('payments')
        .where({ id: paymentId })
        .whereNull('ledger_posted_at')
        .update({
          ledger_posted_at: at,
          ledger_transaction_id: transactionId,
          fee_minor: fee.amountMinor,
          updated_at: at,
          version: db.raw('version + 1'),
        });
    },

    async listUnposted(succeededBefore, limit, dueAt) {
      const query = db('payments')
        .where({ status: 'succeeded' })
        .whereNull('ledger_posted_at')
        .where('succeeded_at', '<', succeededBefore);
      if (dueAt) {
        void query.andWhere((q) =>
          q.whereNull('ledger_retry_at').orWhere('ledger_retry_at', '<=', dueAt),
        );
      }
      const rows = (await query.orderBy('succeeded_at').limit(limit)) as PaymentRow[];
      return rows.map(toDomain);
    },

    async deferPost(paymentId, now) {
      await db.raw(
        `update payments set ledger_refusals = ledger_refusals + 1,
           ledger_retry_at = ${retryAtAfter('ledger_refusals', '1 hour')}
         where id = ? and ledger_posted_at is null`,
        [now, paymentId],
      );
    },

    async listExpirable(now, limit) {
      const rows = (await db('payments')
        .whereIn('status', ['created', 'pending'])
        .where('expires_at', '<=', now)
        .orderBy('expires_at')
        .limit(limit)) as PaymentRow[];
      return rows.map(toDomain);
    },

    async listPendingSince(before, after, limit) {
      const query = db('payments')
        .where({ status: 'pending' })
        .where('updated_at', '<', before)
        .orderBy([
          { column: 'updated_at', order: 'asc' },
          { column: 'id', order: 'asc' },
        ])
        .limit(limit);
      if (after) query.whereRaw('(updated_at, id) > (?, ?)', [after.updatedAt, after.id]);
      return ((await query) as PaymentRow[]).map(toDomain);
    },
  };
}

/**
 * ListPayments' keyset reads, newest first by (created_at, id) on payments_merchant_idx
 * (merchant_id, created_at desc): the index bounds the scan at the anchor's created_at and the id
 * breaks ties there, so a page costs its own rows however deep it is.
 */
export function createPaymentListReader(db: Knex): PaymentListReader {
  return {
    async positionOf(merchantId, paymentId) {
      const row = (await db('payments')
        .where({ id: paymentId, merchant_id: merchantId })
        .first('created_at', 'id', 'livemode')) as
        | { created_at: Date; id: string; livemode: boolean }
        | undefined;
      return row ? { createdAt: row.created_at, id: row.id, livemode: row.livemode } : undefined;
    },

    async list(filter, anchor, limit) {
      const q = db<PaymentRow>('payments').where('merchant_id', filter.merchantId);
      // payments_merchant_mode_idx serves it: one mode's newest first, however many of the other.
      if (filter.livemode !== null) void q.andWhere('livemode', filter.livemode);
      if (filter.status) void q.andWhere('status', filter.status);
      if (filter.method) void q.andWhere('method', filter.method);
      if (filter.orderId) void q.andWhere('order_id', filter.orderId);
      if (filter.createdGte) void q.andWhere('created_at', '>=', filter.createdGte);
      if (filter.createdLt) void q.andWhere('created_at', '<', filter.createdLt);
      if (anchor?.direction === 'after') {
        void q
          .andWhere('created_at', '<=', anchor.createdAt)
          .andWhereRaw('(created_at, id) < (?, ?)', [anchor.createdAt, anchor.id]);
      } else if (anchor?.direction === 'before') {
        void q
          .andWhere('created_at', '>=', anchor.createdAt)
          .andWhereRaw('(created_at, id) > (?, ?)', [anchor.createdAt, anchor.id]);
      }
      const order = anchor?.direction === 'before' ? 'asc' : 'desc';
      const rows = (await q
        .orderBy([
          { column: 'created_at', order },
          { column: 'id', order },
        ])
        .limit(limit)) as PaymentRow[];
      return rows.map(toDomain);
    },
  };
}

/** A payment's transitions, oldest first (payment_transitions_payment_idx). */
export function createPaymentTimelineReader(db: Knex): PaymentTimelineReader {
  return {
    async timelineOf(paymentId) {
      const rows = (await db('payment_transitions')
        .where({ payment_id: paymentId })
        .orderBy('id', 'asc')
        .select('id', 'from_status', 'to_status', 'reason', 'at')) as {
        id: bigint | string | number;
        from_status: PaymentStatus | null;
        to_status: PaymentStatus;
        reason: string;
        at: Date;
      }[];
      return rows.map((r) => ({
        sequence: BigInt(r.id),
        from: r.from_status,
        to: r.to_status,
        reason: r.reason,
        at: r.at,
      }));
    },
  };
}
