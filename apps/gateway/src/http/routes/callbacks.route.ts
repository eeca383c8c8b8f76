import type { HandleProviderCallbackResponse } from '@tolem/contracts/checkout';
import type { FastifyPluginAsync } from 'fastify';

import { gatewayErrors, toHttpError } from '../errors';
import { toProviderHttpRequest } from '../mappers/callback.mapper';
import { callbackProvider, statusName } from '../mappers/enums.mapper';
import type { GatewayDeps } from '../server';

/** Providers post small forms or JSON; anything larger is not a callback. */
export const CALLBACK_BODY_LIMIT = 64 * 1024;

export interface CallbackRouteDeps {
  checkout: Pick<GatewayDeps['checkout'], 'handleProviderCallback'>;
}

function validReply(res: HandleProviderCallbackResponse): res is HandleProviderCallbackResponse & {
  reply: NonNullable<HandleProviderCallbackResponse['reply']>;
} {
  return !!res.reply && res.reply.statusCode >= 100 && res.reply.statusCode <= 599;
}

/**
 * `/callbacks/{provider}`: the body is read as raw bytes whatever its content type, because
 * providers sign the exact bytes (a re-encoded form or re-serialised JSON would fail the check).
 * Verification, audit and the reply format belong to checkout and provider-adapters; this route
 * forwards the request and answers exactly the HttpReply it gets back. Bodies are never logged.
 */
export function callbackRoutes(deps: CallbackRouteDeps): FastifyPluginAsync {
  return async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: CALLBACK_BODY_LIMIT },
      (_request, body, done) => done(null, body),
    );
    // Fastify refuses a syntactically odd Content-Type with 415 before any parser runs; providers
    // are not ours to fix, so the parser choice ignores the header. The forwarded headers come
    // from the raw header list, which still carries it.
    app.addHook('onRequest', async (request) => {
      delete request.headers['content-type'];
    });

    app.post<{ Params: { provider: string } }>(
      '/callbacks/:provider',
      { bodyLimit: CALLBACK_BODY_LIMIT },
      async (request, reply) => {
        const segment = request.params.provider;
        const provider = callbackProvider(segment);
        if (provider === undefined) {
          throw gatewayErrors.create(
            'ROUTE_NOT_FOUND',
            `no callback endpoint for ${JSON.stringify(segment)}`,
          );
        }
        const httpRequest = toProviderHttpRequest({
          method: request.method,
          url: request.raw.url ?? request.url,
          rawHeaders: request.raw.rawHeaders,
          body: request.body,
          remoteAddress: request.ip,
        });

        let res: HandleProviderCallbackResponse;
        try {
          res = await deps.checkout.handleProviderCallback(
            { provider, request: httpRequest },
            { requestId: request.id },
          );
        } catch (err) {
          const mapped = toHttpError(err);
          if (mapped.status >= 500) {
            // Checkout down, slow or broken: the provider retries later, nothing is lost.
            request.log.warn(
              { provider: segment, status: 503, code: mapped.code },
              'provider callback deferred',
            );
            return reply.code(503).type('text/plain; charset=utf-8').send('retry');
          }
          request.log.info(
            { provider: segment, status: mapped.status, code: mapped.code },
            'provider callback refused',
          );
          return reply.code(mapped.status).type('text/plain; charset=utf-8').send(mapped.code);
        }

        if (!validReply(res)) {
          request.log.error(
            { provider: segment, status: 503 },
            'checkout returned no usable reply',
          );
          return reply.code(503).type('text/plain; charset=utf-8').send('retry');
        }
        request.log.info(
          {
            provider: segment,
            status: res.reply.statusCode,
            paymentId: res.paymentId || undefined,
            paymentStatus: res.paymentId ? statusName(res.status) : undefined,
          },
          'provider callback handled',
        );
        void reply.code(res.reply.statusCode);
        if (res.reply.contentType !== '') void reply.header('content-type', res.reply.contentType);
        return reply.send(Buffer.from(res.reply.body));
      },
    );
  };
}
