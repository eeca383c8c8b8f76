import { PassThrough } from 'node:stream';

import type { CheckoutServiceClient, MerchantServiceClient } from '@tolem/contracts/checkout';
import type {
  QrCode,
  QrServiceClient,
  WatchQrPaymentRequest,
  WatchQrPaymentResponse,
} from '@tolem/contracts/qr';
import { defineErrors, isDomainError } from '@tolem/errors';
import type { CallOpts, PromiseClient } from '@tolem/grpc-kit';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';

import {
  type ApiKeyAuthenticator,
  authenticateMerchantScope,
  livemodeOf,
  merchantIdOf,
} from '../auth';
import { errorBody, gatewayErrors, toHttpError } from '../errors';
import {
  IDEMPOTENCY_HEADERS,
  requiredIdempotencyKey,
  requireIdempotencyKeyFirst,
} from '../headers';
import { idPage } from '../mappers/list.mapper';
import { limitFrom } from '../mappers/payment.mapper';
import {
  qrCodeToJson,
  qrDetailsToJson,
  qrKindFromName,
  qrPaymentToJson,
  qrStatusName,
  toCreateQrPaymentRequest,
  toCreateStaticQrCodeRequest,
} from '../mappers/qr.mapper';
import { operation } from '../openapi';
import {
  type CreateQrCodeBody,
  createQrCodeBodySchema,
  type ListQrCodesQuery,
  listQrCodesQuerySchema,
  type ListQrPaymentsQuery,
  listQrPaymentsQuerySchema,
  qrCodeJsonSchema,
  qrDetailsJsonSchema,
  type QrDetailsQuery,
  qrDetailsQuerySchema,
  qrListSchemaOf,
  qrPaymentJsonSchema,
} from '../qr.schemas';
import { idParamsSchema } from '../schemas';

/**
 * What the QR routes call: qr-platform's QrService (unary, plus its WatchQrPayment server stream
 * from grpc-kit's createStreamingClient) and checkout's CreateQrPayment, since a dynamic code
 * belongs to a payment and checkout owns payments.
 */
export interface QrClient {
  codes: Pick<
    PromiseClient<QrServiceClient>,
    'createQrCode' | 'getQrCode' | 'listQrCodes' | 'resolveQrPayload' | 'listQrCodePayments'
  >;
  /** Aborting `opts.signal` cancels the stream on qr-platform at once. */
  watchQrPayment(
    request: WatchQrPaymentRequest,
    opts?: CallOpts,
  ): AsyncIterable<WatchQrPaymentResponse>;
  checkout: Pick<PromiseClient<CheckoutServiceClient>, 'createQrPayment'>;
}

/** The gateway's own QR codes; the same code qr-platform answers, so both read alike. */
const qrRouteErrors = defineErrors({
  /** Unknown, of another merchant, or of the other mode than the API key's. */
  QR_CODE_NOT_FOUND: 'not_found',
});

/** The code when it is the merchant's and of the API key's mode; else QR_CODE_NOT_FOUND. */
export async function findOwnQrCode(
  codes: Pick<QrClient['codes'], 'getQrCode'>,
  merchantId: string,
  livemode: boolean,
  id: string,
  requestId?: string,
): Promise<QrCode> {
  const res = await codes.getQrCode({ qrCodeId: id, merchantId }, requestId ? { requestId } : {});
  if (!res.qrCode || res.qrCode.livemode !== livemode) {
    throw qrRouteErrors.create('QR_CODE_NOT_FOUND', `no QR code ${id}`);
  }
  return res.qrCode;
}

/** A proxy or load balancer drops a connection silent for about a minute; a comment keeps it open. */
export const SSE_HEARTBEAT_MS = 15_000;

/**
 * How long one event stream follows a code: the gRPC stream's deadline. Past it the stream ends
 * quietly and the client reconnects (a fresh snapshot), so no connection is held forever.
 */
export const SSE_MAX_MS = 10 * 60_000;

export interface QrCodeRouteDeps {
  authenticate: ApiKeyAuthenticator;
  qr: QrClient;
  /** `expires_in` counts from it. */
  clock?: () => Date;
  /** Between heartbeat comments on `/events` streams (default 15 s). */
  heartbeatMs?: number;
}

/** One server-sent event: `id:`, `event:` and the JSON on one `data:` line (JSON has no newlines). */
function sseFrame(id: string, event: string, data: unknown): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * The merchant's QR codes on the merchant API: static codes straight from qr-platform, dynamic
 * codes through checkout's CreateQrPayment (the code is its payment's), reads scoped to the API
 * key's merchant and mode (another merchant's or mode's code is 404 as an unknown one), polling
 * of a code's payments, and their live status as server-sent events from WatchQrPayment.
 */
