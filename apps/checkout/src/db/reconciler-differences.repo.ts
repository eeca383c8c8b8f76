import type { Knex } from '@tolem/db-kit';
import { money } from '@tolem/money';

import type { PaymentMethod, ProviderName } from '../domain/payment';
import type { ReconcilerDifferenceRepository } from '../domain/ports';

interface DifferenceRow {
  transaction_id: string;
  code: string;
  detail: string;
  payment_id: string;
  merchant_id: string;
  provider: ProviderName;
  method: PaymentMethod | null;
  provider_payment_id: string;
  amount_minor: bigint | null;
  currency: string | null;
  attributes: Record<string, string>;
  settled_at: Date;
}

const TABLE = 'reconciler_differences';

export function createReconcilerDifferencesRepo(db: Knex): ReconcilerDifferenceRepository {
  return {
    async record({ transaction: t, code, detail }, at) {
      await db(TABLE)
        .insert({
          transaction_id: t.transactionId,
          code,
          detail,
          payment_id: t.paymentId,
          merchant_id: t.merchantId,
          provider: t.provider,
          method: t.method,
          provider_payment_id: t.providerPaymentId,
          amount_minor: t.amount?.amountMinor ?? null,
          currency: t.amount?.currency ?? null,
          attributes: JSON.stringify(t.attributes),
          settled_at: t.settledAt,
          found_at: at,
        })
        .onConflict('transaction_id')
        .ignore();
    },
    async listOpen(limit) {
      const rows = (await db(TABLE)
        .whereNull('resolved_at')
        .orderBy([
          { column: 'found_at', order: 'asc' },
          { column: 'transaction_id', order: 'asc' },
        ])
        .limit(limit)) as DifferenceRow[];
      return rows.map((r) => ({
        code: r.code,
        detail: r.detail,
        transaction: {
          transactionId: r.transaction_id,
          paymentId: r.payment_id,
          merchantId: r.merchant_id,
          provider: r.provider,
          method: r.method,
          providerPaymentId: r.provider_payment_id,
          amount:
            r.amount_minor !== null && r.currency !== null
              ? money(BigInt(r.amount_minor), r.currency)
              : null,
          attributes: r.attributes,
          settledAt: r.settled_at,
        },
      }));
    },
    async resolve(transactionId, at) {
      await db(TABLE)
        .where({ transaction_id: transactionId })
        .whereNull('resolved_at')
        .update({ resolved_at: at, resolved_by: 'reconciler' });
    },
    async acknowledge(transactionId, { operator, note, at }) {
      const updated = await db(TABLE)
        .where({ transaction_id: transactionId })
        .whereNull('resolved_at')
        .update({ resolved_at: at, resolved_by: operator, resolution_note: note });
      if (updated > 0) return { already: false };
      const kept = (await db(TABLE)
        .where({ transaction_id: transactionId })
        .first('transaction_id')) as { transaction_id: string } | undefined;
      return kept ? { already: true } : undefined;
    },
  };
}
