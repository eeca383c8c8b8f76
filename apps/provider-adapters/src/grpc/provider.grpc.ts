import { GetCallbackResponse, type ProviderServiceService } from '@tolem/contracts/provider';
import type { Handlers } from '@tolem/grpc-kit';

import type { makeChargeBoundCard } from '../app/charge-bound-card';
import type { makeGetCallback } from '../app/get-callback';
import type { makeHandleCallback } from '../app/handle-callback';
import type { makeListSettledTransactions } from '../app/list-settled-transactions';
import type { makeQueryPaymentStatus } from '../app/query-payment-status';
import type { makeRefundPayment } from '../app/refund-payment';
import type { makeStartPayment } from '../app/start-payment';
import type { makeSubmitPayerInput } from '../app/submit-payer-input';
import {
  callbackRequestToDomain,
  callbackResultToProto,
  chargeRequestToDomain,
  chargeResultToProto,
  listSettledRequestToDomain,
  queryRequestToDomain,
  refundRequestToDomain,
  refundResultToProto,
  settledToProto,
  startRequestToDomain,
  startResultToProto,
  statusToProto,
  storedCallbackToProto,
  submitRequestToDomain,
  submitResultToProto,
} from './provider.mapper';

export interface ProviderHandlerDeps {
  startPayment: ReturnType<typeof makeStartPayment>;
  handleCallback: ReturnType<typeof makeHandleCallback>;
  submitPayerInput: ReturnType<typeof makeSubmitPayerInput>;
  chargeBoundCard: ReturnType<typeof makeChargeBoundCard>;
  queryPaymentStatus: ReturnType<typeof makeQueryPaymentStatus>;
  refundPayment: ReturnType<typeof makeRefundPayment>;
  getCallback: ReturnType<typeof makeGetCallback>;
  listSettledTransactions: ReturnType<typeof makeListSettledTransactions>;
}

/** Thin transport: map, call one use case, map back. Errors are mapped by grpc-kit. */
export function providerHandlers(
  deps: ProviderHandlerDeps,
): Handlers<typeof ProviderServiceService> {
  return {
    async startPayment(req) {
      return startResultToProto(
        await deps.startPayment(startRequestToDomain(req), req.livemode ?? false),
      );
    },
    async handleCallback(req) {
      const { provider, raw } = callbackRequestToDomain(req);
      return callbackResultToProto(await deps.handleCallback(provider, raw));
    },
    async submitPayerInput(req) {
      return submitResultToProto(await deps.submitPayerInput(submitRequestToDomain(req)));
    },
    async chargeBoundCard(req) {
      const { provider, input } = chargeRequestToDomain(req);
      return chargeResultToProto(await deps.chargeBoundCard(provider, input));
    },
    async queryPaymentStatus(req) {
      return statusToProto(await deps.queryPaymentStatus(queryRequestToDomain(req)));
    },
    async refundPayment(req) {
      return refundResultToProto(await deps.refundPayment(refundRequestToDomain(req)));
    },
    async getCallback(req) {
      return GetCallbackResponse.fromPartial({
        callback: storedCallbackToProto(await deps.getCallback(req.callbackId)),
      });
    },
    async listSettledTransactions(req) {
      return settledToProto(await deps.listSettledTransactions(listSettledRequestToDomain(req)));
    },
  };
}
