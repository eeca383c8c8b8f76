import type { Knex } from '@tolem/db-kit';

import type {
  DailyTotalsQuery,
  DailyTotalsReader,
  DailyTotalsRepository,
  PaymentTotalsRow,
  RefundTotalsRepository,
  RefundTotalsRow,
} from '../domain/ports';

/** Must run on the fact's transaction: the totals only ever change together with a fact. */
export function createDailyTotalsRepo(db: Knex): DailyTotalsRepository {
  return {
    async apply(deltas) {
      for (const d of deltas) {
        const key = {
          merchant_id: d.key.merchantId,
          day: d.key.day,
          currency: d.key.currency,
          method: d.key.method,
          status: d.key.status,
          livemode: d.key.livemode,
        };
        await db.raw(
          `insert into daily_totals (merchant_id, day, currency, method, status, livemode, payments_count, gross_minor, fee_minor, net_minor)
           values (:merchant_id, :day, :currency, :method, :status, :livemode, :count, :gross, :fee, :net)
           on conflict (merchant_id, day, currency, method, status, livemode) do update set
             payments_count = daily_totals.payments_count + excluded.payments_count,
             gross_minor = daily_totals.gross_minor + excluded.gross_minor,
             fee_minor = daily_totals.fee_minor + excluded.fee_minor,
             net_minor = daily_totals.net_minor + excluded.net_minor`,
          {
            ...key,
            count: d.paymentsCount.toString(),
            gross: d.grossMinor.toString(),
            fee: d.feeMinor.toString(),
            net: d.netMinor.toString(),
          },
        );
        // Only a delta that adds no payment can empty a row; a row may hold money of no payment.
        if (d.paymentsCount <= 0n)
          await db('daily_totals')
            .where({ ...key, payments_count: 0, gross_minor: 0, fee_minor: 0, net_minor: 0 })
            .delete();
      }
    },
  };
}

/** Must run on the refund's transaction, like the payment totals. */
export function createRefundTotalsRepo(db: Knex): RefundTotalsRepository {
  return {
    async apply(deltas) {
      for (const d of deltas) {
        const key = {
          merchant_id: d.key.merchantId,
          day: d.key.day,
          currency: d.key.currency,
          method: d.key.method,
          status: d.key.status,
          livemode: d.key.livemode,
        };
        await db.raw(
          `insert into daily_refund_totals (merchant_id, day, currency, method, status, livemode, refunds_count, amount_minor)
           values (:merchant_id, :day, :currency, :method, :status, :livemode, :count, :amount)
           on conflict (merchant_id, day, currency, method, status, livemode) do update set
             refunds_count = daily_refund_totals.refunds_count + excluded.refunds_count,
             amount_minor = daily_refund_totals.amount_minor + excluded.amount_minor`,
          { ...key, count: d.refundsCount.toString(), amount: d.amountMinor.toString() },
        );
        if (d.refundsCount <= 0n)
          await db('daily_refund_totals')
            .where({ ...key, refunds_count: 0, amount_minor: 0 })
            .delete();
      }
    },
  };
}

function filtered(db: Knex, table: string, q: DailyTotalsQuery) {
  const query = db(table)
    .where({ merchant_id: q.merchantId })
    .andWhere('day', '>=', q.fromDay)
    .andWhere('day', '<=', q.toDay);
  if (q.method) query.andWhere('method', q.method);
  if (q.currency) query.andWhere('currency', q.currency);
  if (q.livemode !== undefined) query.andWhere('livemode', q.livemode);
  return query.orderBy(['day', 'currency', 'method', 'status', 'livemode']);
}

/** The maintained rows, read as they are (day as text, so no time zone ever shifts it). */
export function createDailyTotalsReader(db: Knex): DailyTotalsReader {
  return {
    async payments(q) {
      const rows = (await filtered(db, 'daily_totals', q).select(
        db.raw(`to_char(day, 'YYYY-MM-DD') as day`),
        'currency',
        'method',
        'status',
        'livemode',
        'payments_count',
        'gross_minor',
        'fee_minor',
        'net_minor',
      )) as Record<string, string | bigint | boolean>[];
      return rows.map(
        (r): PaymentTotalsRow => ({
          day: String(r.day),
          currency: String(r.currency),
          method: String(r.method),
          status: String(r.status),
          livemode: r.livemode === true,
          paymentsCount: BigInt(r.payments_count as bigint),
          grossMinor: BigInt(r.gross_minor as bigint),
          feeMinor: BigInt(r.fee_minor as bigint),
          netMinor: BigInt(r.net_minor as bigint),
        }),
      );
    },
    async refunds(q) {
      const rows = (await filtered(db, 'daily_refund_totals', q).select(
        db.raw(`to_char(day, 'YYYY-MM-DD') as day`),
        'currency',
        'method',
        'status',
        'livemode',
        'refunds_count',
        'amount_minor',
      )) as Record<string, string | bigint | boolean>[];
      return rows.map(
        (r): RefundTotalsRow => ({
          day: String(r.day),
          currency: String(r.currency),
          method: String(r.method),
          status: String(r.status),
          livemode: r.livemode === true,
          refundsCount: BigInt(r.refunds_count as bigint),
          amountMinor: BigInt(r.amount_minor as bigint),
        }),
      );
    },
  };
}