export function qrCodeRoutes(deps: QrCodeRouteDeps): FastifyPluginAsync {
  const clock = deps.clock ?? (() => new Date());
  const heartbeatMs = deps.heartbeatMs ?? SSE_HEARTBEAT_MS;
  const { qr } = deps;
  return async (app) => {
    authenticateMerchantScope(app, deps.authenticate);
    /** Ends every open event stream when the gateway shuts down, so close() does not wait on them. */
    const openStreams = new Set<() => void>();
    app.addHook('preClose', async () => {
      for (const stop of openStreams) stop();
    });

    const ownCode = (request: FastifyRequest, id: string): Promise<QrCode> =>
      findOwnQrCode(qr.codes, merchantIdOf(request), livemodeOf(request), id, request.id);

    app.post<{ Body: CreateQrCodeBody }>(
      '/v1/qr_codes',
      {
        schema: {
          ...operation(
            'createQrCode',
            'Create a static code (a cash desk; the payer enters the amount) or a dynamic code (one order, fixed amount, an expiry)',
          ),
          body: createQrCodeBodySchema,
          headers: IDEMPOTENCY_HEADERS,
          response: {
            201: { ...qrCodeJsonSchema, description: 'Created; `Location` names it' },
            200: {
              ...qrCodeJsonSchema,
              description: 'Checkout or qr-platform recognised the key (its own replay)',
            },
          },
        },
        // Before the body is parsed: a retry-unsafe request is refused whatever its body.
        preParsing: requireIdempotencyKeyFirst,
      },
      async (request, reply) => {
        const key = requiredIdempotencyKey(request.headers);
        const merchantId = merchantIdOf(request);
        const livemode = livemodeOf(request);
        const ctx = { requestId: request.id };
        const now = clock();
        let code: QrCode | undefined;
        let replayed: boolean;
        if (request.body.kind === 'static') {
          const res = await qr.codes.createQrCode(
            toCreateStaticQrCodeRequest(
              request.body,
              { id: merchantId, name: request.merchant?.name ?? '' },
              key,
              livemode,
            ),
            ctx,
          );
          code = res.qrCode;
          replayed = res.replayed;
        } else {
          const res = await qr.checkout.createQrPayment(
            toCreateQrPaymentRequest(request.body, merchantId, key, livemode, now),
            ctx,
          );
          if (res.qrCodeId === '') {
            throw gatewayErrors.create('INTERNAL', 'checkout answered a QR payment without a code');
          }
          code = (await qr.codes.getQrCode({ qrCodeId: res.qrCodeId, merchantId }, ctx)).qrCode;
          replayed = res.replayed;
        }
        const json = qrCodeToJson(code);
        if (replayed) return reply.code(200).header('idempotent-replayed', 'true').send(json);
        request.log.info({ qrCodeId: json.id, kind: json.kind }, 'qr code created');
        return reply
          .code(201)
          .header('location', `/v1/qr_codes/${encodeURIComponent(json.id)}`)
          .send(json);
      },
    );

    app.get<{ Params: { id: string } }>(
      '/v1/qr_codes/:id',
      {
        schema: {
          ...operation('getQrCode', 'Retrieve a QR code with its current status'),
          params: idParamsSchema,
          response: { 200: qrCodeJsonSchema },
        },
      },
      async (request) => qrCodeToJson(await ownCode(request, request.params.id)),
    );

    app.get<{ Querystring: ListQrCodesQuery }>(
      '/v1/qr_codes',
      {
        schema: {
          ...operation('listQrCodes', 'Your QR codes of the API key’s mode, newest first'),
          querystring: listQrCodesQuerySchema,
          response: { 200: qrListSchemaOf(qrCodeJsonSchema) },
        },
      },
      async (request) => {
        const res = await qr.codes.listQrCodes(
          {
            merchantId: merchantIdOf(request),
            limit: limitFrom(request.query.limit, 100, 10),
            startingAfter: request.query.starting_after ?? '',
            kind: qrKindFromName(request.query.kind),
            livemode: livemodeOf(request),
          },
          { requestId: request.id },
        );
        return idPage(
          '/v1/qr_codes',
          res.qrCodes.map((c) => qrCodeToJson(c)),
          res.hasMore,
        );
      },
    );

    app.get<{ Params: { id: string }; Querystring: ListQrPaymentsQuery }>(
      '/v1/qr_codes/:id/payments',
      {
        schema: {
          ...operation(
            'listQrCodePayments',
            'The payments made under a code, newest first (poll it, or follow `/events`)',
          ),
          params: idParamsSchema,
          querystring: listQrPaymentsQuerySchema,
          response: { 200: qrListSchemaOf(qrPaymentJsonSchema) },
        },
      },
      async (request) => {
        const code = await ownCode(request, request.params.id);
        const res = await qr.codes.listQrCodePayments(
          {
            qrCodeId: code.id,
            merchantId: merchantIdOf(request),
            limit: limitFrom(request.query.limit, 100, 10),
            startingAfter: request.query.starting_after ?? '',
          },
          { requestId: request.id },
        );
        return idPage(
          `/v1/qr_codes/${encodeURIComponent(code.id)}/payments`,
          res.payments.map(qrPaymentToJson),
          res.hasMore,
        );
      },
    );

    // Server-sent events from WatchQrPayment: the code's known payments first, then each change.
    // A reconnecting client gets the current state again in that first part, so Last-Event-ID
    // needs no replay of its own.
    app.get<{ Params: { id: string } }>(
      '/v1/qr_codes/:id/events',
      {
        schema: {
          ...operation(
            'streamQrCodeEvents',
            'Live status of a code’s payments (text/event-stream: `event: qr_payment`)',
          ),
          params: idParamsSchema,
          response: {
            200: {
              description:
                'Server-sent events: `event: qr_payment` with a QrPayment JSON (plus `snapshot` and `qr_code_status`) per change, a `: heartbeat` comment every 15 s; `event: error` before the stream ends on a failure.',
              content: { 'text/event-stream': { schema: { type: 'string' } } },
            },
          },
        },
      },
      async (request, reply) => {
        const code = await ownCode(request, request.params.id);
        const abort = new AbortController();
        const out = new PassThrough();
        const heartbeat = setInterval(() => out.write(': heartbeat\n\n'), heartbeatMs);
        let stopped = false;
        const stop = (): void => {
          if (stopped) return;
          stopped = true;
          clearInterval(heartbeat);
          abort.abort();
          openStreams.delete(stop);
          out.end();
        };
        openStreams.add(stop);
        // The client went away (Fastify destroys `out` then too): cancel the gRPC stream at once.
        reply.raw.once('close', stop);
        out.once('close', stop);

        const upstream = qr.watchQrPayment(
          { qrCodeId: code.id, merchantId: merchantIdOf(request) },
          { requestId: request.id, signal: abort.signal, deadlineMs: SSE_MAX_MS },
        );
        void (async () => {
          try {
            for await (const change of upstream) {
              if (!change.payment) continue;
              const p = change.payment;
              out.write(
                sseFrame(`${p.paymentId}:${p.sequence}`, 'qr_payment', {
                  ...qrPaymentToJson(p),
                  snapshot: change.snapshot,
                  qr_code_status: qrStatusName(change.codeStatus),
                }),
              );
            }
          } catch (err) {
            // Its deadline passed: a normal end, the client reconnects.
            const expired = isDomainError(err) && err.kind === 'timeout';
            if (!abort.signal.aborted && !expired) {
              const mapped = toHttpError(err);
              request.log.warn({ code: mapped.code }, 'qr event stream failed');
              out.write(`event: error\ndata: ${JSON.stringify(errorBody(mapped, request.id))}\n\n`);
            }
          } finally {
            // Upstream ended (its deadline, or qr-platform going away): EventSource reconnects.
            stop();
          }
        })();

        out.write('retry: 3000\n\n');
        return reply
          .code(200)
          .header('content-type', 'text/event-stream; charset=utf-8')
          .header('cache-control', 'no-cache, no-transform')
          .header('x-accel-buffering', 'no')
          .send(out);
      },
    );
  };
}

