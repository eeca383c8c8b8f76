import { EARLIEST_TIME, LATEST_TIME } from '@tolem/errors';
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

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** An int64 in decimal, or undefined: a forged token's number beyond it failed in PostgreSQL. */
function int64Of(text: string | undefined): bigint | undefined {
  if (!text || !/^-?\d{1,20}$/.test(text)) return undefined;
  const value = BigInt(text);
  return value >= INT64_MIN && value <= INT64_MAX ? value : undefined;
}

function decodeToken(token: string, accountId: string): Token {
  const parts = Buffer.from(token, 'base64url').toString().split('|');
  const [acc, micros, id, balance] = parts.map(String);
  const createdAtMicros = int64Of(micros);
  const postingId = int64Of(id);
  const balanceAfter = int64Of(balance);
  if (
    parts.length !== 4 ||
    acc !== accountId ||
    createdAtMicros === undefined ||
    postingId === undefined ||
    balanceAfter === undefined ||
    // The position's time is compared as a timestamp: one outside years 1 to 9999 fails there.
    createdAtMicros < BigInt(EARLIEST_TIME) * 1000n ||
    createdAtMicros > BigInt(LATEST_TIME) * 1000n
  ) {
    throw ledgerErrors.create(
      'LEDGER_INVALID_REQUEST',
      'page_token is not a token of this statement',
      {
        details: { field: 'page_token' },
      },
    );
  }
  return { accountId, createdAtMicros, postingId, balance: balanceAfter };
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
