import {
  type Money as PbMoney,
  PaymentMethod as PbMethod,
  Provider as PbProvider,
} from '@tolem/contracts/common';
import {
  Account as PbAccount,
  AccountType as PbAccountType,
  type ApplyUnappliedFundsRequest,
  CheckIntegrityResponse,
  type CreateHoldRequest,
  FeePlan as PbFeePlan,
  type FeeRule as PbFeeRule,
  GetAccountBalanceResponse,
  GetBalanceResponse,
  type HoldUnappliedFundsRequest,
  LedgerError,
  ListStatementResponse,
  MerchantSettings as PbMerchantSettings,
  OwnerType as PbOwnerType,
  PostedPayment,
  type PostHoldRequest,
  type PostPaymentRequest,
  PostPaymentResponse,
  type PostPayoutRequest,
  type PostTransactionRequest,
  type RecordPaymentEventRequest,
  RefundOutcome as PbRefundOutcome,
  type RefundPaymentRequest,
  type ResolveRefundRequest,
  type ReturnUnappliedFundsRequest,
  type ReverseTransactionRequest,
  Side as PbSide,
  Transaction as PbTransaction,
  UnappliedFunds as PbUnappliedFunds,
  type VoidHoldRequest,
} from '@tolem/contracts/ledger';
import { isDomainError } from '@tolem/errors';
import { grpcStatusOf } from '@tolem/grpc-kit';
import type { Money } from '@tolem/money';

import type { AccountBalance, MerchantBalance } from '../app/get-balance';
import type { Statement } from '../app/list-statement';
import type { PostPaymentResult } from '../app/post-payment';
import type { Account, AccountType, OwnerType, Side } from '../domain/accounts';
import { ledgerErrors } from '../domain/errors';
import type { FeePlan, RawFeeRule } from '../domain/fees';
import type { CreateHoldCommand, PostHoldCommand, VoidHoldCommand } from '../domain/hold';
import type { IntegrityReport } from '../domain/integrity';
import type { Transaction } from '../domain/journal';
import type { PostPaymentCommand, RawMoney } from '../domain/payment';
import type { PayoutCommand } from '../domain/payout';
import type { MerchantSettings } from '../domain/ports';
import type { RefundCommand, RefundOutcome, ResolveRefundCommand } from '../domain/refund';
import type { ReverseCommand } from '../domain/reversal';
import type { RecordPaymentEventCommand } from '../domain/status-fact';
import type { TransferCommand } from '../domain/transfer';
import type {
  HoldUnappliedCommand,
  ResolveUnappliedCommand,
  UnappliedRecord,
} from '../domain/unapplied';
import {
  methodFromProto,
  methodToProto,
  providerFromProto,
  providerToProto,
} from './payment-enums.mapper';

function required<T>(value: T | undefined, field: string): T {
  if (value === undefined) {
    throw ledgerErrors.create('LEDGER_INVALID_REQUEST', `${field} is required`, {
      details: { field },
    });
  }
  return value;
}

const rawMoney = (m: PbMoney | undefined): RawMoney | undefined =>
  m ? { amountMinor: m.amountMinor, currency: m.currency } : undefined;

/** Shape only (presence, enums); amounts and ids are validated by the domain. */
export function postPaymentFromProto(req: PostPaymentRequest): PostPaymentCommand {
  return {
    idempotencyKey: req.idempotencyKey,
    paymentId: req.paymentId,
    merchantId: req.merchantId,
    gross: rawMoney(required(req.gross, 'gross')),
    method: methodFromProto(req.method),
    provider: providerFromProto(req.provider),
    providerPaymentId: req.providerPaymentId,
    providerAttributes: { ...req.providerAttributes },
    orderId: req.orderId,
    description: req.description,
    livemode: req.livemode,
    occurredAt: req.occurredAt,
  };
}

