import { type CurrencyCode, type Money, money, moneyErrors } from '@tolem/money';

import { chart, shardOf } from './accounts';
import { ledgerErrors } from './errors';
import type { PaymentEventDraft } from './events';
import { feeOf, type FeePlan } from './fees';
import { type Fingerprint, moneyPrint, timePrint } from './idempotency';
import { assertBalanced, type PostingDraft } from './journal';
import type { PaymentDetails, PaymentMethod, PaymentProvider } from './payment';
import { accountsModeOf, type PaymentRecord } from './payment-record';
import type { TransactionBody, TransactionHead } from './ports';
import { invalidField, positiveAmount, type RawMoney, requireId, requireText } from './validation';

/** Why verified money could not simply be applied to its payment. */
export const CASE_KINDS = [
  'duplicate_payment',
  'late_payment',
  'amount_mismatch',
  'amount_unknown',
  'unsettled_at_provider',
] as const;
export type CaseKind = (typeof CASE_KINDS)[number];

export type UnappliedStatus = 'held' | 'applied' | 'returned';

/** One case's money in the ledger (table unapplied_funds). */
export interface UnappliedRecord extends PaymentDetails {
  caseId: string;
  caseKind: CaseKind;
  paymentId: string;
  merchantId: string;
  amount: Money;
  method: PaymentMethod;
  provider: PaymentProvider;
  shard: number;
  status: UnappliedStatus;
  holdTransactionId: string;
  resolutionTransactionId: string;
  returnReference: string;
  createdAt: Date;
  resolvedAt: Date | null;
  /** As PaymentRecord.accountsLivemode: the mode of the accounts a case from before modes is in. */
  accountsLivemode?: boolean;
}

export interface HoldUnappliedCommand extends PaymentDetails {
  idempotencyKey: string;
  caseId: string;
  caseKind: string;
  paymentId: string;
  merchantId: string;
  amount: RawMoney | undefined;
  method: PaymentMethod;
  provider: PaymentProvider;
  occurredAt: Date | undefined;
}

export interface ResolveUnappliedCommand {
  idempotencyKey: string;
  caseId: string;
  operator: string;
  note: string;
  /** Returns only: the transfer back to the payer. */
  returnReference: string;
}

export interface ValidHold extends Omit<HoldUnappliedCommand, 'amount' | 'caseKind'> {
  caseKind: CaseKind;
  amount: Money;
}

export function validateHold(cmd: HoldUnappliedCommand): ValidHold {
  requireId(cmd.idempotencyKey, 'idempotency_key');
  requireId(cmd.caseId, 'case_id');
  requireId(cmd.paymentId, 'payment_id');
  requireId(cmd.merchantId, 'merchant_id');
  if (!(CASE_KINDS as readonly string[]).includes(cmd.caseKind)) {
    invalidField('case_kind', `case_kind must be one of ${CASE_KINDS.join(', ')}`);
  }
  requireText(cmd.providerPaymentId, 'provider_payment_id', 255);
  requireText(cmd.orderId, 'order_id', 255);
  requireText(cmd.description, 'description');
  return {
    ...cmd,
    caseKind: cmd.caseKind as CaseKind,
    amount: positiveAmount(cmd.amount, 'amount'),
  };
}

export function holdFingerprint(h: ValidHold): Fingerprint {
  return {
    case_id: h.caseId,
    case_kind: h.caseKind,
    payment_id: h.paymentId,
    merchant_id: h.merchantId,
    amount: moneyPrint(h.amount),
    method: h.method,
    provider: h.provider,
    provider_payment_id: h.providerPaymentId,
    provider_attributes: { ...h.providerAttributes },
    order_id: h.orderId,
    description: h.description,
    occurred_at: timePrint(h.occurredAt),
  };
}

/**
 * A resolution is the case and (for a return) its reference: who decided and why are the caller's
 * audit trail, so a retry by another operator replays instead of conflicting.
 */
export function resolveFingerprint(r: ResolveUnappliedCommand): Fingerprint {
  return { case_id: r.caseId, return_reference: r.returnReference };
}

export function validateResolve(r: ResolveUnappliedCommand, returning: boolean): void {
  requireId(r.idempotencyKey, 'idempotency_key');
  requireId(r.caseId, 'case_id');
  requireId(r.operator, 'operator');
  requireText(r.note, 'note');
  if (returning) requireId(r.returnReference, 'return_reference');
}

const details = (p: PaymentDetails): PaymentDetails => ({
  providerPaymentId: p.providerPaymentId,
  providerAttributes: { ...p.providerAttributes },
  orderId: p.orderId,
  description: p.description,
  livemode: p.livemode,
});

