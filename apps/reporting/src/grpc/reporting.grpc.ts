import {
  GetPaymentFactResponse,
  ListPaymentFactsResponse,
  type ReportingServiceService,
} from '@tolem/contracts/reporting';
import type { Handlers } from '@tolem/grpc-kit';

import type { makeGetPaymentFact } from '../app/get-payment-fact';
import type { makeListPaymentFacts } from '../app/list-payment-facts';
import { factToProto, listRequestToDomain } from './reporting.mapper';

export interface ReportingHandlerDeps {
  getPaymentFact: ReturnType<typeof makeGetPaymentFact>;
  listPaymentFacts: ReturnType<typeof makeListPaymentFacts>;
}

/** Thin transport: map, call one use case, map back. Errors are mapped by grpc-kit. */
export function reportingHandlers(
  deps: ReportingHandlerDeps,
): Handlers<typeof ReportingServiceService> {
  return {
    async getPaymentFact(req) {
      return GetPaymentFactResponse.fromPartial({
        fact: factToProto(await deps.getPaymentFact(req.paymentId)),
      });
    },
    async listPaymentFacts(req) {
      const { facts, nextPageToken } = await deps.listPaymentFacts(listRequestToDomain(req));
      return ListPaymentFactsResponse.fromPartial({ facts: facts.map(factToProto), nextPageToken });
    },
  };
}
