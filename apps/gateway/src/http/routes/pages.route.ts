import formbody from '@fastify/formbody';
import { PaymentMethod } from '@tolem/contracts/common';
import type { FastifyPluginAsync } from 'fastify';

import { gatewayErrors, toHttpError } from '../errors';
import { methodFromName } from '../mappers/enums.mapper';
import { renderErrorPage } from '../pages/error.page';
import { safeHttpUrl } from '../pages/html';
import { renderPaymentPage } from '../pages/pay.page';
import { renderInstructions, renderProviderForm } from '../pages/provider.page';
import { sendHtml } from '../reply';
import { idParamsSchema, type StartPaymentForm, startPaymentFormSchema } from '../schemas';
import type { GatewayDeps } from '../server';
import { logHttpError } from '../server';

export interface PageRouteDeps {
  checkout: Pick<GatewayDeps['checkout'], 'getPayment' | 'startPayment'>;
}

/** A provider URL must be http(s): it becomes a form action or a Location the browser follows. */
function providerUrl(value: string): string {
  const url = safeHttpUrl(value);
  if (!url) throw gatewayErrors.create('INTERNAL', 'provider action URL is not http(s)');
  return value;
}

/**
 * The customer's pages: the hosted payment page and the start step that hands the browser to the
 * provider. The payment id is the only credential, as on any hosted checkout; errors render as
 * HTML with the same status mapping as the API.
 */
export function pageRoutes(deps: PageRouteDeps): FastifyPluginAsync {
  return async (app) => {
    await app.register(formbody, { bodyLimit: 8 * 1024 });
    app.setErrorHandler((err, request, reply) => {
      const mapped = toHttpError(err);
      logHttpError(request.log, err, mapped);
      return sendHtml(reply, mapped.status, renderErrorPage(mapped, request.id));
    });

    app.get<{ Params: { id: string } }>(
      '/pay/:id',
      { schema: { params: idParamsSchema } },
      async (request, reply) => {
        const res = await deps.checkout.getPayment(
          { paymentId: request.params.id, merchantId: '' },
          { requestId: request.id },
        );
        if (!res.payment) throw gatewayErrors.create('INTERNAL', 'peer answer lacks payment');
        return sendHtml(reply, 200, renderPaymentPage(res.payment));
      },
    );

    app.post<{ Params: { id: string }; Body: StartPaymentForm }>(
      '/pay/:id/start',
      { schema: { params: idParamsSchema, body: startPaymentFormSchema } },
      async (request, reply) => {
        const method = methodFromName(request.body.method);
        if (method === undefined) {
          throw gatewayErrors.create(
            'VALIDATION_FAILED',
            'choose one of the offered payment methods',
            {
              details: { field: 'method' },
            },
          );
        }
        const payer: Record<string, string> = {};
        if (method === PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE) {
          const phone = (request.body.phone ?? '').trim();
          if (phone === '') {
            throw gatewayErrors.create(
              'VALIDATION_FAILED',
              'enter the phone number of your WM Keeper Mobile',
              {
                details: { field: 'phone' },
              },
            );
          }
          payer['phone'] = phone;
        }
        const res = await deps.checkout.startPayment(
          { paymentId: request.params.id, method, payer },
          { requestId: request.id },
        );
        const action = res.action?.action;
        switch (action?.$case) {
          case 'formPost':
            providerUrl(action.value.url);
            return sendHtml(reply, 200, renderProviderForm(action.value));
          case 'redirectUrl':
            return reply.redirect(providerUrl(action.value), 303);
          case 'instructions':
            return sendHtml(reply, 200, renderInstructions(request.params.id, action.value));
          case undefined:
            // Nothing for the browser to do: the payment page shows where the payment stands.
            return reply.redirect(`/pay/${encodeURIComponent(request.params.id)}`, 303);
        }
      },
    );
  };
}
