import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

import { fieldOf, type FormCharset, type FormFields, parseFormBody } from '../../form-body';
import { errorAnswer, errorJson, isTestApi } from '../../http-errors';
import { webmoneyErrors } from './errors';
import type { Delivery, Invoice, InvoiceStore, Payer } from './invoices';
import type { KeeperMobileCodes } from './keeper-mobile';
import { errorPage, invoicePage, keeperMobileCodePage, notPaidPage, paidPage } from './pages';
import type { makePayInvoice, makeResendNotification, PayResult } from './pay-invoice';
import {
  keeperMobilePayer,
  normalizePhone,
  pursePayer,
  TEST_PAYER_WMID,
  testPayerPurse,
} from './payer';
import { parsePaymentForm } from './payment-form';
import { failReturn, successReturn, urlWithQuery } from './returns';
import type { WebmoneySandboxConfig } from './settings';

export interface WebmoneyRouteDeps {
  config: WebmoneySandboxConfig;
  publicBaseUrl: string;
  invoices: InvoiceStore;
  codes: KeeperMobileCodes;
  payInvoice: ReturnType<typeof makePayInvoice>;
  resendNotification: ReturnType<typeof makeResendNotification>;
  clock: () => Date;
}

/** Form bodies arrive as raw bytes (see server.ts); the entry point decides the charset. */
function formOf(request: FastifyRequest, charset: FormCharset = 'utf-8'): FormFields {
  const body = request.body;
  if (Buffer.isBuffer(body)) return parseFormBody(body, charset);
  return [];
}

function required(fields: FormFields, name: string): string {
  const value = fieldOf(fields, name)?.trim();
  if (!value) {
    throw webmoneyErrors.create('WEBMONEY_REQUEST_INVALID', `${name} is required`, {
      details: { field: name },
    });
  }
  return value;
}

function html(reply: FastifyReply, body: string, status = 200): FastifyReply {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(body);
}

function fieldsObject(fields: ReadonlyArray<readonly [string, string]>): Record<string, string> {
  return Object.fromEntries(fields);
}

function deliveryJson(d: Delivery) {
  return {
    kind: d.kind,
    attempt: d.attempt,
    at: d.at.toISOString(),
    status: d.status,
    body: d.body,
    ...(d.error !== undefined ? { error: d.error } : {}),
    fields: fieldsObject(d.fields),
  };
}

/** An invoice as the test API shows it (snake_case, amounts as the exact strings WebMoney got). */
export function invoiceJson(invoice: Invoice, publicBaseUrl: string) {
  const r = invoice.request;
  const t = invoice.transfer;
  return {
    id: invoice.id,
    status: invoice.status,
    created_at: invoice.createdAt.toISOString(),
    page_url: `${publicBaseUrl}/webmoney/invoices/${invoice.id}`,
    charset: invoice.charset,
    payee_purse: r.payeePurse,
    amount: r.amount,
    payment_no: r.paymentNo,
    description: r.description,
    shop_id: r.shopId,
    result_url: r.resultUrl,
    success_url: r.successUrl ?? null,
    success_method: r.successMethod,
    fail_url: r.failUrl ?? null,
    fail_method: r.failMethod,
    payer_phone: r.payerPhone ?? null,
    payer_email: r.payerEmail ?? null,
    sim_mode: r.simMode ?? null,
    hold: r.hold ?? null,
    custom_fields: fieldsObject(r.customFields),
    payment: t
      ? {
          method: t.payer.method,
          payer_purse: t.payer.purse,
          payer_wmid: t.payer.wmid,
          phone: t.payer.phone ?? null,
          sys_invs_no: t.sysInvsNo,
          sys_trans_no: t.sysTransNo ?? null,
          sys_trans_date: t.sysTransDate ?? null,
          telepat_order_id: t.telepatOrderId ?? null,
          tamper: t.tamper,
          hold_days: t.holdDays ?? null,
        }
      : null,
    deliveries: invoice.deliveries.map(deliveryJson),
  };
}

const payBodySchema = z.object({
  method: z.enum(['purse', 'keeper_mobile']),
  payer_purse: z.string().optional(),
  payer_wmid: z.string().optional(),
  phone: z.string().optional(),
  tamper: z.enum(['none', 'hash', 'hash2', 'amount']).optional(),
  /**
   * Makes the signed notification carry LMI_HOLD=<days> (an authorization hold, protocols.md
   * §1.2) although the form asked for none; LMI_HASH2 covers it. The pre-request does not carry
   * it, as when the shop has not enabled parameters in the pre-request (§1.1).
   */
  hold_days: z.number().int().min(1).max(99).optional(),
});

