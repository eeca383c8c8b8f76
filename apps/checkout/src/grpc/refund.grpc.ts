import {
  CompleteRefundPayoutResponse,
  CreateRefundResponse,
  FailRefundPayoutResponse,
  GetRefundResponse,
  ListRefundPayoutsResponse,
  ListRefundsResponse,
  Refund as PbRefund,
  RefundExecution as PbExecution,
  type RefundServiceService,
  RefundStatus as PbRefundStatus,
} from '@tolem/contracts/checkout';
import type { Handlers } from '@tolem/grpc-kit';

import type { Refunds } from '../app/refunds';
import type { Refund, RefundExecution, RefundStatus } from '../domain/refund';
import { methodToProto, providerToProto } from './common.mapper';

const STATUSES: Record<RefundStatus, PbRefundStatus> = {
  pending: PbRefundStatus.REFUND_STATUS_PENDING,
  succeeded: PbRefundStatus.REFUND_STATUS_SUCCEEDED,
  failed: PbRefundStatus.REFUND_STATUS_FAILED,
};

const EXECUTIONS: Record<RefundExecution, PbExecution> = {
  provider: PbExecution.REFUND_EXECUTION_PROVIDER,
  payout_queue: PbExecution.REFUND_EXECUTION_PAYOUT_QUEUE,
};

export function refundToProto(r: Refund): PbRefund {
  return PbRefund.fromPartial({
    id: r.id,
    paymentId: r.paymentId,
    merchantId: r.merchantId,
    amount: { amountMinor: r.amount.amountMinor, currency: r.amount.currency },
    status: STATUSES[r.status],
    reason: r.reason,
    execution: r.execution ? EXECUTIONS[r.execution] : PbExecution.REFUND_EXECUTION_UNSPECIFIED,
    failureCode: r.failureCode,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    livemode: r.livemode,
  });
}

/** Thin transport over the refunds use case; errors are mapped by grpc-kit. */
export function refundHandlers(deps: { refunds: Refunds }): Handlers<typeof RefundServiceService> {
  const { refunds } = deps;
  return {
    async createRefund(req) {
      const res = await refunds.create({
        merchantId: req.merchantId,
        idempotencyKey: req.idempotencyKey,
        paymentId: req.paymentId,
        amount: req.amount,
        reason: req.reason,
        livemode: req.livemode,
      });
      return CreateRefundResponse.fromPartial({
        refund: refundToProto(res.refund),
        replayed: res.replayed,
      });
    },
    async getRefund(req) {
      return GetRefundResponse.fromPartial({
        refund: refundToProto(await refunds.get(req.merchantId, req.refundId, req.livemode)),
      });
    },
    async listRefunds(req) {
      const page = await refunds.list({
        merchantId: req.merchantId,
        paymentId: req.paymentId,
        limit: req.limit,
        startingAfter: req.startingAfter,
        livemode: req.livemode,
      });
      return ListRefundsResponse.fromPartial({
        refunds: page.refunds.map(refundToProto),
        hasMore: page.hasMore,
      });
    },
    async listRefundPayouts(req) {
      const page = await refunds.listPayouts({
        limit: req.limit,
        startingAfter: req.startingAfter,
      });
      return ListRefundPayoutsResponse.fromPartial({
        hasMore: page.hasMore,
        payouts: page.payouts.map((p) => ({
          refund: refundToProto(p.refund),
          method: methodToProto(p.method),
          provider: providerToProto(p.provider),
          payerAccountKind: p.payerAccountKind,
          payerAccount: p.payerAccount,
        })),
      });
    },
    async completeRefundPayout(req) {
      const r = await refunds.completePayout({
        refundId: req.refundId,
        reference: req.reference,
        operator: req.operator,
      });
      return CompleteRefundPayoutResponse.fromPartial({ refund: refundToProto(r) });
    },
    async failRefundPayout(req) {
      const r = await refunds.failPayout({
        refundId: req.refundId,
        reason: req.reason,
        operator: req.operator,
      });
      return FailRefundPayoutResponse.fromPartial({ refund: refundToProto(r) });
    },
  };
}
