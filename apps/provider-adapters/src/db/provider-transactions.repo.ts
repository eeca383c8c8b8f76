import { isUniqueViolation, type Knex } from '@tolem/db-kit';
import { newId } from '@tolem/ids';
import { money } from '@tolem/money';

import type { ProviderTransactionRepository, SettledPosition } from '../domain/ports';
import {
  type ExtraTransfer,
  type ExtraTransferReason,
  type MethodName,
  OPEN_STATUSES,
  type ProviderName,
  type ProviderTransaction,
  type TransactionKind,
  type TransactionStatus,
} from '../domain/provider-transaction';

interface ProviderTransactionRow {
  id: string;
  payment_id: string;
  merchant_id: string;
  provider: ProviderName;
  method: MethodName;
  order_no: bigint;
  amount_minor: bigint;
  currency: string;
  amount_text: string;
  payee_purse: string | null;
  status: TransactionStatus;
  provider_payment_id: string | null;
  attributes: Record<string, string>;
  kind: TransactionKind;
  external_ref: string | null;
  idempotency_key: string | null;
  request_fingerprint: string | null;
  decline_code: string | null;
  reason_code: string | null;
  extra_transfers: ExtraTransferJson[];
  created_at: Date;
  updated_at: Date;
}

const TABLE = 'provider_transactions';

/** One element of the extra_transfers jsonb list (bigint as a decimal string). */
interface ExtraTransferJson {
  provider_payment_id: string;
  amount_minor: string;
  currency: string;
  method: MethodName;
  reason: ExtraTransferReason;
  attributes: Record<string, string>;
  received_at: string;
}

function extraTransferOf(json: ExtraTransferJson): ExtraTransfer {
  return {
    providerPaymentId: json.provider_payment_id,
    amount: money(BigInt(json.amount_minor), json.currency),
    method: json.method,
    reason: json.reason,
    attributes: json.attributes,
    receivedAt: new Date(json.received_at),
  };
}

