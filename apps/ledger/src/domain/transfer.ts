import { isCurrencyCode, MAX_MINOR, moneyErrors } from '@tolem/money';

import type { Account } from './accounts';
import { ledgerErrors } from './errors';
import { assertBalanced, type PostingDraft, totalsByAccount } from './journal';
import type { TransactionBody, TransactionHead } from './ports';
import { requireId, requireText } from './validation';

export interface TransferPostingInput {
  accountId: string;
  amountMinor: bigint;
  currency: string;
}

export interface TransferCommand {
  idempotencyKey: string;
  postings: TransferPostingInput[];
  description: string;
}

const MAX_POSTINGS = 100;

function refuse(
  code:
    | 'MONEY_UNKNOWN_CURRENCY'
    | 'MONEY_ZERO_AMOUNT'
    | 'MONEY_AMOUNT_OVERFLOW'
    | 'MONEY_CURRENCY_MISMATCH',
  field: string,
  message: string,
): never {
  throw moneyErrors.create(code, `${field}: ${message}`, { details: { field } });
}

/**
 * Shape of a PostTransaction before any account is read: 2..100 postings, ids present, known
 * currency, one currency for all (mixed currencies are refused), no zero amount, sum zero
 * (LEDGER_POSTINGS_UNBALANCED), and no account's debits or credits past 64 bits.
 */
export function validateTransfer(cmd: TransferCommand): TransferCommand {
  requireId(cmd.idempotencyKey, 'idempotency_key');
  requireText(cmd.description, 'description');
  if (cmd.postings.length < 2 || cmd.postings.length > MAX_POSTINGS) {
    throw ledgerErrors.create(
      'LEDGER_INVALID_REQUEST',
      `postings must have 2..${MAX_POSTINGS} entries`,
      {
        details: { field: 'postings' },
      },
    );
  }
  const first = cmd.postings[0]?.currency ?? '';
  let sum = 0n;
  cmd.postings.forEach((p, i) => {
    requireId(p.accountId, `postings[${i}].account_id`);
    if (!isCurrencyCode(p.currency))
      refuse(
        'MONEY_UNKNOWN_CURRENCY',
        `postings[${i}].currency`,
        `unknown currency ${JSON.stringify(p.currency)}`,
      );
    if (p.currency !== first)
      refuse(
        'MONEY_CURRENCY_MISMATCH',
        `postings[${i}].currency`,
        `one transaction takes one currency (${first}), got ${p.currency}`,
      );
    if (p.amountMinor === 0n)
      refuse('MONEY_ZERO_AMOUNT', `postings[${i}].amount_minor`, 'a posting must not be zero');
    if (p.amountMinor > MAX_MINOR || p.amountMinor < -MAX_MINOR)
      refuse(
        'MONEY_AMOUNT_OVERFLOW',
        `postings[${i}].amount_minor`,
        'amount does not fit in 64 bits',
      );
    sum += p.amountMinor;
  });
  if (sum !== 0n) {
    throw ledgerErrors.create(
      'LEDGER_POSTINGS_UNBALANCED',
      `postings sum to ${sum.toString()}, not zero`,
      {
        details: { field: 'postings' },
      },
    );
  }
  for (const [, t] of totalsByAccount(cmd.postings, (p) => p.accountId)) {
    if (t.debits > MAX_MINOR || t.credits > MAX_MINOR)
      refuse(
        'MONEY_AMOUNT_OVERFLOW',
        'postings',
        'an account total of this transaction does not fit in 64 bits',
      );
  }
  return cmd;
}

export function transferHead(cmd: TransferCommand): TransactionHead {
  return {
    idempotencyKey: cmd.idempotencyKey,
    kind: 'transfer',
    paymentId: '',
    reversesTransactionId: '',
    fingerprint: {
      postings: cmd.postings
        .map((p) => `${p.accountId}:${p.amountMinor.toString()}:${p.currency}`)
        .join(','),
      description: cmd.description,
    },
  };
}

/**
 * The postings against the accounts found: each must exist (LEDGER_ACCOUNT_NOT_FOUND), be a
 * platform or provider account (LEDGER_ACCOUNT_NOT_ALLOWED: merchant money moves only through
 * the typed operations, which apply fee rules and emit events) and carry the posting's
 * currency (MONEY_CURRENCY_MISMATCH); all of one mode (LEDGER_INVALID_REQUEST). A transfer emits
 * no event.
 */
export function transferBody(
  cmd: TransferCommand,
  accounts: Map<string, Account>,
): TransactionBody {
  const postings: PostingDraft[] = cmd.postings.map((p, i) => {
    const account = accounts.get(p.accountId);
    if (!account) {
      throw ledgerErrors.create(
        'LEDGER_ACCOUNT_NOT_FOUND',
        `account ${p.accountId} does not exist`,
        {
          details: { field: `postings[${i}].account_id` },
        },
      );
    }
    if (account.ownerType === 'merchant') {
      throw ledgerErrors.create(
        'LEDGER_ACCOUNT_NOT_ALLOWED',
        `account ${p.accountId} belongs to a merchant`,
        {
          details: { field: `postings[${i}].account_id` },
        },
      );
    }
    if (account.currency !== p.currency) {
      refuse(
        'MONEY_CURRENCY_MISMATCH',
        `postings[${i}].currency`,
        `account ${p.accountId} is in ${account.currency}`,
      );
    }
    return { account, amountMinor: p.amountMinor };
  });
  // Test money never moves to a live account or back: each mode's books balance on their own.
  const mixed = postings.findIndex((p) => p.account.livemode !== postings[0]?.account.livemode);
  if (mixed >= 0) {
    throw ledgerErrors.create(
      'LEDGER_INVALID_REQUEST',
      'the postings mix test and live accounts; a transaction moves money of one mode',
      { details: { field: `postings[${mixed}].account_id` } },
    );
  }
  assertBalanced(postings);
  return { postings, events: [] };
}