/** Unspecified method or provider: a payment that ended before the payer chose one. */
export function recordPaymentEventFromProto(
  req: RecordPaymentEventRequest,
): RecordPaymentEventCommand {
  return {
    idempotencyKey: req.idempotencyKey,
    paymentId: req.paymentId,
    merchantId: req.merchantId,
    eventType: req.eventType,
    paymentStatus: req.paymentStatus,
    amount: rawMoney(req.amount),
    method: req.method === PbMethod.PAYMENT_METHOD_UNSPECIFIED ? null : methodFromProto(req.method),
    provider:
      req.provider === PbProvider.PROVIDER_UNSPECIFIED ? null : providerFromProto(req.provider),
    providerPaymentId: req.providerPaymentId,
    providerAttributes: { ...req.providerAttributes },
    orderId: req.orderId,
    description: req.description,
    livemode: req.livemode,
    failureCode: req.failureCode,
    occurredAt: req.occurredAt,
    recurringOperationId: req.recurringOperationId,
    recurringChargeId: req.recurringChargeId,
    recurringAttempt: req.recurringAttempt,
    cardBindingId: req.cardBindingId,
    receiptId: req.receiptId,
    cancelReason: req.cancelReason,
  };
}

export function holdUnappliedFromProto(req: HoldUnappliedFundsRequest): HoldUnappliedCommand {
  return {
    idempotencyKey: req.idempotencyKey,
    caseId: req.caseId,
    caseKind: req.caseKind,
    paymentId: req.paymentId,
    merchantId: req.merchantId,
    amount: rawMoney(req.amount),
    method: methodFromProto(req.method),
    provider: providerFromProto(req.provider),
    providerPaymentId: req.providerPaymentId,
    providerAttributes: { ...req.providerAttributes },
    orderId: req.orderId,
    description: req.description,
    livemode: req.livemode,
    occurredAt: req.occurredAt,
  };
}

export function resolveUnappliedFromProto(
  req: ApplyUnappliedFundsRequest | ReturnUnappliedFundsRequest,
): ResolveUnappliedCommand {
  return {
    idempotencyKey: req.idempotencyKey,
    caseId: req.caseId,
    operator: req.operator,
    note: req.note,
    returnReference: 'returnReference' in req ? req.returnReference : '',
  };
}

export function unappliedToProto(u: UnappliedRecord): PbUnappliedFunds {
  return PbUnappliedFunds.fromPartial({
    caseId: u.caseId,
    caseKind: u.caseKind,
    paymentId: u.paymentId,
    merchantId: u.merchantId,
    amount: moneyToProto(u.amount),
    provider: providerToProto(u.provider),
    status: u.status,
    holdTransactionId: u.holdTransactionId,
    resolutionTransactionId: u.resolutionTransactionId,
    returnReference: u.returnReference,
    createdAt: u.createdAt,
    resolvedAt: u.resolvedAt ?? undefined,
  });
}

export function refundFromProto(req: RefundPaymentRequest): RefundCommand {
  return {
    refundId: req.refundId,
    paymentId: req.paymentId,
    amount: rawMoney(req.amount),
    reason: req.reason,
    occurredAt: req.occurredAt,
  };
}

function refundOutcomeFromProto(o: PbRefundOutcome): RefundOutcome | undefined {
  switch (o) {
    case PbRefundOutcome.REFUND_OUTCOME_REFUNDED_BY_PROVIDER:
      return 'refunded_by_provider';
    case PbRefundOutcome.REFUND_OUTCOME_PAID_OUT:
      return 'paid_out';
    case PbRefundOutcome.REFUND_OUTCOME_FAILED:
      return 'failed';
    case PbRefundOutcome.REFUND_OUTCOME_UNSPECIFIED:
    case PbRefundOutcome.UNRECOGNIZED:
      return undefined;
  }
}

export function resolveRefundFromProto(req: ResolveRefundRequest): ResolveRefundCommand {
  return {
    refundId: req.refundId,
    outcome: refundOutcomeFromProto(req.outcome),
    reference: req.reference,
    occurredAt: req.occurredAt,
  };
}

export function payoutFromProto(req: PostPayoutRequest): PayoutCommand {
  return {
    idempotencyKey: req.idempotencyKey,
    merchantId: req.merchantId,
    amount: rawMoney(req.amount),
    description: req.description,
    livemode: modeOf(req.livemode),
  };
}

/**
 * The mode of a request that names a merchant's balance (GetBalance, ListStatement, PostPayout,
 * ListAccounts): unset is live, so operators' tools and callers from before modes keep meaning
 * the live balance they always meant.
 */
export function modeOf(livemode: boolean | undefined): boolean {
  return livemode ?? true;
}

