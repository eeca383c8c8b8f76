import type { FastifyInstance } from 'fastify';

import { gatewayErrors } from './errors';

/**
 * The path (as VALIDATION_FAILED names fields: `metadata.cart`, `items[0].name`) of the first
 * string in `value` holding U+0000, or of a key holding it; undefined when none does. Buffers
 * (the callbacks' raw bytes) are not looked into.
 */
export function nulField(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (typeof value !== 'object' || value === null || Buffer.isBuffer(value)) return undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = nulField(item, `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    if (key.includes('\u0000')) return at;
    const found = nulField(item, at);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Refuses a NUL character anywhere in a request's path parameters, query or parsed body with
 * VALIDATION_FAILED naming the field, before any handler (and so before an Idempotency-Key is
 * claimed). JSON allows it (`\u0000`) and so does a URL (`%00`), but no PostgreSQL text or jsonb
 * value can hold it: it reached the services' databases and came back as a 500.
 */
export function refuseNulCharacters(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    for (const part of [request.params, request.query, request.body]) {
      const field = nulField(part);
      if (field === undefined) continue;
      throw gatewayErrors.create(
        'VALIDATION_FAILED',
        `${field || 'the request'} must not contain a NUL character`,
        { details: field ? { field } : {} },
      );
    }
  });
}
