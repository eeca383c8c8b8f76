import formbody from '@fastify/formbody';
import type { FastifyPluginAsync } from 'fastify';

import { gatewayErrors, toHttpError } from '../errors';
import { paymentUrl } from '../mappers/payment.mapper';
import { renderErrorPage } from '../pages/error.page';
import { sendHtml } from '../reply';
import type { GatewayDeps } from '../server';
import { logHttpError } from '../server';
import { pageLocaleOf } from './pages.route';

export interface FormRouteDeps {
  checkout: Pick<GatewayDeps['checkout'], 'createFormPayment'>;
  publicBaseUrl: string;
}

/**
 * The posted form: string fields only (a repeated field would be an array and is refused), at
 * most 20 of them. Which fields are allowed and required is checkout's rule (FORM_INVALID_REQUEST).
 */
export const payFormBodySchema = {
  type: 'object',
  maxProperties: 20,
  propertyNames: { minLength: 1, maxLength: 40 },
  additionalProperties: { type: 'string', maxLength: 2048 },
} as const;

const htmlPage = {
  type: 'string',
  description: 'An HTML error page naming the stable error code.',
} as const;

/**
 * `POST /pay`: a payment started from a merchant's signed HTML form (docs/signed-forms.md). The
 * gateway only parses the form; checkout checks the fields and the signature (the form secret
 * never leaves it) and creates the payment, idempotent on the merchant's order id. Success is a
 * 303 to the hosted page; every refusal is an HTML page for the customer with the stable code,
 * and nothing is stored.
 */
export function formRoutes(deps: FormRouteDeps): FastifyPluginAsync {
  return async (app) => {
    await app.register(formbody, { bodyLimit: 16 * 1024 });

    app.setErrorHandler((err, request, reply) => {
      const mapped = toHttpError(err);
      logHttpError(request.log, err, mapped);
      return sendHtml(
        reply,
        mapped.status,
        renderErrorPage(mapped, request.id, pageLocaleOf(request)),
      );
    });

    app.post<{ Body: Record<string, string> }>(
      '/pay',
      {
        schema: {
          body: payFormBodySchema,
          consumes: ['application/x-www-form-urlencoded'],
          response: {
            303: { type: 'null', description: 'To the hosted payment page (Location).' },
            400: htmlPage,
            401: htmlPage,
            409: htmlPage,
            422: htmlPage,
            429: htmlPage,
            500: htmlPage,
            503: htmlPage,
          },
        } as Record<string, unknown>,
        // A browser form only: a JSON body is not a signed form (merchants' servers use /v1).
        preValidation: async (request) => {
          const type = String(request.headers['content-type'] ?? '')
            .split(';')[0]
            ?.trim();
          if (type !== 'application/x-www-form-urlencoded') {
            throw gatewayErrors.create(
              'VALIDATION_FAILED',
              'POST /pay takes an HTML form (application/x-www-form-urlencoded)',
            );
          }
        },
      },
      async (request, reply) => {
        const { signature = '', ...fields } = request.body;
        const res = await deps.checkout.createFormPayment(
          { fields, signature },
          { requestId: request.id },
        );
        if (!res.payment) throw new Error('checkout answered CreateFormPayment without a payment');
        request.log.info(
          { paymentId: res.payment.id, merchantId: res.payment.merchantId, replayed: res.replayed },
          'form payment accepted',
        );
        return reply
          .code(303)
          .header('location', paymentUrl(deps.publicBaseUrl, res.payment))
          .header('cache-control', 'no-store')
          .send();
      },
    );
  };
}
