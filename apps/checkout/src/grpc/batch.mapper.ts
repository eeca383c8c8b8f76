import type { CheckoutError } from '@tolem/contracts/checkout';
import { isDomainError } from '@tolem/errors';
import type { Logger } from '@tolem/observability';

/**
 * An item's error in a batched call: what the single call's status and trailers would carry
 * (grpc-kit's toWireError), so the caller rebuilds the same DomainError. Unknown errors are
 * logged here, as grpc-kit logs a failed single call, and scrubbed to INTERNAL.
 */
export function checkoutErrorOf(err: unknown, log: Logger): CheckoutError {
  if (isDomainError(err)) {
    if (err.kind === 'internal') log.error({ err, code: err.code }, 'batch item failed');
    return {
      code: err.code,
      kind: err.kind,
      message: err.kind === 'internal' ? 'internal error' : err.message,
      details: err.details,
    };
  }
  log.error({ err }, 'batch item failed');
  return { code: 'INTERNAL', kind: 'internal', message: 'internal error', details: {} };
}
