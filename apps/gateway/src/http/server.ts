import rateLimit from '@fastify/rate-limit';
import type { Secret } from '@tolem/config';
import type {
  CaseServiceClient,
  CheckoutServiceClient,
  MerchantServiceClient,
} from '@tolem/contracts/checkout';
import type { LedgerServiceClient } from '@tolem/contracts/ledger';
import type { NotifierServiceClient } from '@tolem/contracts/notifier';
import type { PromiseClient } from '@tolem/grpc-kit';
import type { Logger } from '@tolem/observability';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
  LogController,
} from 'fastify';

import { createApiKeyAuthenticator } from './auth';
import { errorBody, gatewayErrors, type HttpError, toHttpError } from './errors';
import { requestIdFrom } from './headers';
import { installIdempotency } from './idempotency/plugin';
import type { IdempotencyStore } from './idempotency/store';
import { qrCodeToJson } from './mappers/qr.mapper';
import { registerOpenApi } from './openapi';
import { installApiRateLimits } from './rate-limits';
import { adminRoutes } from './routes/admin.route';
import { callbackRoutes } from './routes/callbacks.route';
import { docsRoutes } from './routes/docs.route';
import { formRoutes } from './routes/form.route';
import { healthRoutes } from './routes/health.route';
import { pageRoutes, paymentStatusRoutes } from './routes/pages.route';
import {
  findOwnQrCode,
  type QrClient,
  qrCodeRoutes,
  qrDetailsRoutes,
} from './routes/qr-codes.route';
import { qrImageRoutes } from './routes/qr-images.route';
import { type RecurringClient, recurringRoutes } from './routes/recurring.route';
import { refundRoutes, type RefundsClient } from './routes/refunds.route';
import { reportRoutes, type ReportsClient } from './routes/reports.route';
import { v1Routes } from './routes/v1.route';
import { webhookRoutes, type WebhooksClient } from './routes/webhooks.route';
import { refuseUnstorableValues } from './storable-guard';

/** Everything the gateway talks to; main.ts passes real gRPC clients, unit specs pass fakes. */
export interface GatewayDeps {
  checkout: Pick<
    PromiseClient<CheckoutServiceClient>,
    | 'createPayment'
    | 'getPayment'
    | 'startPayment'
    | 'handleProviderCallback'
    | 'submitPayerInput'
    | 'cancelPayment'
    | 'listPayments'
    | 'listPaymentEvents'
    | 'createFormPayment'
  >;
  merchants: Pick<
    PromiseClient<MerchantServiceClient>,
    | 'authenticateApiKey'
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
  /** Checkout's cases: unmatched verified money an operator applies or returns. */
  cases: Pick<
    PromiseClient<CaseServiceClient>,
    'listCases' | 'getCase' | 'applyCase' | 'returnCase'
  >;
  notifier: Pick<PromiseClient<NotifierServiceClient>, 'upsertEndpoint'>;
  ledger: Pick<
    PromiseClient<LedgerServiceClient>,
    'getBalance' | 'getFeePlan' | 'getMerchantSettings' | 'listAccounts' | 'listStatement'
  >;
  /** Checkout's refunds; the refund routes are served only when given (specs may omit it). */
  refunds?: RefundsClient;
  /** Reporting's reads and export; the `/v1/reports` routes are served only when given. */
  reports?: ReportsClient;
  /** The notifier's endpoint management; the webhook routes are served only when given. */
  webhooks?: WebhooksClient;
  /** The recurring service (bindings, scheduled operations, receipts); its routes only when given. */
  recurring?: RecurringClient;
  /**
   * qr-platform (unary + the WatchQrPayment stream) and checkout's CreateQrPayment; the
   * `/v1/qr_codes` routes and the payer banks' `/qr/v1/details` are served only when given.
   */
  qr?: QrClient;
  /** Between heartbeat comments of server-sent event streams (default 15 s; specs shorten it). */
  sseHeartbeatMs?: number;
  /** True when checkout answers its gRPC health check (for /readyz). */
  checkoutReady: () => Promise<boolean>;
  /** Where the first answer to each Idempotency-Key is kept (the gateway's own PostgreSQL). */
  idempotency: { store: IdempotencyStore; clock?: () => Date };
  log: Logger;
  /** Origin without a trailing slash, e.g. https://pay.tolem.example. */
  publicBaseUrl: string;
  adminToken: Secret;
  /** API key cache lifetime, at most 30 s. */
  authCacheTtlMs?: number;
  /** Per client IP limits of the payer pages and of provider callbacks; defaults below. */
  rateLimits?: RateLimits;
  /**
   * Proxies in front of the gateway whose X-Forwarded-For is trusted (0: none), so per-IP limits
   * and callbacks see the client's address rather than the proxy's.
   */
  trustProxyHops?: number;
}

