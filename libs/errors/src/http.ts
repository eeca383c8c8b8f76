import type { ErrorKind } from './domain-error';

/** The gateway's only kind -> HTTP status table. */
export function httpStatusOf(kind: ErrorKind): number {
  switch (kind) {
    case 'invalid':
      return 400;
    case 'unauthenticated':
      return 401;
    case 'declined':
      return 402;
    case 'forbidden':
      return 403;
    case 'not_found':
      return 404;
    case 'conflict':
    case 'aborted':
      return 409;
    case 'precondition':
      return 422;
    case 'rate_limited':
      return 429;
    case 'internal':
      return 500;
    case 'unimplemented':
      return 501;
    case 'unavailable':
      return 503;
    case 'timeout':
      return 504;
  }
}
