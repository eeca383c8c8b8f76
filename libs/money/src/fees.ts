import { type Money, money, moneyErrors } from './money';

/** A fee: percent of the gross in basis points plus a fixed amount in minor units. */
export interface FeeRule {
  readonly percentBps: number;
  readonly fixedMinor: bigint;
}

/**
 * fee = round_half_up(gross * bps / 10000) + fixed, capped at the gross so the net is never
 * negative. Half-up on a positive gross means .5 of a minor unit goes to Tolem, consistently.
 */
export function computeFee(gross: Money, rule: FeeRule): Money {
  if (!Number.isInteger(rule.percentBps) || rule.percentBps < 0 || rule.percentBps > 10_000) {
    throw moneyErrors.create('MONEY_NEGATIVE_AMOUNT', 'fee percent must be 0..10000 basis points');
  }
  if (rule.fixedMinor < 0n) throw moneyErrors.create('MONEY_NEGATIVE_AMOUNT', 'fixed fee must not be negative');
  const percentPart = (gross.amountMinor * BigInt(rule.percentBps) * 2n + 10_000n) / 20_000n;
  const fee = percentPart + rule.fixedMinor;
  return money(fee > gross.amountMinor ? gross.amountMinor : fee, gross.currency);
}
