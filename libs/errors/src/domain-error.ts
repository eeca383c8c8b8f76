/**
 * The kinds of failure every transport maps in exactly one place (grpc-kit for gRPC, the gateway
 * for HTTP). A code belongs to one kind forever; clients rely on codes, not on messages.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'aborted'
  | 'precondition'
  | 'declined'
  | 'rate_limited'
  | 'unavailable'
  | 'timeout'
  | 'unimplemented'
  | 'internal';

export interface DomainErrorOptions {
  /** Safe to show to the caller: never secrets, card data or raw provider bodies. */
  details?: Record<string, string>;
  cause?: unknown;
  retriable?: boolean;
}

/** A failure with a stable UPPER_SNAKE code, e.g. PAYMENT_NOT_FOUND. */
export class DomainError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly retriable: boolean;
  readonly details: Record<string, string>;

  constructor(code: string, kind: ErrorKind, message: string, options: DomainErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DomainError';
    this.code = code;
    this.kind = kind;
    this.retriable = options.retriable ?? (kind === 'unavailable' || kind === 'timeout');
    this.details = options.details ?? {};
  }
}

export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}

/**
 * Declares a service's error codes with their kinds; `satisfies` makes a code without a kind a
 * compile error. Returns a factory so call sites read `errors.create('PAYMENT_NOT_FOUND', msg)`.
 */
export function defineErrors<const T extends Record<string, ErrorKind>>(table: T) {
  return {
    table,
    create(code: keyof T & string, message: string, options?: DomainErrorOptions): DomainError {
      return new DomainError(code, table[code] as ErrorKind, message, options);
    },
  };
}

/** Codes shared by every service. */
export const commonErrors = defineErrors({
  VALIDATION_FAILED: 'invalid',
  IDEMPOTENCY_KEY_REQUIRED: 'invalid',
  IDEMPOTENCY_KEY_REUSED: 'conflict',
  UNAUTHENTICATED: 'unauthenticated',
  FORBIDDEN: 'forbidden',
  NOT_FOUND: 'not_found',
  UPSTREAM_UNAVAILABLE: 'unavailable',
  UPSTREAM_TIMEOUT: 'timeout',
  NOT_IMPLEMENTED: 'unimplemented',
  INTERNAL: 'internal',
} satisfies Record<string, ErrorKind>);
