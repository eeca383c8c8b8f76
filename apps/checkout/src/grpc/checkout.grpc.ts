import {
  CancelPaymentResponse,
  type CheckoutServiceService,
  CreateFormPaymentResponse,
  CreatePaymentResponse,
  GetPaymentResponse,
  HandleProviderCallbackResponse,
  StartPaymentResponse,
  SubmitPayerInputResponse,
} from '@tolem/contracts/checkout';
import type { Handlers } from '@tolem/grpc-kit';

import type { makeCancelPayment } from '../app/cancel-payment';
import type { makeCreateFormPayment } from '../app/create-form-payment';
import type { makeCreatePayment } from '../app/create-payment';
import type { makeGetPayment } from '../app/get-payment';
import type { makeHandleProviderCallback } from '../app/handle-provider-callback';
import type { makeStartPayment } from '../app/start-payment';
import type { makeSubmitPayerInput } from '../app/submit-payer-input';
import {
  callbackRequestToDomain,
  createPaymentRequestToDomain,
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
  createFormPayment: ReturnType<typeof makeCreateFormPayment>;
}

/** Thin transport: map, call one use case, map back. Errors are mapped by grpc-kit. */
export function checkoutHandlers(
  deps: CheckoutHandlerDeps,
): Handlers<typeof CheckoutServiceService> {
  return {
    async createPayment(req) {
      const { view, replayed } = await deps.createPayment(createPaymentRequestToDomain(req));
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
  };
}
