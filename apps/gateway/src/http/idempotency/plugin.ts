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
  type LookupResult,
  type RequestPrint,
  type StoredResponse,
} from './store';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** Longer than any request can take (gRPC deadlines are seconds), short enough for a retry after a crash. */
export const IDEMPOTENCY_LEASE_MS = 60_000;
/**
 * How long a `downstream` route's request runs before its key is claimed in the store as well:
 * far above a create's p99, far below the seconds after which clients retry.
 */
export const IDEMPOTENCY_CLAIM_AFTER_MS = 250;

export interface IdempotencyOptions {
  store: IdempotencyStore;
  clock: () => Date;
  ttlMs?: number;
  leaseMs?: number;
  claimAfterMs?: number;
}

/** Headers a replay repeats; everything else (request id, rate-limit counters) is the retry's own. */
const REPLAYED_HEADERS = ['content-type', 'location', 'retry-after', 'www-authenticate'];

/** POSTs under these prefixes are writes a merchant or operator may retry. */
const IDEMPOTENT_PREFIXES = ['/v1/', '/admin/'];

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * How a POST under /v1 or /admin uses the idempotency store (default: claims the key, stores
     * and replays its first answer).
     * - false: the key never touches the store, for answers that carry a secret shown once (a new
     *   API key, a webhook endpoint's signing secret), which must not rest in it. Such a route
     *   passes the key to its peer where the peer is idempotent on it (a webhook endpoint's
     *   create); otherwise a retry runs again (a rotation gives one more new secret).
     * - 'downstream': the handler's own call is idempotent on the same key (checkout's
     *   CreatePayment), so the key is looked up but not claimed before it runs, and its answer is
     *   stored in one write; see installIdempotency.
     */
    idempotency?: boolean | 'downstream';
  }
  interface FastifyRequest {
    /** The key this request claimed; its answer is stored when sent. */
    idempotencyClaim?: { scope: string; key: string };
    /** The key a `downstream` route's request holds, claimed only if it runs long. */
    idempotencyHold?: Hold;
  }
}

/** A `downstream` request's hold on its key: in this gateway's memory, in the store once slow. */
interface Hold {
  id: string;
  scope: string;
  key: string;
  print: RequestPrint;
  now: Date;
  timer?: ReturnType<typeof setTimeout>;
  /** Set when the request ran past claimAfterMs: whether the store gave it the key. */
  claimed?: Promise<boolean>;
  /** The first answer, sent and being written: a retry here replays it from memory meanwhile. */
  answer?: StoredResponse;
}

/**
 * Whose key it is: the API key's merchant and mode on /v1 (`request.merchant`, set by every /v1
 * scope through authenticateMerchantScope), the operators on /admin (one admin token). Keys of
 * different merchants never meet, so one merchant cannot replay another's answer; nor do a
 * merchant's test and live keys, so a live key never gets a test object replayed (or the
 * reverse). Test keys keep the scope they had before modes were told apart, so the records
 * stored then still answer their retries.
 */
