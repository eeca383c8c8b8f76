import { type Money, money, moneyErrors } from '@tolem/money';

import { type AccountSpec, chart } from './accounts';
import { ledgerErrors } from './errors';
import { paymentEvent } from './events';
import { type Fingerprint, moneyPrint, timePrint } from './idempotency';
import { assertBalanced } from './journal';
import { accountsModeOf, type PaymentRecord } from './payment-record';
import type { StoredTransaction, TransactionBody, TransactionHead } from './ports';
import {
  invalidField,
  MAX_ID_LENGTH,
  positiveAmount,
  type RawMoney,
  requireId,
  requireText,
} from './validation';

export interface RefundCommand {
  /** `re_…`: also the idempotency key of the refund's first transaction. */
  refundId: string;
  paymentId: string;
  amount: RawMoney | undefined;
  reason: string;
  occurredAt: Date | undefined;
}

export interface ValidRefund extends Omit<RefundCommand, 'amount'> {
  amount: Money;
}

/** A refund id leaves room for its resolution key's suffix. */
const MAX_REFUND_ID_LENGTH = MAX_ID_LENGTH - '/resolution'.length;

export function validateRefund(cmd: RefundCommand): ValidRefund {
  requireId(cmd.refundId, 'refund_id', MAX_REFUND_ID_LENGTH);
  requireId(cmd.paymentId, 'payment_id');
  requireText(cmd.reason, 'reason');
  return { ...cmd, amount: positiveAmount(cmd.amount, 'amount') };
}

/** The idempotency key of a refund's start: the refund id itself, so its end can find it. */
export function refundStartKey(refundId: string): string {
  return refundId;
}

/** One key for both ends of a refund, so a refund can succeed or fail, never both. */
export function refundResolutionKey(refundId: string): string {
  // MAX_REFUND_ID_LENGTH leaves room for this suffix.
  return `${refundId}/resolution`;
}

export function refundHead(r: ValidRefund): TransactionHead {
  const fingerprint: Fingerprint = {
    payment_id: r.paymentId,
    amount: moneyPrint(r.amount),
    reason: r.reason,
    occurred_at: timePrint(r.occurredAt),
  };
  return {
    idempotencyKey: refundStartKey(r.refundId),
    kind: 'refund',
    paymentId: r.paymentId,
    reversesTransactionId: '',
    fingerprint,
  };
}

function paymentNotFound(paymentId: string): never {
  throw ledgerErrors.create(
    'LEDGER_PAYMENT_NOT_FOUND',
    `payment ${paymentId} is not in the ledger`,
    {
      details: { field: 'payment_id' },
    },
  );
}

/**
 * The start of a refund, decided under the payment's lock: the merchant's available balance is
 * debited the amount at once and the platform's refunds payable credited, so the money cannot be
 * paid out meanwhile; Tolem keeps its fee. Pending and succeeded refunds together never exceed
 * the gross. The overdraft guard on the merchant's balance is the journal's
 * (LEDGER_INSUFFICIENT_FUNDS).
 */
export function decideRefund(
  r: ValidRefund,
  payment: PaymentRecord | undefined,
  now: Date,
): TransactionBody {
  if (!payment) paymentNotFound(r.paymentId);
  if (payment.status !== 'posted') {
    throw ledgerErrors.create(
      'LEDGER_PAYMENT_NOT_REFUNDABLE',
      `payment ${r.paymentId} is ${payment.status}, only posted payments are refunded`,
      { details: { field: 'payment_id', status: payment.status } },
    );
  }
  if (r.amount.currency !== payment.currency) {
    throw moneyErrors.create(
      'MONEY_CURRENCY_MISMATCH',
      `amount is in ${r.amount.currency}, the payment in ${payment.currency}`,
      { details: { field: 'amount' } },
    );
  }
  const refundable = payment.grossMinor - payment.refundedMinor - payment.refundPendingMinor;
  if (r.amount.amountMinor > refundable) {
    throw ledgerErrors.create(
      'LEDGER_REFUND_EXCEEDS_PAYMENT',
      `refund of ${r.amount.amountMinor} exceeds the ${refundable} left to refund`,
      { details: { field: 'amount', refundable: refundable.toString() } },
    );
  }
  const postings = [
    {
      account: chart.merchantAvailable(
        payment.merchantId,
        payment.currency,
        accountsModeOf(payment),
      ),
      amountMinor: r.amount.amountMinor,
    },
    {
      account: chart.platformRefundsPayable(payment.currency, accountsModeOf(payment)),
      amountMinor: -r.amount.amountMinor,
    },
  ];
  assertBalanced(postings);
  const zero = money(0n, payment.currency);
  const after: PaymentRecord = {
    ...payment,
    refundPendingMinor: payment.refundPendingMinor + r.amount.amountMinor,
  };
  return {
    postings,
    events: [
      {
        ...paymentEvent(
          'refund.pending',
          after,
          { gross: r.amount, fee: zero, net: r.amount },
          r.occurredAt ?? now,
        ),
        refundId: r.refundId,
      },
    ],
    payment: { op: 'update', record: after },
  };
}

