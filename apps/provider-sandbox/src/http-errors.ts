import { httpStatusOf, isDomainError } from '@tolem/errors';
import type { FastifyRequest } from 'fastify';

/** An error as the sandbox answers it, in JSON (test API) or on an HTML page (browser). */
export interface ErrorAnswer {
  status: number;
  code: string;
  message: string;
  details: Record<string, string>;
}

/**
 * The one mapping from errors to HTTP answers: DomainError kinds through @tolem/errors' table,
 * Fastify's own client errors (bad JSON, wrong content type) as they are, anything else 500.
 */
export function errorAnswer(err: unknown): ErrorAnswer {
  if (isDomainError(err)) {
    return {
      status: httpStatusOf(err.kind),
      code: err.code,
      message: err.message,
      details: err.details,
    };
  }
  const status = (err as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, code: 'SANDBOX_BAD_REQUEST', message: (err as Error).message, details: {} };
  }
  return { status: 500, code: 'INTERNAL', message: 'Internal sandbox error', details: {} };
}

/** The test-control API answers JSON; everything else is for a person in a browser. */
export function isTestApi(request: FastifyRequest): boolean {
  return request.url.startsWith('/_sandbox/') || request.url === '/healthz';
}

export function errorJson(answer: ErrorAnswer): {
  error: { code: string; message: string; details: Record<string, string> };
} {
  return { error: { code: answer.code, message: answer.message, details: answer.details } };
}
