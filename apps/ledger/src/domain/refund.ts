import { type Money, money, moneyErrors } from '@tolem/money';

import { chart } from './accounts';
import { ledgerErrors } from './errors';
import { paymentEvent } from './events';
import { type Fingerprint, moneyPrint, timePrint } from './idempotency';
import { assertBalanced } from './journal';
import type { PaymentRecord } from './payment-record';
import type { TransactionBody, TransactionHead } from './ports';
import { positiveAmount, type RawMoney, requireId, requireText } from './validation';

export interface RefundCommand {
  idempotencyKey: string;
  paymentId: string;
  amount: RawMoney | undefined;
  reason: string;
  occurredAt: Date | undefined;
}

export interface ValidRefund extends Omit<RefundCommand, 'amount'> {
  amount: Money;
}

export function validateRefund(cmd: RefundCommand): ValidRefund {
  requireId(cmd.idempotencyKey, 'idempotency_key');
  requireId(cmd.paymentId, 'payment_id');
  requireText(cmd.reason, 'reason');
  return { ...cmd, amount: positiveAmount(cmd.amount, 'amount') };
}

export function refundHead(r: ValidRefund): TransactionHead {
  const fingerprint: Fingerprint = {
    payment_id: r.paymentId,
    amount: moneyPrint(r.amount),
    reason: r.reason,
    occurred_at: timePrint(r.occurredAt),
  };
  return {
    idempotencyKey: r.idempotencyKey,
    kind: 'refund',
    paymentId: r.paymentId,
    reversesTransactionId: '',
    fingerprint,
  };
}

/**
 * The refund rule, decided under the payment's lock: the customer gets `amount` back, the
 * merchant's available balance is debited the same amount and the provider clearing credited;
 * Tolem keeps its fee. All refunds together never exceed the gross. The overdraft guard on the
 * merchant's balance is the journal's (LEDGER_INSUFFICIENT_FUNDS).
 */
export function decideRefund(
  r: ValidRefund,
  payment: PaymentRecord | undefined,
  now: Date,
): TransactionBody {
  if (!payment) {
    throw ledgerErrors.create(
      'LEDGER_PAYMENT_NOT_FOUND',
      `payment ${r.paymentId} is not in the ledger`,
      {
        details: { field: 'payment_id' },
      },
    );
  }
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
  const refundable = payment.grossMinor - payment.refundedMinor;
  if (r.amount.amountMinor > refundable) {
    throw ledgerErrors.create(
      'LEDGER_REFUND_EXCEEDS_PAYMENT',
      `refund of ${r.amount.amountMinor} exceeds the ${refundable} left to refund`,
      { details: { field: 'amount', refundable: refundable.toString() } },
    );
  }
  const postings = [
    {
      account: chart.merchantAvailable(payment.merchantId, payment.currency),
      amountMinor: r.amount.amountMinor,
    },
    {
      account: chart.providerClearing(payment.provider, payment.currency, payment.shard),
      amountMinor: -r.amount.amountMinor,
    },
  ];
  assertBalanced(postings);
  const zero = money(0n, payment.currency);
  const after = { ...payment, refundedMinor: payment.refundedMinor + r.amount.amountMinor };
  return {
    postings,
    events: [
      paymentEvent(
        'refund.succeeded',
        after,
        { gross: r.amount, fee: zero, net: r.amount },
        r.occurredAt ?? now,
      ),
    ],
    payment: { op: 'update', record: after },
  };
}
