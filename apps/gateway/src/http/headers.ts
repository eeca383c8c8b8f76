import { createHash, timingSafeEqual } from 'node:crypto';

import { newId } from '@tolem/ids';
import type { FastifyReply, FastifyRequest, RequestPayload } from 'fastify';

import { gatewayErrors } from './errors';

const SANE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * The caller's x-request-id when it is short and plain (it ends up in logs and gRPC metadata),
 * else a fresh `req_…` id.
 */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && SANE_REQUEST_ID.test(header) ? header : newId('req');
}

/**
 * The request's idempotency key: `Idempotency-Key` (Stripe), else `Idempotence-Key` (YooKassa,
 * so merchants moving from it keep their code); undefined when neither is sent. 1..255 characters.
 */
export function idempotencyKeyOf(
  headers: Record<string, string | string[] | undefined>,
): string | undefined {
  const header = headers['idempotency-key'] ?? headers['idempotence-key'];
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  if (value.length > 255) {
    throw gatewayErrors.create(
      'IDEMPOTENCY_KEY_INVALID',
      'Idempotency-Key must be at most 255 characters',
    );
  }
  return value;
}

/** The `Idempotency-Key` header: required, 1..255 characters. */
export function idempotencyKeyFrom(header: string | string[] | undefined): string {
  const value = idempotencyKeyOf({ 'idempotency-key': header });
  if (value === undefined) {
    throw gatewayErrors.create(
      'IDEMPOTENCY_KEY_REQUIRED',
      'send an Idempotency-Key header (1..255 characters) so a retried request takes effect once',
    );
  }
  return value;
}

/** Either idempotency header, required (creates): see idempotencyKeyOf. */
export function requiredIdempotencyKey(
  headers: Record<string, string | string[] | undefined>,
): string {
  return idempotencyKeyFrom(headers['idempotency-key'] ?? headers['idempotence-key']);
}

/**
 * A route's preParsing hook: a retry-unsafe request without an idempotency key is refused before
 * its body is even read.
 */
export async function requireIdempotencyKeyFirst(
  request: FastifyRequest,
  _reply: FastifyReply,
  payload: RequestPayload,
): Promise<RequestPayload> {
  requiredIdempotencyKey(request.headers);
  return payload;
}

/** The token of `Authorization: Bearer <token>`, or UNAUTHENTICATED. */
export function bearerTokenFrom(header: string | undefined): string {
  const match = header === undefined ? null : /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) {
    throw gatewayErrors.create('UNAUTHENTICATED', 'send Authorization: Bearer <key>');
  }
  return match[1];
}

/**
 * Constant-time comparison of a presented token with the expected one. Both sides are hashed
 * first so neither the content nor the length of the secret leaks through timing.
 */
export function tokensEqual(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

const idempotencyKeyHeader = {
  type: 'string',
  minLength: 1,
  maxLength: 255,
  description: 'Its first answer is replayed for 24 hours; `Idempotence-Key` is accepted too.',
} as const;

/**
 * The OpenAPI (and validation) schema of a create's key: required, as this or `Idempotence-Key`
 * (checked before the body is read: 400 IDEMPOTENCY_KEY_REQUIRED).
 */
export const IDEMPOTENCY_HEADERS = {
  type: 'object',
  properties: {
    'idempotency-key': {
      ...idempotencyKeyHeader,
      description: `Required (or \`Idempotence-Key\`). ${idempotencyKeyHeader.description}`,
    },
    'idempotence-key': idempotencyKeyHeader,
  },
} as const;

/** Edits and state changes: a key is accepted (and its answer replayed), not required. */
export const OPTIONAL_IDEMPOTENCY_HEADERS = {
  type: 'object',
  properties: { 'idempotency-key': idempotencyKeyHeader },
} as const;