/**
 * WebMoney's browser pages (payment form entry points, purse and Keeper Mobile payment) and the
 * sandbox's JSON test API for the same invoices.
 */
export function registerWebmoneyRoutes(app: FastifyInstance, deps: WebmoneyRouteDeps): void {
  const { invoices } = deps;
  const testMode = deps.config.mode === '1';

  const invoiceOf = (id: string): Invoice => {
    const invoice = invoices.get(id);
    if (invoice === undefined)
      throw webmoneyErrors.create('WEBMONEY_INVOICE_NOT_FOUND', `No invoice ${id}`);
    return invoice;
  };

  // One error mapping for this provider: JSON for the test API, WebMoney-styled pages for people.
  app.setErrorHandler((err, request, reply) => {
    const answer = errorAnswer(err);
    if (answer.status >= 500) request.log.error({ err }, 'webmoney sandbox request failed');
    if (isTestApi(request)) return reply.code(answer.status).send(errorJson(answer));
    const invoiceId =
      (request.params as { invoice?: string } | undefined)?.invoice ??
      fieldOf(formOf(request), 'invoice');
    const back =
      invoiceId !== undefined && invoices.get(invoiceId) !== undefined
        ? {
            href: `/webmoney/invoices/${encodeURIComponent(invoiceId)}`,
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

  /** The payer's browser after a payment attempt: success/fail URL by the shop's chosen method. */
  const sendResult = (reply: FastifyReply, result: PayResult): FastifyReply => {
    const { invoice } = result;
    switch (result.outcome) {
      case 'paid': {
        const ret = successReturn(invoice);
        if (ret?.method === '0') return reply.redirect(urlWithQuery(ret.url, ret.fields), 303);
        return html(reply, paidPage(invoice, ret));
      }
      case 'refused': {
        const answer = result.prerequest;
        const message =
          answer.status === 0
            ? `The shop's server did not answer (${answer.error ?? 'no connection'}).`
            : `The shop did not allow this payment (HTTP ${answer.status}).`;
        return html(
          reply,
          notPaidPage(
            invoice,
            { title: 'Payment refused by the shop', message, merchantText: answer.body },
            failReturn(invoice),
          ),
        );
      }
      case 'failed': {
        const ret = failReturn(invoice);
        if (ret?.method === '0') return reply.redirect(urlWithQuery(ret.url, ret.fields), 303);
        return html(
          reply,
          notPaidPage(
            invoice,
            {
              title: 'Payment failed',
              message: 'The transfer failed (test mode simulation, LMI_SIM_MODE).',
            },
            ret,
          ),
        );
      }
    }
  };

  // --- Browser: the payment form entry points (protocols.md §1.1) ---------------------------------

  const acceptForm =
    (charset: FormCharset) => async (request: FastifyRequest, reply: FastifyReply) => {
      const x20 = deps.config.x20Secret?.reveal();
      const paymentRequest = parsePaymentForm(
        formOf(request, charset),
        x20 !== undefined ? { x20Secret: x20 } : {},
      );
      if (invoices.paidFor(paymentRequest.payeePurse, paymentRequest.paymentNo) !== undefined) {
        throw webmoneyErrors.create(
          'WEBMONEY_PAYMENT_NO_ALREADY_PAID',
          `Payment ${paymentRequest.paymentNo} to this purse is already paid`,
          { details: { payment_no: paymentRequest.paymentNo } },
        );
      }
      const invoice = invoices.add(paymentRequest, charset, deps.clock());
      request.log.info(
        {
          invoice: invoice.id,
          payment_no: paymentRequest.paymentNo,
          payee_purse: paymentRequest.payeePurse,
        },
        'webmoney invoice created',
      );
      return html(reply, invoicePage(invoice, { testMode }));
    };
  app.post('/webmoney/lmi/payment_utf.asp', acceptForm('utf-8'));
  // The classic entry point reads windows-1251 form data, as WebMoney's does.
  app.post('/webmoney/lmi/payment.asp', acceptForm('windows-1251'));

  app.get<{ Params: { invoice: string } }>(
    '/webmoney/invoices/:invoice',
    async (request, reply) => {
      const invoice = invoiceOf(request.params.invoice);
      if (invoice.status === 'paid') return html(reply, paidPage(invoice, successReturn(invoice)));
      return html(reply, invoicePage(invoice, { testMode }));
    },
  );

  // --- Browser: paying -----------------------------------------------------------------------------

  app.post('/webmoney/pay', async (request, reply) => {
    const form = formOf(request);
    const invoice = invoiceOf(required(form, 'invoice'));
    const payer = pursePayer(
      invoice.request.payeePurse,
      required(form, 'payer_purse'),
      required(form, 'payer_wmid'),
    );
    return sendResult(reply, await deps.payInvoice(invoice.id, payer));
  });

  app.post('/webmoney/keeper-mobile/start', async (request, reply) => {
    const form = formOf(request);
    const invoice = invoiceOf(required(form, 'invoice'));
    const phone = normalizePhone(required(form, 'phone'));
    if (invoice.status === 'paid') {
      throw webmoneyErrors.create(
        'WEBMONEY_PAYMENT_NO_ALREADY_PAID',
        `Payment ${invoice.request.paymentNo} is already paid`,
      );
    }
    const code = deps.codes.issue(invoice, phone);
    request.log.info({ invoice: invoice.id }, 'webmoney keeper mobile code sent');
    return html(reply, keeperMobileCodePage(invoice, phone, code));
  });

  app.post('/webmoney/keeper-mobile/confirm', async (request, reply) => {
    const form = formOf(request);
    const invoice = invoiceOf(required(form, 'invoice'));
    const phone = normalizePhone(required(form, 'phone'));
    // A wrong code throws before anything is sent to the shop.
    deps.codes.confirm(invoice.id, phone, required(form, 'code'));
    return sendResult(
      reply,
      await deps.payInvoice(invoice.id, keeperMobilePayer(invoice.request.payeePurse, phone)),
    );
  });

  // --- Test-control API (JSON) -----------------------------------------------------------------------

  app.get<{ Querystring: { payment_no?: string; payee_purse?: string } }>(
    '/_sandbox/webmoney/invoices',
    async (request) => {
      const paymentNo = request.query.payment_no?.trim();
      if (!paymentNo) {
        throw webmoneyErrors.create('WEBMONEY_REQUEST_INVALID', 'payment_no is required', {
          details: { field: 'payment_no' },
        });
      }
      const found = invoices.byPaymentNo(paymentNo, request.query.payee_purse?.trim() || undefined);
      return { invoices: found.map((i) => invoiceJson(i, deps.publicBaseUrl)) };
    },
  );

  app.get<{ Params: { invoice: string } }>(
    '/_sandbox/webmoney/invoices/:invoice',
    async (request) => invoiceJson(invoiceOf(request.params.invoice), deps.publicBaseUrl),
  );

  app.post<{ Params: { invoice: string } }>(
    '/_sandbox/webmoney/invoices/:invoice/pay',
    async (request) => {
      const invoice = invoiceOf(request.params.invoice);
      const parsed = payBodySchema.safeParse(request.body ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw webmoneyErrors.create('WEBMONEY_REQUEST_INVALID', issue?.message ?? 'invalid body', {
          details: { field: issue?.path.join('.') ?? '' },
        });
      }
      const body = parsed.data;
      const payeePurse = invoice.request.payeePurse;
      let payer: Payer;
      if (body.method === 'keeper_mobile') {
        const phone = body.phone ?? invoice.request.payerPhone;
        if (phone === undefined) {
          throw webmoneyErrors.create(
            'WEBMONEY_REQUEST_INVALID',
            'phone is required for keeper_mobile',
            { details: { field: 'phone' } },
          );
        }
        payer = keeperMobilePayer(payeePurse, phone);
      } else {
        payer = pursePayer(
          payeePurse,
          body.payer_purse ?? testPayerPurse(payeePurse),
          body.payer_wmid ?? TEST_PAYER_WMID,
        );
      }
      const result = await deps.payInvoice(invoice.id, payer, {
        tamper: body.tamper ?? 'none',
        ...(body.hold_days !== undefined ? { holdDays: String(body.hold_days) } : {}),
      });
      return {
        outcome: result.outcome,
        prerequest: {
          status: result.prerequest.status,
          body: result.prerequest.body,
          ...(result.prerequest.error ? { error: result.prerequest.error } : {}),
        },
        notification: result.notification
          ? {
              status: result.notification.status,
              body: result.notification.body,
              attempt: result.notification.attempt,
              ...(result.notification.error ? { error: result.notification.error } : {}),
              fields: fieldsObject(result.notification.fields),
            }
          : null,
        invoice: invoiceJson(result.invoice, deps.publicBaseUrl),
      };
    },
  );

  app.post<{ Params: { invoice: string } }>(
    '/_sandbox/webmoney/invoices/:invoice/resend',
    async (request) => {
      const delivery = await deps.resendNotification(invoiceOf(request.params.invoice).id);
      return { notification: deliveryJson(delivery) };
    },
  );
}
