import {
  ApplyUnappliedFundsResponse,
  CreateHoldResponse,
  GetDailyMoneyTotalsResponse,
  GetFeePlanResponse,
  GetMerchantSettingsResponse,
  GetUnappliedFundsResponse,
  HoldUnappliedFundsResponse,
  type LedgerServiceService,
  ListAccountsResponse,
  ListPaymentTransactionsResponse,
  PostHoldResponse,
  PostPaymentsResponse,
  PostPayoutResponse,
  PostTransactionResponse,
  RecordPaymentEventResponse,
  RefundPaymentResponse,
  ResolveRefundResponse,
  ReturnUnappliedFundsResponse,
  ReverseTransactionResponse,
  SetFeePlanResponse,
  SetMerchantSettingsResponse,
  VoidHoldResponse,
} from '@tolem/contracts/ledger';
import type { Handlers } from '@tolem/grpc-kit';

import type { makeCheckIntegrity } from '../app/check-integrity';
import type { makeGetDailyMoneyTotals } from '../app/daily-money-totals';
import type {
  makeGetFeePlan,
  makeGetMerchantSettings,
  makeSetFeePlan,
  makeSetMerchantSettings,
} from '../app/fee-plans';
import type { makeGetAccountBalance, makeGetBalance, makeListAccounts } from '../app/get-balance';
import type { makeCreateHold, makePostHold, makeVoidHold } from '../app/holds';
import type { makeListPaymentTransactions } from '../app/list-payment-transactions';
import type { makeListStatement } from '../app/list-statement';
import type { PostPayment } from '../app/post-payment';
import type { makePostPayments } from '../app/post-payments';
import type { makePostPayout } from '../app/post-payout';
import type { makePostTransaction } from '../app/post-transaction';
import type { RecordPaymentEvent } from '../app/record-payment-event';
import type { makeRefundPayment, makeResolveRefund } from '../app/refund-payment';
import type { makeReverseTransaction } from '../app/reverse-transaction';
import type {
  makeApplyUnappliedFunds,
  makeGetUnappliedFunds,
  makeHoldUnappliedFunds,
  makeReturnUnappliedFunds,
} from '../app/unapplied-funds';
import {
  accountBalanceToProto,
  accountToProto,
  balanceToProto,
  createHoldFromProto,
  feePlanToProto,
  feeRulesFromProto,
  holdUnappliedFromProto,
  integrityToProto,
  ledgerErrorToProto,
  modeOf,
  moneyToProto,
  ownerTypeFromProto,
  payoutFromProto,
  postedPaymentToProto,
  postHoldFromProto,
  postPaymentFromProto,
  postPaymentToProto,
  recordPaymentEventFromProto,
  refundFromProto,
  resolveRefundFromProto,
  resolveUnappliedFromProto,
  reverseFromProto,
  settingsToProto,
  statementToProto,
  transactionToProto,
  transferFromProto,
  unappliedToProto,
  voidHoldFromProto,
} from './ledger.mapper';

export interface LedgerHandlerDeps {
  postPayment: PostPayment;
  postPayments: ReturnType<typeof makePostPayments>;
  refundPayment: ReturnType<typeof makeRefundPayment>;
  resolveRefund: ReturnType<typeof makeResolveRefund>;
  postPayout: ReturnType<typeof makePostPayout>;
  createHold: ReturnType<typeof makeCreateHold>;
  postHold: ReturnType<typeof makePostHold>;
  voidHold: ReturnType<typeof makeVoidHold>;
  reverseTransaction: ReturnType<typeof makeReverseTransaction>;
  postTransaction: ReturnType<typeof makePostTransaction>;
  setFeePlan: ReturnType<typeof makeSetFeePlan>;
  getFeePlan: ReturnType<typeof makeGetFeePlan>;
  setMerchantSettings: ReturnType<typeof makeSetMerchantSettings>;
  getMerchantSettings: ReturnType<typeof makeGetMerchantSettings>;
  getBalance: ReturnType<typeof makeGetBalance>;
  getAccountBalance: ReturnType<typeof makeGetAccountBalance>;
  listAccounts: ReturnType<typeof makeListAccounts>;
  listStatement: ReturnType<typeof makeListStatement>;
  listPaymentTransactions: ReturnType<typeof makeListPaymentTransactions>;
  checkIntegrity: ReturnType<typeof makeCheckIntegrity>;
  recordPaymentEvent: RecordPaymentEvent;
  holdUnappliedFunds: ReturnType<typeof makeHoldUnappliedFunds>;
  applyUnappliedFunds: ReturnType<typeof makeApplyUnappliedFunds>;
  returnUnappliedFunds: ReturnType<typeof makeReturnUnappliedFunds>;
  getUnappliedFunds: ReturnType<typeof makeGetUnappliedFunds>;
  getDailyMoneyTotals: ReturnType<typeof makeGetDailyMoneyTotals>;
}

