import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

import { callbackJson } from '../../callbacks';
import { minorFromDecimal } from '../../decimal';
import { fieldOf, type FormFields, parseFormBody } from '../../form-body';
import { errorAnswer, errorJson, isTestApi } from '../../http-errors';
import { parseCardInput } from './cards';
import { intellectmoneyErrors } from './errors';
import {
  type CardBinding,
  type Invoice,
  type InvoiceStore,
  PAYMENT_STATUS_CODES,
  type PaymentStatusCode,
} from './invoices';
import { cardPage, errorPage, invoiceStatePage } from './pages';
import { parsePaymentForm } from './payment-form';
import { cardDeclinedOrPaid } from './payment-result';
import type { IntellectmoneyPayments } from './payments';
import {
  authenticate,
  operationJson,
  type PersonalAnswer,
  type PersonalApi,
  readPersonalValues,
  transportError,
} from './personal-api';
import type { OperationStore } from './scheduler';
import type { IntellectmoneySandboxConfig } from './settings';
import type { PersonalMethod } from './signing';

export interface IntellectmoneyRouteDeps {
  config: IntellectmoneySandboxConfig;
  invoices: InvoiceStore;
  operations: OperationStore;
  payments: IntellectmoneyPayments;
  personalApi: PersonalApi;
  clock: () => Date;
}

const PERSONAL_PREFIX = '/intellectmoney/personal/';

function formOf(request: FastifyRequest): FormFields {
  return Buffer.isBuffer(request.body) ? parseFormBody(request.body, 'utf-8') : [];
}

function html(reply: FastifyReply, body: string, status = 200): FastifyReply {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(body);
}

export function invoiceJson(invoice: Invoice) {
  const t = invoice.terms;
  return {
    payment_id: invoice.paymentId,
    origin: invoice.origin,
    status: invoice.status,
    created_at: invoice.createdAt.toISOString(),
    paid_at: invoice.paidAt?.toISOString() ?? null,
    page_url: `/intellectmoney/invoices/${invoice.paymentId}`,
    eshop_id: t.eshopId,
    order_id: t.orderId,
    service_name: t.serviceName,
    recipient_amount: t.recipientAmount,
    recipient_currency: t.recipientCurrency,
    user_name: t.userName,
    user_email: t.userEmail,
    hold_mode: t.holdMode,
    recurring_requested: t.recurringRequested,
    card: invoice.card ?? null,
    recurring: invoice.recurring ?? null,
    charge_of: invoice.chargeOf ?? null,
    attempts: invoice.attempts.map((a) => ({
      at: a.at.toISOString(),
      card_mask: a.cardMask,
      response_code: a.responseCode,
    })),
    notifications: invoice.notifications.map(callbackJson),
  };
}

function bindingJson(binding: CardBinding) {
  return {
    id: binding.id,
    state: binding.state,
    cancel_reason: binding.cancelReason ?? null,
    card_mask: binding.cardMask,
    brand: binding.brand,
    currency: binding.currency,
    created_at: binding.createdAt.toISOString(),
    soft_declines: binding.softDeclines.map((d) => d.toISOString()),
  };
}

const tamper = z.enum(['none', 'hash', 'amount']).optional();
const delayMs = z.number().int().min(0).max(600_000).optional();

const payBody = z.object({
  pan: z.string().optional(),
  expiry: z.string().optional(),
  cvv: z.string().optional(),
  remember: z.boolean().optional(),
  tamper,
  delay_ms: delayMs,
});
const notifyBody = z.object({
  payment_status: z
    .string()
    .refine((s) => PAYMENT_STATUS_CODES.includes(s), 'must be 3, 4, 5, 6 or 7'),
  tamper,
  delay_ms: delayMs,
});
const resendBody = z.object({ index: z.number().int().min(0).optional(), delay_ms: delayMs });
const chargeBody = z.object({
  order_id: z.string().min(1).max(50),
  amount: z.string().min(1),
  service_name: z.string().optional(),
  tamper,
  delay_ms: delayMs,
});

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw intellectmoneyErrors.create(
      'INTELLECTMONEY_REQUEST_INVALID',
      `${issue?.path.join('.') ?? 'body'}: ${issue?.message ?? 'invalid'}`,
      { details: { field: issue?.path.join('.') ?? '' } },
    );
  }
  return parsed.data;
}

/** A far future expiry for the test API's default card. */
function defaultExpiry(now: Date): string {
  return `12/${String((now.getUTCFullYear() + 5) % 100).padStart(2, '0')}`;
}

/**
 * IntellectMoney's browser pages (payment form, card page), its Personal API, and the sandbox's
 * JSON test API for the same invoices, bindings and scheduled operations.
 */
