import {
  type ConsistencyReport as PbConsistencyReport,
  type ListPaymentFactsRequest,
  PaymentFact as PbPaymentFact,
  type PaymentFilter as PbPaymentFilter,
  RefundFact as PbRefundFact,
} from '@tolem/contracts/reporting';

import type { ListPaymentFactsInput } from '../app/list-payment-facts';
import type { ConsistencyReport } from '../domain/consistency';
import type { PaymentFact } from '../domain/payment-fact';
import type { PaymentFilter } from '../domain/ports';
import { refundDay, type RefundFact } from '../domain/refund-fact';
import { methodFromString, providerFromString } from '../payment-enums';

export function listRequestToDomain(req: ListPaymentFactsRequest): ListPaymentFactsInput {
  return {
    merchantId: req.merchantId,
    from: req.from,
    to: req.to,
    pageSize: req.pageSize,
    pageToken: req.pageToken,
    livemode: req.livemode,
  };
}

export function filterToDomain(f: PbPaymentFilter | undefined): PaymentFilter {
  return {
    merchantId: f?.merchantId ?? '',
    status: f?.status || undefined,
    method: f?.method || undefined,
    currency: f?.currency || undefined,
    createdFrom: f?.createdFrom,
    createdTo: f?.createdTo,
    livemode: f?.livemode,
  };
}

export function factToProto(f: PaymentFact): PbPaymentFact {
  return PbPaymentFact.fromPartial({
    paymentId: f.paymentId,
    merchantId: f.merchantId,
    orderId: f.orderId,
    status: f.status,
    gross: { amountMinor: f.grossMinor, currency: f.currency },
    fee: { amountMinor: f.feeMinor, currency: f.currency },
    net: { amountMinor: f.netMinor, currency: f.currency },
    method: methodFromString(f.method),
    provider: providerFromString(f.provider),
    providerPaymentId: f.providerPaymentId,
    providerAttributes: f.providerAttributes,
    lastEventId: f.lastEventId,
    lastSequence: f.lastSequence,
    occurredAt: f.occurredAt,
    updatedAt: f.updatedAt,
    history: f.history.map((h) => ({
      status: h.status,
      eventType: h.eventType,
      sequence: h.sequence,
      occurredAt: h.occurredAt,
    })),
    createdAt: f.createdAt,
    failureCode: f.failureCode,
    livemode: f.livemode,
  });
}

export function refundToProto(r: RefundFact): PbRefundFact {
  return PbRefundFact.fromPartial({
    refundId: r.refundId,
    paymentId: r.paymentId,
    merchantId: r.merchantId,
    amount: { amountMinor: r.amountMinor, currency: r.currency },
    status: r.status,
    method: methodFromString(r.method),
    provider: providerFromString(r.provider),
    failureCode: r.failureCode,
    day: refundDay(r),
    requestedAt: r.requestedAt ?? undefined,
    resolvedAt: r.resolvedAt ?? undefined,
    lastSequence: r.lastSequence,
    livemode: r.livemode,
  });
}

export function reportToProto(r: ConsistencyReport): PbConsistencyReport {
  return {
    consistent: r.consistent,
    checkedAt: r.checkedAt,
    fromDay: r.fromDay,
    toDay: r.toDay,
    differences: r.differences.map((d) => ({ ...d })),
    error: r.error,
  };
}