/** How a refund ended. */
export type RefundOutcome = 'refunded_by_provider' | 'paid_out' | 'failed';

export interface ResolveRefundCommand {
  refundId: string;
  outcome: RefundOutcome | undefined;
  /** The provider's refund id or the operator's payout reference. */
  reference: string;
  occurredAt: Date | undefined;
}

export interface ValidResolution extends ResolveRefundCommand {
  outcome: RefundOutcome;
}

export function validateResolution(cmd: ResolveRefundCommand): ValidResolution {
  requireId(cmd.refundId, 'refund_id', MAX_REFUND_ID_LENGTH);
  requireText(cmd.reference, 'reference');
  if (!cmd.outcome) invalidField('outcome', 'outcome is required');
  return { ...cmd, outcome: cmd.outcome };
}

export function resolutionHead(r: ValidResolution, paymentId: string): TransactionHead {
  return {
    idempotencyKey: refundResolutionKey(r.refundId),
    kind: 'refund',
    paymentId,
    reversesTransactionId: '',
    fingerprint: {
      refund_id: r.refundId,
      outcome: r.outcome,
      reference: r.reference,
      occurred_at: timePrint(r.occurredAt),
    },
  };
}

/** A refund's start transaction, or LEDGER_REFUND_NOT_FOUND. */
export function requireRefundStart(
  refundId: string,
  start: StoredTransaction | undefined,
): StoredTransaction {
  if (!start || start.kind !== 'refund') {
    throw ledgerErrors.create(
      'LEDGER_REFUND_NOT_FOUND',
      `refund ${refundId} is not in the ledger`,
      {
        details: { field: 'refund_id' },
      },
    );
  }
  return start;
}

/** The amount a refund start took from the merchant: its debit (the positive posting). */
export function refundAmountOf(start: StoredTransaction): bigint {
  return start.postings.reduce((sum, p) => (p.amountMinor > 0n ? sum + p.amountMinor : sum), 0n);
}

function destinationOf(outcome: RefundOutcome, payment: PaymentRecord): AccountSpec {
  switch (outcome) {
    case 'refunded_by_provider':
      return chart.providerClearing(
        payment.provider,
        payment.currency,
        payment.shard,
        accountsModeOf(payment),
      );
    case 'paid_out':
      return chart.platformPayoutClearing(payment.currency, payment.shard, accountsModeOf(payment));
    case 'failed':
      return chart.merchantAvailable(payment.merchantId, payment.currency, accountsModeOf(payment));
  }
}

/**
 * The end of a refund, decided under the payment's lock: its amount leaves refunds payable for
 * the provider's clearing (the provider paid the payer back), payout clearing (an operator did) or
 * the merchant's available balance (it failed). Succeeded counts toward refunded, which decides
 * partially_refunded / refunded; either way it no longer counts as pending.
 */
export function decideResolution(
  r: ValidResolution,
  amountMinor: bigint,
  payment: PaymentRecord | undefined,
  now: Date,
): TransactionBody {
  if (!payment) paymentNotFound('of the refund');
  const amount = money(amountMinor, payment.currency);
  const postings = [
    {
      account: chart.platformRefundsPayable(payment.currency, accountsModeOf(payment)),
      amountMinor,
    },
    { account: destinationOf(r.outcome, payment), amountMinor: -amountMinor },
  ];
  assertBalanced(postings);
  const succeeded = r.outcome !== 'failed';
  const after: PaymentRecord = {
    ...payment,
    refundPendingMinor: payment.refundPendingMinor - amountMinor,
    refundedMinor: succeeded ? payment.refundedMinor + amountMinor : payment.refundedMinor,
  };
  const event = paymentEvent(
    succeeded ? 'refund.succeeded' : 'refund.failed',
    after,
    { gross: amount, fee: money(0n, payment.currency), net: amount },
    r.occurredAt ?? now,
  );
  return {
    postings,
    events: [{ ...event, refundId: r.refundId, failureCode: succeeded ? '' : r.reference }],
    payment: { op: 'update', record: after },
  };
}
