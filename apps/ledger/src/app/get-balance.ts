import { type CurrencyCode, type Money, money } from '@tolem/money';

import {
  type Account,
  type AccountTotals,
  chart,
  type OwnerType,
  pendingBalance,
  postedBalance,
} from '../domain/accounts';
import { ledgerErrors } from '../domain/errors';
import type { BalanceRepository } from '../domain/ports';
import { requireId, withField } from '../domain/validation';

export interface MerchantBalance {
  available: Money;
  pending: Money;
  /** The mode of the balance: test and live money are separate balances. */
  livemode: boolean;
}

function checkAsOf(asOf: Date | undefined): void {
  if (asOf && Number.isNaN(asOf.getTime())) {
    throw ledgerErrors.create('LEDGER_INVALID_REQUEST', 'as_of is not a valid time', {
      details: { field: 'as_of' },
    });
  }
}

/**
 * A merchant's balance in one currency and mode, now or as of a past time (the postings created
 * at or before it); zero when the merchant never received money in it.
 */
export function makeGetBalance(deps: { balances: Pick<BalanceRepository, 'totalsOf'> }) {
  return async (input: {
    merchantId: string;
    currency: string;
    livemode: boolean;
    asOf?: Date;
  }): Promise<MerchantBalance> => {
    requireId(input.merchantId, 'merchant_id');
    checkAsOf(input.asOf);
    const currency: CurrencyCode = withField('currency', () => money(0n, input.currency)).currency;
    const found = await deps.balances.totalsOf(
      chart.merchantAvailable(input.merchantId, currency, input.livemode),
      input.asOf,
    );
    const livemode = input.livemode;
    if (!found) {
      return { available: money(0n, currency), pending: money(0n, currency), livemode };
    }
    return {
      available: money(postedBalance(found.account.normalSide, found.totals), currency),
      pending: money(pendingBalance(found.account.normalSide, found.totals), currency),
      livemode,
    };
  };
}

export interface AccountBalance {
  account: Account;
  totals: AccountTotals;
  posted: Money;
  pending: Money;
}

/** One account's balance (any account, system shards included), now or as of a past time. */
export function makeGetAccountBalance(deps: { balances: Pick<BalanceRepository, 'totalsById'> }) {
  return async (input: { accountId: string; asOf?: Date }): Promise<AccountBalance> => {
    requireId(input.accountId, 'account_id');
    checkAsOf(input.asOf);
    const found = await deps.balances.totalsById(input.accountId, input.asOf);
    if (!found) {
      throw ledgerErrors.create(
        'LEDGER_ACCOUNT_NOT_FOUND',
        `account ${input.accountId} does not exist`,
        {
          details: { field: 'account_id' },
        },
      );
    }
    const { account, totals } = found;
    return {
      account,
      totals,
      posted: money(postedBalance(account.normalSide, totals), account.currency),
      pending: money(pendingBalance(account.normalSide, totals), account.currency),
    };
  };
}

/** The accounts of one owner in one mode, e.g. the 16 live clearing shards of a provider. */
export function makeListAccounts(deps: { balances: Pick<BalanceRepository, 'listAccounts'> }) {
  return async (input: {
    ownerType: OwnerType;
    ownerId: string;
    currency: string;
    livemode: boolean;
  }): Promise<Account[]> => {
    requireId(input.ownerId, 'owner_id');
    if (input.currency) withField('currency', () => money(0n, input.currency));
    return deps.balances.listAccounts({
      ownerType: input.ownerType,
      ownerId: input.ownerId,
      livemode: input.livemode,
      currency: input.currency || undefined,
    });
  };
}