/** An event of a case, keyed by its payment. */
function caseEvent(
  eventType: PaymentEventDraft['eventType'],
  u: Omit<UnappliedRecord, 'status' | 'holdTransactionId' | 'resolutionTransactionId'>,
  amounts: { gross: Money; fee: Money; net: Money },
  occurredAt: Date,
  extra: Partial<Pick<PaymentEventDraft, 'paymentStatus' | 'caseResolution'>> = {},
): PaymentEventDraft {
  return {
    eventType,
    occurredAt,
    paymentId: u.paymentId,
    merchantId: u.merchantId,
    orderId: u.orderId,
    livemode: u.livemode,
    ...amounts,
    method: u.method,
    provider: u.provider,
    providerPaymentId: u.providerPaymentId,
    providerAttributes: { ...u.providerAttributes },
    description: u.description,
    paymentStatus: '',
    failureCode: '',
    caseId: u.caseId,
    caseKind: u.caseKind,
    ...extra,
  };
}

/**
 * The hold of a case's money: provider clearing debit (the provider owes it to us), unapplied
 * funds credit (we owe it to someone, not yet decided). The payment gets an `open` register row
 * if it has none, so that its events keep one sequence.
 */
export function holdBody(
  h: ValidHold,
  existing: { case: UnappliedRecord | undefined; payment: PaymentRecord | undefined },
  now: Date,
): TransactionBody {
  if (existing.case) {
    throw ledgerErrors.create(
      'LEDGER_IDEMPOTENCY_CONFLICT',
      `case ${h.caseId} already has its money held under another idempotency key`,
      { details: { field: 'case_id' } },
    );
  }
  if (existing.payment && existing.payment.merchantId !== h.merchantId) {
    invalidField('merchant_id', 'payment_id belongs to another merchant');
  }
  // The case's money is held in the accounts of its mode; it may only ever reach its payment's.
  if (existing.payment && existing.payment.livemode !== h.livemode) {
    invalidField('livemode', 'livemode differs from the payment’s');
  }
  const shard = shardOf(h.merchantId);
  const occurredAt = h.occurredAt ?? now;
  // Held in the books its payment's money is in (a payment from before modes: the live ones).
  const mode = existing.payment ? accountsModeOf(existing.payment) : h.livemode;
  const postings: PostingDraft[] = [
    {
      account: chart.providerClearing(h.provider, h.amount.currency, shard, mode),
      amountMinor: h.amount.amountMinor,
    },
    {
      account: chart.platformUnappliedFunds(h.amount.currency, mode),
      amountMinor: -h.amount.amountMinor,
    },
  ];
  assertBalanced(postings);
  const record: UnappliedRecord = {
    ...details(h),
    caseId: h.caseId,
    caseKind: h.caseKind,
    paymentId: h.paymentId,
    merchantId: h.merchantId,
    amount: h.amount,
    method: h.method,
    provider: h.provider,
    shard,
    status: 'held',
    // The journal fills in the transaction ids as it writes.
    holdTransactionId: '',
    resolutionTransactionId: '',
    returnReference: '',
    createdAt: now,
    resolvedAt: null,
    ...(mode === h.livemode ? {} : { accountsLivemode: mode }),
  };
  const zero = money(0n, h.amount.currency);
  const amounts = { gross: h.amount, fee: zero, net: zero };
  return {
    postings,
    events: [
      caseEvent('funds.unapplied', record, amounts, occurredAt),
      caseEvent('case.opened', record, amounts, occurredAt),
    ],
    payment: existing.payment
      ? undefined
      : {
          op: 'insert',
          record: {
            ...details(h),
            paymentId: h.paymentId,
            merchantId: h.merchantId,
            currency: h.amount.currency,
            method: h.method,
            provider: h.provider,
            shard,
            status: 'open',
            heldMinor: 0n,
            holdExpiresAt: null,
            grossMinor: 0n,
            feeMinor: 0n,
            refundedMinor: 0n,
            refundPendingMinor: 0n,
            occurredAt,
          },
        },
    unapplied: { op: 'insert', record },
  };
}

function heldCase(state: { case: UnappliedRecord | undefined }, caseId: string): UnappliedRecord {
  const found = state.case;
  if (!found) {
    throw ledgerErrors.create('LEDGER_CASE_NOT_FOUND', `no money is held for case ${caseId}`, {
      details: { field: 'case_id' },
    });
  }
  if (found.status !== 'held') {
    throw ledgerErrors.create(
      'LEDGER_CASE_ALREADY_RESOLVED',
      `case ${caseId} was already ${found.status}`,
      { details: { field: 'case_id', status: found.status } },
    );
  }
  return found;
}

/**
 * Applies a case's money to its payment's merchant, with the fee of the merchant's plan. A
 * payment the ledger has not posted (no row, or `open`) is posted with this money as its gross;
 * a posted one in the same currency receives it on top (its gross and fee grow, so refunds may
 * cover it). Anything else (held, voided, reversed, another currency) is refused: the operator
 * returns that money instead.
 */
