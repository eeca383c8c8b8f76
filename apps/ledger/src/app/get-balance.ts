import { type CurrencyCode, type Money, money } from '@tolem/money';

import { chart, pendingBalance, postedBalance } from '../domain/accounts';
import { ledgerErrors } from '../domain/errors';
import type { BalanceRepository } from '../domain/ports';

export interface MerchantBalance {
  available: Money;
  pending: Money;
}

/** A merchant's balance in one currency; zero when the merchant never received money in it. */
export function makeGetBalance(deps: { balances: BalanceRepository }) {
  return async (input: { merchantId: string; currency: string }): Promise<MerchantBalance> => {
    if (!input.merchantId) {
      throw ledgerErrors.create('LEDGER_INVALID_REQUEST', 'merchant_id is required', {
        details: { field: 'merchant_id' },
      });
    }
    const currency: CurrencyCode = money(0n, input.currency).currency;
    const found = await deps.balances.totalsOf(chart.merchantAvailable(input.merchantId, currency));
    if (!found) return { available: money(0n, currency), pending: money(0n, currency) };
    return {
      available: money(postedBalance(found.normalSide, found.totals), currency),
      pending: money(pendingBalance(found.normalSide, found.totals), currency),
    };
  };
}
