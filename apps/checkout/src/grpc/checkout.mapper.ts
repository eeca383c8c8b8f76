import {
  type ChargeBoundCardRequest,
  type CreatePaymentRequest,
  type CreateQrPaymentRequest,
  type HandleProviderCallbackRequest,
  type ListPaymentsRequest,
  Payment as PbPayment,
  PaymentEvent as PbPaymentEvent,
  PaymentStatus as PbStatus,
  type StartPaymentRequest,
  type SubmitPayerInputRequest,
} from '@tolem/contracts/checkout';

import type { CreateQrPaymentInput } from '../app/create-qr-payment';
import type { PaymentTimelineEntry } from '../app/list-payment-events';
import type { ListPaymentsInput } from '../app/list-payments';
import type { StartPaymentInput } from '../app/start-payment';
import type { SubmitPayerInputInput } from '../app/submit-payer-input';
import type { ChargeBoundCardInput } from '../domain/bound-card-charge';
import { checkoutErrors } from '../domain/errors';
import { type PaymentStatus, type PaymentView, type ProviderName } from '../domain/payment';
import type { CreatePaymentInput } from '../domain/payment-request';
import type { RawHttpRequest } from '../domain/provider';
import { refundedStatusOf } from '../domain/refund';
import {
  httpRequestFromProto,
  methodFromProto,
  methodToProto,
  providerFromProto,
  providerToProto,
} from './common.mapper';

const STATUSES: Record<PaymentStatus, PbStatus> = {
  created: PbStatus.PAYMENT_STATUS_CREATED,
  pending: PbStatus.PAYMENT_STATUS_PENDING,
  succeeded: PbStatus.PAYMENT_STATUS_SUCCEEDED,
  failed: PbStatus.PAYMENT_STATUS_FAILED,
  expired: PbStatus.PAYMENT_STATUS_EXPIRED,
  canceled: PbStatus.PAYMENT_STATUS_CANCELED,
  requires_review: PbStatus.PAYMENT_STATUS_REQUIRES_REVIEW,
};

const REFUNDED_STATUSES: Record<string, PbStatus | undefined> = {
  partially_refunded: PbStatus.PAYMENT_STATUS_PARTIALLY_REFUNDED,
  refunded: PbStatus.PAYMENT_STATUS_REFUNDED,
};

export function statusToProto(status: PaymentStatus | null): PbStatus {
  return status ? STATUSES[status] : PbStatus.PAYMENT_STATUS_UNSPECIFIED;
}

function invalid(field: string, message: string): never {
  throw checkoutErrors.create('PAYMENT_INVALID_REQUEST', message, { details: { field } });
}

export function createPaymentRequestToDomain(req: CreatePaymentRequest): CreatePaymentInput {
  if (!req.amount) invalid('amount', 'amount is required');
  return {
    merchantId: req.merchantId,
    idempotencyKey: req.idempotencyKey,
    amountMinor: req.amount.amountMinor,
    currency: req.amount.currency,
    orderId: req.orderId,
    description: req.description,
    successUrl: req.successUrl,
    failUrl: req.failUrl,
    metadata: { ...req.metadata },
    livemode: req.livemode ?? false,
    customerRef: req.customerRef ?? '',
  };
}

export function createQrPaymentRequestToDomain(req: CreateQrPaymentRequest): CreateQrPaymentInput {
  if (!req.payment) invalid('payment', 'payment is required');
  return {
    payment: createPaymentRequestToDomain(req.payment),
    expiresAt: req.expiresAt ?? null,
  };
}

export function chargeBoundCardRequestToDomain(req: ChargeBoundCardRequest): ChargeBoundCardInput {
  if (!req.amount) invalid('amount', 'amount is required');
  return {
    merchantId: req.merchantId,
    idempotencyKey: req.idempotencyKey,
    bindingRef: req.bindingRef,
    amountMinor: req.amount.amountMinor,
    currency: req.amount.currency,
    description: req.description,
    orderId: req.orderId,
    metadata: { ...req.metadata },
    livemode: req.livemode,
    customerRef: req.customerRef,
  };
}

export function startPaymentRequestToDomain(req: StartPaymentRequest): StartPaymentInput {
  return {
    paymentId: req.paymentId,
    pageSecret: req.pageSecret,
    method: methodFromProto(req.method),
    payer: { ...req.payer },
  };
}

export function submitPayerInputRequestToDomain(
  req: SubmitPayerInputRequest,
): SubmitPayerInputInput {
  return { paymentId: req.paymentId, pageSecret: req.pageSecret, fields: { ...req.fields } };
}

export function callbackRequestToDomain(req: HandleProviderCallbackRequest): {
  provider: ProviderName;
  request: RawHttpRequest;
} {
  const provider = providerFromProto(req.provider);
  if (!provider) invalid('provider', 'provider is required');
  if (!req.request) invalid('request', 'request is required');
  return { provider, request: httpRequestFromProto(req.request) };
}

/** `fee` is the fee the ledger applied, unset until the payment is posted. */
export function paymentToProto(view: PaymentView): PbPayment {
  const p = view.payment;
  const fee = p.fee;
  return PbPayment.fromPartial({
    id: p.id,
    merchantId: p.merchantId,
    amount: { amountMinor: p.amount.amountMinor, currency: p.amount.currency },
    // A succeeded payment that refunds returned (part of) shows it; checkout's state machine
    // still knows it as succeeded (the money was received).
    status: REFUNDED_STATUSES[refundedStatusOf(p) ?? 'none'] ?? STATUSES[p.status],
    orderId: p.orderId,
    description: p.description,
    successUrl: p.successUrl,
    failUrl: p.failUrl,
    method: methodToProto(p.method),
    provider: providerToProto(p.provider),
    providerPaymentId: p.providerPaymentId ?? '',
    providerAttributes: p.providerAttributes,
    availableMethods: view.availableMethods.map(methodToProto),
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    fee: fee ? { amountMinor: fee.amountMinor, currency: fee.currency } : undefined,
    failureCode: p.failureCode ?? '',
    metadata: p.metadata,
    pageSecret: p.pageSecret,
    livemode: p.livemode,
    customerRef: p.customerRef,
    initiator: p.initiator,
    amountRefunded: { amountMinor: p.refundedMinor, currency: p.amount.currency },
  });
}

function statusFromProto(value: PbStatus): PaymentStatus | null {
  const found = (Object.entries(STATUSES) as [PaymentStatus, PbStatus][]).find(
    ([, pb]) => pb === value,
  );
  return found ? found[0] : null;
}

export function listPaymentsRequestToDomain(req: ListPaymentsRequest): ListPaymentsInput {
  return {
    merchantId: req.merchantId,
    limit: req.limit,
    startingAfter: req.startingAfter,
    endingBefore: req.endingBefore,
    status: statusFromProto(req.status),
    method: methodFromProto(req.method),
    orderId: req.orderId,
    createdGte: req.createdGte ?? null,
    createdLt: req.createdLt ?? null,
    livemode: req.livemode ?? null,
  };
}

export function paymentEventToProto(e: PaymentTimelineEntry): PbPaymentEvent {
  return PbPaymentEvent.fromPartial({
    sequence: e.sequence,
    type: `payment.${e.to}`,
    fromStatus: statusToProto(e.from),
    toStatus: STATUSES[e.to],
    reason: e.reason,
    occurredAt: e.at,
  });
}