function scopeOf(request: FastifyRequest): string | null {
  const merchant = (request as { merchant?: { id: string; livemode?: boolean } | null }).merchant;
  if (merchant) return `merchant:${merchant.id}${merchant.livemode ? ':live' : ''}`;
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
 *
 * A route whose handler is itself idempotent on the key (`config.idempotency: 'downstream'`:
 * POST /v1/payments, as checkout creates at most one payment per merchant and key) skips the
 * claim's write: the key is read (a live record is replayed, or refused as in flight), held in
 * this gateway's memory (a concurrent retry here is 409 in flight), and the answer is stored with
 * one insert; a request still running after `claimAfterMs` claims the key in the store as usual,
 * so a retry on another replica is 409 in flight too. Inside that window a retry on another
 * replica reaches checkout, whose own record answers it (the same payment, or 409 naming the
 * field); such answers are not stored, the first request's is. The answer goes out before its
 * write commits (checkout has committed the payment); until then a retry here is replayed from
 * memory. One write per create instead of two, and no commit to wait for after checkout's.
 */
export function installIdempotency(app: FastifyInstance, options: IdempotencyOptions): void {
  const ttlMs = options.ttlMs ?? IDEMPOTENCY_TTL_MS;
  const leaseMs = options.leaseMs ?? IDEMPOTENCY_LEASE_MS;
  const claimAfterMs = options.claimAfterMs ?? IDEMPOTENCY_CLAIM_AFTER_MS;
  const { store, clock } = options;
  /** `downstream` requests in flight in this gateway, by scope and key. */
  const held = new Map<string, Hold>();

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
        await store.complete(claimed.scope, claimed.key, answerOf(reply, body));
      }
    } catch (err) {
      // The answer itself is sound; the key stays locked until its lease ends, then a retry runs.
      request.log.error({ err }, 'idempotency: storing the answer failed');
    }
    return payload;
  };

  const hold: preHandlerAsyncHookHandler = async (request, reply) => {
    const key = idempotencyKeyOf(request.headers);
    if (key === undefined) return;
    const scope = scopeOf(request);
    if (scope === null) return;
    const print = printOf(request);
    const id = `${scope}\u0000${key}`;
    const now = clock();
    const running = held.get(id);
    // One older than the lease lost its answer (its onSend never ran): the key is free, as in the store.
    if (running && running.now.getTime() + leaseMs > now.getTime()) {
      refuseIfDifferent(running.print, print);
      if (running.answer) return replay(reply, running.answer);
      throw gatewayErrors.create(
        'IDEMPOTENCY_KEY_IN_USE',
        'a request with this Idempotency-Key is still being processed; retry after it answers',
      );
    }
    const mine: Hold = { id, scope, key, print, now };
    // Before the read, so a retry arriving meanwhile finds it.
    held.set(id, mine);
    let found: LookupResult;
    try {
      found = await store.find(scope, key, now);
    } catch (cause) {
      held.delete(id);
      throw gatewayErrors.create(
        'IDEMPOTENCY_STORE_UNAVAILABLE',
        'the request was not processed; retry later with the same Idempotency-Key',
        { cause },
      );
    }
    if (found.outcome !== 'absent') {
      held.delete(id);
      refuseIfDifferent(found.request, print);
      if (found.outcome === 'in_flight') {
        throw gatewayErrors.create(
          'IDEMPOTENCY_KEY_IN_USE',
          'a request with this Idempotency-Key is still being processed; retry after it answers',
        );
      }
      return replay(reply, found.response);
    }
    mine.timer = setTimeout(() => {
      mine.claimed = store
        .claim(scope, key, print, {
          now,
          expiresAt: new Date(now.getTime() + ttlMs),
          lockedUntil: new Date(clock().getTime() + leaseMs),
        })
        .then(
          (r) => r.outcome === 'claimed',
          (err: unknown) => {
            request.log.warn({ err }, 'idempotency: claiming a slow request failed');
            return false;
          },
        );
    }, claimAfterMs);
    request.idempotencyHold = mine;
  };

  /** Writes a held key's answer (or frees its claim); the hold ends once that is written. */
  async function writeHeld(mine: Hold, answer: StoredResponse | null): Promise<void> {
    // Undefined: never claimed; false: another request holds the key, whose answer stays.
    const claimed = await mine.claimed;
    if (claimed === false) return;
    if (claimed === true) {
      if (answer) await store.complete(mine.scope, mine.key, answer);
      else await store.release(mine.scope, mine.key);
    } else if (answer) {
      await store.record(mine.scope, mine.key, mine.print, answer, {
        now: mine.now,
        expiresAt: new Date(mine.now.getTime() + ttlMs),
      });
    }
  }

  /**
   * Sends the answer without waiting for its write (checkout has committed the payment, which is
   * what a 201 promises): until the write is done, a retry in this gateway is replayed from
   * memory; a retry elsewhere reaches checkout's record of the key, as in the first moments.
   * Saves a commit's wait on every create.
   */
  const storeHeldAnswer: onSendAsyncHookHandler = async (request, reply, payload) => {
    const mine = request.idempotencyHold;
    if (!mine) return payload;
    request.idempotencyHold = undefined;
    clearTimeout(mine.timer);
    const body =
      typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString() : null;
    // A refusal, or an answer the downstream gave from its own record of the key (a retry that
    // reached it from another replica): not this key's first answer, so nothing is kept.
    const first =
      body !== null &&
      reply.statusCode !== 400 &&
      reply.statusCode !== 409 &&
      !reply.hasHeader('idempotent-replayed');
    const answer = first ? answerOf(reply, body) : null;
    if (answer) mine.answer = answer;
    else if (mine.claimed === undefined) {
      held.delete(mine.id);
      return payload;
    }
    const written = writeHeld(mine, answer)
      .catch((err: unknown) => {
        // The answer itself is sound; a retry reaches the downstream, which knows the key.
        request.log.error({ err }, 'idempotency: storing the answer failed');
      })
      .finally(() => {
        if (held.get(mine.id) === mine) held.delete(mine.id);
      });
    // A 5xx is replayed, never retried into a payment (checkout may have committed after all), so
    // it is on disk before any replica can be asked again. Rare: the wait costs no create anything.
    if (reply.statusCode >= 500) await written;
    return payload;
  };

  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.includes('POST')) return;
    if (!IDEMPOTENT_PREFIXES.some((prefix) => route.url.startsWith(prefix))) return;
    const mode = route.config?.idempotency;
    if (mode === false) return;
    const downstream = mode === 'downstream';
    route.preHandler = [...asArray(route.preHandler), downstream ? hold : claim];
    route.onSend = [...asArray(route.onSend), downstream ? storeHeldAnswer : storeAnswer];
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

function answerOf(reply: FastifyReply, body: string) {
  return { status: reply.statusCode, headers: replayedHeaders(reply), body };
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