function toDomain(row: ProviderTransactionRow): ProviderTransaction {
  return {
    id: row.id,
    paymentId: row.payment_id,
    merchantId: row.merchant_id,
    provider: row.provider,
    method: row.method,
    orderNo: row.order_no,
    amount: money(row.amount_minor, row.currency),
    amountText: row.amount_text,
    payeePurse: row.payee_purse,
    status: row.status,
    providerPaymentId: row.provider_payment_id,
    attributes: row.attributes,
    kind: row.kind,
    externalRef: row.external_ref,
    idempotencyKey: row.idempotency_key,
    requestFingerprint: row.request_fingerprint,
    declineCode: row.decline_code,
    reasonCode: row.reason_code,
    extraTransfers: (row.extra_transfers ?? []).map(extraTransferOf),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A keyset page of `query` in (`at`, id) order, each row with its position (microseconds). */
async function listInOrder(
  query: Knex.QueryBuilder,
  at: 'updated_at' | 'extra_recorded_at',
  page: { after: SettledPosition | null; before: Date; limit: number },
): Promise<{ transaction: ProviderTransaction; position: SettledPosition }[]> {
  void query
    .select('*', query.client.raw(`(extract(epoch from ${at}) * 1000000)::bigint as at_micros`))
    .where(at, '<=', page.before)
    .orderBy([
      { column: at, order: 'asc' },
      { column: 'id', order: 'asc' },
    ])
    .limit(page.limit);
  if (page.after) {
    void query.whereRaw(
      `(${at}, id) > (timestamptz 'epoch' + ?::bigint * interval '1 microsecond', ?)`,
      [page.after.atMicros.toString(), page.after.id],
    );
  }
  const rows = (await query) as (ProviderTransactionRow & { at_micros: bigint })[];
  return rows.map((row) => ({
    transaction: toDomain(row),
    position: { atMicros: BigInt(row.at_micros), id: row.id },
  }));
}

export function createProviderTransactionsRepo(db: Knex): ProviderTransactionRepository {
  const find = async (where: Partial<ProviderTransactionRow>) => {
    const row = (await db(TABLE).where(where).first()) as ProviderTransactionRow | undefined;
    return row ? toDomain(row) : undefined;
  };
  const current = async (id: string) => {
    const tx = await find({ id });
    if (!tx) throw new Error(`provider transaction ${id} vanished`);
    return tx;
  };

  return {
    async createOnce(tx) {
      // Look first: a retried start must not burn an order number from the sequence.
      const existing = await find({ provider: tx.provider, payment_id: tx.paymentId });
      if (existing) return { transaction: existing, created: false };
      const insert = db(TABLE)
        .insert({
          id: newId('ptx'),
          payment_id: tx.paymentId,
          merchant_id: tx.merchantId,
          provider: tx.provider,
          method: tx.method,
          amount_minor: tx.amount.amountMinor,
          currency: tx.amount.currency,
          amount_text: tx.amountText,
          payee_purse: tx.payeePurse,
          kind: tx.kind ?? 'payment',
          external_ref: tx.externalRef ?? null,
          idempotency_key: tx.idempotencyKey ?? null,
          request_fingerprint: tx.requestFingerprint ?? null,
          attributes: JSON.stringify(tx.attributes ?? {}),
        })
        .onConflict(['provider', 'payment_id'])
        .ignore()
        .returning('*');
      let inserted: ProviderTransactionRow[];
      try {
        inserted = (await insert) as ProviderTransactionRow[];
      } catch (err) {
        // Another payment already holds this idempotency key or external reference: the caller
        // compares the returned transaction with its request.
        if (!isUniqueViolation(err)) throw err;
        const holder =
          (tx.idempotencyKey
            ? await find({ provider: tx.provider, idempotency_key: tx.idempotencyKey })
            : undefined) ??
          (tx.externalRef
            ? await find({ provider: tx.provider, external_ref: tx.externalRef })
            : undefined);
        if (!holder) throw err;
        return { transaction: holder, created: false };
      }
      if (inserted[0]) return { transaction: toDomain(inserted[0]), created: true };
      const raced = await find({ provider: tx.provider, payment_id: tx.paymentId });
      if (!raced) throw new Error('provider transaction vanished after a conflicting insert');
      return { transaction: raced, created: false };
    },

    async changeMethod(id, method) {
      const rows = (await db(TABLE)
        .where({ id })
        .whereIn('status', OPEN_STATUSES)
        .update({ method, updated_at: db.fn.now() })
        .returning('*')) as ProviderTransactionRow[];
      return rows[0] ? toDomain(rows[0]) : undefined;
    },

    findByOrderNo(provider, orderNo) {
      return find({ provider, order_no: orderNo });
    },

    findByPaymentId(provider, paymentId) {
      return find({ provider, payment_id: paymentId });
    },

    async findLatestForPayment(paymentId) {
      const row = (await db(TABLE)
        .where({ payment_id: paymentId })
        .orderBy([
          { column: 'updated_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .first()) as ProviderTransactionRow | undefined;
      return row ? toDomain(row) : undefined;
    },

    findByExternalRef(provider, externalRef) {
      return find({ provider, external_ref: externalRef });
    },

    findByProviderPaymentId(provider, providerPaymentId) {
      return find({ provider, provider_payment_id: providerPaymentId });
    },

    findByIdempotencyKey(provider, idempotencyKey) {
      return find({ provider, idempotency_key: idempotencyKey });
    },

    async markSucceeded(id, settlement) {
      try {
        const rows = (await db(TABLE)
          .where({ id })
          .whereIn('status', OPEN_STATUSES)
          .update({
            status: 'succeeded',
            provider_payment_id: settlement.providerPaymentId,
            method: settlement.method,
            attributes: db.raw('attributes || ?::jsonb', [JSON.stringify(settlement.attributes)]),
            reason_code: null,
            updated_at: db.fn.now(),
          })
          .returning('*')) as ProviderTransactionRow[];
        if (rows[0]) return { transaction: toDomain(rows[0]), changed: true, conflict: false };
      } catch (err) {
        // The provider's transfer number is already on another of our transactions.
        if (!isUniqueViolation(err)) throw err;
        return { transaction: await current(id), changed: false, conflict: true };
      }
      return { transaction: await current(id), changed: false, conflict: false };
    },

    async recordExtraTransfer(id, transfer) {
      const json: ExtraTransferJson = {
        provider_payment_id: transfer.providerPaymentId,
        amount_minor: transfer.amount.amountMinor.toString(),
        currency: transfer.amount.currency,
        method: transfer.method,
        reason: transfer.reason,
        attributes: transfer.attributes,
        received_at: new Date().toISOString(),
      };
      // Appends only if no element has this transfer id; a concurrent append of the same
      // transfer waits for the row lock and then finds it (the condition is re-checked).
      // updated_at stays: it orders a payment's settlements, which this is not.
      const rows = (await db(TABLE)
        .where({ id })
        .whereRaw('not (extra_transfers @> ?::jsonb)', [
          JSON.stringify([{ provider_payment_id: transfer.providerPaymentId }]),
        ])
        .update({
          extra_transfers: db.raw('extra_transfers || ?::jsonb', [JSON.stringify([json])]),
          extra_recorded_at: db.fn.now(),
        })
        .returning('*')) as ProviderTransactionRow[];
      const recorded = rows[0] !== undefined;
      const transaction = rows[0] ? toDomain(rows[0]) : await current(id);
      const stored = transaction.extraTransfers.find(
        (t) => t.providerPaymentId === transfer.providerPaymentId,
      );
      if (!stored) throw new Error(`extra transfer of ${id} vanished`);
      return { transaction, transfer: stored, recorded };
    },

    async listSettled({ after, settledBefore, limit }) {
      // provider_transactions_settled_idx (updated_at, id) where succeeded payer payments.
      return listInOrder(db(TABLE).where({ status: 'succeeded', kind: 'payment' }), 'updated_at', {
        after,
        before: settledBefore,
        limit,
      });
    },

    async listWithExtraTransfers({ after, recordedBefore, limit }) {
      // provider_transactions_extra_idx (extra_recorded_at, id) where extra_recorded_at is set.
      return listInOrder(db(TABLE).whereNotNull('extra_recorded_at'), 'extra_recorded_at', {
        after,
        before: recordedBefore,
        limit,
      });
    },

    async update(id, patch, from = OPEN_STATUSES) {
      const set: Record<string, unknown> = { updated_at: db.fn.now() };
      if (patch.status !== undefined) set['status'] = patch.status;
      if (patch.providerPaymentId !== undefined)
        set['provider_payment_id'] = patch.providerPaymentId;
      if (patch.externalRef !== undefined) set['external_ref'] = patch.externalRef;
      if (patch.declineCode !== undefined) set['decline_code'] = patch.declineCode;
      if (patch.reasonCode !== undefined) set['reason_code'] = patch.reasonCode;
      if (patch.attributes !== undefined && Object.keys(patch.attributes).length > 0) {
        set['attributes'] = db.raw('attributes || ?::jsonb', [JSON.stringify(patch.attributes)]);
      }
      try {
        const rows = (await db(TABLE)
          .where({ id })
          .whereIn('status', from)
          .update(set)
          .returning('*')) as ProviderTransactionRow[];
        if (rows[0]) return { transaction: toDomain(rows[0]), changed: true, conflict: false };
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        return { transaction: await current(id), changed: false, conflict: true };
      }
      return { transaction: await current(id), changed: false, conflict: false };
    },
  };
}
