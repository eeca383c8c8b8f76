import formbody from '@fastify/formbody';
import { PaymentStatus, type SubmitPayerInputResponse } from '@tolem/contracts/checkout';
import { type Instructions, PaymentMethod } from '@tolem/contracts/common';
import type { FastifyPluginAsync } from 'fastify';

import { gatewayErrors, toHttpError } from '../errors';
import { methodFromName, statusName } from '../mappers/enums.mapper';
import { renderErrorPage } from '../pages/error.page';
import { safeHttpUrl } from '../pages/html';
import {
  KEY1_MAX_LENGTH,
  renderAwaitingConfirmation,
  renderInstructionsPage,
  renderPayerInputPage,
  renderPaymentReceived,
  renderUnderReview,
} from '../pages/instructions.page';
import { renderPaymentPage } from '../pages/pay.page';
import { renderProviderForm } from '../pages/provider.page';
import { sendHtml } from '../reply';
import {
  idParamsSchema,
  type PayerInputForm,
  payerInputFormSchema,
  type StartPaymentForm,
  startPaymentFormSchema,
} from '../schemas';
import type { GatewayDeps } from '../server';
import { logHttpError } from '../server';

export interface PageRouteDeps {
  checkout: Pick<GatewayDeps['checkout'], 'getPayment' | 'startPayment' | 'submitPayerInput'>;
}

/** A ticked checkbox arrives as its value; browsers send nothing for an unticked one. */
function ticked(value: string | undefined): boolean {
  return value !== undefined && ['true', '1', 'on', 'yes'].includes(value.trim().toLowerCase());
}

/** The instructions of a SubmitPayerInput answer, when the provider repeated or changed them. */
function instructionsOf(res: SubmitPayerInputResponse): Instructions | undefined {
  const action = res.action?.action;
  return action?.$case === 'instructions' ? action.value : undefined;
}

/**
 * A still-pending payment after SubmitPayerInput is either the provider checking the transfer
 * (wait) or a refused number the payer may correct (form again). Checkout says which in
 * `outcome`; an older checkout without it is read from the instructions' `status`.
 */
function stillChecking(res: SubmitPayerInputResponse): boolean {
  if (res.outcome !== '') return res.outcome === 'pending';
  const instructions = instructionsOf(res);
  if (instructions) return instructions.values['status'] === 'pending';
  return res.message === '';
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
        if (method === PaymentMethod.PAYMENT_METHOD_CARD && ticked(request.body.remember_card)) {
          payer['remember_card'] = 'true';
        }
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
            return sendHtml(
              reply,
              200,
              renderInstructionsPage({
                paymentId: request.params.id,
                instructions: action.value,
                payment: res.payment,
              }),
            );
          case undefined:
            // Nothing for the browser to do: the payment page shows where the payment stands.
            return reply.redirect(`/pay/${encodeURIComponent(request.params.id)}`, 303);
        }
      },
    );

    app.post<{ Params: { id: string }; Body: PayerInputForm }>(
      '/pay/:id/input',
      { schema: { params: idParamsSchema, body: payerInputFormSchema } },
      async (request, reply) => {
        const paymentId = request.params.id;
        const key1 = (request.body.key1 ?? '').trim();
        if (key1 === '' || key1.length > KEY1_MAX_LENGTH) {
          return sendHtml(
            reply,
            400,
            renderPayerInputPage(
              paymentId,
              `Enter the transaction number from your Wavepay app (1 to ${KEY1_MAX_LENGTH} characters).`,
            ),
          );
        }
        const res = await deps.checkout.submitPayerInput(
          { paymentId, fields: { key1 } },
          { requestId: request.id },
        );
        const payment = res.payment;
        if (!payment) throw gatewayErrors.create('INTERNAL', 'peer answer lacks payment');
        request.log.info(
          { paymentId, status: statusName(payment.status) },
          'payer input submitted',
        );
        switch (payment.status) {
          case PaymentStatus.PAYMENT_STATUS_SUCCEEDED:
            return sendHtml(reply, 200, renderPaymentReceived(payment));
          case PaymentStatus.PAYMENT_STATUS_REQUIRES_REVIEW:
            return sendHtml(reply, 200, renderUnderReview(payment, res.message));
          case PaymentStatus.PAYMENT_STATUS_FAILED:
          case PaymentStatus.PAYMENT_STATUS_EXPIRED:
            // Final: the payment page says so and links back to the shop.
            return reply.redirect(`/pay/${encodeURIComponent(paymentId)}`, 303);
          default: {
            if (stillChecking(res)) {
              return sendHtml(reply, 200, renderAwaitingConfirmation(payment, res.message));
            }
            const notice =
              res.message || 'The transaction number was not accepted; check it and try again.';
            const instructions = instructionsOf(res);
            return sendHtml(
              reply,
              422,
              instructions
                ? renderInstructionsPage({ paymentId, instructions, payment, notice })
                : renderPayerInputPage(paymentId, notice),
            );
          }
        }
      },
    );
  };
}

/**
 * `GET /pay/{id}/status`: what the waiting pages poll. JSON with the API's error shape; only the
 * status, since the payment id is the page's only credential.
 */
export function paymentStatusRoutes(deps: {
  checkout: Pick<GatewayDeps['checkout'], 'getPayment'>;
}): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Params: { id: string } }>(
      '/pay/:id/status',
      { schema: { params: idParamsSchema } },
      async (request, reply) => {
        const res = await deps.checkout.getPayment(
          { paymentId: request.params.id, merchantId: '' },
          { requestId: request.id },
        );
        if (!res.payment) throw gatewayErrors.create('INTERNAL', 'peer answer lacks payment');
        return reply
          .header('cache-control', 'no-store')
          .send({ status: statusName(res.payment.status) });
      },
    );
  };
}
