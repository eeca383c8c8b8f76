import {
  CancelPaymentResponse,
  ChargeBoundCardResponse,
  type CheckoutServiceService,
  CreateFormPaymentResponse,
  CreatePaymentResponse,
  CreatePaymentsResponse,
  type CreatePaymentsResult,
  CreateQrPaymentResponse,
  GetPaymentResponse,
  HandleProviderCallbackResponse,
  ListPaymentEventsResponse,
  ListPaymentsResponse,
  StartPaymentResponse,
  SubmitPayerInputResponse,
} from '@tolem/contracts/checkout';
import type { Handlers } from '@tolem/grpc-kit';

import type { makeCancelPayment } from '../app/cancel-payment';
import type { ChargeBoundCard } from '../app/charge-bound-card';
import type { makeCreateFormPayment } from '../app/create-form-payment';
import type { makeCreatePayment } from '../app/create-payment';
import type { makeCreateQrPayment } from '../app/create-qr-payment';
import type { makeGetPayment } from '../app/get-payment';
import type { makeHandleProviderCallback } from '../app/handle-provider-callback';
import type { makeListPaymentEvents } from '../app/list-payment-events';
import type { makeListPayments } from '../app/list-payments';
import type { makeStartPayment } from '../app/start-payment';
import type { makeSubmitPayerInput } from '../app/submit-payer-input';
import { checkoutErrors } from '../domain/errors';
import { checkoutErrorOf } from './batch.mapper';
import {
  callbackRequestToDomain,
  chargeBoundCardRequestToDomain,
  createPaymentRequestToDomain,
  createQrPaymentRequestToDomain,
  listPaymentsRequestToDomain,
  paymentEventToProto,
  paymentToProto,
  startPaymentRequestToDomain,
  statusToProto,
  submitPayerInputRequestToDomain,
} from './checkout.mapper';
import { actionToProto, httpReplyToProto } from './common.mapper';

export interface CheckoutHandlerDeps {
  createPayment: ReturnType<typeof makeCreatePayment>;
  getPayment: ReturnType<typeof makeGetPayment>;
  startPayment: ReturnType<typeof makeStartPayment>;
  handleProviderCallback: ReturnType<typeof makeHandleProviderCallback>;
  submitPayerInput: ReturnType<typeof makeSubmitPayerInput>;
  cancelPayment: ReturnType<typeof makeCancelPayment>;
  listPayments: ReturnType<typeof makeListPayments>;
  listPaymentEvents: ReturnType<typeof makeListPaymentEvents>;
  createFormPayment: ReturnType<typeof makeCreateFormPayment>;
  chargeBoundCard: ChargeBoundCard;
  createQrPayment: ReturnType<typeof makeCreateQrPayment>;
}

/** Most creates one CreatePayments call may carry (the gateway sends far fewer). */
export const MAX_CREATES_PER_CALL = 500;

/** Thin transport: map, call one use case, map back. Errors are mapped by grpc-kit. */
export function checkoutHandlers(
  deps: CheckoutHandlerDeps,
): Handlers<typeof CheckoutServiceService> {
  return {
    async createPayment(req) {
      const { view, replayed } = await deps.createPayment(createPaymentRequestToDomain(req), {
        traceParent: req.traceparent,
      });
      return CreatePaymentResponse.fromPartial({ payment: paymentToProto(view), replayed });
    },
    async createFormPayment(req) {
      const { view, replayed } = await deps.createFormPayment({
        fields: { ...req.fields },
        signature: req.signature,
      });
      return CreateFormPaymentResponse.fromPartial({ payment: paymentToProto(view), replayed });
    },
    async getPayment(req) {
      const view = await deps.getPayment({
        paymentId: req.paymentId,
        merchantId: req.merchantId,
        pageSecret: req.pageSecret,
        livemode: req.livemode,
      });
      return GetPaymentResponse.fromPartial({ payment: paymentToProto(view) });
    },
    async startPayment(req) {
      const { view, action } = await deps.startPayment(startPaymentRequestToDomain(req));
      return StartPaymentResponse.fromPartial({
        payment: paymentToProto(view),
        action: actionToProto(action),
      });
    },
    async handleProviderCallback(req) {
      const out = await deps.handleProviderCallback(callbackRequestToDomain(req));
      return HandleProviderCallbackResponse.fromPartial({
        reply: httpReplyToProto(out.reply),
        paymentId: out.paymentId,
        status: statusToProto(out.status),
      });
    },
    async cancelPayment(req) {
      const payment = await deps.cancelPayment({
        paymentId: req.paymentId,
        merchantId: req.merchantId,
        reason: req.reason,
        livemode: req.livemode,
      });
      // Nothing is payable once canceled: no methods to offer.
      return CancelPaymentResponse.fromPartial({
        payment: paymentToProto({ payment, availableMethods: [] }),
      });
    },
    async submitPayerInput(req) {
      const out = await deps.submitPayerInput(submitPayerInputRequestToDomain(req));
      return SubmitPayerInputResponse.fromPartial({
        payment: paymentToProto(out.view),
        message: out.message,
        action: out.action ? actionToProto(out.action) : undefined,
        outcome: out.outcome,
      });
    },
    async createPayments(req, ctx) {
      if (req.payments.length > MAX_CREATES_PER_CALL) {
        throw checkoutErrors.create(
          'PAYMENT_INVALID_REQUEST',
          `at most ${MAX_CREATES_PER_CALL} payments per call`,
          { details: { field: 'payments' } },
        );
      }
      // Concurrently, so the repository's group commit writes them in one statement; each
      // item answers alone, as its own CreatePayment call would have.
      const results = await Promise.all(
        req.payments.map(async (item): Promise<CreatePaymentsResult> => {
          try {
            const { view, replayed } = await deps.createPayment(
              createPaymentRequestToDomain(item),
              { traceParent: item.traceparent },
            );
            const created = { payment: paymentToProto(view), replayed };
            return { result: { $case: 'created', value: created } };
          } catch (err) {
            return { result: { $case: 'error', value: checkoutErrorOf(err, ctx.log) } };
          }
        }),
      );
      return CreatePaymentsResponse.fromPartial({ results });
    },
    async listPayments(req) {
      const { views, hasMore } = await deps.listPayments(listPaymentsRequestToDomain(req));
      return ListPaymentsResponse.fromPartial({ payments: views.map(paymentToProto), hasMore });
    },
    async chargeBoundCard(req) {
      const out = await deps.chargeBoundCard(chargeBoundCardRequestToDomain(req));
      return ChargeBoundCardResponse.fromPartial({
        payment: paymentToProto(out.view),
        declineCode: out.declineCode,
        declineKind: out.declineKind,
        reasonCode: out.reasonCode,
        replayed: out.replayed,
      });
    },
    async listPaymentEvents(req) {
      const events = await deps.listPaymentEvents({
        paymentId: req.paymentId,
        merchantId: req.merchantId,
        livemode: req.livemode,
      });
      return ListPaymentEventsResponse.fromPartial({ events: events.map(paymentEventToProto) });
    },
    async createQrPayment(req) {
      const out = await deps.createQrPayment(createQrPaymentRequestToDomain(req));
      return CreateQrPaymentResponse.fromPartial({
        payment: paymentToProto(out.view),
        qrCodeId: out.qrCodeId,
        replayed: out.replayed,
      });
    },
  };
}
