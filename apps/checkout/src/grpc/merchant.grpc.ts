import {
  AuthenticateApiKeyResponse,
  CreateMerchantResponse,
  GetMerchantResponse,
  type MerchantServiceService,
} from '@tolem/contracts/checkout';
import type { Handlers } from '@tolem/grpc-kit';

import type { makeAuthenticateApiKey } from '../app/authenticate-api-key';
import type { makeCreateMerchant } from '../app/create-merchant';
import type { makeGetMerchant } from '../app/get-merchant';
import { createMerchantRequestToDomain, merchantToProto } from './merchant.mapper';

export interface MerchantHandlerDeps {
  createMerchant: ReturnType<typeof makeCreateMerchant>;
  getMerchant: ReturnType<typeof makeGetMerchant>;
  authenticateApiKey: ReturnType<typeof makeAuthenticateApiKey>;
}

/** Thin transport: map, call one use case, map back. Errors are mapped by grpc-kit. */
export function merchantHandlers(
  deps: MerchantHandlerDeps,
): Handlers<typeof MerchantServiceService> {
  return {
    async createMerchant(req) {
      const { merchant, apiKey, replayed } = await deps.createMerchant(
        createMerchantRequestToDomain(req),
      );
      return CreateMerchantResponse.fromPartial({
        merchant: merchantToProto(merchant),
        apiKey,
        replayed,
      });
    },
    async getMerchant(req) {
      const merchant = await deps.getMerchant(req.merchantId);
      return GetMerchantResponse.fromPartial({ merchant: merchantToProto(merchant) });
    },
    async authenticateApiKey(req) {
      const merchant = await deps.authenticateApiKey(req.apiKey);
      return AuthenticateApiKeyResponse.fromPartial({ merchant: merchantToProto(merchant) });
    },
  };
}
