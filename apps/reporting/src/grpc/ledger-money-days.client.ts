import type { LedgerServiceClient } from '@tolem/contracts/ledger';
import type { PromiseClient } from '@tolem/grpc-kit';

import type { MoneyDay } from '../domain/consistency';
import type { MoneyDaysSource } from '../domain/ports';

/**
 * The ledger's side of the consistency check, through its GetDailyMoneyTotals (a row per mode; a
 * ledger from before modes sends none, and its rows read as test, as its payments do).
 */
export function ledgerMoneyDays(
  ledger: Pick<PromiseClient<LedgerServiceClient>, 'getDailyMoneyTotals'>,
): MoneyDaysSource {
  return {
    async moneyDays({ merchantId, fromDay, toDay }) {
      const res = await ledger.getDailyMoneyTotals(
        { merchantId: merchantId ?? '', fromDay, toDay },
        { deadlineMs: 30_000 },
      );
      return res.totals.map(
        (t): MoneyDay => ({
          merchantId: t.merchantId,
          currency: t.currency,
          day: t.day,
          livemode: t.livemode,
          paymentsCount: t.paymentsCount,
          grossMinor: t.grossMinor,
          feeMinor: t.feeMinor,
          netMinor: t.netMinor,
          refundsStartedCount: t.refundsStartedCount,
          refundsStartedMinor: t.refundsStartedMinor,
          refundsSucceededCount: t.refundsSucceededCount,
          refundsSucceededMinor: t.refundsSucceededMinor,
        }),
      );
    },
  };
}