export function registerIntellectmoneyRoutes(app: FastifyInstance, deps: IntellectmoneyRouteDeps) {
  const { payments, invoices, operations, personalApi } = deps;

  app.setErrorHandler((err, request, reply) => {
    const answer = errorAnswer(err);
    if (answer.status >= 500) request.log.error({ err }, 'intellectmoney sandbox request failed');
    if (request.url.startsWith(PERSONAL_PREFIX)) {
      const e = transportError(answer.status, answer.message);
      return reply.code(e.httpStatus).send(e.body);
    }
    if (isTestApi(request)) return reply.code(answer.status).send(errorJson(answer));
    const paymentId = (request.params as { paymentId?: string } | undefined)?.paymentId;
    const back =
      paymentId !== undefined && invoices.get(paymentId) !== undefined
        ? {
            href: `/intellectmoney/invoices/${encodeURIComponent(paymentId)}`,
            label: 'Back to the payment',
          }
        : undefined;
    return html(
      reply,
      errorPage({
        title: 'Payment not possible',
        message: answer.message,
        code: answer.code,
        ...(back ? { back } : {}),
      }),
      answer.status,
    );
  });

  // --- Browser: the payment form (protocols.md §3.2) and the card page ---------------------------

  const acceptForm = async (request: FastifyRequest, reply: FastifyReply) => {
    const terms = parsePaymentForm(formOf(request), {
      eshopId: deps.config.eshopId,
      secretKey: deps.config.secretKey.reveal(),
    });
    const { invoice } = payments.openInvoice(terms);
    return reply.redirect(`/intellectmoney/invoices/${invoice.paymentId}`, 303);
  };
  // merchant.intellectmoney.ru/ru/ is the real form action.
  app.post('/intellectmoney/ru/', acceptForm);
  app.post('/intellectmoney/ru', acceptForm);

  app.get<{ Params: { paymentId: string } }>(
    '/intellectmoney/invoices/:paymentId',
    async (request, reply) => {
      const invoice = payments.invoiceOf(request.params.paymentId);
      return html(
        reply,
        invoice.status === 'created' ? cardPage(invoice) : invoiceStatePage(invoice),
      );
    },
  );

  app.post<{ Params: { paymentId: string } }>(
    '/intellectmoney/invoices/:paymentId/pay',
    async (request, reply) => {
      const form = formOf(request);
      const card = parseCardInput({
        pan: fieldOf(form, 'pan'),
        expiry: fieldOf(form, 'expiry'),
        cvv: fieldOf(form, 'cvv'),
      });
      const result = await payments.payWithCard(
        request.params.paymentId,
        card,
        fieldOf(form, 'remember') === '1',
      );
      const page = cardDeclinedOrPaid(result);
      if (page.redirect !== undefined) return reply.redirect(page.redirect, 303);
      return html(reply, page.html ?? '');
    },
  );

  // --- Personal API (protocols.md §3.5) ------------------------------------------------------------

  const personal =
    (
      method: PersonalMethod,
      handler: (values: ReadonlyMap<string, string>) => Promise<PersonalAnswer>,
    ) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const credentials = deps.config.personalApi;
      let result: PersonalAnswer;
      if (credentials === undefined) {
        result = transportError(
          503,
          'Personal API disabled: set SANDBOX_INTELLECTMONEY_BEARER_TOKEN and SANDBOX_INTELLECTMONEY_SIGN_SECRET',
        );
      } else {
        const values = readPersonalValues(request.body);
        result =
          values === undefined
            ? transportError(400, 'The body must be a JSON object or a form')
            : (authenticate(method, request.headers, values, {
                bearerToken: credentials.bearerToken.reveal(),
                signSecretKey: credentials.signSecretKey.reveal(),
              }) ?? (await handler(values)));
      }
      request.log.info(
        { method, status: result.httpStatus, state: result.body.Result?.['State'] },
        'intellectmoney personal api call',
      );
      return reply.code(result.httpStatus).send(result.body);
    };
  app.post(
    '/intellectmoney/personal/scheduler/setScheduledOperationData',
    personal('setScheduledOperationData', personalApi.setScheduledOperationData),
  );
  app.post(
    '/intellectmoney/personal/scheduler/getScheduledOperationData',
    personal('getScheduledOperationData', personalApi.getScheduledOperationData),
  );
  app.post(
    '/intellectmoney/personal/recurring/chargeBoundCard',
    personal('chargeBoundCard', personalApi.chargeBoundCard),
  );

  // --- Test-control API (JSON) -----------------------------------------------------------------------

  app.get<{ Querystring: { order_id?: string } }>(
    '/_sandbox/intellectmoney/invoices',
    async (request) => {
      const orderId = request.query.order_id?.trim();
      if (!orderId) {
        throw intellectmoneyErrors.create(
          'INTELLECTMONEY_REQUEST_INVALID',
          'order_id is required',
          {
            details: { field: 'order_id' },
          },
        );
      }
      return { invoices: invoices.byOrderId(orderId).map(invoiceJson) };
    },
  );

  app.get<{ Params: { paymentId: string } }>(
    '/_sandbox/intellectmoney/invoices/:paymentId',
    async (request) => invoiceJson(payments.invoiceOf(request.params.paymentId)),
  );

  app.post<{ Params: { paymentId: string } }>(
    '/_sandbox/intellectmoney/invoices/:paymentId/pay',
    async (request) => {
      const body = parseBody(payBody, request.body);
      const card = parseCardInput({
        pan: body.pan ?? '4111111111111111',
        expiry: body.expiry ?? defaultExpiry(deps.clock()),
        cvv: body.cvv ?? '123',
      });
      const result = await payments.payWithCard(
        request.params.paymentId,
        card,
        body.remember ?? true,
        {
          tamper: body.tamper ?? 'none',
          ...(body.delay_ms !== undefined ? { delayMs: body.delay_ms } : {}),
        },
      );
      return {
        outcome: result.outcome,
        response_code: result.responseCode,
        notification: result.notification ? callbackJson(result.notification) : null,
        invoice: invoiceJson(result.invoice),
      };
    },
  );

  app.post<{ Params: { paymentId: string } }>(
    '/_sandbox/intellectmoney/invoices/:paymentId/repeat-order',
    async (request) => invoiceJson(payments.repeatOrder(request.params.paymentId)),
  );

  app.post<{ Params: { paymentId: string } }>(
    '/_sandbox/intellectmoney/invoices/:paymentId/notify',
    async (request) => {
      const body = parseBody(notifyBody, request.body);
      const sent = payments.notify(
        request.params.paymentId,
        body.payment_status as PaymentStatusCode,
        {
          tamper: body.tamper ?? 'none',
          ...(body.delay_ms !== undefined ? { delayMs: body.delay_ms } : {}),
        },
      );
      return { notification: callbackJson(await sent.firstAttempt) };
    },
  );

  app.post<{ Params: { paymentId: string } }>(
    '/_sandbox/intellectmoney/invoices/:paymentId/resend',
    async (request) => {
      const body = parseBody(resendBody, request.body);
      const sent = payments.resend(request.params.paymentId, {
        ...(body.index !== undefined ? { index: body.index } : {}),
        ...(body.delay_ms !== undefined ? { delayMs: body.delay_ms } : {}),
      });
      return { notification: callbackJson(await sent.firstAttempt) };
    },
  );

  const bindingOf = (id: string): CardBinding => {
    const binding = invoices.binding(id);
    if (binding === undefined) {
      throw intellectmoneyErrors.create(
        'INTELLECTMONEY_BINDING_NOT_FOUND',
        `No card binding ${id}`,
      );
    }
    return binding;
  };

  app.get<{ Params: { id: string } }>('/_sandbox/intellectmoney/bindings/:id', async (request) =>
    bindingJson(bindingOf(request.params.id)),
  );

  app.post<{ Params: { id: string } }>(
    '/_sandbox/intellectmoney/bindings/:id/charge',
    async (request) => {
      const body = parseBody(chargeBody, request.body);
      const amountMinor = minorFromDecimal(body.amount, 2);
      if (amountMinor === undefined || amountMinor <= 0n) {
        throw intellectmoneyErrors.create(
          'INTELLECTMONEY_REQUEST_INVALID',
          'amount: must be a positive decimal',
          {
            details: { field: 'amount' },
          },
        );
      }
      const result = await payments.chargeBinding({
        bindingId: bindingOf(request.params.id).id,
        orderId: body.order_id,
        amountMinor,
        serviceName: body.service_name ?? '',
        notify: {
          tamper: body.tamper ?? 'none',
          ...(body.delay_ms !== undefined ? { delayMs: body.delay_ms } : {}),
        },
      });
      if (result.kind === 'refused')
        return { outcome: 'refused', reason: result.reason, message: result.message };
      return {
        outcome: result.responseCode === '00' ? 'paid' : 'declined',
        response_code: result.responseCode,
        replayed: result.replayed,
        invoice: invoiceJson(result.invoice),
      };
    },
  );

  app.get<{ Querystring: { object_id?: string } }>(
    '/_sandbox/intellectmoney/operations',
    async (request) => ({
      operations: operations
        .all()
        .filter((op) => !request.query.object_id || op.objectId === request.query.object_id)
        .map(operationJson),
    }),
  );

  app.post<{ Params: { id: string } }>(
    '/_sandbox/intellectmoney/operations/:id/fire',
    async (request) => {
      const op = operations.get(request.params.id);
      if (op === undefined) {
        throw intellectmoneyErrors.create(
          'INTELLECTMONEY_OPERATION_NOT_FOUND',
          `No operation ${request.params.id}`,
        );
      }
      await personalApi.fireOperation(op);
      return operationJson(op);
    },
  );
}
