import cookie from '@fastify/cookie';
import csrfProtection from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import {
  type MerchantServiceClient,
  PaymentStatus,
  type SubmitPayerInputResponse,
} from '@tolem/contracts/checkout';
import { type Instructions, PaymentMethod } from '@tolem/contracts/common';
import type { PromiseClient } from '@tolem/grpc-kit';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

import { gatewayErrors, toHttpError } from '../errors';
import { methodFromName, statusName } from '../mappers/enums.mapper';
import { PAGE_SECRET_PARAM } from '../mappers/payment.mapper';
import {
  type PayerInputForm,
  payerInputFormSchema,
  type StartPaymentForm,
  startPaymentFormSchema,
} from '../page.schemas';
import { renderErrorPage } from '../pages/error.page';
import { safeHttpUrl } from '../pages/html';
import {
  isLocale,
  LANG_COOKIE,
  LANG_PARAM,
  type Locale,
  messagesFor,
  negotiateLocale,
} from '../pages/i18n';
import {
  invalidKey1Notice,
  KEY1_MAX_LENGTH,
  renderAwaitingConfirmation,
  renderInstructionsPage,
  renderPayerInputPage,
  renderPaymentReceived,
  renderUnderReview,
} from '../pages/instructions.page';
import { type PageAccess, payPath, renderPaymentPage } from '../pages/pay.page';
import { renderProviderForm } from '../pages/provider.page';
import { sendHtml } from '../reply';
import { idParamsSchema } from '../schemas';
import type { GatewayDeps } from '../server';
import { logHttpError } from '../server';

export interface PageRouteDeps {
  checkout: Pick<GatewayDeps['checkout'], 'getPayment' | 'startPayment' | 'submitPayerInput'>;
  /** The merchant's name for the page's heading. */
  merchants: Pick<PromiseClient<MerchantServiceClient>, 'getMerchant'>;
  /** Mark the CSRF cookie Secure (the public origin is https). */
  secureCookies: boolean;
}

/** Stored secrets are 43 (base64url) or 64 (hex) characters; anything longer cannot match. */
const MAX_SECRET_LENGTH = 128;

/**
 * The page secret from `?secret=`; missing or odd (repeated, too long) is '', which checkout
 * answers with the same PAYMENT_NOT_FOUND as an unknown payment. Checkout compares it, in
 * constant time; the gateway only forwards it and never logs URLs with their query.
 */
export function pageSecretOf(request: FastifyRequest): string {
  const value = (request.query as Record<string, unknown> | undefined)?.[PAGE_SECRET_PARAM];
  return typeof value === 'string' && value.length <= MAX_SECRET_LENGTH ? value : '';
}

/**
 * The payer's language: the one a language link just chose, else the one kept in the cookie,
 * else the browser's Accept-Language, else English.
 */
export function pageLocaleOf(request: FastifyRequest): Locale {
  return negotiateLocale({
    query: (request.query as Record<string, unknown> | undefined)?.[LANG_PARAM],
    cookie: request.cookies?.[LANG_COOKIE],
    acceptLanguage: request.headers['accept-language'],
  });
}

/** A year: the payer's choice of language outlives one payment. */
const LANG_COOKIE_MAX_AGE_S = 365 * 24 * 3600;

/** The CSRF cookie: only sent back to the payer pages, never to scripts or other sites. */
const CSRF_COOKIE = 'tolem_csrf';

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
 * provider. The link's credential is the payment id plus its page secret (payment_url carries
 * both); a wrong or missing secret is the same 404 as an unknown payment. Errors render as HTML
 * with the same status mapping as the API.
 *
 * CSRF: @fastify/csrf-protection in its cookie (double-submit) mode. The payer has no session, but
 * a cookie needs none: the page sets a random secret cookie and puts a token derived from it in
 * each form, so a form posted from another site (which cannot read either) is refused with 403.
 */
