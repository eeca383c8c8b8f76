import {
  ApplyUnappliedFundsRequest,
  HoldUnappliedFundsRequest,
  LedgerServiceClient,
  PostPaymentRequest,
  RecordPaymentEventRequest,
  RefundOutcome as PbRefundOutcome,
  RefundPaymentRequest,
  ResolveRefundRequest,
  ReturnUnappliedFundsRequest,
} from '@tolem/contracts/ledger';
import { createClient } from '@tolem/grpc-kit';
import { money } from '@tolem/money';

import { checkoutErrors } from '../domain/errors';
import type { LedgerPort, LedgerRefundPort } from '../domain/ports';
import type { RefundOutcome } from '../domain/refund';
import { methodToProto, providerToProto } from '../grpc/common.mapper';

const REFUND_OUTCOMES: Record<RefundOutcome, PbRefundOutcome> = {
  refunded_by_provider: PbRefundOutcome.REFUND_OUTCOME_REFUNDED_BY_PROVIDER,
  paid_out: PbRefundOutcome.REFUND_OUTCOME_PAID_OUT,
  failed: PbRefundOutcome.REFUND_OUTCOME_FAILED,
};

/** LedgerPort over gRPC to the ledger service; every call has a deadline. */
export function createLedgerClient(
  address: string,
  options: { deadlineMs: number },
): LedgerPort & LedgerRefundPort & { close(): void } {
  const client = createClient(LedgerServiceClient, address, {
    defaultDeadlineMs: options.deadlineMs,
  });
  return {
    async postPayment(input) {
      const res = await client.postPayment(
        PostPaymentRequest.fromPartial({
          idempotencyKey: input.idempotencyKey,
          paymentId: input.paymentId,
          merchantId: input.merchantId,
          gross: { amountMinor: input.gross.amountMinor, currency: input.gross.currency },
          method: methodToProto(input.method),
          provider: providerToProto(input.provider),
          providerPaymentId: input.providerPaymentId,
          providerAttributes: input.providerAttributes,
          orderId: input.orderId,
          description: input.description,
          livemode: input.livemode,
          occurredAt: input.occurredAt,
        }),
      );
      if (!res.transaction?.id) {
        throw checkoutErrors.create(
          'CHECKOUT_UPSTREAM_INVALID_RESPONSE',
          'ledger: PostPayment without a transaction',
        );
      }
      // The fee is the ledger's alone: without one in the payment's currency checkout cannot
      // record the payment as posted, so it stays unposted and the sweeper asks again.
      if (!res.fee || res.fee.currency !== input.gross.currency) {
        throw checkoutErrors.create(
          'CHECKOUT_UPSTREAM_INVALID_RESPONSE',
          'ledger: PostPayment without the applied fee in the payment currency',
        );
      }
      const fee = money(res.fee.amountMinor, res.fee.currency);
      return { transactionId: res.transaction.id, alreadyExisted: res.alreadyExisted, fee };
    },
    async refundPayment(input) {
      const res = await client.refundPayment(
        RefundPaymentRequest.fromPartial({
          refundId: input.refundId,
          paymentId: input.paymentId,
          amount: { amountMinor: input.amount.amountMinor, currency: input.amount.currency },
          reason: input.reason,
          occurredAt: input.occurredAt,
        }),
      );
      if (!res.transaction?.id) {
        throw checkoutErrors.create(
          'CHECKOUT_UPSTREAM_INVALID_RESPONSE',
          'ledger: RefundPayment without a transaction',
        );
      }
      return { transactionId: res.transaction.id };
    },
    async resolveRefund(input) {
      const res = await client.resolveRefund(
        ResolveRefundRequest.fromPartial({
          refundId: input.refundId,
          outcome: REFUND_OUTCOMES[input.outcome],
          reference: input.reference,
          occurredAt: input.occurredAt,
        }),
      );
      return { transactionId: res.transaction?.id ?? '', paymentStatus: res.paymentStatus };
    },
    async recordPaymentEvent(input) {
      const res = await client.recordPaymentEvent(
        RecordPaymentEventRequest.fromPartial({
          idempotencyKey: input.idempotencyKey,
          paymentId: input.paymentId,
          merchantId: input.merchantId,
          eventType: input.eventType,
          paymentStatus: input.status,
          amount: { amountMinor: input.amount.amountMinor, currency: input.amount.currency },
          method: methodToProto(input.method),
          provider: providerToProto(input.provider),
          providerPaymentId: input.providerPaymentId,
          providerAttributes: input.providerAttributes,
          orderId: input.orderId,
          description: input.description,
          livemode: input.livemode,
          failureCode: input.failureCode,
          occurredAt: input.occurredAt,
        }),
      );
      return { eventId: res.eventId, sequence: res.sequence, superseded: res.superseded };
    },
    async holdUnappliedFunds(input) {
      const c = input.case;
      const res = await client.holdUnappliedFunds(
        HoldUnappliedFundsRequest.fromPartial({
          idempotencyKey: input.idempotencyKey,
          caseId: c.id,
          caseKind: c.kind,
          paymentId: c.paymentId,
          merchantId: c.merchantId,
          amount: { amountMinor: c.amount.amountMinor, currency: c.amount.currency },
          method: methodToProto(c.method),
          provider: providerToProto(c.provider),
          providerPaymentId: c.providerPaymentId,
          providerAttributes: c.providerAttributes,
          orderId: input.orderId,
          description: input.description,
          livemode: input.livemode,
          occurredAt: c.createdAt,
        }),
      );
      return { transactionId: res.transaction?.id ?? '' };
    },
    async applyUnappliedFunds(input) {
      const res = await client.applyUnappliedFunds(
        ApplyUnappliedFundsRequest.fromPartial({
          idempotencyKey: input.idempotencyKey,
          caseId: input.caseId,
          operator: input.operator,
          note: input.note,
        }),
      );
      if (!res.transaction?.id || !res.fee) {
        throw checkoutErrors.create(
          'CHECKOUT_UPSTREAM_INVALID_RESPONSE',
          'ledger: ApplyUnappliedFunds without a transaction or fee',
        );
      }
      return {
        transactionId: res.transaction.id,
        fee: money(res.fee.amountMinor, res.fee.currency),
      };
    },
    async returnUnappliedFunds(input) {
      const res = await client.returnUnappliedFunds(
        ReturnUnappliedFundsRequest.fromPartial({
          idempotencyKey: input.idempotencyKey,
          caseId: input.caseId,
          operator: input.operator,
          note: input.note,
          returnReference: input.returnReference,
        }),
      );
      return { transactionId: res.transaction?.id ?? '' };
    },
    close: () => client.close(),
  };
}
