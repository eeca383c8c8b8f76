import type { Knex } from '@tolem/db-kit';
import { money } from '@tolem/money';

import { type Canonical, canonicalJson } from '../domain/fingerprint';
import type {
  Payment,
  PaymentMethod,
  PaymentStatus,
  PaymentTransition,
  ProviderName,
} from '../domain/payment';
import type { IdempotencyRecord, PaymentRepository } from '../domain/ports';
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
  version: number;
  created_at: Date;
  updated_at: Date;
  expires_at: Date;
}

interface IdempotencyRow {
  merchant_id: string;
  key: string;
  request_fingerprint: string;
  request: Record<string, Canonical>;
  payment_id: string;
  created_at: Date;
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
    method: row.method,
    provider: row.provider,
    providerPaymentId: row.provider_payment_id,
    providerAttributes: row.provider_attributes,
    fee: row.fee_minor === null ? null : money(row.fee_minor, amount.currency),
    failureCode: row.failure_code,
    succeededAt: row.succeeded_at,
    ledgerPostedAt: row.ledger_posted_at,
    ledgerTransactionId: row.ledger_transaction_id,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
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

function recordOf(row: IdempotencyRow): IdempotencyRecord {
  return {
    merchantId: row.merchant_id,
    key: row.key,
    requestFingerprint: row.request_fingerprint,
    request: row.request,
    paymentId: row.payment_id,
  };
}

export interface PaymentsRepoOptions {
  /** Called after a transition that owes the ledger a status event has committed. */
  afterStatusEvent?(paymentId: string): void;
}

export function createPaymentsRepo(db: Knex, options: PaymentsRepoOptions = {}): PaymentRepository {
  return {
    createIdempotent(payment, idempotency, transition) {
      return db.transaction(async (trx) => {
        // The key row goes first (its payment FK is deferred to commit): a concurrent request
        // with the same key blocks here until we commit, then sees our record.
        const claimed = await trx('idempotency_keys')
          .insert({
            merchant_id: payment.merchantId,
            key: idempotency.key,
            request_fingerprint: idempotency.requestFingerprint,
            request: canonicalJson(idempotency.request),
            payment_id: payment.id,
            created_at: payment.createdAt,
          })
          .onConflict(['merchant_id', 'key'])
          .ignore()
          .returning('payment_id');
        if (claimed.length === 0) {
          const existing = (await trx<IdempotencyRow>('idempotency_keys')
            .where({ merchant_id: payment.merchantId, key: idempotency.key })
            .first()) as IdempotencyRow | undefined;
          if (!existing) throw new Error('idempotency record vanished after a conflicting insert');
          return { created: false as const, record: recordOf(existing) };
        }
        const inserted = (await trx('payments')
          .insert({
            id: payment.id,
            merchant_id: payment.merchantId,
            amount_minor: payment.amount.amountMinor,
            currency: payment.amount.currency,
            order_id: payment.orderId,
            description: payment.description,
            success_url: payment.successUrl,
            fail_url: payment.failUrl,
            metadata: JSON.stringify(payment.metadata),
            page_secret: payment.pageSecret,
            livemode: payment.livemode,
            ...mutableColumns(payment),
            version: payment.version,
            created_at: payment.createdAt,
            expires_at: payment.expiresAt,
          })
          .returning('*')) as PaymentRow[];
        await trx('payment_transitions').insert(transitionRow(transition));
        return { created: true as const, payment: toDomain(inserted[0] as PaymentRow) };
      });
    },

    async findById(id) {
      const row = (await db<PaymentRow>('payments').where({ id }).first()) as
        | PaymentRow
        | undefined;
      return row ? toDomain(row) : undefined;
    },

    async update(next, expectedVersion, transition) {
      const saved = await db.transaction(async (trx) => {
        const rows = (await trx('payments')
          .where({ id: next.id, version: expectedVersion })
          .update({ ...mutableColumns(next), version: expectedVersion + 1 })
          .returning('*')) as PaymentRow[];
        const row = rows[0];
        if (!row) return undefined;
        if (transition) await trx('payment_transitions').insert(transitionRow(transition));
        return toDomain(row);
      });
      if (saved && transition?.event) options.afterStatusEvent?.(saved.id);
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

    async listUnposted(succeededBefore, limit) {
      const rows = (await db('payments')
        .where({ status: 'succeeded' })
        .whereNull('ledger_posted_at')
        .where('succeeded_at', '<', succeededBefore)
        .orderBy('succeeded_at')
        .limit(limit)) as PaymentRow[];
      return rows.map(toDomain);
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
