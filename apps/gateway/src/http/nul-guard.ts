import { nulCharacterError, nulField } from '@tolem/errors';
import type { FastifyInstance } from 'fastify';

/**
 * Refuses a NUL character anywhere in a request's path parameters, query or parsed body with
 * VALIDATION_FAILED naming the field, before any handler (and so before an Idempotency-Key is
 * claimed).
 */
export function refuseNulCharacters(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    for (const part of [request.params, request.query, request.body]) {
      const field = nulField(part);
      if (field !== undefined) throw nulCharacterError(field);
    }
  });
}