export function pageRoutes(deps: PageRouteDeps): FastifyPluginAsync {
  return async (app) => {
    await app.register(formbody, { bodyLimit: 8 * 1024 });
    await app.register(cookie);
    await app.register(csrfProtection, {
      cookieKey: CSRF_COOKIE,
      // Lax, not Strict: the payer arrives from the shop (a cross-site link), and a Strict cookie
      // would not come along, so every such arrival would replace it and break forms open in
      // another tab. Lax cookies still never ride on a cross-site POST, which is what CSRF needs.
      cookieOpts: { path: '/pay', httpOnly: true, sameSite: 'lax', secure: deps.secureCookies },
    });
    const accessOf = (request: FastifyRequest, reply: FastifyReply, paymentId: string) =>
      ({
        paymentId,
        secret: pageSecretOf(request),
        csrfToken: reply.generateCsrf(),
        locale: pageLocaleOf(request),
      }) satisfies PageAccess;
    /** The merchant's name; the page still works without it when the lookup fails. */
    const merchantNameOf = async (request: FastifyRequest, merchantId: string) => {
      try {
        const res = await deps.merchants.getMerchant({ merchantId }, { requestId: request.id });
        return res.merchant?.name ?? '';
      } catch (err) {
        request.log.warn({ err, merchantId }, 'merchant name unavailable for the payment page');
        return '';
      }
    };
    app.setErrorHandler((err, request, reply) => {
      const mapped = toHttpError(err);
      logHttpError(request.log, err, mapped);
      // A locked method leaves the others open: offer the way back to choose one.
      const id = (request.params as { id?: string } | undefined)?.id;
      const back =
        mapped.code === 'PAYMENT_METHOD_LOCKED' && id
          ? payPath({ paymentId: id, secret: pageSecretOf(request) })
          : undefined;
      return sendHtml(
        reply,
        mapped.status,
        renderErrorPage(mapped, request.id, pageLocaleOf(request), back),
      );
    });

    app.get<{ Params: { id: string } }>(
      '/pay/:id',
      { schema: { params: idParamsSchema } },
      async (request, reply) => {
        const res = await deps.checkout.getPayment(
          { paymentId: request.params.id, merchantId: '', pageSecret: pageSecretOf(request) },
          { requestId: request.id },
        );
        if (!res.payment) throw gatewayErrors.create('INTERNAL', 'peer answer lacks payment');
        const chosen = (request.query as Record<string, unknown> | undefined)?.[LANG_PARAM];
        if (isLocale(chosen)) {
          void reply.setCookie(LANG_COOKIE, chosen, {
            path: '/pay',
            httpOnly: true,
            sameSite: 'lax',
            secure: deps.secureCookies,
            maxAge: LANG_COOKIE_MAX_AGE_S,
          });
        }
        const merchantName = await merchantNameOf(request, res.payment.merchantId);
        return sendHtml(
          reply,
          200,
          renderPaymentPage(res.payment, accessOf(request, reply, request.params.id), merchantName),
        );
      },
    );

    app.post<{ Params: { id: string }; Body: StartPaymentForm }>(
      '/pay/:id/start',
      {
        schema: { params: idParamsSchema, body: startPaymentFormSchema },
        preHandler: app.csrfProtection,
      },
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
          { paymentId: request.params.id, pageSecret: pageSecretOf(request), method, payer },
          { requestId: request.id },
        );
        const access = accessOf(request, reply, request.params.id);
        const action = res.action?.action;
        switch (action?.$case) {
          case 'formPost':
            providerUrl(action.value.url);
            return sendHtml(reply, 200, renderProviderForm(action.value, access.locale));
          case 'redirectUrl':
            return reply.redirect(providerUrl(action.value), 303);
          case 'instructions':
            return sendHtml(
              reply,
              200,
              renderInstructionsPage({
                access,
                instructions: action.value,
                payment: res.payment,
              }),
            );
          case undefined:
            // Nothing for the browser to do: the payment page shows where the payment stands.
            return reply.redirect(payPath(access), 303);
        }
      },
    );

    app.post<{ Params: { id: string }; Body: PayerInputForm }>(
      '/pay/:id/input',
      {
        schema: { params: idParamsSchema, body: payerInputFormSchema },
        preHandler: app.csrfProtection,
      },
      async (request, reply) => {
        const paymentId = request.params.id;
        const access = accessOf(request, reply, paymentId);
        const key1 = (request.body.key1 ?? '').trim();
        if (key1 === '' || key1.length > KEY1_MAX_LENGTH) {
          return sendHtml(reply, 400, renderPayerInputPage(access, invalidKey1Notice(access)));
        }
        const res = await deps.checkout.submitPayerInput(
          { paymentId, pageSecret: access.secret, fields: { key1 } },
          { requestId: request.id },
        );
        const payment = res.payment;
        if (!payment) throw gatewayErrors.create('INTERNAL', 'peer answer lacks payment');
        // The provider's message is English for operators; the payer reads our own words.
        request.log.info(
          { paymentId, status: statusName(payment.status), providerMessage: res.message },
          'payer input submitted',
        );
        switch (payment.status) {
          case PaymentStatus.PAYMENT_STATUS_SUCCEEDED:
            return sendHtml(reply, 200, renderPaymentReceived(payment, access));
          case PaymentStatus.PAYMENT_STATUS_REQUIRES_REVIEW:
            return sendHtml(reply, 200, renderUnderReview(payment, access));
          case PaymentStatus.PAYMENT_STATUS_FAILED:
          case PaymentStatus.PAYMENT_STATUS_EXPIRED:
            // Final: the payment page says so and links back to the shop.
            return reply.redirect(payPath(access), 303);
          default: {
            if (stillChecking(res)) {
              return sendHtml(reply, 200, renderAwaitingConfirmation(payment, access));
            }
            const notice = messagesFor(access.locale).wavepay.notAccepted;
            const instructions = instructionsOf(res);
            return sendHtml(
              reply,
              422,
              instructions
                ? renderInstructionsPage({ access, instructions, payment, notice })
                : renderPayerInputPage(access, notice),
            );
          }
        }
      },
    );
  };
}

/**
 * `GET /pay/{id}/status?secret=…`: what the waiting pages poll. JSON with the API's error shape;
 * only the status. Needs the page secret like the page itself.
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
          { paymentId: request.params.id, merchantId: '', pageSecret: pageSecretOf(request) },
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
