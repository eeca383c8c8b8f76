import { isUniqueViolation, type Knex } from '@tolem/db-kit';
import { newId } from '@tolem/ids';
import { money } from '@tolem/money';

import type { ProviderTransactionRepository } from '../domain/ports';
import type {
  MethodName,
  ProviderName,
  ProviderTransaction,
  TransactionStatus,
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
  created_at: Date;
  updated_at: Date;
}

const TABLE = 'provider_transactions';

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
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function createProviderTransactionsRepo(db: Knex): ProviderTransactionRepository {
  const find = async (where: Partial<ProviderTransactionRow>) => {
    const row = (await db(TABLE).where(where).first()) as ProviderTransactionRow | undefined;
    return row ? toDomain(row) : undefined;
  };

  return {
    async createOnce(tx) {
      // Look first: a retried start must not burn an order number from the sequence.
      const existing = await find({ provider: tx.provider, payment_id: tx.paymentId });
      if (existing) return { transaction: existing, created: false };
      const inserted = (await db(TABLE)
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
        })
        .onConflict(['provider', 'payment_id'])
        .ignore()
        .returning('*')) as ProviderTransactionRow[];
      if (inserted[0]) return { transaction: toDomain(inserted[0]), created: true };
      const raced = await find({ provider: tx.provider, payment_id: tx.paymentId });
      if (!raced) throw new Error('provider transaction vanished after a conflicting insert');
      return { transaction: raced, created: false };
    },

    async changeMethod(id, method) {
      const rows = (await db(TABLE)
        .where({ id, status: 'created' })
        .update({ method, updated_at: db.fn.now() })
        .returning('*')) as ProviderTransactionRow[];
      return rows[0] ? toDomain(rows[0]) : undefined;
    },

    findByOrderNo(provider, orderNo) {
      return find({ provider, order_no: orderNo });
    },

    async markSucceeded(id, settlement) {
      try {
        const rows = (await db(TABLE)
          .where({ id, status: 'created' })
          .update({
            status: 'succeeded',
            provider_payment_id: settlement.providerPaymentId,
            method: settlement.method,
            attributes: JSON.stringify(settlement.attributes),
            updated_at: db.fn.now(),
          })
          .returning('*')) as ProviderTransactionRow[];
        if (rows[0]) return { transaction: toDomain(rows[0]), changed: true, conflict: false };
      } catch (err) {
        // The provider's transfer number is already on another of our transactions.
        if (!isUniqueViolation(err)) throw err;
        const current = await find({ id });
        if (!current) throw new Error(`provider transaction ${id} vanished`);
        return { transaction: current, changed: false, conflict: true };
      }
      const current = await find({ id });
      if (!current) throw new Error(`provider transaction ${id} vanished`);
      return { transaction: current, changed: false, conflict: false };
    },
  };
}