export function createHoldFromProto(req: CreateHoldRequest): CreateHoldCommand {
  return {
    idempotencyKey: req.idempotencyKey,
    paymentId: req.paymentId,
    merchantId: req.merchantId,
    amount: rawMoney(req.amount),
    method: methodFromProto(req.method),
    provider: providerFromProto(req.provider),
    providerPaymentId: req.providerPaymentId,
    providerAttributes: { ...req.providerAttributes },
    orderId: req.orderId,
    description: req.description,
    livemode: req.livemode,
    timeoutSeconds: req.timeoutSeconds,
    occurredAt: req.occurredAt,
  };
}

export function postHoldFromProto(req: PostHoldRequest): PostHoldCommand {
  return {
    idempotencyKey: req.idempotencyKey,
    paymentId: req.paymentId,
    amount: rawMoney(req.amount),
    occurredAt: req.occurredAt,
  };
}

export function voidHoldFromProto(req: VoidHoldRequest): VoidHoldCommand {
  return { idempotencyKey: req.idempotencyKey, paymentId: req.paymentId, reason: req.reason };
}

export function reverseFromProto(req: ReverseTransactionRequest): ReverseCommand {
  return {
    idempotencyKey: req.idempotencyKey,
    transactionId: req.transactionId,
    reason: req.reason,
  };
}

export function transferFromProto(req: PostTransactionRequest): TransferCommand {
  return {
    idempotencyKey: req.idempotencyKey,
    postings: req.postings.map((p) => ({
      accountId: p.accountId,
      amountMinor: p.amountMinor,
      currency: p.currency,
    })),
    description: req.description,
  };
}

export function feeRulesFromProto(rules: PbFeeRule[]): RawFeeRule[] {
  return rules.map((r, i) => {
    let method;
    try {
      method = methodFromProto(r.method);
    } catch {
      throw ledgerErrors.create(
        'LEDGER_INVALID_FEE_PLAN',
        'method must be a known payment method',
        {
          details: { field: `rules[${i}].method` },
        },
      );
    }
    return {
      method,
      percentBps: r.percentBps,
      fixed: r.fixed.map((f) => ({ amountMinor: f.amountMinor, currency: f.currency })),
    };
  });
}

const OWNER_TYPES: readonly (readonly [PbOwnerType, OwnerType])[] = [
  [PbOwnerType.OWNER_TYPE_MERCHANT, 'merchant'],
  [PbOwnerType.OWNER_TYPE_PROVIDER, 'provider'],
  [PbOwnerType.OWNER_TYPE_PLATFORM, 'platform'],
];
const ACCOUNT_TYPES: readonly (readonly [PbAccountType, AccountType])[] = [
  [PbAccountType.ACCOUNT_TYPE_ASSET, 'asset'],
  [PbAccountType.ACCOUNT_TYPE_LIABILITY, 'liability'],
  [PbAccountType.ACCOUNT_TYPE_REVENUE, 'revenue'],
  [PbAccountType.ACCOUNT_TYPE_EXPENSE, 'expense'],
];
const SIDES: readonly (readonly [PbSide, Side])[] = [
  [PbSide.SIDE_DEBIT, 'debit'],
  [PbSide.SIDE_CREDIT, 'credit'],
];

export function ownerTypeFromProto(value: PbOwnerType): OwnerType {
  const found = OWNER_TYPES.find(([pb]) => pb === value);
  if (!found) {
    throw ledgerErrors.create('LEDGER_INVALID_REQUEST', 'owner_type must be a known owner type', {
      details: { field: 'owner_type' },
    });
  }
  return found[1];
}

export function moneyToProto(m: Money): { amountMinor: bigint; currency: string } {
  return { amountMinor: m.amountMinor, currency: m.currency };
}

export function transactionToProto(t: Transaction): PbTransaction {
  return PbTransaction.fromPartial({
    id: t.id,
    idempotencyKey: t.idempotencyKey,
    kind: t.kind,
    paymentId: t.paymentId,
    postings: t.postings.map((p) => ({
      accountId: p.accountId,
      amountMinor: p.amountMinor,
      currency: p.currency,
      pending: p.pending,
    })),
    createdAt: t.createdAt,
    reversesTransactionId: t.reversesTransactionId,
  });
}

