import { type Money, money } from '@tolem/money';

import { chart, shardOf } from './accounts';
import type { PaymentEventDraft } from './events';
import { type Fingerprint, moneyPrint } from './idempotency';
import { assertBalanced } from './journal';
import type { TransactionBody, TransactionHead } from './ports';
import { positiveAmount, type RawMoney, requireId, requireText } from './validation';

export interface PayoutCommand {
  idempotencyKey: string;
  merchantId: string;
  amount: RawMoney | undefined;
  description: string;
  /**
   * The balance paid out of: false the merchant's test balance (test payouts move only test
   * money, as Stripe's do), true the live one. The transport reads an unset mode as live.
   */
  livemode: boolean;
}

export interface ValidPayout extends Omit<PayoutCommand, 'amount'> {
  amount: Money;
}

export function validatePayout(cmd: PayoutCommand): ValidPayout {
  requireId(cmd.idempotencyKey, 'idempotency_key');
  requireId(cmd.merchantId, 'merchant_id');
  requireText(cmd.description, 'description');
  return { ...cmd, amount: positiveAmount(cmd.amount, 'amount') };
}

/** The payout id is the transaction's payment id and the key of its events. */
export function payoutHead(p: ValidPayout, payoutId: string): TransactionHead {
  const fingerprint: Fingerprint = {
    merchant_id: p.merchantId,
    amount: moneyPrint(p.amount),
    description: p.description,
    // The same key in the other mode is another payout, never a replay of this one. Payouts
    // stored before modes lack the field, so their retries conflict rather than replay: safe.
    livemode: String(p.livemode),
  };
  return {
    idempotencyKey: p.idempotencyKey,
    kind: 'payout',
    paymentId: payoutId,
    reversesTransactionId: '',
    fingerprint,
  };
}

export function payoutEvent(
  eventType: 'payout.succeeded' | 'payout.reversed',
  payoutId: string,
  merchantId: string,
  amount: Money,
  description: string,
  occurredAt: Date,
  livemode: boolean,
): PaymentEventDraft {
  return {
    eventType,
    occurredAt,
    paymentId: payoutId,
    merchantId,
    orderId: '',
    // The mode of the balance paid out of: a test payout moves test money only.
    livemode,
    gross: amount,
    fee: money(0n, amount.currency),
    net: amount,
    method: null,
    provider: null,
    providerPaymentId: '',
    providerAttributes: {},
    description,
    paymentStatus: '',
    failureCode: '',
  };
}

/**
 * The payout rule: merchant available debit, payout clearing credit (Tolem owes the bank
 * transfer until it settles). The overdraft guard is the journal's.
 */
export function payoutBody(p: ValidPayout, payoutId: string, now: Date): TransactionBody {
  const postings = [
    {
      account: chart.merchantAvailable(p.merchantId, p.amount.currency, p.livemode),
      amountMinor: p.amount.amountMinor,
    },
    {
      account: chart.platformPayoutClearing(p.amount.currency, shardOf(p.merchantId), p.livemode),
      amountMinor: -p.amount.amountMinor,
    },
  ];
  assertBalanced(postings);
  return {
    postings,
    events: [
      payoutEvent(
        'payout.succeeded',
        payoutId,
        p.merchantId,
        p.amount,
        p.description,
        now,
        p.livemode,
      ),
    ],
  };
}
