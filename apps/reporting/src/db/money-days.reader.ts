import type { Knex } from '@tolem/db-kit';

import type { MoneyDay } from '../domain/consistency';
import type { MoneyDaysSource } from '../domain/ports';

/** The payment statuses of money the merchant received (a refund does not undo the payment). */
const PAID_STATUSES = ['succeeded', 'partially_refunded', 'refunded'];

/**
 * Reporting's side of the consistency check, per merchant, currency, day and mode, computed from
 * the rows themselves (payment_facts and refund_facts), so a missing or altered row shows up:
 * payments by the day they succeeded, refunds by the day they started and the day they succeeded.
 */
export function createReportingMoneyDays(db: Knex): MoneyDaysSource {
  return {
    async moneyDays({ merchantId, fromDay, toDay }) {
      const merchant = merchantId ? 'and merchant_id = :merchantId' : '';
      const result = await db.raw(
        `with days as (
           select merchant_id, currency, (occurred_at at time zone 'UTC')::date as day, livemode,
                  count(*) as payments_count, sum(gross_minor) as gross_minor,
                  sum(fee_minor) as fee_minor, sum(net_minor) as net_minor,
                  0 as rs_count, 0 as rs_minor, 0 as rok_count, 0 as rok_minor
             from payment_facts
            where status = any(:paid) ${merchant}
              and occurred_at >= (cast(:from as timestamp) at time zone 'UTC') and occurred_at < ((cast(:to as timestamp) + interval '1 day') at time zone 'UTC')
            group by 1, 2, 3, 4
           union all
           select merchant_id, currency, (requested_at at time zone 'UTC')::date, livemode,
                  0, 0, 0, 0, count(*), sum(amount_minor), 0, 0
             from refund_facts
            where requested_at >= (cast(:from as timestamp) at time zone 'UTC') and requested_at < ((cast(:to as timestamp) + interval '1 day') at time zone 'UTC') ${merchant}
            group by 1, 2, 3, 4
           union all
           select merchant_id, currency, (resolved_at at time zone 'UTC')::date, livemode,
                  0, 0, 0, 0, 0, 0, count(*), sum(amount_minor)
             from refund_facts
            where status = 'succeeded' ${merchant}
              and resolved_at >= (cast(:from as timestamp) at time zone 'UTC') and resolved_at < ((cast(:to as timestamp) + interval '1 day') at time zone 'UTC')
            group by 1, 2, 3, 4
         )
         select merchant_id, currency, to_char(day, 'YYYY-MM-DD') as day, livemode,
                sum(payments_count)::bigint as payments_count, sum(gross_minor)::bigint as gross_minor,
                sum(fee_minor)::bigint as fee_minor, sum(net_minor)::bigint as net_minor,
                sum(rs_count)::bigint as rs_count, sum(rs_minor)::bigint as rs_minor,
                sum(rok_count)::bigint as rok_count, sum(rok_minor)::bigint as rok_minor
           from days group by 1, 2, 3, 4 order by 1, 2, 3, 4`,
        { paid: PAID_STATUSES, merchantId: merchantId ?? '', from: fromDay, to: toDay },
      );
      return (result.rows as Record<string, string | bigint | boolean>[]).map(
        (r): MoneyDay => ({
          merchantId: String(r.merchant_id),
          currency: String(r.currency),
          day: String(r.day),
          livemode: r.livemode === true,
          paymentsCount: BigInt(r.payments_count as bigint),
          grossMinor: BigInt(r.gross_minor as bigint),
          feeMinor: BigInt(r.fee_minor as bigint),
          netMinor: BigInt(r.net_minor as bigint),
          refundsStartedCount: BigInt(r.rs_count as bigint),
          refundsStartedMinor: BigInt(r.rs_minor as bigint),
          refundsSucceededCount: BigInt(r.rok_count as bigint),
          refundsSucceededMinor: BigInt(r.rok_minor as bigint),
        }),
      );
    },
  };
}

/**
 * Reporting's maintained daily totals in the same shape: payments of the paid statuses, and
 * succeeded refunds (their day is that of their success). Refunds started are not in them.
 */
export function createDailyTotalsMoneyDays(db: Knex): MoneyDaysSource {
  return {
    async moneyDays({ merchantId, fromDay, toDay }) {
      const merchant = merchantId ? 'and merchant_id = :merchantId' : '';
      const result = await db.raw(
        `with days as (
           select merchant_id, currency, day, livemode, sum(payments_count) as pc, sum(gross_minor) as g,
                  sum(fee_minor) as f, sum(net_minor) as n, 0 as rc, 0 as rm
             from daily_totals
            where status = any(:paid) and day between cast(:from as date) and cast(:to as date) ${merchant}
            group by 1, 2, 3, 4
           union all
           select merchant_id, currency, day, livemode, 0, 0, 0, 0, sum(refunds_count), sum(amount_minor)
             from daily_refund_totals
            where status = 'succeeded' and day between cast(:from as date) and cast(:to as date) ${merchant}
            group by 1, 2, 3, 4
         )
         select merchant_id, currency, to_char(day, 'YYYY-MM-DD') as day, livemode,
                sum(pc)::bigint as pc, sum(g)::bigint as g, sum(f)::bigint as f,
                sum(n)::bigint as n, sum(rc)::bigint as rc, sum(rm)::bigint as rm
           from days group by 1, 2, 3, 4 order by 1, 2, 3, 4`,
        { paid: PAID_STATUSES, merchantId: merchantId ?? '', from: fromDay, to: toDay },
      );
      return (result.rows as Record<string, string | bigint | boolean>[]).map(
        (r): MoneyDay => ({
          merchantId: String(r.merchant_id),
          currency: String(r.currency),
          day: String(r.day),
          livemode: r.livemode === true,
          paymentsCount: BigInt(r.pc as bigint),
          grossMinor: BigInt(r.g as bigint),
          feeMinor: BigInt(r.f as bigint),
          netMinor: BigInt(r.n as bigint),
          refundsStartedCount: 0n,
          refundsStartedMinor: 0n,
          refundsSucceededCount: BigInt(r.rc as bigint),
          refundsSucceededMinor: BigInt(r.rm as bigint),
        }),
      );
    },
  };
}
