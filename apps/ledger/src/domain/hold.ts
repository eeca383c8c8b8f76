import { type Money, money, moneyErrors } from '@tolem/money';

import { chart, shardOf } from './accounts';
import { ledgerErrors } from './errors';
import { paymentEvent } from './events';
import { feeOf, type FeePlan } from './fees';
import { type Fingerprint, moneyPrint, timePrint } from './idempotency';
import { assertBalanced, type PostingDraft } from './journal';
import {
  detailsOf,
  type PaymentDetails,
  type PaymentMethod,
  paymentPostings,
  type PaymentProvider,
} from './payment';
import { accountsModeOf, type PaymentRecord } from './payment-record';
import type { NewTransaction, TransactionBody, TransactionHead } from './ports';
import {
  MAX_ID_LENGTH,
  positiveAmount,
  type RawMoney,
  requireId,
  requireText,
  withField,
} from './validation';

/** Longest a hold may last: TigerBeetle-like timeouts are for minutes to days, not months. */
export const MAX_HOLD_SECONDS = 30 * 24 * 3600;

export interface CreateHoldCommand extends PaymentDetails {
  idempotencyKey: string;
  paymentId: string;
  merchantId: string;
  amount: RawMoney | undefined;
  method: PaymentMethod;
  provider: PaymentProvider;
  timeoutSeconds: number;
  occurredAt: Date | undefined;
}

export interface ValidHold extends Omit<CreateHoldCommand, 'amount'> {
  amount: Money;
}

export function validateCreateHold(cmd: CreateHoldCommand): ValidHold {
  requireId(cmd.idempotencyKey, 'idempotency_key');
  // Room for its expiry key (expiryKeyOf), or the hold could never expire.
  requireId(cmd.paymentId, 'payment_id', MAX_ID_LENGTH - 'hold::expired'.length);
  requireId(cmd.merchantId, 'merchant_id');
  if (
    !Number.isInteger(cmd.timeoutSeconds) ||
    cmd.timeoutSeconds < 1 ||
    cmd.timeoutSeconds > MAX_HOLD_SECONDS
  ) {
    throw ledgerErrors.create(
      'LEDGER_INVALID_REQUEST',
      `timeout_seconds must be 1..${MAX_HOLD_SECONDS}`,
      {
        details: { field: 'timeout_seconds' },
      },
    );
  }
  return { ...cmd, amount: positiveAmount(cmd.amount, 'amount') };
}

/** The two-phase legs of a hold (sign 1) or of its release (sign -1), all pending. */
function pendingLegs(
  record: Pick<
    PaymentRecord,
    'merchantId' | 'provider' | 'currency' | 'shard' | 'livemode' | 'accountsLivemode'
  >,
  amount: bigint,
  sign: 1n | -1n,
): PostingDraft[] {
  return [
    {
      account: chart.providerClearing(
        record.provider,
        record.currency,
        record.shard,
        accountsModeOf(record),
      ),
      amountMinor: sign * amount,
      pending: true,
    },
    {
      account: chart.merchantAvailable(record.merchantId, record.currency, accountsModeOf(record)),
      amountMinor: -sign * amount,
      pending: true,
    },
  ];
}

const zeroOf = (currency: Money['currency']) => money(0n, currency);

/**
 * CreateHold: provider clearing pending debit, merchant pending credit, a `payment.held` event
 * and the register row (status held, expiry now + timeout). Nothing is available to the
 * merchant until the hold is posted.
 */
export function holdTransaction(h: ValidHold, now: Date): NewTransaction {
  const shard = shardOf(h.merchantId);
  const record: PaymentRecord = {
    paymentId: h.paymentId,
    merchantId: h.merchantId,
    currency: h.amount.currency,
    method: h.method,
    provider: h.provider,
    shard,
    status: 'held',
    heldMinor: h.amount.amountMinor,
    holdExpiresAt: new Date(now.getTime() + h.timeoutSeconds * 1000),
    grossMinor: 0n,
    feeMinor: 0n,
    refundedMinor: 0n,
    refundPendingMinor: 0n,
    occurredAt: h.occurredAt ?? now,
    ...detailsOf(h),
  };
  const postings = pendingLegs(record, h.amount.amountMinor, 1n);
  assertBalanced(postings);
  const zero = zeroOf(h.amount.currency);
  const fingerprint: Fingerprint = {
    payment_id: h.paymentId,
    merchant_id: h.merchantId,
    amount: moneyPrint(h.amount),
    method: h.method,
    provider: h.provider,
    provider_payment_id: h.providerPaymentId,
    provider_attributes: { ...h.providerAttributes },
    order_id: h.orderId,
    description: h.description,
    timeout_seconds: String(h.timeoutSeconds),
    occurred_at: timePrint(h.occurredAt),
  };
  return {
    idempotencyKey: h.idempotencyKey,
    kind: 'hold',
    paymentId: h.paymentId,
    reversesTransactionId: '',
    fingerprint,
    shard,
    postings,
    events: [
      paymentEvent(
        'payment.held',
        record,
        { gross: h.amount, fee: zero, net: zero },
        record.occurredAt,
      ),
    ],
    payment: { op: 'insert', record },
  };
}

export interface PostHoldCommand {
  idempotencyKey: string;
  paymentId: string;
  /** Undefined: capture everything held. */
  amount: RawMoney | undefined;
  occurredAt: Date | undefined;
}

export function validatePostHold(cmd: PostHoldCommand): PostHoldCommand {
  requireId(cmd.idempotencyKey, 'idempotency_key');
  requireId(cmd.paymentId, 'payment_id');
  if (cmd.amount) positiveAmount(cmd.amount, 'amount');
  return cmd;
}

