import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { DomainError, type ErrorKind, isDomainError } from '@tolem/errors';

/** Trailing metadata key carrying the stable error code. */
export const ERROR_CODE_KEY = 'x-error-code';
/** Trailing metadata key carrying the error kind where the gRPC status is ambiguous (declined vs precondition). */
export const ERROR_KIND_KEY = 'x-error-kind';

/** The only kind -> gRPC status table. */
export function grpcStatusOf(kind: ErrorKind): status {
  switch (kind) {
    case 'invalid':
      return status.INVALID_ARGUMENT;
    case 'unauthenticated':
      return status.UNAUTHENTICATED;
    case 'forbidden':
      return status.PERMISSION_DENIED;
    case 'not_found':
      return status.NOT_FOUND;
    case 'conflict':
      return status.ALREADY_EXISTS;
    case 'aborted':
      return status.ABORTED;
    case 'precondition':
    case 'declined':
      return status.FAILED_PRECONDITION;
    case 'rate_limited':
      return status.RESOURCE_EXHAUSTED;
    case 'unavailable':
      return status.UNAVAILABLE;
    case 'timeout':
      return status.DEADLINE_EXCEEDED;
    case 'unimplemented':
      return status.UNIMPLEMENTED;
    case 'internal':
      return status.INTERNAL;
  }
}

/** The reverse, for statuses that arrive without our error code (transport failures). */
export function kindOfGrpcStatus(code: status): ErrorKind {
  switch (code) {
    case status.INVALID_ARGUMENT:
    case status.OUT_OF_RANGE:
      return 'invalid';
    case status.UNAUTHENTICATED:
      return 'unauthenticated';
    case status.PERMISSION_DENIED:
      return 'forbidden';
    case status.NOT_FOUND:
      return 'not_found';
    case status.ALREADY_EXISTS:
      return 'conflict';
    case status.ABORTED:
      return 'aborted';
    case status.FAILED_PRECONDITION:
      return 'precondition';
    case status.RESOURCE_EXHAUSTED:
      return 'rate_limited';
    case status.UNAVAILABLE:
    case status.CANCELLED:
      return 'unavailable';
    case status.DEADLINE_EXCEEDED:
      return 'timeout';
    case status.UNIMPLEMENTED:
      return 'unimplemented';
    default:
      return 'internal';
  }
}

/**
 * A status no peer sent (no error code): the transport's own. grpc-js says RESOURCE_EXHAUSTED for a
 * message over the size limit or a server out of streams, which is no reason for the caller's
 * client to slow down (a 429): the peer could not be asked, as when it is away. OUT_OF_RANGE is
 * never a peer's answer either: the call broke.
 */
function transportKindOf(code: status): ErrorKind {
  if (code === status.RESOURCE_EXHAUSTED) return 'unavailable';
  if (code === status.OUT_OF_RANGE) return 'internal';
  return kindOfGrpcStatus(code);
}

export interface WireError {
  code: status;
  details: string;
  metadata: Metadata;
}

/** DomainError -> gRPC error. Unknown errors become INTERNAL with a scrubbed message. */
export function toWireError(err: unknown): WireError {
  const metadata = new Metadata();
  if (isDomainError(err)) {
    metadata.set(ERROR_CODE_KEY, err.code);
    metadata.set(ERROR_KIND_KEY, err.kind);
    for (const [k, v] of Object.entries(err.details)) metadata.set(`x-error-${k.toLowerCase()}`, v);
    const message = err.kind === 'internal' ? 'internal error' : err.message;
    return { code: grpcStatusOf(err.kind), details: message, metadata };
  }
  metadata.set(ERROR_CODE_KEY, 'INTERNAL');
  return { code: status.INTERNAL, details: 'internal error', metadata };
}

/** gRPC client error -> DomainError with the server's code, so callers branch on codes. */
export function fromServiceError(err: ServiceError, method: string): DomainError {
  const codeValue = err.metadata?.get(ERROR_CODE_KEY)[0];
  const sentKind = err.metadata?.get(ERROR_KIND_KEY)[0];
  const kind: ErrorKind =
    sentKind === 'declined' && err.code === status.FAILED_PRECONDITION
      ? 'declined'
      : typeof codeValue === 'string'
        ? kindOfGrpcStatus(err.code)
        : transportKindOf(err.code);
  const code =
    typeof codeValue === 'string'
      ? codeValue
      : kind === 'timeout'
        ? 'UPSTREAM_TIMEOUT'
        : kind === 'unavailable'
          ? 'UPSTREAM_UNAVAILABLE'
          : 'UPSTREAM_ERROR';
  const details: Record<string, string> = {};
  for (const [k, v] of Object.entries(err.metadata?.getMap() ?? {})) {
    if (
      k.startsWith('x-error-') &&
      k !== ERROR_CODE_KEY &&
      k !== ERROR_KIND_KEY &&
      typeof v === 'string'
    ) {
      details[k.slice('x-error-'.length)] = v;
    }
  }
  return new DomainError(code, kind, err.details || `${method} failed`, { details, cause: err });
}
