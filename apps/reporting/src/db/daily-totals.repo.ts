import type { Knex } from '@tolem/db-kit';

import type {
  DailyTotalsQuery,
  DailyTotalsReader,
  DailyTotalsRepository,
  PaymentTotalsRow,
  RefundTotalsRepository,
  RefundTotalsRow,
} from '../domain/ports';

const keyColumns = (k: {
  merchantId: string;
  day: string;
  currency: string;
  method: string;
  status: string;
  livemode: boolean;
}) => ({
  merchant_id: k.merchantId,
  day: k.day,
  currency: k.currency,
  method: k.method,
  status: k.status,
  livemode: k.livemode,
});

/**
 * Must run on the fact's transaction: the totals only ever change together with a fact. Appends
 * the deltas (no row is shared with another event's transaction, so nothing waits on a busy
 * merchant's day); the `daily_totals` view adds them until the folder has.
 */
export function createDailyTotalsRepo(db: Knex): DailyTotalsRepository {
  return {
    async apply(deltas) {
      if (deltas.length === 0) return;
      await db('daily_totals_deltas').insert(
        deltas.map((d) => ({
          ...keyColumns(d.key),
          payments_count: d.paymentsCount.toString(),
          gross_minor: d.grossMinor.toString(),
          fee_minor: d.feeMinor.toString(),
          net_minor: d.netMinor.toString(),
        })),
      );
    },
  };
}

/** Must run on the refund's transaction, like the payment totals. */
export function createRefundTotalsRepo(db: Knex): RefundTotalsRepository {
  return {
    async apply(deltas) {
      if (deltas.length === 0) return;
      await db('daily_refund_totals_deltas').insert(
        deltas.map((d) => ({
          ...keyColumns(d.key),
          refunds_count: d.refundsCount.toString(),
          amount_minor: d.amountMinor.toString(),
        })),
      );
    },
  };
}

const FOLDED = [
  {
    name: 'daily_totals',
    amounts: ['payments_count', 'gross_minor', 'fee_minor', 'net_minor'],
  },
  { name: 'daily_refund_totals', amounts: ['refunds_count', 'amount_minor'] },
] as const;
const KEY = 'merchant_id, day, currency, method, status, livemode';

/**
 * Adds the oldest deltas into the folded rows, up to `batch` of each table per call, one
 * statement each: the deltas taken are deleted and their sums upserted in key order (two
 * folders never wait on each other in a cycle; skip locked gives them disjoint deltas). Answers
 * how many deltas it folded.
 */
export function createDailyTotalsFolder(db: Knex) {
  return {
    async foldOnce(batch: number): Promise<number> {
      let folded = 0;
      for (const { name, amounts } of FOLDED) {
        const set = amounts.map((a) => `${a} = ${name}_folded.${a} + excluded.${a}`).join(', ');
        const result = await db.raw<{ rows: { moved: string }[] }>(
          `
          with moved as (
            delete from ${name}_deltas where id in (
              select id from ${name}_deltas order by id limit :batch for update skip locked)
            returning ${KEY}, ${amounts.join(', ')}
          ),
          added as (
            insert into ${name}_folded (${KEY}, ${amounts.join(', ')})
              select ${KEY}, ${amounts.map((a) => `sum(${a})`).join(', ')}
                from moved group by ${KEY} order by ${KEY}
            on conflict (${KEY}) do update set ${set}
          )
          select count(*)::text as moved from moved`,
          { batch },
        );
        folded += Number(result.rows[0]?.moved ?? 0);
      }
      return folded;
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
