import type { Money } from '@tolem/money';

import { chart, shardOf } from './accounts';
import { paymentEvent } from './events';
import { feeOf, type FeePlan } from './fees';
import type { Fingerprint } from './idempotency';
import { assertBalanced, type PostingDraft } from './journal';
import type { PaymentRecord } from './payment-record';
import type { NewTransaction } from './ports';
import { positiveAmount, type RawMoney, requireId } from './validation';

export type { RawMoney } from './validation';

export type PaymentMethod = 'webmoney_purse' | 'webmoney_keeper_mobile' | 'card' | 'wavepay' | 'qr';

/** Providers are account owners: each has its own clearing accounts per currency. */
export type PaymentProvider = 'webmoney' | 'intellectmoney' | 'paykassma' | 'qr_acquirer';

/** What later events of a payment repeat (refunds, holds): kept with the payment. */
export interface PaymentDetails {
  providerPaymentId: string;
  providerAttributes: Record<string, string>;
  orderId: string;
  description: string;
  /**
   * False for a test key's payment. Absent from requests and stored details from before modes,
   * which read as false: checkout's own payments defaulted to false when it got the column.
   */
  livemode: boolean;
}

/** PostPayment as the transport hands it over (enums already mapped, money not yet checked). */
export interface PostPaymentCommand extends PaymentDetails {
  idempotencyKey: string;
  paymentId: string;
  merchantId: string;
  gross: RawMoney | undefined;
  method: PaymentMethod;
  provider: PaymentProvider;
  /** When the provider confirmed the payment; the event falls back to the posting time. */
  occurredAt: Date | undefined;
}

/** A payment request that passed validation: gross > 0. */
export interface ValidPayment extends Omit<PostPaymentCommand, 'gross'> {
  gross: Money;
}

/** A validated payment with the fee that applies. */
export interface PaymentPosting extends ValidPayment {
  fee: Money;
  net: Money;
  /** Which shard of the system accounts takes its postings (shardOf(merchantId)). */
  shard: number;
}

/**
 * Validates a payment posting. Codes: LEDGER_INVALID_REQUEST (ids, missing gross),
 * MONEY_UNKNOWN_CURRENCY, MONEY_ZERO_AMOUNT, MONEY_NEGATIVE_AMOUNT, MONEY_AMOUNT_OVERFLOW; all of
 * kind invalid, all with details.field.
 */
export function validatePayment(cmd: PostPaymentCommand): ValidPayment {
  requireId(cmd.idempotencyKey, 'idempotency_key');
  requireId(cmd.paymentId, 'payment_id');
  requireId(cmd.merchantId, 'merchant_id');
  const gross = positiveAmount(cmd.gross, 'gross');
  return { ...cmd, gross };
}

/**
 * The fee that applies, decided by the ledger alone (callers send none): the merchant's plan's,
 * or zero for a merchant without a plan.
 */
export function applyFee(p: ValidPayment, plan: FeePlan | undefined): PaymentPosting {
  const fee = feeOf(plan, p.method, p.gross);
  return {
    ...p,
    fee,
    // 0 <= fee <= gross <= 2^63-1, so the difference always fits.
    net: { amountMinor: p.gross.amountMinor - fee.amountMinor, currency: p.gross.currency },
    shard: shardOf(p.merchantId),
  };
}

/** The parts of a captured payment the posting rule needs. */
export interface CapturedAmounts {
  merchantId: string;
  provider: PaymentProvider;
  shard: number;
  gross: Money;
  fee: Money;
  net: Money;
  /** The payment's mode: its money goes to accounts of that mode only. */
  livemode: boolean;
}

/**
 * The posting rule of a succeeded payment: the provider owes us the gross (clearing, debit),
 * we owe the merchant the net (available, credit) and earned the fee (fee revenue, credit).
 * Zero legs are left out: a posting of zero means nothing and the schema forbids it.
 */
export function paymentPostings(p: CapturedAmounts): PostingDraft[] {
  const currency = p.gross.currency;
  const drafts: PostingDraft[] = [
    {
      account: chart.providerClearing(p.provider, currency, p.shard, p.livemode),
      amountMinor: p.gross.amountMinor,
    },
  ];
  if (p.net.amountMinor > 0n) {
    drafts.push({
      account: chart.merchantAvailable(p.merchantId, currency, p.livemode),
      amountMinor: -p.net.amountMinor,
    });
  }
  if (p.fee.amountMinor > 0n) {
    drafts.push({
      account: chart.platformFeeRevenue(currency, p.shard, p.livemode),
      amountMinor: -p.fee.amountMinor,
    });
  }
  return drafts;
}

export function detailsOf(p: PaymentDetails): PaymentDetails {
  return {
    providerPaymentId: p.providerPaymentId,
    providerAttributes: { ...p.providerAttributes },
    orderId: p.orderId,
    description: p.description,
    livemode: p.livemode,
  };
}

/** The register row of a payment posted directly (not through a hold). */
export function postedRecord(p: PaymentPosting, occurredAt: Date): PaymentRecord {
  return {
    paymentId: p.paymentId,
    merchantId: p.merchantId,
    currency: p.gross.currency,
    method: p.method,
    provider: p.provider,
    shard: p.shard,
    status: 'posted',
    heldMinor: 0n,
    holdExpiresAt: null,
    grossMinor: p.gross.amountMinor,
    feeMinor: p.fee.amountMinor,
    refundedMinor: 0n,
    refundPendingMinor: 0n,
    occurredAt,
    ...detailsOf(p),
  };
}

/**
 * PostPayment as one journal transaction: the posting rule, the register row (which makes a
 * second posting of the payment fail, whatever its key) and the `payment.succeeded` event.
 */
export function paymentTransaction(
  p: PaymentPosting,
  fingerprint: Fingerprint,
  now: Date,
): NewTransaction {
  const postings = paymentPostings(p);
  assertBalanced(postings);
  const record = postedRecord(p, p.occurredAt ?? now);
  return {
    idempotencyKey: p.idempotencyKey,
    kind: 'payment',
    paymentId: p.paymentId,
    reversesTransactionId: '',
    fingerprint,
    shard: p.shard,
    postings,
    events: [
      paymentEvent(
        'payment.succeeded',
        record,
        { gross: p.gross, fee: p.fee, net: p.net },
        record.occurredAt,
      ),
    ],
    payment: { op: 'insert', record },
  };
}
