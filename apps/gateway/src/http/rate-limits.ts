import { hash } from 'node:crypto';

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { gatewayErrors } from './errors';
import type { RateLimit } from './server';

export interface ApiRateLimits {
  /** Per API key (the bearer credential, hashed), whatever address it comes from. */
  perApiKey: RateLimit;
  /** Per client IP, whatever key it sends: also caps guessing keys from one address. */
  perIp: RateLimit;
}

/** Requests counted in the current fixed window, per key; the whole map resets with the window. */
function windowCounter(limit: RateLimit, now: () => number) {
  let windowStart = now();
  let counts = new Map<string, number>();
  return (key: string): { allowed: boolean; remaining: number; resetMs: number } => {
    const t = now();
    if (t - windowStart >= limit.windowMs) {
      windowStart = t - ((t - windowStart) % limit.windowMs);
      counts = new Map();
    }
    const count = (counts.get(key) ?? 0) + 1;
    counts.set(key, count);
    return {
      allowed: count <= limit.max,
      remaining: Math.max(0, limit.max - count),
      resetMs: windowStart + limit.windowMs - t,
    };
  };
}

const API_PREFIX = '/v1/';

/**
 * Limits of the merchant API, per API key and per client IP (in memory per replica, like the
 * pages' limits). A root onRequest hook, so it runs before authentication (a flood of bad keys
 * never reaches checkout) and covers every /v1 route, whichever file registers it. Past either
 * limit: 429 RATE_LIMITED with Retry-After; every answer carries the key's X-RateLimit-* headers.
 */
export function installApiRateLimits(
  app: FastifyInstance,
  limits: ApiRateLimits,
  now: () => number = Date.now,
): void {
  const byKey = windowCounter(limits.perApiKey, now);
  const byIp = windowCounter(limits.perIp, now);

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.url.startsWith(API_PREFIX)) return;
    const ip = byIp(request.ip);
    const authorization = request.headers.authorization;
    const key = authorization === undefined ? null : byKey(hash('sha256', authorization, 'base64'));
    if (key) {
      void reply.header('x-ratelimit-limit', String(limits.perApiKey.max));
      void reply.header('x-ratelimit-remaining', String(key.remaining));
      void reply.header('x-ratelimit-reset', String(Math.ceil(key.resetMs / 1000)));
    }
    const refused = [ip, key].filter((c) => c !== null && !c.allowed);
    if (refused.length === 0) return;
    const retryAfter = Math.max(1, ...refused.map((c) => Math.ceil((c?.resetMs ?? 0) / 1000)));
    void reply.header('retry-after', String(retryAfter));
    throw gatewayErrors.create(
      'RATE_LIMITED',
      `too many requests; retry after ${retryAfter} second${retryAfter === 1 ? '' : 's'}`,
    );
  });
}