export interface RateLimit {
  /** Requests one client IP may make per window. */
  max: number;
  windowMs: number;
}

export interface RateLimits {
  /** `/pay/*`: the hosted page, its forms and the status polling (every 2 s while waiting). */
  pages: RateLimit;
  /** `/callbacks/*`: providers retry, and some send bursts from few addresses. */
  callbacks: RateLimit;
  /** `/qr/v1/details` per client IP: payers' banks ask it once per scan, from few addresses. */
  qrDetails?: RateLimit;
  /** `/v1/*` per API key (hashed Authorization header). */
  apiPerKey?: RateLimit;
  /** `/v1/*` per client IP, whatever key it sends. */
  apiPerIp?: RateLimit;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  pages: { max: 120, windowMs: 60_000 },
  callbacks: { max: 600, windowMs: 60_000 },
  qrDetails: { max: 600, windowMs: 60_000 },
  // A safety net per replica, above what one busy merchant's server sends from one key (and
  // the API benchmark); deployments tune it with RATE_LIMIT_API_*.
  apiPerKey: { max: 5_000, windowMs: 1_000 },
  apiPerIp: { max: 10_000, windowMs: 1_000 },
};

/**
 * Registers `routes` behind a per-IP limit of their own (@fastify/rate-limit, in memory per
 * replica). Past it the request is refused with RATE_LIMITED (429, Retry-After), rendered by the
 * scope's error handler: the standard JSON error body, or the error page on HTML pages.
 */
function limited(limit: RateLimit, ...routes: FastifyPluginAsync[]): FastifyPluginAsync {
  return async (app) => {
    await app.register(rateLimit, {
      max: limit.max,
      timeWindow: limit.windowMs,
      errorResponseBuilder: (_request, context) =>
        gatewayErrors.create('RATE_LIMITED', `too many requests; retry after ${context.after}`),
    });
    for (const route of routes) await app.register(route);
  };
}

/** Logs a refused or failed request once, at a level that matches whose fault it was. */
export function logHttpError(log: FastifyBaseLogger, err: unknown, mapped: HttpError): void {
  if (mapped.status >= 500 && mapped.code === 'INTERNAL')
    log.error({ err, code: mapped.code }, 'request failed');
  else if (mapped.status >= 500)
    log.warn({ code: mapped.code, status: mapped.status }, 'request failed upstream');
  else log.info({ code: mapped.code, status: mapped.status }, 'request refused');
}

/** Strict-Transport-Security of every answer when the public origin is https. */
const HSTS = 'max-age=31536000; includeSubDomains';

