import type { Knex } from '@tolem/db-kit';

import type { PaymentFact, StatusChange } from '../domain/payment-fact';
import type { PaymentFactRepository, PaymentQuery, PaymentSearch } from '../domain/ports';

interface PaymentFactRow {
  payment_id: string;
  merchant_id: string;
  order_id: string;
  status: string;
  failure_code: string;
  gross_minor: bigint;
  fee_minor: bigint;
  net_minor: bigint;
  currency: string;
  method: string;
  provider: string;
  provider_payment_id: string;
  provider_attributes: Record<string, string>;
  last_event_id: string;
  last_sequence: bigint;
  occurred_at: Date;
  updated_at: Date;
  created_at: Date;
  history: HistoryRow[];
  seen_sequences: (string | bigint)[];
  status_sequence: bigint;
  amounts_sequence: bigint;
  fee_sequence: bigint;
  livemode: boolean;
}

/** A status change as stored in the history jsonb: sequence as a string (exact beyond 2^53). */
interface HistoryRow {
  status: string;
  event_type: string;
  sequence: string;
  occurred_at: string;
}

function historyToDomain(rows: HistoryRow[]): StatusChange[] {
  return rows.map((h) => ({
    status: h.status,
    eventType: h.event_type,
    sequence: BigInt(h.sequence),
    occurredAt: new Date(h.occurred_at),
  }));
}

function historyToRow(history: StatusChange[]): HistoryRow[] {
  return history.map((h) => ({
    status: h.status,
    event_type: h.eventType,
    sequence: h.sequence.toString(),
    occurred_at: h.occurredAt.toISOString(),
  }));
}

function toDomain(row: PaymentFactRow): PaymentFact {
  return {
    paymentId: row.payment_id,
    merchantId: row.merchant_id,
    orderId: row.order_id,
    status: row.status,
    failureCode: row.failure_code,
    grossMinor: BigInt(row.gross_minor),
    feeMinor: BigInt(row.fee_minor),
    netMinor: BigInt(row.net_minor),
    currency: row.currency,
    method: row.method,
    provider: row.provider,
    providerPaymentId: row.provider_payment_id,
    providerAttributes: row.provider_attributes,
    lastEventId: row.last_event_id,
    lastSequence: BigInt(row.last_sequence),
    occurredAt: row.occurred_at,
    updatedAt: row.updated_at,
    createdAt: row.created_at,
    history: historyToDomain(row.history),
    seenSequences: row.seen_sequences.map((n) => BigInt(n)),
    statusSequence: BigInt(row.status_sequence),
    amountsSequence: BigInt(row.amounts_sequence),
    feeSequence: BigInt(row.fee_sequence),
    livemode: row.livemode,
  };
}

/** Works on the pool or on a transaction (the consumer passes its transaction). */
export function createPaymentFactsRepo(db: Knex): PaymentFactRepository {
  return {
    async get(paymentId) {
      const row = await db<PaymentFactRow>('payment_facts')
        .where({ payment_id: paymentId })
        .first();
      return row ? toDomain(row as PaymentFactRow) : undefined;
    },

    async getForUpdate(paymentId) {
      const row = await db<PaymentFactRow>('payment_facts')
        .where({ payment_id: paymentId })
        .forUpdate()
        .first();
      return row ? toDomain(row as PaymentFactRow) : undefined;
    },

    async save(f, isNew) {
      const row = {
        payment_id: f.paymentId,
        merchant_id: f.merchantId,
        order_id: f.orderId,
        status: f.status,
        failure_code: f.failureCode,
        gross_minor: f.grossMinor.toString(),
        fee_minor: f.feeMinor.toString(),
        net_minor: f.netMinor.toString(),
        currency: f.currency,
        method: f.method,
        provider: f.provider,
        provider_payment_id: f.providerPaymentId,
        provider_attributes: JSON.stringify(f.providerAttributes),
        last_event_id: f.lastEventId,
        last_sequence: f.lastSequence.toString(),
        occurred_at: f.occurredAt,
        updated_at: f.updatedAt,
        created_at: f.createdAt,
        history: JSON.stringify(historyToRow(f.history)),
        seen_sequences: f.seenSequences.map((n) => n.toString()),
        status_sequence: f.statusSequence.toString(),
        amounts_sequence: f.amountsSequence.toString(),
        fee_sequence: f.feeSequence.toString(),
        livemode: f.livemode,
      };
      if (isNew) {
        await db('payment_facts').insert(row);
        return;
      }
      const updated = await db('payment_facts').where({ payment_id: f.paymentId }).update(row);
      if (updated !== 1) throw new Error(`payment fact ${f.paymentId} vanished during its update`);
    },

    async list(q) {
      const query = db<PaymentFactRow>('payment_facts').where({ merchant_id: q.merchantId });
      if (q.from) query.andWhere('occurred_at', '>=', q.from);
      if (q.to) query.andWhere('occurred_at', '<', q.to);
      if (q.livemode !== undefined) query.andWhere('livemode', q.livemode);
      if (q.after) {
        const op = q.order === 'desc' ? '<' : '>';
        query.andWhereRaw(`(occurred_at, payment_id) ${op} (?, ?)`, [
          q.after.occurredAt,
          q.after.paymentId,
        ]);
      }
      const rows = await query
        .orderBy([
          { column: 'occurred_at', order: q.order },
          { column: 'payment_id', order: q.order },
        ])
        .limit(q.limit);
      return rows.map((r) => toDomain(r as PaymentFactRow));
    },
  };
}

/** Payments by filter, keyset paged on (created_at, payment_id): the index serves both orders. */
export function createPaymentSearch(db: Knex): PaymentSearch {
  return {
    async search(q: PaymentQuery) {
      const query = db<PaymentFactRow>('payment_facts').where({ merchant_id: q.merchantId });
      if (q.status) query.andWhere('status', q.status);
      if (q.method) query.andWhere('method', q.method);
      if (q.currency) query.andWhere('currency', q.currency);
      if (q.createdFrom) query.andWhere('created_at', '>=', q.createdFrom);
      if (q.createdTo) query.andWhere('created_at', '<', q.createdTo);
      if (q.livemode !== undefined) query.andWhere('livemode', q.livemode);
      if (q.after) {
        const op = q.order === 'desc' ? '<' : '>';
        query.andWhereRaw(`(created_at, payment_id) ${op} (?, ?)`, [
          q.after.createdAt,
          q.after.paymentId,
        ]);
      }
      const rows = await query
        .orderBy([
          { column: 'created_at', order: q.order },
          { column: 'payment_id', order: q.order },
        ])
        .limit(q.limit);
      return rows.map((r) => toDomain(r as PaymentFactRow));
    },
  };
}
