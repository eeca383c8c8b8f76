import type { Knex } from '@tolem/db-kit';

import type { DailyMoney, DailyMoneyQuery } from '../app/daily-money-totals';

/** A payment's mode as its row stores it; a row from before modes has none and is a test one. */
const LIVEMODE = `coalesce((p.details->>'livemode')::boolean, false)`;

/**
 * Per merchant, currency, UTC day and mode (a refund's is its payment's): posted payments from the
 * payment register (written with their postings; a refund changes none of their amounts), and
 * refunds from the journal: a refund's start (its key is the refund id) and its successful end
 * (`<refund id>/resolution`, not `failed`), each with the amount it moved (its one debit) on the
 * day it happened (the request's occurred_at, else when it was written).
 */
export function createDailyMoneyReader(db: Knex) {
  return async (q: DailyMoneyQuery): Promise<DailyMoney[]> => {
    const merchant = q.merchantId ? 'and p.merchant_id = :merchantId' : '';
    const from = `(cast(:from as timestamp) at time zone 'UTC')`;
    const to = `((cast(:to as timestamp) + interval '1 day') at time zone 'UTC')`;
    const result = await db.raw(
      `with refunds as (
         select p.merchant_id, p.currency, ${LIVEMODE} as livemode,
                coalesce((t.fingerprint->>'occurred_at')::timestamptz, t.created_at) as at,
                t.idempotency_key like '%/resolution' as is_end,
                coalesce(t.fingerprint->>'outcome', '') as outcome,
                (select sum(x.amount_minor) from postings x
                  where x.transaction_id = t.id and x.amount_minor > 0) as amount
           from transactions t
           join payments p on p.payment_id = t.payment_id
          where t.kind = 'refund' ${merchant}
       ),
       days as (
         select p.merchant_id, p.currency::text as currency,
                (p.occurred_at at time zone 'UTC')::date as day, ${LIVEMODE} as livemode,
                count(*) as pc, sum(p.gross_minor) as g, sum(p.fee_minor) as f,
                sum(p.gross_minor - p.fee_minor) as n,
                0 as rsc, 0 as rsm, 0 as rokc, 0 as rokm
           from payments p
          where p.status = 'posted' ${merchant}
            and p.occurred_at >= ${from} and p.occurred_at < ${to}
          group by 1, 2, 3, 4
         union all
         select merchant_id, currency::text, (at at time zone 'UTC')::date, livemode,
                0, 0, 0, 0,
                count(*) filter (where not is_end),
                coalesce(sum(amount) filter (where not is_end), 0),
                count(*) filter (where is_end and outcome <> 'failed'),
                coalesce(sum(amount) filter (where is_end and outcome <> 'failed'), 0)
           from refunds
          where at >= ${from} and at < ${to}
          group by 1, 2, 3, 4
       )
       select merchant_id, currency, to_char(day, 'YYYY-MM-DD') as day, livemode,
              sum(pc)::bigint as pc, sum(g)::bigint as g, sum(f)::bigint as f, sum(n)::bigint as n,
              sum(rsc)::bigint as rsc, sum(rsm)::bigint as rsm,
              sum(rokc)::bigint as rokc, sum(rokm)::bigint as rokm
         from days group by 1, 2, 3, 4
        having sum(pc) <> 0 or sum(rsc) <> 0 or sum(rokc) <> 0
        order by 1, 2, 3, 4`,
      { merchantId: q.merchantId, from: q.fromDay, to: q.toDay },
    );
    return (result.rows as Record<string, string | bigint | boolean>[]).map((r) => ({
      merchantId: String(r.merchant_id),
      currency: String(r.currency),
      day: String(r.day),
      livemode: r.livemode === true,
      paymentsCount: BigInt(r.pc as bigint),
      grossMinor: BigInt(r.g as bigint),
      feeMinor: BigInt(r.f as bigint),
      netMinor: BigInt(r.n as bigint),
      refundsStartedCount: BigInt(r.rsc as bigint),
      refundsStartedMinor: BigInt(r.rsm as bigint),
      refundsSucceededCount: BigInt(r.rokc as bigint),
      refundsSucceededMinor: BigInt(r.rokm as bigint),
    }));
  };
}
