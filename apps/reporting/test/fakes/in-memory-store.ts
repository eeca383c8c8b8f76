import { type DailyTotalsDelta, totalsKeyOf } from '../../src/domain/daily-totals';
import type { PaymentFact } from '../../src/domain/payment-fact';
import type { DailyTotalsRepository, PaymentFactRepository } from '../../src/domain/ports';

export interface TotalsRow {
  merchantId: string;
  day: string;
  currency: string;
  status: string;
  paymentsCount: bigint;
  grossMinor: bigint;
  feeMinor: bigint;
  netMinor: bigint;
}

const keyOf = (k: { merchantId: string; day: string; currency: string; status: string }) =>
  `${k.merchantId}|${k.day}|${k.currency}|${k.status}`;

/** In-memory facts and daily totals with the same contract as the knex repos. */
export function inMemoryReporting() {
  const factRows = new Map<string, PaymentFact>();
  const totalRows = new Map<string, TotalsRow>();

  const compare = (a: PaymentFact, b: PaymentFact) =>
    a.occurredAt.getTime() - b.occurredAt.getTime() ||
    (a.paymentId < b.paymentId ? -1 : a.paymentId > b.paymentId ? 1 : 0);

  const facts: PaymentFactRepository = {
    async get(id) {
      const f = factRows.get(id);
      return f && structuredClone(f);
    },
    async getForUpdate(id) {
      const f = factRows.get(id);
      return f && structuredClone(f);
    },
    async save(fact, isNew) {
      if (isNew === factRows.has(fact.paymentId))
        throw new Error(`save(isNew=${isNew}) disagrees with the store`);
      factRows.set(fact.paymentId, structuredClone(fact));
    },
    async list(q) {
      const sign = q.order === 'asc' ? 1 : -1;
      return [...factRows.values()]
        .filter((f) => f.merchantId === q.merchantId)
        .filter((f) => !q.from || f.occurredAt >= q.from)
        .filter((f) => !q.to || f.occurredAt < q.to)
        .filter((f) => {
          if (!q.after) return true;
          const pivot = { ...f, occurredAt: q.after.occurredAt, paymentId: q.after.paymentId };
          return sign * compare(f, pivot) > 0;
        })
        .sort((a, b) => sign * compare(a, b))
        .slice(0, q.limit)
        .map((f) => structuredClone(f));
    },
  };

  const totals: DailyTotalsRepository = {
    async apply(deltas: DailyTotalsDelta[]) {
      for (const d of deltas) {
        const id = keyOf(d.key);
        const row = totalRows.get(id) ?? {
          ...d.key,
          paymentsCount: 0n,
          grossMinor: 0n,
          feeMinor: 0n,
          netMinor: 0n,
        };
        row.paymentsCount += d.paymentsCount;
        row.grossMinor += d.grossMinor;
        row.feeMinor += d.feeMinor;
        row.netMinor += d.netMinor;
        if (row.paymentsCount === 0n) totalRows.delete(id);
        else totalRows.set(id, row);
      }
    },
  };

  /** daily_totals recomputed from the facts: what the maintained rows must always equal. */
  function totalsFromFacts(): Map<string, TotalsRow> {
    const out = new Map<string, TotalsRow>();
    for (const f of factRows.values()) {
      const key = totalsKeyOf(f);
      const row = out.get(keyOf(key)) ?? {
        ...key,
        paymentsCount: 0n,
        grossMinor: 0n,
        feeMinor: 0n,
        netMinor: 0n,
      };
      row.paymentsCount += 1n;
      row.grossMinor += f.grossMinor;
      row.feeMinor += f.feeMinor;
      row.netMinor += f.netMinor;
      out.set(keyOf(key), row);
    }
    return out;
  }

  return { facts, totals, factRows, totalRows, totalsFromFacts };
}
