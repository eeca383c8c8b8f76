import { computeFee, type CurrencyCode, type Money, money } from '@tolem/money';

import { ledgerErrors } from './errors';
import type { PaymentMethod } from './payment';

/** Tolem's fee for one method: percent of the gross plus a fixed part per currency. */
export interface FeePlanRule {
  method: PaymentMethod;
  /** 0..10000 basis points. */
  percentBps: number;
  /** Fixed part by currency; a currency without an entry has no fixed part. */
  fixed: Money[];
}

/** A merchant's fee plan; a method without a rule costs no fee. */
export interface FeePlan {
  merchantId: string;
  rules: FeePlanRule[];
  updatedAt: Date;
}

export interface RawFeeRule {
  method: PaymentMethod;
  percentBps: number;
  fixed: { amountMinor: bigint; currency: string }[];
}

function invalidPlan(field: string, message: string): never {
  throw ledgerErrors.create('LEDGER_INVALID_FEE_PLAN', message, { details: { field } });
}

/**
 * Checks a plan before it is stored, so every stored plan computes: at most one rule per
 * method, percent an integer 0..10000, fixed parts non-negative, known currencies, one per
 * currency. Codes: LEDGER_INVALID_FEE_PLAN with details.field like `rules[1].percent_bps`.
 */
export function validateFeePlanRules(rules: readonly RawFeeRule[]): FeePlanRule[] {
  const methods = new Set<PaymentMethod>();
  return rules.map((rule, i) => {
    if (methods.has(rule.method))
      invalidPlan(`rules[${i}].method`, `more than one rule for ${rule.method}`);
    methods.add(rule.method);
    if (!Number.isInteger(rule.percentBps) || rule.percentBps < 0 || rule.percentBps > 10_000) {
      invalidPlan(`rules[${i}].percent_bps`, 'percent_bps must be an integer 0..10000');
    }
    const currencies = new Set<CurrencyCode>();
    const fixed = rule.fixed.map((f, j) => {
      const field = `rules[${i}].fixed[${j}]`;
      let m: Money;
      try {
        m = money(f.amountMinor, f.currency);
      } catch {
        invalidPlan(field, 'fixed must be an amount in a known currency');
      }
      if (m.amountMinor < 0n) invalidPlan(field, 'fixed must not be negative');
      if (currencies.has(m.currency))
        invalidPlan(field, `more than one fixed part in ${m.currency}`);
      currencies.add(m.currency);
      return m;
    });
    return { method: rule.method, percentBps: rule.percentBps, fixed };
  });
}

/**
 * The fee of a payment under a plan: round_half_up(gross * bps / 10000) + fixed, capped at the
 * gross (libs/money computeFee), so the net is never negative.
 */
export function feeFromPlan(plan: FeePlan, method: PaymentMethod, gross: Money): Money {
  const rule = plan.rules.find((r) => r.method === method);
  if (!rule) return money(0n, gross.currency);
  const fixed = rule.fixed.find((f) => f.currency === gross.currency)?.amountMinor ?? 0n;
  return computeFee(gross, { percentBps: rule.percentBps, fixedMinor: fixed });
}

/** The fee of a payment: its merchant's plan's, or zero when the merchant has no plan. */
export function feeOf(plan: FeePlan | undefined, method: PaymentMethod, gross: Money): Money {
  return plan ? feeFromPlan(plan, method, gross) : money(0n, gross.currency);
}