export function applyBody(
  r: ResolveUnappliedCommand,
  state: { case: UnappliedRecord | undefined; payment: PaymentRecord | undefined },
  plan: FeePlan | undefined,
  now: Date,
): { body: TransactionBody; fee: Money; net: Money; eventType: string } {
  const u = heldCase(state, r.caseId);
  const payment = state.payment;
  const posted = payment?.status === 'posted';
  if (payment && payment.status !== 'open' && !posted) {
    throw ledgerErrors.create(
      'LEDGER_CASE_NOT_APPLICABLE',
      `payment ${u.paymentId} is ${payment.status}; return the money instead`,
      { details: { field: 'case_id', status: payment.status } },
    );
  }
  // The case's money is in the accounts of its mode; it can only join a payment's in the same.
  const mode = accountsModeOf(u);
  if (posted && accountsModeOf(payment) !== mode) {
    throw ledgerErrors.create(
      'LEDGER_CASE_NOT_APPLICABLE',
      `payment ${u.paymentId} is in the other mode (test or live); return the money instead`,
      { details: { field: 'case_id' } },
    );
  }
  if (posted && payment.currency !== u.amount.currency) {
    throw moneyErrors.create(
      'MONEY_CURRENCY_MISMATCH',
      `the case holds ${u.amount.currency}, the payment was paid in ${payment.currency}; return it instead`,
      { details: { field: 'case_id' } },
    );
  }
  const fee = feeOf(plan, u.method, u.amount);
  const net = money(u.amount.amountMinor - fee.amountMinor, u.amount.currency);
  const currency: CurrencyCode = u.amount.currency;
  const postings: PostingDraft[] = [
    {
      account: chart.platformUnappliedFunds(currency, mode),
      amountMinor: u.amount.amountMinor,
    },
  ];
  if (net.amountMinor > 0n) {
    postings.push({
      account: chart.merchantAvailable(u.merchantId, currency, mode),
      amountMinor: -net.amountMinor,
    });
  }
  if (fee.amountMinor > 0n) {
    postings.push({
      account: chart.platformFeeRevenue(currency, u.shard, mode),
      amountMinor: -fee.amountMinor,
    });
  }
  assertBalanced(postings);
  const record: PaymentRecord = posted
    ? {
        ...payment,
        grossMinor: payment.grossMinor + u.amount.amountMinor,
        feeMinor: payment.feeMinor + fee.amountMinor,
      }
    : {
        ...details(payment ?? u),
        paymentId: u.paymentId,
        merchantId: u.merchantId,
        currency,
        method: u.method,
        provider: u.provider,
        shard: u.shard,
        status: 'posted',
        heldMinor: 0n,
        holdExpiresAt: null,
        grossMinor: u.amount.amountMinor,
        feeMinor: fee.amountMinor,
        refundedMinor: 0n,
        refundPendingMinor: 0n,
        occurredAt: now,
        // Its money is where the case's was.
        ...(mode === (payment ?? u).livemode ? {} : { accountsLivemode: mode }),
      };
  const resolved: UnappliedRecord = {
    ...u,
    status: 'applied',
    resolvedAt: now,
  };
  const amounts = { gross: u.amount, fee, net };
  const zero = money(0n, currency);
  return {
    fee,
    net,
    eventType: posted ? 'payment.funds_applied' : 'payment.succeeded',
    body: {
      postings,
      events: [
        caseEvent(posted ? 'payment.funds_applied' : 'payment.succeeded', u, amounts, now, {
          paymentStatus: posted ? '' : 'succeeded',
        }),
        caseEvent('case.resolved', u, { gross: u.amount, fee: zero, net: zero }, now, {
          caseResolution: 'applied',
        }),
      ],
      // A payment first posted here is inserted over its open row (or created).
      payment: { op: posted ? 'update' : 'insert', record },
      unapplied: { op: 'update', record: resolved },
    },
  };
}

/** Records that a case's money went back to the payer: unapplied debit, provider clearing credit. */
export function returnBody(
  r: ResolveUnappliedCommand,
  state: { case: UnappliedRecord | undefined },
  now: Date,
): TransactionBody {
  const u = heldCase(state, r.caseId);
  const currency = u.amount.currency;
  const postings: PostingDraft[] = [
    {
      account: chart.platformUnappliedFunds(currency, accountsModeOf(u)),
      amountMinor: u.amount.amountMinor,
    },
    {
      account: chart.providerClearing(u.provider, currency, u.shard, accountsModeOf(u)),
      amountMinor: -u.amount.amountMinor,
    },
  ];
  assertBalanced(postings);
  const zero = money(0n, currency);
  return {
    postings,
    events: [
      caseEvent('funds.returned', u, { gross: u.amount, fee: zero, net: zero }, now),
      caseEvent('case.resolved', u, { gross: u.amount, fee: zero, net: zero }, now, {
        caseResolution: 'returned',
      }),
    ],
    unapplied: {
      op: 'update',
      record: {
        ...u,
        status: 'returned',
        returnReference: r.returnReference,
        resolvedAt: now,
      },
    },
  };
}

/** The head of a hold or a resolution: keyed by the caller's key, tied to the payment. */
export function unappliedHead(
  idempotencyKey: string,
  kind: TransactionHead['kind'],
  paymentId: string,
  fingerprint: Fingerprint,
): TransactionHead {
  return { idempotencyKey, kind, paymentId, reversesTransactionId: '', fingerprint };
}
