import type { ProviderServiceService } from '@tolem/contracts/provider';
import type { Handlers } from '@tolem/grpc-kit';

import type { makeHandleCallback } from '../app/handle-callback';
import type { makeStartPayment } from '../app/start-payment';
import {
  callbackRequestToDomain,
  callbackResultToProto,
  startRequestToDomain,
  startResultToProto,
} from './provider.mapper';

export interface ProviderHandlerDeps {
  startPayment: ReturnType<typeof makeStartPayment>;
  handleCallback: ReturnType<typeof makeHandleCallback>;
}

/** Thin transport: map, call one use case, map back. Errors are mapped by grpc-kit. */
export function providerHandlers(
  deps: ProviderHandlerDeps,
): Handlers<typeof ProviderServiceService> {
  return {
    async startPayment(req) {
      return startResultToProto(await deps.startPayment(startRequestToDomain(req)));
    },
    async handleCallback(req) {
      const { provider, raw } = callbackRequestToDomain(req);
      return callbackResultToProto(await deps.handleCallback(provider, raw));
    },
  };
}