export interface QrDetailsRouteDeps {
  qr: Pick<QrClient, 'codes'>;
  merchants: Pick<PromiseClient<MerchantServiceClient>, 'getMerchant'>;
}

/**
 * `GET /qr/v1/details`: the payer's bank asks what to show for a code it scanned. Public and
 * unauthenticated (server.ts limits it per client IP); it answers only what the printed code
 * already tells a payer, plus the merchant's display name.
 */
export function qrDetailsRoutes(deps: QrDetailsRouteDeps): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: QrDetailsQuery }>(
      '/qr/v1/details',
      {
        schema: {
          ...operation(
            'getQrDetails',
            'For payers’ banks: what to show the payer for a scanned code (no API key)',
          ),
          querystring: qrDetailsQuerySchema,
          response: { 200: qrDetailsJsonSchema },
        },
      },
      async (request, reply) => {
        const ctx = { requestId: request.id };
        const res = await deps.qr.codes.resolveQrPayload({ payload: request.query.payload }, ctx);
        const merchantId = res.qrCode?.merchantId ?? '';
        const { merchant } = await deps.merchants.getMerchant({ merchantId }, ctx);
        // A code's status changes (paid, expired): a bank must never show a cached answer.
        void reply.header('cache-control', 'no-store');
        return qrDetailsToJson(res, merchant?.name ?? '');
      },
    );
  };
}