export function postPaymentToProto(r: PostPaymentResult): PostPaymentResponse {
  return PostPaymentResponse.fromPartial({
    transaction: transactionToProto(r.transaction),
    alreadyExisted: r.alreadyExisted,
    fee: moneyToProto(r.fee),
    net: moneyToProto(r.net),
  });
}

/** A posted (or replayed) batch item, compact. */
export function postedPaymentToProto(r: PostPaymentResult): PostedPayment {
  return PostedPayment.fromPartial({
    transactionId: r.transaction.id,
    alreadyExisted: r.alreadyExisted,
    fee: moneyToProto(r.fee),
    net: moneyToProto(r.net),
  });
}

/** A refused batch item, as the single call would have failed. */
export function ledgerErrorToProto(err: unknown): LedgerError {
  if (isDomainError(err)) {
    return LedgerError.fromPartial({
      code: err.code,
      message: err.kind === 'internal' ? 'internal error' : err.message,
      field: err.details['field'] ?? '',
      grpcStatus: grpcStatusOf(err.kind),
    });
  }
  return LedgerError.fromPartial({
    code: 'INTERNAL',
    message: 'internal error',
    grpcStatus: grpcStatusOf('internal'),
  });
}

export function balanceToProto(b: MerchantBalance): GetBalanceResponse {
  return GetBalanceResponse.fromPartial({
    available: moneyToProto(b.available),
    pending: moneyToProto(b.pending),
    livemode: b.livemode,
  });
}

export function accountToProto(a: Account): PbAccount {
  return PbAccount.fromPartial({
    id: a.id,
    ownerType:
      OWNER_TYPES.find(([, d]) => d === a.ownerType)?.[0] ?? PbOwnerType.OWNER_TYPE_UNSPECIFIED,
    ownerId: a.ownerId,
    purpose: a.purpose,
    currency: a.currency,
    type:
      ACCOUNT_TYPES.find(([, d]) => d === a.type)?.[0] ?? PbAccountType.ACCOUNT_TYPE_UNSPECIFIED,
    normalSide: SIDES.find(([, d]) => d === a.normalSide)?.[0] ?? PbSide.SIDE_UNSPECIFIED,
    shard: a.shard,
    livemode: a.livemode,
  });
}

export function accountBalanceToProto(b: AccountBalance): GetAccountBalanceResponse {
  return GetAccountBalanceResponse.fromPartial({
    account: accountToProto(b.account),
    posted: moneyToProto(b.posted),
    pending: moneyToProto(b.pending),
    debitsPosted: b.totals.debitsPosted,
    creditsPosted: b.totals.creditsPosted,
    debitsPending: b.totals.debitsPending,
    creditsPending: b.totals.creditsPending,
  });
}

export function statementToProto(s: Statement): ListStatementResponse {
  return ListStatementResponse.fromPartial({
    openingBalance: { amountMinor: s.openingBalance, currency: s.currency },
    lines: s.lines.map((l) => ({
      transactionId: l.transactionId,
      kind: l.kind,
      paymentId: l.paymentId,
      amountMinor: l.amountMinor,
      balanceAfterMinor: l.balanceAfterMinor,
      currency: l.currency,
      createdAt: l.createdAt,
    })),
    nextPageToken: s.nextPageToken,
    livemode: s.livemode,
  });
}

export function feePlanToProto(plan: FeePlan): PbFeePlan {
  return PbFeePlan.fromPartial({
    merchantId: plan.merchantId,
    updatedAt: plan.updatedAt,
    rules: plan.rules.map((r) => ({
      method: methodToProto(r.method),
      percentBps: r.percentBps,
      fixed: r.fixed.map(moneyToProto),
    })),
  });
}

export function settingsToProto(s: MerchantSettings): PbMerchantSettings {
  return PbMerchantSettings.fromPartial({
    merchantId: s.merchantId,
    allowNegativeBalance: s.allowNegativeBalance,
    updatedAt: s.updatedAt,
  });
}

export function integrityToProto(r: IntegrityReport): CheckIntegrityResponse {
  return CheckIntegrityResponse.fromPartial({
    ok: r.ok,
    checks: r.checks,
    violations: r.violations.map((v) => ({ check: v.check, detail: v.detail })),
  });
}
