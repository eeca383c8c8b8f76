import type { Knex } from '@tolem/db-kit';

import type { DailyTotalsRepository } from '../domain/ports';

/** Must run on the fact's transaction: the totals only ever change together with a fact. */
export function createDailyTotalsRepo(db: Knex): DailyTotalsRepository {
  return {
    async apply(deltas) {
      for (const d of deltas) {
        const key = {
          merchant_id: d.key.merchantId,
          day: d.key.day,
          currency: d.key.currency,
          status: d.key.status,
        };
        await db.raw(
          `insert into daily_totals (merchant_id, day, currency, status, payments_count, gross_minor, fee_minor, net_minor)
           values (:merchant_id, :day, :currency, :status, :count, :gross, :fee, :net)
           on conflict (merchant_id, day, currency, status) do update set
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
