import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onSendAsyncHookHandler,
  preHandlerAsyncHookHandler,
} from 'fastify';

import { gatewayErrors } from '../errors';
import { idempotencyKeyOf } from '../headers';
import {
  type ClaimResult,
  fingerprintOf,
  firstDifference,
  type IdempotencyStore,
  type RequestPrint,
} from './store';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** Longer than any request can take (gRPC deadlines are seconds), short enough for a retry after a crash. */
export const IDEMPOTENCY_LEASE_MS = 60_000;

export interface IdempotencyOptions {
  store: IdempotencyStore;
  clock: () => Date;
  ttlMs?: number;
  leaseMs?: number;
}

/** Headers a replay repeats; everything else (request id, rate-limit counters) is the retry's own. */
const REPLAYED_HEADERS = ['content-type', 'location', 'retry-after', 'www-authenticate'];

/** POSTs under these prefixes are writes a merchant or operator may retry. */
const IDEMPOTENT_PREFIXES = ['/v1/', '/admin/'];

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * false: the route keeps no answer for replay, for answers that carry a secret shown once
     * (a new API key); such a route must be idempotent on the key by itself.
     */
    idempotency?: boolean;
  }
  interface FastifyRequest {
    /** The key this request claimed; its answer is stored when sent. */
    idempotencyClaim?: { scope: string; key: string };
  }
}

/**
 * Whose key it is: the API key's merchant on /v1, the operators on /admin (one admin token).
 * Keys of different merchants never meet, so one merchant cannot replay another's answer.
 */
function scopeOf(request: FastifyRequest): string | null {
  const merchant = (request as { merchant?: { id: string } | null }).merchant;
  if (merchant) return `merchant:${merchant.id}`;
  if (request.url.startsWith('/admin/')) return 'admin';
  return null;
}

function printOf(request: FastifyRequest): RequestPrint {
  return {
    method: request.method,
    path: request.url.split('?')[0] ?? request.url,
    fingerprint: fingerprintOf(request.body ?? null),
  };
}

/**
 * Stripe's `Idempotency-Key` (YooKassa's `Idempotence-Key` too) on every POST under /v1 and
 * /admin, whichever file registers the route: call this before registering routes and an onRoute
 * hook gives each such route a preHandler that claims the key and an onSend hook that stores the
 * answer. The preHandler runs after authentication and schema validation, so a request refused
 * there never touches the store; a 400 the handler itself raises (a bad amount) releases the key.
 * Any other answer, a 5xx included, is stored and replayed for `ttlMs` with
 * `Idempotent-Replayed: true`. Cost per request: one statement before the handler, and one after
 * that is group-committed with concurrent requests' (see the repo).
 */
export function installIdempotency(app: FastifyInstance, options: IdempotencyOptions): void {
  const ttlMs = options.ttlMs ?? IDEMPOTENCY_TTL_MS;
  const leaseMs = options.leaseMs ?? IDEMPOTENCY_LEASE_MS;
  const { store, clock } = options;

  const claim: preHandlerAsyncHookHandler = async (request, reply) => {
    const key = idempotencyKeyOf(request.headers);
    if (key === undefined) return;
    const scope = scopeOf(request);
    if (scope === null) return;
    const print = printOf(request);
    const now = clock();
    let result: ClaimResult;
    try {
      result = await store.claim(scope, key, print, {
        now,
        expiresAt: new Date(now.getTime() + ttlMs),
        lockedUntil: new Date(now.getTime() + leaseMs),
      });
    } catch (cause) {
      throw gatewayErrors.create(
        'IDEMPOTENCY_STORE_UNAVAILABLE',
        'the request was not processed; retry later with the same Idempotency-Key',
        { cause },
      );
    }
    if (result.outcome === 'claimed') {
      request.idempotencyClaim = { scope, key };
      return;
    }
    refuseIfDifferent(result.request, print);
    if (result.outcome === 'in_flight') {
      throw gatewayErrors.create(
        'IDEMPOTENCY_KEY_IN_USE',
        'a request with this Idempotency-Key is still being processed; retry after it answers',
      );
    }
    return replay(reply, result.response);
  };

  const storeAnswer: onSendAsyncHookHandler = async (request, reply, payload) => {
    const claimed = request.idempotencyClaim;
    if (!claimed) return payload;
    request.idempotencyClaim = undefined;
    const body =
      typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString() : null;
    try {
      if (reply.statusCode === 400 || body === null) {
        await store.release(claimed.scope, claimed.key);
      } else {
        await store.complete(claimed.scope, claimed.key, {
          status: reply.statusCode,
          headers: replayedHeaders(reply),
          body,
        });
      }
    } catch (err) {
      // The answer itself is sound; the key stays locked until its lease ends, then a retry runs.
      request.log.error({ err }, 'idempotency: storing the answer failed');
    }
    return payload;
  };

  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.includes('POST')) return;
    if (!IDEMPOTENT_PREFIXES.some((prefix) => route.url.startsWith(prefix))) return;
    if (route.config?.idempotency === false) return;
    route.preHandler = [...asArray(route.preHandler), claim];
    route.onSend = [...asArray(route.onSend), storeAnswer];
  });
}

function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function refuseIfDifferent(stored: RequestPrint, print: RequestPrint): void {
  if (stored.method !== print.method || stored.path !== print.path) {
    throw gatewayErrors.create(
      'IDEMPOTENCY_KEY_REUSED',
      `this Idempotency-Key was used for ${stored.method} ${stored.path}; use a new key`,
    );
  }
  const field = firstDifference(stored.fingerprint, print.fingerprint);
  if (field !== null) {
    throw gatewayErrors.create(
      'IDEMPOTENCY_KEY_REUSED',
      `this Idempotency-Key was used with a different value of ${field}; use a new key`,
      { details: { field } },
    );
  }
}

function replayedHeaders(reply: FastifyReply): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = reply.getHeader(name);
    if (value !== undefined) out[name] = String(value);
  }
  return out;
}

function replay(
  reply: FastifyReply,
  response: { status: number; headers: Record<string, string>; body: string },
): FastifyReply {
  return reply
    .code(response.status)
    .headers(response.headers)
    .header('idempotent-replayed', 'true')
    .send(response.body);
}