export function postHoldHead(cmd: PostHoldCommand): TransactionHead {
  const raw = (m: RawMoney | undefined) =>
    m ? { amount_minor: m.amountMinor.toString(), currency: m.currency } : null;
  return {
    idempotencyKey: cmd.idempotencyKey,
    // A captured hold is the payment's one `payment` transaction: refunds treat it alike.
    kind: 'payment',
    paymentId: cmd.paymentId,
    reversesTransactionId: '',
    fingerprint: {
      payment_id: cmd.paymentId,
      amount: raw(cmd.amount),
      occurred_at: timePrint(cmd.occurredAt),
    },
  };
}

function requirePendingHold(
  paymentId: string,
  record: PaymentRecord | undefined,
  now: Date,
  allowExpired: boolean,
): PaymentRecord {
  if (!record) {
    throw ledgerErrors.create(
      'LEDGER_PAYMENT_NOT_FOUND',
      `payment ${paymentId} is not in the ledger`,
      {
        details: { field: 'payment_id' },
      },
    );
  }
  if (record.status !== 'held') {
    throw ledgerErrors.create(
      'LEDGER_HOLD_NOT_PENDING',
      `payment ${paymentId} is ${record.status}, not held`,
      {
        details: { field: 'payment_id', status: record.status },
      },
    );
  }
  if (!allowExpired && record.holdExpiresAt && now.getTime() > record.holdExpiresAt.getTime()) {
    throw ledgerErrors.create(
      'LEDGER_HOLD_EXPIRED',
      `the hold of ${paymentId} expired at ${record.holdExpiresAt.toISOString()}`,
      {
        details: { field: 'payment_id' },
      },
    );
  }
  return record;
}

/**
 * PostHold, under the payment's lock: releases the whole held amount from pending and posts the
 * captured part (at most the held amount) by the payment rule, with the fee from the merchant's
 * plan (zero without a plan). The rest of a partial capture simply returns to nobody:
 * it was never available.
 */
export function decidePostHold(
  cmd: PostHoldCommand,
  found: PaymentRecord | undefined,
  plan: FeePlan | undefined,
  now: Date,
): { body: TransactionBody; fee: Money; net: Money } {
  const record = requirePendingHold(cmd.paymentId, found, now, false);
  const captured = cmd.amount
    ? positiveAmount(cmd.amount, 'amount')
    : money(record.heldMinor, record.currency);
  if (captured.currency !== record.currency) {
    throw withField('amount', () => {
      throw moneyErrors.create(
        'MONEY_CURRENCY_MISMATCH',
        `amount is in ${captured.currency}, the hold in ${record.currency}`,
      );
    });
  }
  if (captured.amountMinor > record.heldMinor) {
    throw ledgerErrors.create(
      'LEDGER_HOLD_AMOUNT_EXCEEDED',
      `capture of ${captured.amountMinor} exceeds the ${record.heldMinor} held`,
      {
        details: { field: 'amount', held: record.heldMinor.toString() },
      },
    );
  }
  const fee = feeOf(plan, record.method, captured);
  const net = money(captured.amountMinor - fee.amountMinor, captured.currency);
  const postings = [
    ...pendingLegs(record, record.heldMinor, -1n),
    ...paymentPostings({
      merchantId: record.merchantId,
      provider: record.provider,
      shard: record.shard,
      livemode: accountsModeOf(record),
      gross: captured,
      fee,
      net,
    }),
  ];
  assertBalanced(postings);
  const occurredAt = cmd.occurredAt ?? now;
  const posted: PaymentRecord = {
    ...record,
    status: 'posted',
    grossMinor: captured.amountMinor,
    feeMinor: fee.amountMinor,
    occurredAt,
  };
  return {
    body: {
      postings,
      events: [
        paymentEvent('payment.succeeded', posted, { gross: captured, fee, net }, occurredAt),
      ],
      payment: { op: 'update', record: posted },
    },
    fee,
    net,
  };
}

export interface VoidHoldCommand {
  idempotencyKey: string;
  paymentId: string;
  reason: string;
}

export function validateVoidHold(cmd: VoidHoldCommand): VoidHoldCommand {
  requireId(cmd.idempotencyKey, 'idempotency_key');
  requireId(cmd.paymentId, 'payment_id');
  requireText(cmd.reason, 'reason');
  return cmd;
}

export function voidHoldHead(cmd: VoidHoldCommand): TransactionHead {
  return {
    idempotencyKey: cmd.idempotencyKey,
    kind: 'hold_void',
    paymentId: cmd.paymentId,
    reversesTransactionId: '',
    fingerprint: { payment_id: cmd.paymentId, reason: cmd.reason },
  };
}

/** The key the sweeper voids an expired hold with: one void per hold, whichever sweeper runs. */
export function expiryKeyOf(paymentId: string): string {
  return `hold:${paymentId}:expired`;
}

/** VoidHold (also of an expired hold): releases the pending legs, emits `payment.hold_voided`. */
export function decideVoidHold(
  cmd: VoidHoldCommand,
  found: PaymentRecord | undefined,
  now: Date,
): TransactionBody {
  const record = requirePendingHold(cmd.paymentId, found, now, true);
  const postings = pendingLegs(record, record.heldMinor, -1n);
  assertBalanced(postings);
  const voided: PaymentRecord = { ...record, status: 'voided' };
  const zero = zeroOf(record.currency);
  return {
    postings,
    events: [
      paymentEvent(
        'payment.hold_voided',
        voided,
        { gross: money(record.heldMinor, record.currency), fee: zero, net: zero },
        now,
      ),
    ],
    payment: { op: 'update', record: voided },
  };
}
