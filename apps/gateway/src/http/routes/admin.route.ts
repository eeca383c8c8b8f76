import { randomBytes } from 'node:crypto';

import type { Secret } from '@tolem/config';
import type { FeeRule } from '@tolem/contracts/ledger';
import type { FastifyPluginAsync } from 'fastify';

import { gatewayErrors, toHttpError } from '../errors';
import { bearerTokenFrom, idempotencyKeyFrom, tokensEqual } from '../headers';
import {
  merchantToJson,
  sameFeeRules,
  toCreateMerchantRequest,
  toFeeRules,
  toSetFeePlanRequest,
} from '../mappers/merchant.mapper';
import { httpUrl } from '../mappers/payment.mapper';
import { type CreateMerchantBody, createMerchantBodySchema } from '../schemas';
import type { GatewayDeps } from '../server';
import { caseRoutes } from './cases.route';

export interface AdminRouteDeps {
  merchants: Pick<GatewayDeps['merchants'], 'createMerchant'>;
  notifier: GatewayDeps['notifier'];
  ledger: Pick<GatewayDeps['ledger'], 'setFeePlan' | 'getFeePlan'>;
  cases: GatewayDeps['cases'];
  adminToken: Secret;
}

/** `whsec_` + 256 random bits: the key merchants verify Tolem-Signature with. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/**
 * Operator routes, behind ADMIN_TOKEN. Creating a merchant is CreateMerchant (idempotent on the
 * key), then the ledger's SetFeePlan with the body's fee rules (the ledger owns fees; checkout
 * never sees them), then UpsertEndpoint with a fresh signing secret. The fee rules are checked
 * before anything is written. The gateway stores nothing, so the API key and the signing secret
 * are shown once, on the first creation; a replay answers 200 with an empty api_key and a null
 * secret and leaves the endpoint untouched. A replay finds the plan in the ledger: other fee
 * rules than the ones set are IDEMPOTENCY_KEY_REUSED (409, field fee_rules); no plan means the
 * first attempt's SetFeePlan failed, and the replay sets it (its failure is then the answer:
 * retry with the same key). If the ledger or the notifier fails after the merchant was first
 * created, the answer is still 201 (the API key cannot be shown again) with `fee_plan_error` or a
 * null secret and `webhook_error` saying why.
 */
export function adminRoutes(deps: AdminRouteDeps): FastifyPluginAsync {
  return async (app) => {
    app.addHook('onRequest', async (request) => {
      const token = bearerTokenFrom(request.headers.authorization);
      if (!tokensEqual(token, deps.adminToken.reveal())) {
        throw gatewayErrors.create('UNAUTHENTICATED', 'invalid admin token');
      }
    });

    // A child scope inherits the hook above: no case route answers without the admin token.
    await app.register(caseRoutes({ cases: deps.cases }));

    app.post<{ Body: CreateMerchantBody }>(
      '/admin/v1/merchants',
      {
        schema: { body: createMerchantBodySchema },
        // Its answer carries the API key and webhook secret, shown once: never stored for replay.
        // Checkout and the notifier are idempotent on the key themselves.
        config: { idempotency: false },
        // Before the body is even parsed: a retry-unsafe request is refused whatever its body.
        preParsing: async (request, _reply, payload) => {
          idempotencyKeyFrom(request.headers['idempotency-key']);
          return payload;
        },
      },
      async (request, reply) => {
        const idempotencyKey = idempotencyKeyFrom(request.headers['idempotency-key']);
        const resultUrl = httpUrl(request.body.result_url, 'result_url');
        const feeRules = toFeeRules(request.body);
        const createRequest = toCreateMerchantRequest(request.body, idempotencyKey);
        const created = await deps.merchants.createMerchant(createRequest, {
          requestId: request.id,
        });
        const merchantId = created.merchant?.id;
        if (!merchantId) throw gatewayErrors.create('INTERNAL', 'peer answer lacks merchant');
        const ctx = { requestId: request.id };
        const setPlan = async () =>
          (await deps.ledger.setFeePlan(toSetFeePlanRequest(merchantId, feeRules), ctx)).plan
            ?.rules ?? feeRules;

        let planRules: FeeRule[] | undefined;
        let feePlanError: { code: string; message: string } | undefined;
        if (created.replayed) {
          const current = (await deps.ledger.getFeePlan({ merchantId }, ctx)).plan;
          if (current && !sameFeeRules(current.rules, feeRules)) {
            throw gatewayErrors.create(
              'IDEMPOTENCY_KEY_REUSED',
              'idempotency key was used for a different merchant request (fee_rules differs)',
              { details: { field: 'fee_rules' } },
            );
          }
          planRules = current ? current.rules : await setPlan();
        } else {
          try {
            planRules = await setPlan();
          } catch (err) {
            const mapped = toHttpError(err);
            request.log.warn({ merchantId, code: mapped.code }, 'fee plan not set');
            feePlanError = { code: mapped.code, message: mapped.message };
          }
        }
        const merchant = merchantToJson(created.merchant, planRules);
        const planPart = feePlanError ? { fee_plan_error: feePlanError } : {};

        if (created.replayed) {
          return reply
            .code(200)
            .header('idempotent-replayed', 'true')
            .send({ merchant, api_key: '', webhook_signing_secret: null });
        }

        const signingSecret = newSigningSecret();
        try {
          await deps.notifier.upsertEndpoint(
            { merchantId: merchant.id, url: resultUrl, signingSecret },
            { requestId: request.id },
          );
        } catch (err) {
          const mapped = toHttpError(err);
          request.log.warn(
            { merchantId: merchant.id, code: mapped.code },
            'webhook endpoint not set',
          );
          return reply.code(201).send({
            merchant,
            api_key: created.apiKey,
            webhook_signing_secret: null,
            webhook_error: { code: mapped.code, message: mapped.message },
            ...planPart,
          });
        }
        request.log.info({ merchantId: merchant.id }, 'merchant created');
        return reply.code(201).send({
          merchant,
          api_key: created.apiKey,
          webhook_signing_secret: signingSecret,
          ...planPart,
        });
      },
    );
  };
}
