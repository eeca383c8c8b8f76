import { defineErrors, type ErrorKind, httpStatusOf, isDomainError } from '@tolem/errors';

/** The gateway's own error codes (peers' codes pass through unchanged). */
export const gatewayErrors = defineErrors({
  /** A body, query or path parameter failed validation; the message names the field. */
  VALIDATION_FAILED: 'invalid',
  /** The body is not JSON (or is empty while declared as JSON). */
  MALFORMED_JSON: 'invalid',
  /** Every write must carry one, so a retried request can never take effect twice. */
  IDEMPOTENCY_KEY_REQUIRED: 'invalid',
  /** Present but longer than 255 characters. */
  IDEMPOTENCY_KEY_INVALID: 'invalid',
  /**
   * The key was used for another request: the gateway's own check, for what no peer compares
   * (an admin create-merchant replay with other fee rules). Peers answer the same code.
   */
  IDEMPOTENCY_KEY_REUSED: 'conflict',
  /**
   * The first request with this key has not answered yet: retry once it has, and get its answer.
   * Never stored, so the retry is not refused forever.
   */
  IDEMPOTENCY_KEY_IN_USE: 'conflict',
  /** The gateway's idempotency store (its own PostgreSQL) did not answer; nothing was done. */
  IDEMPOTENCY_STORE_UNAVAILABLE: 'unavailable',
  /** No usable `Authorization: Bearer …` credential. */
  UNAUTHENTICATED: 'unauthenticated',
  ROUTE_NOT_FOUND: 'not_found',
  /**
   * A payer form came without the token of the page it was shown on (a form posted from another
   * site, or the cookie was lost): the payer reloads the payment page and tries again.
   */
  CSRF_TOKEN_INVALID: 'forbidden',
  /** Too many requests from one client IP on the payer pages or the provider callbacks. */
  RATE_LIMITED: 'rate_limited',
  INTERNAL: 'internal',
});

/** What an error becomes on the wire; shared by the JSON API and the HTML pages. */
export interface HttpError {
  status: number;
  code: string;
  message: string;
  /** Safe facts from the DomainError (e.g. `field`); never present for 5xx internals. */
  details: Record<string, string>;
}

export interface ErrorBody {
  error: { code: string; message: string; request_id: string; details?: Record<string, string> };
}

const SCRUBBED = 'internal error';

/** Messages for failures the gRPC transport made up itself: theirs name hosts and ports. */
const TRANSPORT_MESSAGES: Record<string, string> = {
  UPSTREAM_UNAVAILABLE: 'a backend service is unavailable; retry later',
  UPSTREAM_TIMEOUT: 'a backend service did not answer in time; retry later',
  UPSTREAM_ERROR: SCRUBBED,
};

const CSRF_REFUSED = {
  status: 403,
  code: 'CSRF_TOKEN_INVALID',
  message: 'This form was not sent from the payment page. Reload the payment page and try again.',
};

/** Fastify's own client errors that are not schema validation failures. */
const FRAMEWORK_ERRORS: Record<string, { status: number; code: string; message?: string }> = {
  FST_CSRF_MISSING_SECRET: CSRF_REFUSED,
  FST_CSRF_INVALID_TOKEN: CSRF_REFUSED,
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'MALFORMED_JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'MALFORMED_JSON' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'PAYLOAD_TOO_LARGE' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'VALIDATION_FAILED' },
  // The router's own refusals (frameworkErrors in server.ts): no id is that long or malformed.
  FST_ERR_MAX_PARAM_LENGTH: {
    status: 400,
    code: 'VALIDATION_FAILED',
    message: 'a path parameter is longer than any id',
  },
  FST_ERR_BAD_URL: { status: 400, code: 'VALIDATION_FAILED', message: 'the URL is malformed' },
};

/**
 * gRPC has one status (FAILED_PRECONDITION) for both `precondition` and `declined`, so the client
 * sees `precondition`. A peer marks a decline with the `x-error-kind: declined` trailer, which
 * grpc-kit surfaces as details.kind; only that one refinement is accepted, so a peer can never
 * turn a client error into a different class of failure.
 */
export function effectiveKind(kind: ErrorKind, details: Record<string, string>): ErrorKind {
  return kind === 'precondition' && details['kind'] === 'declined' ? 'declined' : kind;
}

/** True for errors grpc-kit's client synthesised from a transport status (no server code). */
function isTransportFailure(cause: unknown): boolean {
  if (typeof cause !== 'object' || cause === null || !('metadata' in cause)) return false;
  const metadata = (cause as { metadata?: { get(key: string): unknown[] } }).metadata;
  return !metadata || metadata.get('x-error-code').length === 0;
}

function publicDetails(details: Record<string, string>): Record<string, string> {
  const { kind: _kind, ...rest } = details;
  return rest;
}

/** The field an Ajv error is about: the missing or unexpected property, else the value's path. */
function validationField(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '';
  const e = error as {
    instancePath?: string;
    params?: { missingProperty?: string; additionalProperty?: string };
  };
  const parent = (e.instancePath ?? '').replace(/^\//, '').split('/').filter(Boolean);
  const own = e.params?.missingProperty ?? e.params?.additionalProperty;
  return [...parent, ...(own === undefined ? [] : [own])]
    .join('.')
    .replaceAll('~1', '/')
    .replaceAll('~0', '~');
}

/**
 * The one mapper from anything thrown to an HTTP error: DomainError kind -> httpStatusOf(kind),
 * Fastify's validation and parse errors -> 400, and everything unknown -> 500 with a scrubbed
 * message (the original is logged, never sent).
 */
export function toHttpError(err: unknown): HttpError {
  if (isDomainError(err)) {
    const kind = effectiveKind(err.kind, err.details);
    const status = httpStatusOf(kind);
    if (kind === 'internal') return { status, code: err.code, message: SCRUBBED, details: {} };
    const transport = TRANSPORT_MESSAGES[err.code];
    if (transport !== undefined && isTransportFailure(err.cause)) {
      return { status, code: err.code, message: transport, details: {} };
    }
    return { status, code: err.code, message: err.message, details: publicDetails(err.details) };
  }
  if (typeof err === 'object' && err !== null) {
    const e = err as {
      code?: unknown;
      validation?: unknown;
      message?: unknown;
      statusCode?: unknown;
    };
    const message = typeof e.message === 'string' ? e.message : 'bad request';
    if (Array.isArray(e.validation)) {
      const field = validationField(e.validation[0]);
      return {
        status: 400,
        code: 'VALIDATION_FAILED',
        message,
        details: field === '' ? {} : { field },
      };
    }
    const known = typeof e.code === 'string' ? FRAMEWORK_ERRORS[e.code] : undefined;
    if (known)
      return {
        status: known.status,
        code: known.code,
        message: known.message ?? message,
        details: {},
      };
    // Other Fastify client errors (FST_*) carry a safe message and a 4xx status.
    if (
      typeof e.code === 'string' &&
      e.code.startsWith('FST_') &&
      typeof e.statusCode === 'number' &&
      e.statusCode >= 400 &&
      e.statusCode < 500
    ) {
      return { status: e.statusCode, code: 'BAD_REQUEST', message, details: {} };
    }
  }
  return { status: 500, code: 'INTERNAL', message: SCRUBBED, details: {} };
}

/** `{"error":{"code","message","request_id"}}`, plus `details` only when there are some. */
export function errorBody(error: HttpError, requestId: string): ErrorBody {
  const body: ErrorBody = {
    error: { code: error.code, message: error.message, request_id: requestId },
  };
  if (Object.keys(error.details).length > 0) body.error.details = error.details;
  return body;
}