/** Thin transport: map, call one use case, map back. Errors are mapped by grpc-kit. */
export function ledgerHandlers(deps: LedgerHandlerDeps): Handlers<typeof LedgerServiceService> {
  return {
    async postPayment(req) {
      return postPaymentToProto(await deps.postPayment(postPaymentFromProto(req)));
    },
    async recordPaymentEvent(req) {
      const r = await deps.recordPaymentEvent(recordPaymentEventFromProto(req));
      return RecordPaymentEventResponse.fromPartial(r);
    },
    async holdUnappliedFunds(req) {
      const r = await deps.holdUnappliedFunds(holdUnappliedFromProto(req));
      return HoldUnappliedFundsResponse.fromPartial({
        transaction: transactionToProto(r.transaction),
        alreadyExisted: r.alreadyExisted,
      });
    },
    async applyUnappliedFunds(req) {
      const r = await deps.applyUnappliedFunds(resolveUnappliedFromProto(req));
      return ApplyUnappliedFundsResponse.fromPartial({
        transaction: transactionToProto(r.transaction),
        alreadyExisted: r.alreadyExisted,
        fee: moneyToProto(r.fee),
        net: moneyToProto(r.net),
        eventType: r.eventType,
      });
    },
    async returnUnappliedFunds(req) {
      const r = await deps.returnUnappliedFunds(resolveUnappliedFromProto(req));
      return ReturnUnappliedFundsResponse.fromPartial({
        transaction: transactionToProto(r.transaction),
        alreadyExisted: r.alreadyExisted,
      });
    },
    async getUnappliedFunds(req) {
      return GetUnappliedFundsResponse.fromPartial({
        funds: unappliedToProto(await deps.getUnappliedFunds(req.caseId)),
      });
    },
    async postPayments(req) {
      const outcomes = await deps.postPayments(
        req.payments.map((p) => () => postPaymentFromProto(p)),
      );
      return PostPaymentsResponse.fromPartial({
        results: outcomes.map((o) =>
          o.ok
            ? { result: { $case: 'posted', value: postedPaymentToProto(o.value) } }
            : { result: { $case: 'error', value: ledgerErrorToProto(o.error) } },
        ),
      });
    },
    async refundPayment(req) {
      const r = await deps.refundPayment(refundFromProto(req));
      return RefundPaymentResponse.fromPartial({
        transaction: transactionToProto(r.transaction),
        alreadyExisted: r.alreadyExisted,
      });
    },
    async resolveRefund(req) {
      const r = await deps.resolveRefund(resolveRefundFromProto(req));
      return ResolveRefundResponse.fromPartial({
        transaction: transactionToProto(r.transaction),
        alreadyExisted: r.alreadyExisted,
        paymentStatus: r.paymentStatus,
      });
    },
    async postPayout(req) {
      const r = await deps.postPayout(payoutFromProto(req));
      return PostPayoutResponse.fromPartial({
        transaction: transactionToProto(r.transaction),
        alreadyExisted: r.alreadyExisted,
        payoutId: r.payoutId,
        livemode: r.livemode,
      });
    },
    async createHold(req) {
      const r = await deps.createHold(createHoldFromProto(req));
      return CreateHoldResponse.fromPartial({
        transaction: transactionToProto(r.transaction),
        alreadyExisted: r.alreadyExisted,
        expiresAt: r.expiresAt,
      });
    },
    async postHold(req) {
      const r = await deps.postHold(postHoldFromProto(req));
      return PostHoldResponse.fromPartial({
        transaction: transactionToProto(r.transaction),
        alreadyExisted: r.alreadyExisted,
        fee: moneyToProto(r.fee),
        net: moneyToProto(r.net),
      });
    },
    async voidHold(req) {
      const r = await deps.voidHold(voidHoldFromProto(req));
      return VoidHoldResponse.fromPartial({
        transaction: transactionToProto(r.transaction),
        alreadyExisted: r.alreadyExisted,
      });
    },
    async reverseTransaction(req) {
      const r = await deps.reverseTransaction(reverseFromProto(req));
      return ReverseTransactionResponse.fromPartial({
        transaction: transactionToProto(r.transaction),
        alreadyExisted: r.alreadyExisted,
      });
    },
    async postTransaction(req) {
      const r = await deps.postTransaction(transferFromProto(req));
      return PostTransactionResponse.fromPartial({
        transaction: transactionToProto(r.transaction),
        alreadyExisted: r.alreadyExisted,
      });
    },
    async setFeePlan(req) {
      const plan = await deps.setFeePlan({
        merchantId: req.merchantId,
        rules: feeRulesFromProto(req.rules),
      });
      return SetFeePlanResponse.fromPartial({ plan: feePlanToProto(plan) });
    },
    async getFeePlan(req) {
      const plan = await deps.getFeePlan(req.merchantId);
      return GetFeePlanResponse.fromPartial({ plan: plan ? feePlanToProto(plan) : undefined });
    },
    async setMerchantSettings(req) {
      const settings = await deps.setMerchantSettings({
        merchantId: req.merchantId,
        allowNegativeBalance: req.allowNegativeBalance,
      });
      return SetMerchantSettingsResponse.fromPartial({ settings: settingsToProto(settings) });
    },
    async getMerchantSettings(req) {
      const settings = await deps.getMerchantSettings(req.merchantId);
      return GetMerchantSettingsResponse.fromPartial({ settings: settingsToProto(settings) });
    },
    async getBalance(req) {
      return balanceToProto(
        await deps.getBalance({
          merchantId: req.merchantId,
          currency: req.currency,
          livemode: modeOf(req.livemode),
          asOf: req.asOf,
        }),
      );
    },
    async getAccountBalance(req) {
      return accountBalanceToProto(
        await deps.getAccountBalance({ accountId: req.accountId, asOf: req.asOf }),
      );
    },
    async listAccounts(req) {
      const accounts = await deps.listAccounts({
        ownerType: ownerTypeFromProto(req.ownerType),
        ownerId: req.ownerId,
        currency: req.currency,
        livemode: modeOf(req.livemode),
      });
      return ListAccountsResponse.fromPartial({ accounts: accounts.map(accountToProto) });
    },
    async listStatement(req) {
      return statementToProto(
        await deps.listStatement({
          merchantId: req.merchantId,
          currency: req.currency,
          livemode: modeOf(req.livemode),
          from: req.from,
          to: req.to,
          pageSize: req.pageSize,
          pageToken: req.pageToken,
        }),
      );
    },
    async listPaymentTransactions(req) {
      const transactions = await deps.listPaymentTransactions(req.paymentId);
      return ListPaymentTransactionsResponse.fromPartial({
        transactions: transactions.map(transactionToProto),
      });
    },
    async checkIntegrity() {
      return integrityToProto(await deps.checkIntegrity());
    },
    async getDailyMoneyTotals(req) {
      return GetDailyMoneyTotalsResponse.fromPartial({
        totals: await deps.getDailyMoneyTotals(req),
      });
    },
  };
}