/** Builds the Fastify app (not listening); tests drive it in-process with inject(). */
export function buildGateway(deps: GatewayDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    // Our own onResponse line replaces Fastify's: it logs the path without the query string,
    // which for provider callbacks may carry signatures.
    logController: new LogController({
      disableRequestLogging: true,
      requestIdLogLabel: 'requestId',
    }),
    requestIdHeader: false,
    genReqId: (raw) => requestIdFrom(raw.headers['x-request-id']),
    bodyLimit: 256 * 1024,
    // No type coercion: "1999" must not silently become 1999, and unknown fields are refused.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    return503OnClosing: true,
    // The router's refusals (an over-long path parameter, a malformed URL) in the one error shape.
    frameworkErrors: (err, request, reply) => {
      const mapped = toHttpError(err);
      logHttpError(request.log, err, mapped);
      void (reply as FastifyReply)
        .code(mapped.status)
        .header('x-request-id', request.id)
        .send(errorBody(mapped, request.id));
    },
    // The nearest `trustProxyHops` addresses of X-Forwarded-For are our proxies; the next is the client.
    trustProxy: (_address: string, hop: number) => hop < (deps.trustProxyHops ?? 0),
  });

  // The API speaks JSON, pages add forms, callbacks take raw bytes; plain text is nobody's.
  app.removeContentTypeParser('text/plain');
  // An empty body sent as JSON is no body (many SDKs send the header on every POST): an action
  // with an optional body (cancel, enable) takes it, a create refuses it as a missing body.
  // Anything else is Fastify's own parser, its prototype-poisoning checks included.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString();
    if (text === '') done(null, undefined);
    // Fastify's parser answers through done (its type also allows a promise, never used).
    else void json(request, text, done);
  });

  // Browsers keep to https for a year once they met the gateway over it (the ingress terminates TLS).
  const hsts = deps.publicBaseUrl.startsWith('https://');
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (hsts) reply.header('strict-transport-security', HSTS);
  });
  refuseUnstorableValues(app);
  const limits = deps.rateLimits ?? DEFAULT_RATE_LIMITS;
  installApiRateLimits(app, {
    perApiKey: limits.apiPerKey ?? (DEFAULT_RATE_LIMITS.apiPerKey as RateLimit),
    perIp: limits.apiPerIp ?? (DEFAULT_RATE_LIMITS.apiPerIp as RateLimit),
  });
  app.addHook('onResponse', async (request, reply) => {
    const quiet = request.url === '/healthz' || request.url === '/readyz';
    request.log[quiet ? 'debug' : 'info'](
      {
        method: request.method,
        path: request.url.split('?')[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request completed',
    );
  });

  app.setErrorHandler((err, request, reply) => {
    const mapped = toHttpError(err);
    logHttpError(request.log, err, mapped);
    if (mapped.status === 401) void reply.header('www-authenticate', 'Bearer');
    return reply.code(mapped.status).send(errorBody(mapped, request.id));
  });
  app.setNotFoundHandler((request, reply) => {
    const mapped = toHttpError(
      gatewayErrors.create(
        'ROUTE_NOT_FOUND',
        `no route for ${request.method} ${request.url.split('?')[0]}`,
      ),
    );
    return reply.code(mapped.status).send(errorBody(mapped, request.id));
  });

  // Response schemas document the answers (OpenAPI); replies stay plain JSON.stringify, so a
  // property the schema forgot is sent (and caught by the OpenAPI property test), never dropped.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  // Before any route is registered, so routes from every file are documented and protected.
  registerOpenApi(app, { publicBaseUrl: deps.publicBaseUrl });
  // Every POST under /v1 and /admin, from any file, gets it.
  installIdempotency(app, {
    store: deps.idempotency.store,
    clock: deps.idempotency.clock ?? (() => new Date()),
  });

  const authenticate = createApiKeyAuthenticator({
    merchants: deps.merchants,
    ttlMs: deps.authCacheTtlMs,
  });

  void app.register(healthRoutes({ checkoutReady: deps.checkoutReady }));
  void app.register(docsRoutes());
  void app.register(
    v1Routes({
      authenticate,
      checkout: deps.checkout,
      ledger: deps.ledger,
      publicBaseUrl: deps.publicBaseUrl,
    }),
  );
  if (deps.refunds) {
    void app.register(
      refundRoutes({ authenticate, refunds: deps.refunds, adminToken: deps.adminToken }),
    );
  }
  if (deps.reports) {
    void app.register(reportRoutes({ authenticate, reports: deps.reports }));
  }
  if (deps.webhooks) {
    void app.register(webhookRoutes({ authenticate, webhooks: deps.webhooks }));
  }
  if (deps.recurring) {
    void app.register(recurringRoutes({ authenticate, recurring: deps.recurring }));
  }
  if (deps.qr) {
    void app.register(
      qrCodeRoutes({ authenticate, qr: deps.qr, heartbeatMs: deps.sseHeartbeatMs }),
    );
    void app.register(
      limited(
        limits.qrDetails ?? (DEFAULT_RATE_LIMITS.qrDetails as RateLimit),
        qrDetailsRoutes({ qr: deps.qr, merchants: deps.merchants }),
      ),
    );
    const codes = deps.qr.codes;
    void app.register(
      qrImageRoutes({
        authenticate,
        getQrCode: async (merchantId, livemode, id) =>
          qrCodeToJson(await findOwnQrCode(codes, merchantId, livemode, id)),
        merchantName: async (merchantId) =>
          (await deps.merchants.getMerchant({ merchantId })).merchant?.name ?? '',
      }),
    );
  }
  void app.register(
    limited(
      limits.pages,
      pageRoutes({
        checkout: deps.checkout,
        merchants: deps.merchants,
        secureCookies: deps.publicBaseUrl.startsWith('https://'),
      }),
      paymentStatusRoutes({ checkout: deps.checkout }),
      formRoutes({ checkout: deps.checkout, publicBaseUrl: deps.publicBaseUrl }),
    ),
  );
  void app.register(limited(limits.callbacks, callbackRoutes({ checkout: deps.checkout })));
  void app.register(
    adminRoutes({
      merchants: deps.merchants,
      ledger: deps.ledger,
      forgetApiKey: (apiKeyId) => authenticate.forget(apiKeyId),
      cases: deps.cases,
      adminToken: deps.adminToken,
    }),
  );
  return app;
}
