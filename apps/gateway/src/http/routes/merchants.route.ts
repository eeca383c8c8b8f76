import { MerchantSecretKind } from '@tolem/contracts/checkout';
import type { FastifyPluginAsync } from 'fastify';

import {
  IDEMPOTENCY_HEADERS,
  idempotencyKeyFrom,
  OPTIONAL_IDEMPOTENCY_HEADERS,
  requiredIdempotencyKey,
  requireIdempotencyKeyFirst,
} from '../headers';
import { idPage } from '../mappers/list.mapper';
import {
  apiKeyModeToProto,
  apiKeyToJson,
  type LedgerMerchantFacts,
  merchantListToJson,
  merchantToJson,
  toCreateMerchantRequest,
  toUpdateMerchantRequest,
} from '../mappers/merchant.mapper';
import { limitFrom } from '../mappers/payment.mapper';
import {
  adminErrorResponses,
  apiKeyListJsonSchema,
  apiKeyParamsSchema,
  type CreateApiKeyBody,
  createApiKeyBodySchema,
  type CreateMerchantBody,
  createMerchantBodySchema,
  createMerchantResponseSchema,
  issuedApiKeyJsonSchema,
  type ListApiKeysQuery,
  listApiKeysQuerySchema,
  type ListMerchantsQuery,
  listMerchantsQuerySchema,
  merchantJsonSchema,
  merchantListJsonSchema,
  merchantParamsSchema,
  type RollApiKeyBody,
  rollApiKeyBodySchema,
  rotatedSecretJsonSchema,
  type RotateSecretBody,
  rotateSecretBodySchema,
  secretParamsSchema,
  type UpdateMerchantBody,
  updateMerchantBodySchema,
} from '../merchant.schemas';
import { operation } from '../openapi';
import type { GatewayDeps } from '../server';

export interface MerchantRouteDeps {
  merchants: Pick<
    GatewayDeps['merchants'],
    | 'createMerchant'
    | 'getMerchant'
    | 'listMerchants'
    | 'updateMerchant'
    | 'createApiKey'
    | 'listApiKeys'
    | 'revokeApiKey'
    | 'rollApiKey'
    | 'rotateSecret'
  >;
  ledger: Pick<GatewayDeps['ledger'], 'getFeePlan' | 'getMerchantSettings'>;
  /** Drops this gateway's cached resolutions of a key at once (others within their 30 s TTL). */
  forgetApiKey: (apiKeyId: string) => void;
}

/**
 * Operator routes for merchants and their API keys, registered inside the admin scope (the
 * ADMIN_TOKEN check runs first). The gateway only maps: onboarding (the ledger's fee plan and
 * settings, the notifier's endpoint) is checkout's use case, with persisted steps a sweeper
 * finishes when a peer is down. Secrets (API keys, the webhook signing secret) are in the answer
 * that creates them only, and never logged.
 */
