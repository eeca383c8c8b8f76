import {
  AuthenticateApiKeyResponse,
  CreateApiKeyResponse,
  CreateMerchantResponse,
  GetMerchantResponse,
  ListApiKeysResponse,
  ListMerchantsResponse,
  MerchantSecretKind,
  type MerchantServiceService,
  RevokeApiKeyResponse,
  RollApiKeyResponse,
  RotateSecretResponse,
  UpdateMerchantResponse,
} from '@tolem/contracts/checkout';
import type { Handlers } from '@tolem/grpc-kit';

import type { makeApiKeys } from '../app/api-keys';
import type { makeAuthenticateApiKey } from '../app/authenticate-api-key';
import type { makeCreateMerchant } from '../app/create-merchant';
import type { makeGetMerchant } from '../app/get-merchant';
import type { makeListMerchants } from '../app/list-merchants';
import type { makeRotateSecret } from '../app/rotate-secret';
import type { makeUpdateMerchant } from '../app/update-merchant';
import { checkoutErrors } from '../domain/errors';
import {
  apiKeyModeFromProto,
  apiKeyToProto,
  createMerchantRequestToDomain,
  merchantToProto,
  updateMerchantRequestToDomain,
} from './merchant.mapper';

export interface MerchantHandlerDeps {
  createMerchant: ReturnType<typeof makeCreateMerchant>;
  getMerchant: ReturnType<typeof makeGetMerchant>;
  listMerchants: ReturnType<typeof makeListMerchants>;
  updateMerchant: ReturnType<typeof makeUpdateMerchant>;
  authenticateApiKey: ReturnType<typeof makeAuthenticateApiKey>;
  apiKeys: ReturnType<typeof makeApiKeys>;
  rotateSecret: ReturnType<typeof makeRotateSecret>;
}

/** Thin transport: map, call one use case, map back. Errors are mapped by grpc-kit. */
export function merchantHandlers(
  deps: MerchantHandlerDeps,
): Handlers<typeof MerchantServiceService> {
  return {
    async createMerchant(req) {
      const out = await deps.createMerchant(createMerchantRequestToDomain(req));
      return CreateMerchantResponse.fromPartial({
        merchant: merchantToProto(out.merchant),
        apiKey: out.apiKey,
        replayed: out.replayed,
        apiKeyInfo: out.apiKeyRecord ? apiKeyToProto(out.apiKeyRecord) : undefined,
        webhookSigningSecret: out.webhookSigningSecret,
        formSecret: out.formSecret,
      });
    },
    async getMerchant(req) {
      const merchant = await deps.getMerchant(req.merchantId);
      return GetMerchantResponse.fromPartial({ merchant: merchantToProto(merchant) });
    },
    async listMerchants(req) {
      const page = await deps.listMerchants(req);
      return ListMerchantsResponse.fromPartial({
        merchants: page.merchants.map(merchantToProto),
        nextPageToken: page.nextPageToken,
      });
    },
    async updateMerchant(req) {
      const merchant = await deps.updateMerchant(updateMerchantRequestToDomain(req));
      return UpdateMerchantResponse.fromPartial({ merchant: merchantToProto(merchant) });
    },
    async authenticateApiKey(req) {
      const auth = await deps.authenticateApiKey(req.apiKey);
      return AuthenticateApiKeyResponse.fromPartial({
        merchant: merchantToProto(auth.merchant),
        livemode: auth.livemode,
        apiKeyId: auth.apiKeyId,
      });
    },
    async createApiKey(req) {
      const issued = await deps.apiKeys.create({
        merchantId: req.merchantId,
        mode: apiKeyModeFromProto(req.mode, 'API_KEY_INVALID_REQUEST', 'mode'),
        name: req.name,
        idempotencyKey: req.idempotencyKey,
      });
      return CreateApiKeyResponse.fromPartial({
        apiKey: apiKeyToProto(issued.record),
        secret: issued.secret,
        replayed: issued.replayed,
      });
    },
    async listApiKeys(req) {
      const page = await deps.apiKeys.list(req);
      return ListApiKeysResponse.fromPartial({
        apiKeys: page.keys.map(apiKeyToProto),
        hasMore: page.hasMore,
      });
    },
    async revokeApiKey(req) {
      const key = await deps.apiKeys.revoke(req);
      return RevokeApiKeyResponse.fromPartial({ apiKey: apiKeyToProto(key) });
    },
    async rollApiKey(req) {
      const rolled = await deps.apiKeys.roll(req);
      return RollApiKeyResponse.fromPartial({
        apiKey: apiKeyToProto(rolled.record),
        secret: rolled.secret,
        rolled: apiKeyToProto(rolled.old),
      });
    },
    async rotateSecret(req) {
      const kind =
        req.kind === MerchantSecretKind.MERCHANT_SECRET_KIND_FORM
          ? 'form'
          : req.kind === MerchantSecretKind.MERCHANT_SECRET_KIND_WEBHOOK
            ? 'webhook'
            : undefined;
      if (!kind) {
        throw checkoutErrors.create('MERCHANT_INVALID_REQUEST', 'kind must be form or webhook', {
          details: { field: 'kind' },
        });
      }
      const out = await deps.rotateSecret({
        merchantId: req.merchantId,
        kind,
        overlapSeconds: req.overlapSeconds,
        idempotencyKey: req.idempotencyKey,
      });
      return RotateSecretResponse.fromPartial({
        secret: out.secret,
        previousExpiresAt: out.previousExpiresAt,
        merchant: merchantToProto(out.merchant),
        replayed: out.replayed,
      });
    },
  };
}
