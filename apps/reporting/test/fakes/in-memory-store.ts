import {
  caseContribution,
  type DailyTotalsDelta,
  factContribution,
  isEmptyTotalsRow,
  refundContribution,
  type RefundTotalsDelta,
} from '../../src/domain/daily-totals';
import type { PaymentCase } from '../../src/domain/payment-case';
import type { PaymentFact } from '../../src/domain/payment-fact';
import type {
  DailyTotalsRepository,
  PaymentCaseRepository,
  PaymentFactRepository,
  RefundFactRepository,
  RefundTotalsRepository,
} from '../../src/domain/ports';
import type { RefundFact } from '../../src/domain/refund-fact';

export interface TotalsRow {
  merchantId: string;
  day: string;
  currency: string;
  method: string;
  status: string;
  livemode: boolean;
  paymentsCount: bigint;
  grossMinor: bigint;
  feeMinor: bigint;
  netMinor: bigint;
}

export interface RefundTotalsRow {
  merchantId: string;
  day: string;
  currency: string;
  method: string;
  status: string;
  livemode: boolean;
  refundsCount: bigint;
  amountMinor: bigint;
}

const keyOf = (k: {
  merchantId: string;
  day: string;
  currency: string;
  method: string;
  status: string;
  livemode: boolean;
}) => `${k.merchantId}|${k.day}|${k.currency}|${k.method}|${k.status}|${k.livemode}`;

/** In-memory facts, cases and daily totals with the same contract as the knex repos. */
export function inMemoryReporting() {
  const factRows = new Map<string, PaymentFact>();
  const caseRows = new Map<string, PaymentCase>();
  const totalRows = new Map<string, TotalsRow>();
  const refundRows = new Map<string, RefundFact>();
  const refundTotalRows = new Map<string, RefundTotalsRow>();

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
        .filter((f) => q.livemode === undefined || f.livemode === q.livemode)
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

  const cases: PaymentCaseRepository = {
    async getForUpdate(id) {
      const c = caseRows.get(id);
      return c && structuredClone(c);
    },
    async save(c, isNew) {
      if (isNew === caseRows.has(c.caseId))
        throw new Error(`save(isNew=${isNew}) disagrees with the store`);
      caseRows.set(c.caseId, structuredClone(c));
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
        if (isEmptyTotalsRow(row)) totalRows.delete(id);
        else totalRows.set(id, row);
      }
    },
  };

  const refunds: RefundFactRepository = {
    async getForUpdate(id) {
      const r = refundRows.get(id);
      return r && structuredClone(r);
    },
    async save(r, isNew) {
      if (isNew === refundRows.has(r.refundId))
        throw new Error(`save(isNew=${isNew}) disagrees with the store`);
      refundRows.set(r.refundId, structuredClone(r));
    },
    async list(q) {
      const after = q.after;
      const compare = (a: RefundFact, b: { statusAt: Date; refundId: string }) =>
        b.statusAt.getTime() - a.statusAt.getTime() ||
        (a.refundId < b.refundId ? 1 : a.refundId > b.refundId ? -1 : 0);
      return [...refundRows.values()]
        .filter((r) => r.merchantId === q.merchantId)
        .filter((r) => !q.paymentId || r.paymentId === q.paymentId)
        .filter((r) => q.livemode === undefined || r.livemode === q.livemode)
        .filter((r) => !after || compare(r, after) > 0)
        .sort((a, b) => compare(a, b))
        .slice(0, q.limit)
        .map((r) => structuredClone(r));
    },
  };
  const refundTotals: RefundTotalsRepository = {
    async apply(deltas: RefundTotalsDelta[]) {
      for (const d of deltas) {
        const id = keyOf(d.key);
        const row = refundTotalRows.get(id) ?? { ...d.key, refundsCount: 0n, amountMinor: 0n };
        row.refundsCount += d.refundsCount;
        row.amountMinor += d.amountMinor;
        if (row.refundsCount === 0n && row.amountMinor === 0n) refundTotalRows.delete(id);
        else refundTotalRows.set(id, row);
      }
    },
  };
  /** Refund totals recomputed from the refunds: what the maintained rows must always equal. */
  function refundTotalsFromRefunds(): Map<string, RefundTotalsRow> {
    const out = new Map<string, RefundTotalsRow>();
    for (const c of [...refundRows.values()].flatMap((r) => refundContribution(r))) {
      const row = out.get(keyOf(c.key)) ?? { ...c.key, refundsCount: 0n, amountMinor: 0n };
      row.refundsCount += c.refundsCount;
      row.amountMinor += c.amountMinor;
      out.set(keyOf(c.key), row);
    }
    return out;
  }
  /** daily_totals recomputed from the facts and cases: what the maintained rows must always equal. */
  function totalsFromFacts(): Map<string, TotalsRow> {
    const out = new Map<string, TotalsRow>();
    const contributions = [
      ...[...factRows.values()].flatMap(factContribution),
      ...[...caseRows.values()].flatMap(caseContribution),
    ];
    for (const c of contributions) {
      const row = out.get(keyOf(c.key)) ?? {
        ...c.key,
        paymentsCount: 0n,
        grossMinor: 0n,
        feeMinor: 0n,
        netMinor: 0n,
      };
      row.paymentsCount += c.paymentsCount;
      row.grossMinor += c.grossMinor;
      row.feeMinor += c.feeMinor;
      row.netMinor += c.netMinor;
      out.set(keyOf(c.key), row);
    }
    return out;
  }

  return {
    facts,
    cases,
    totals,
    refunds,
    refundTotals,
    factRows,
    caseRows,
    totalRows,
    refundRows,
    refundTotalRows,
    totalsFromFacts,
    refundTotalsFromRefunds,
  };
}
