import { type CurrencyCode, money } from '@tolem/money';

import { chart } from '../domain/accounts';
import { ledgerErrors } from '../domain/errors';
import type { TransactionKind } from '../domain/journal';
import type { BalanceRepository, StatementCursor } from '../domain/ports';
import { requireId, withField } from '../domain/validation';

export interface StatementLine {
  transactionId: string;
  kind: TransactionKind;
  paymentId: string;
  /** + credit to the merchant, - debit. */
  amountMinor: bigint;
  balanceAfterMinor: bigint;
  currency: CurrencyCode;
  createdAt: Date;
}

export interface Statement {
  openingBalance: bigint;
  currency: CurrencyCode;
  /** The mode of the balance the statement is of. */
  livemode: boolean;
  lines: StatementLine[];
  nextPageToken: string;
}

export interface ListStatementInput {
  merchantId: string;
  currency: string;
  /** Test (false) or live (true) balance: each has its own account and statement. */
  livemode: boolean;
  from: Date | undefined;
  to: Date | undefined;
  pageSize: number;
  pageToken: string;
}

const MAX_PAGE = 1000;

interface Token extends StatementCursor {
  accountId: string;
  balance: bigint;
}

function encodeToken(t: Token): string {
  return Buffer.from(
    [t.accountId, t.createdAtMicros.toString(), t.postingId.toString(), t.balance.toString()].join(
      '|',
    ),
  ).toString('base64url');
}

function decodeToken(token: string, accountId: string): Token {
  const parts = Buffer.from(token, 'base64url').toString().split('|');
  const [acc, micros, id, balance] = parts;
  const integer = /^-?\d{1,20}$/;
  if (
    parts.length !== 4 ||
    acc !== accountId ||
    !integer.test(micros ?? '') ||
    !integer.test(id ?? '') ||
    !integer.test(balance ?? '')
  ) {
    throw ledgerErrors.create(
      'LEDGER_INVALID_REQUEST',
      'page_token is not a token of this statement',
      {
        details: { field: 'page_token' },
      },
    );
  }
  return {
    accountId,
    createdAtMicros: BigInt(micros as string),
    postingId: BigInt(id as string),
    balance: BigInt(balance as string),
  };
}

/**
 * A merchant's statement in one currency and mode: the posted lines of its available account in
 * [from, to), oldest first, each with the balance after it, paged by an opaque token that
 * carries the position and the running balance (so a page costs one index range scan).
 */
export function makeListStatement(deps: {
  balances: Pick<BalanceRepository, 'totalsOf' | 'statement'>;
}) {
  return async (input: ListStatementInput): Promise<Statement> => {
    requireId(input.merchantId, 'merchant_id');
    const currency = withField('currency', () => money(0n, input.currency)).currency;
    const pageSize = input.pageSize === 0 ? 100 : input.pageSize;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE) {
      throw ledgerErrors.create('LEDGER_INVALID_REQUEST', `page_size must be 1..${MAX_PAGE}`, {
        details: { field: 'page_size' },
      });
    }
    if (input.from && input.to && input.from.getTime() > input.to.getTime()) {
      throw ledgerErrors.create('LEDGER_INVALID_REQUEST', 'from is after to', {
        details: { field: 'from' },
      });
    }
    const livemode = input.livemode;
    const found = await deps.balances.totalsOf(
      chart.merchantAvailable(input.merchantId, currency, livemode),
    );
    if (!found) return { openingBalance: 0n, currency, livemode, lines: [], nextPageToken: '' };
    const accountId = found.account.id;
    const token = input.pageToken ? decodeToken(input.pageToken, accountId) : undefined;
    const page = await deps.balances.statement({
      accountId,
      from: input.from,
      to: input.to,
      limit: pageSize + 1,
      after: token,
    });
    // The merchant account is a liability: a credit (negative amount) raises the balance.
    const opening = -page.before;
    let balance = token ? token.balance : opening;
    const rows = page.rows.slice(0, pageSize);
    const lines = rows.map((r) => {
      balance += -r.amountMinor;
      return {
        transactionId: r.transactionId,
        kind: r.kind,
        paymentId: r.paymentId,
        amountMinor: -r.amountMinor,
        balanceAfterMinor: balance,
        currency,
        createdAt: r.createdAt,
      };
    });
    const last = rows[rows.length - 1];
    const nextPageToken =
      page.rows.length > pageSize && last
        ? encodeToken({ accountId, ...last.cursor, balance })
        : '';
    return { openingBalance: opening, currency, livemode, lines, nextPageToken };
  };
}
