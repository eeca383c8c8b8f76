import { unstorableValue, unstorableValueError } from '@tolem/errors';
import type { FastifyInstance } from 'fastify';

/**
 * Refuses a NUL character or an unpaired surrogate anywhere in a request's path parameters, query
 * or parsed body (JSON and URLs allow both, no PostgreSQL text or jsonb value holds either) with
 * VALIDATION_FAILED naming the field, before any handler, and so before an Idempotency-Key is
 * claimed: its fingerprint, keyed by the body's field names, is jsonb.
 */
export function refuseUnstorableValues(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    for (const part of [request.params, request.query, request.body]) {
      const found = unstorableValue(part);
      if (found) throw unstorableValueError(found);
    }
  });
}