export function merchantRoutes(deps: MerchantRouteDeps): FastifyPluginAsync {
  return async (app) => {
    /** The ledger's facts for one merchant; null parts when the ledger did not answer. */
    async function ledgerFacts(
      merchantId: string,
      requestId: string,
    ): Promise<LedgerMerchantFacts> {
      const [plan, settings] = await Promise.allSettled([
        deps.ledger.getFeePlan({ merchantId }, { requestId }),
        deps.ledger.getMerchantSettings({ merchantId }, { requestId }),
      ]);
      return {
        feeRules: plan.status === 'fulfilled' ? (plan.value.plan?.rules ?? []) : null,
        allowNegativeBalance:
          settings.status === 'fulfilled'
            ? (settings.value.settings?.allowNegativeBalance ?? false)
            : null,
      };
    }

    app.post<{ Body: CreateMerchantBody }>(
      '/admin/v1/merchants',
      {
        // Its answer carries a secret shown once: never kept in the idempotency store.
        config: { idempotency: false },
        schema: {
          headers: OPTIONAL_IDEMPOTENCY_HEADERS,
          ...operation(
            'createMerchant',
            'Onboard a merchant: its first API key, fee plan, settings and endpoint',
          ),
          body: createMerchantBodySchema,
          response: {
            200: createMerchantResponseSchema,
            201: createMerchantResponseSchema,
            ...adminErrorResponses,
          },
        },
        // Before the body is even parsed: a retry-unsafe request is refused whatever its body.
        preParsing: async (request, _reply, payload) => {
          idempotencyKeyFrom(request.headers['idempotency-key']);
          return payload;
        },
      },
      async (request, reply) => {
        const idempotencyKey = idempotencyKeyFrom(request.headers['idempotency-key']);
        const req = toCreateMerchantRequest(request.body, idempotencyKey);
        const res = await deps.merchants.createMerchant(req, { requestId: request.id });
        const id = res.merchant?.id ?? '';
        const body = {
          merchant: merchantToJson(res.merchant, await ledgerFacts(id, request.id)),
          api_key: res.apiKey,
          api_key_info: res.apiKeyInfo ? apiKeyToJson(res.apiKeyInfo) : null,
          webhook_signing_secret: res.webhookSigningSecret || null,
          form_secret: res.formSecret || null,
        };
        if (res.replayed) {
          return reply.code(200).header('idempotent-replayed', 'true').send(body);
        }
        request.log.info(
          { merchantId: id, onboarding: body.merchant.onboarding.status },
          'merchant created',
        );
        return reply.code(201).header('location', `/admin/v1/merchants/${id}`).send(body);
      },
    );

    app.get<{ Querystring: ListMerchantsQuery }>(
      '/admin/v1/merchants',
      {
        schema: {
          ...operation('listMerchants', 'Merchants, oldest first, paged by cursor'),
          querystring: listMerchantsQuerySchema,
          response: { 200: merchantListJsonSchema, ...adminErrorResponses },
        },
      },
      async (request) => {
        const res = await deps.merchants.listMerchants(
          {
            pageSize: request.query.limit === undefined ? 0 : Number(request.query.limit),
            pageToken: request.query.cursor ?? '',
          },
          { requestId: request.id },
        );
        return merchantListToJson(res);
      },
    );

    app.get<{ Params: { id: string } }>(
      '/admin/v1/merchants/:id',
      {
        schema: {
          ...operation(
            'getMerchant',
            'One merchant, with the fee plan and settings the ledger holds',
          ),
          params: merchantParamsSchema,
          response: { 200: merchantJsonSchema, ...adminErrorResponses },
        },
      },
      async (request) => {
        const res = await deps.merchants.getMerchant(
          { merchantId: request.params.id },
          { requestId: request.id },
        );
        return merchantToJson(res.merchant, await ledgerFacts(request.params.id, request.id));
      },
    );

    app.patch<{ Params: { id: string }; Body: UpdateMerchantBody }>(
      '/admin/v1/merchants/:id',
      {
        schema: {
          ...operation(
            'updateMerchant',
            'Change the fields sent; peers get their settings through onboarding steps',
          ),
          params: merchantParamsSchema,
          body: updateMerchantBodySchema,
          response: { 200: merchantJsonSchema, ...adminErrorResponses },
        },
      },
      async (request) => {
        const res = await deps.merchants.updateMerchant(
          toUpdateMerchantRequest(request.params.id, request.body),
          { requestId: request.id },
        );
        request.log.info({ merchantId: request.params.id }, 'merchant updated');
        return merchantToJson(res.merchant, await ledgerFacts(request.params.id, request.id));
      },
    );

    app.post<{ Params: { id: string }; Body: CreateApiKeyBody | null }>(
      '/admin/v1/merchants/:id/api_keys',
      {
        // Its answer carries a secret shown once: never kept in the idempotency store.
        config: { idempotency: false },
        schema: {
          headers: IDEMPOTENCY_HEADERS,
          ...operation('createApiKey', 'A new API key (sk_test_… or sk_live_…), shown once'),
          params: merchantParamsSchema,
          body: createApiKeyBodySchema,
          response: {
            200: issuedApiKeyJsonSchema,
            201: issuedApiKeyJsonSchema,
            ...adminErrorResponses,
          },
        },
        // Checkout keeps the key: a retry answers the API key it created, without its secret.
        preParsing: requireIdempotencyKeyFirst,
      },
      async (request, reply) => {
        const res = await deps.merchants.createApiKey(
          {
            merchantId: request.params.id,
            mode: apiKeyModeToProto(request.body?.mode),
            name: request.body?.name ?? '',
            idempotencyKey: requiredIdempotencyKey(request.headers),
          },
          { requestId: request.id },
        );
        if (res.replayed) {
          return reply
            .code(200)
            .header('idempotent-replayed', 'true')
            .send({ api_key: apiKeyToJson(res.apiKey), secret: null });
        }
        request.log.info(
          { merchantId: request.params.id, apiKeyId: res.apiKey?.id },
          'API key created',
        );
        return reply.code(201).send({ api_key: apiKeyToJson(res.apiKey), secret: res.secret });
      },
    );

    app.get<{ Params: { id: string }; Querystring: ListApiKeysQuery }>(
      '/admin/v1/merchants/:id/api_keys',
      {
        schema: {
          ...operation(
            'listApiKeys',
            "The merchant's API keys (rolled and revoked ones too), newest first, paged by starting_after, without their secrets",
          ),
          params: merchantParamsSchema,
          querystring: listApiKeysQuerySchema,
          response: { 200: apiKeyListJsonSchema, ...adminErrorResponses },
        },
      },
      async (request) => {
        const res = await deps.merchants.listApiKeys(
          {
            merchantId: request.params.id,
            limit: limitFrom(request.query.limit, 100, 0),
            startingAfter: request.query.starting_after ?? '',
          },
          { requestId: request.id },
        );
        const now = new Date();
        return idPage(
          `/admin/v1/merchants/${request.params.id}/api_keys`,
          res.apiKeys.map((k) => apiKeyToJson(k, now)),
          res.hasMore,
        );
      },
    );

    app.post<{ Params: { id: string; key_id: string } }>(
      '/admin/v1/merchants/:id/api_keys/:key_id/revoke',
      {
        schema: {
          headers: OPTIONAL_IDEMPOTENCY_HEADERS,
          ...operation(
            'revokeApiKey',
            'Revoke a key now (other gateway replicas stop trusting it within 30 s)',
          ),
          params: apiKeyParamsSchema,
          response: { 200: issuedApiKeyJsonSchema.properties.api_key, ...adminErrorResponses },
        },
      },
      async (request) => {
        const res = await deps.merchants.revokeApiKey(
          { merchantId: request.params.id, keyId: request.params.key_id },
          { requestId: request.id },
        );
        deps.forgetApiKey(request.params.key_id);
        request.log.info(
          { merchantId: request.params.id, apiKeyId: request.params.key_id },
          'API key revoked',
        );
        return apiKeyToJson(res.apiKey);
      },
    );

    app.post<{ Params: { id: string; key_id: string }; Body: RollApiKeyBody | null }>(
      '/admin/v1/merchants/:id/api_keys/:key_id/roll',
      {
        // Its answer carries a secret shown once: never kept in the idempotency store.
        config: { idempotency: false },
        schema: {
          headers: OPTIONAL_IDEMPOTENCY_HEADERS,
          ...operation(
            'rollApiKey',
            'Replace a key; the old one works until expires_in_seconds (default 24 h)',
          ),
          params: apiKeyParamsSchema,
          body: rollApiKeyBodySchema,
          response: { 201: issuedApiKeyJsonSchema, ...adminErrorResponses },
        },
      },
      async (request, reply) => {
        const res = await deps.merchants.rollApiKey(
          {
            merchantId: request.params.id,
            keyId: request.params.key_id,
            expiresInSeconds: request.body?.expires_in_seconds ?? 0,
          },
          { requestId: request.id },
        );
        request.log.info(
          { merchantId: request.params.id, apiKeyId: request.params.key_id },
          'API key rolled',
        );
        return reply.code(201).send({
          api_key: apiKeyToJson(res.apiKey),
          secret: res.secret,
          rolled: apiKeyToJson(res.rolled),
        });
      },
    );

    app.post<{ Params: { id: string; kind: 'form' | 'webhook' }; Body: RotateSecretBody | null }>(
      '/admin/v1/merchants/:id/secrets/:kind/rotate',
      {
        // Its answer carries a secret shown once: never kept in the idempotency store.
        config: { idempotency: false },
        schema: {
          headers: IDEMPOTENCY_HEADERS,
          ...operation(
            'rotateMerchantSecret',
            'New form or webhook secret; the old one stays valid for overlap_seconds',
          ),
          params: secretParamsSchema,
          body: rotateSecretBodySchema,
          response: {
            200: rotatedSecretJsonSchema,
            201: rotatedSecretJsonSchema,
            ...adminErrorResponses,
          },
        },
        // Checkout keeps the key: a retry answers the secret the first call made.
        preParsing: requireIdempotencyKeyFirst,
      },
      async (request, reply) => {
        const res = await deps.merchants.rotateSecret(
          {
            merchantId: request.params.id,
            kind:
              request.params.kind === 'form'
                ? MerchantSecretKind.MERCHANT_SECRET_KIND_FORM
                : MerchantSecretKind.MERCHANT_SECRET_KIND_WEBHOOK,
            overlapSeconds: request.body?.overlap_seconds ?? 0,
            idempotencyKey: requiredIdempotencyKey(request.headers),
          },
          { requestId: request.id },
        );
        if (res.replayed) reply.code(200).header('idempotent-replayed', 'true');
        else {
          request.log.info(
            { merchantId: request.params.id, kind: request.params.kind },
            'merchant secret rotated',
          );
          reply.code(201);
        }
        return reply.send({
          kind: request.params.kind,
          secret: res.secret,
          previous_expires_at: res.previousExpiresAt?.toISOString() ?? null,
          merchant: merchantToJson(res.merchant),
        });
      },
    );
  };
}
