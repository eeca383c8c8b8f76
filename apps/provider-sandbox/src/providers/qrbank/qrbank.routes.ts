import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

import { callbackJson } from '../../callbacks';
import { minorFromDecimal } from '../../decimal';
import { fieldOf, type FormFields, parseFormBody } from '../../form-body';
import { errorAnswer, errorJson, isTestApi } from '../../http-errors';
import { qrbankErrors } from './errors';
import { errorPage, homePage, receiptPage, reviewPage } from './pages';
import type { QrBank, QrPayment } from './payments';
import { detailsJson } from './tolem-details';

function html(reply: FastifyReply, body: string, status = 200): FastifyReply {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(body);
}

function formOf(request: FastifyRequest): FormFields {
  return Buffer.isBuffer(request.body) ? parseFormBody(request.body, 'utf-8') : [];
}

function linkOf(value: unknown): string {
  const link =
    typeof value === 'string'
      ? value
      : Array.isArray(value) && typeof value[0] === 'string'
        ? value[0]
        : '';
  if (link.trim() === '') {
    throw qrbankErrors.create('QRBANK_REQUEST_INVALID', 'link is required', {
      details: { field: 'link' },
    });
  }
  return link;
}

function paymentJson(p: QrPayment) {
  return {
    acquirer_reference: p.acquirerReference,
    qr_id: p.qr.qrId,
    kind: p.qr.kind,
    amount: String(p.amountTyiyn),
    currency: 'KGS',
    payer_bank: p.payerBank,
    paid_at: p.paidAt.toISOString(),
    /** What Tolem said about the code before the debit; null when the bank did not ask. */
    details: p.details === undefined ? null : detailsJson(p.details),
    confirmations: p.confirmations.map(callbackJson),
  };
}

const tamper = z.enum(['none', 'signature', 'amount', 'stale_timestamp']).optional();
const delayMs = z.number().int().min(0).max(600_000).optional();
const payBody = z.object({
  link: z.string().min(1),
  amount: z.union([z.number().int().positive(), z.string().regex(/^\d{1,13}$/)]).optional(),
  payer_bank: z.string().optional(),
  tamper,
  delay_ms: delayMs,
});
const confirmBody = z.object({ tamper, delay_ms: delayMs });
const resendBody = z.object({ index: z.number().int().min(0).optional(), delay_ms: delayMs });

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'body';
    throw qrbankErrors.create(
      'QRBANK_REQUEST_INVALID',
      `${field}: ${issue?.message ?? 'invalid'}`,
      {
        details: { field },
      },
    );
  }
  return parsed.data;
}

/** The payer bank app (pages) and its JSON test API. */
export function registerQrBankRoutes(app: FastifyInstance, deps: { bank: QrBank }): void {
  const { bank } = deps;

  app.setErrorHandler((err, request, reply) => {
    const answer = errorAnswer(err);
    if (answer.status >= 500) request.log.error({ err }, 'qr bank sandbox request failed');
    if (isTestApi(request)) return reply.code(answer.status).send(errorJson(answer));
    return html(reply, errorPage(answer.message, answer.code), answer.status);
  });

  app.get('/qrbank/', async (_request, reply) => html(reply, homePage()));
  app.get('/qrbank', async (_request, reply) => reply.redirect('/qrbank/', 302));

  app.get<{ Querystring: { link?: string } }>('/qrbank/pay', async (request, reply) => {
    const link = linkOf(request.query.link);
    return html(reply, reviewPage(await bank.review(link), link));
  });

  app.post('/qrbank/pay', async (request, reply) => {
    const form = formOf(request);
    // Asked again: the code may have been paid or expired while the payer looked at the page.
    const code = await bank.review(linkOf(fieldOf(form, 'link')));
    const amountText = fieldOf(form, 'amount')?.trim();
    let amountTyiyn: bigint | undefined;
    if (amountText !== undefined && amountText !== '') {
      amountTyiyn = minorFromDecimal(amountText, 2);
      if (amountTyiyn === undefined) {
        throw qrbankErrors.create(
          'QRBANK_AMOUNT_INVALID',
          'The amount must be like 150 or 150.50',
          {
            details: { field: 'amount' },
          },
        );
      }
    }
    const payment = await bank.pay(code, {
      ...(amountTyiyn !== undefined ? { amountTyiyn } : {}),
      payerBank: fieldOf(form, 'payer_bank') ?? 'sandbox-bank',
    });
    return html(reply, receiptPage(payment));
  });

  // --- Test-control API (JSON) -----------------------------------------------------------------------

  app.post('/_sandbox/qrbank/pay', async (request) => {
    const body = parseBody(payBody, request.body);
    const payment = await bank.pay(await bank.review(body.link), {
      ...(body.amount !== undefined ? { amountTyiyn: BigInt(body.amount) } : {}),
      ...(body.payer_bank !== undefined ? { payerBank: body.payer_bank } : {}),
      tamper: body.tamper ?? 'none',
      ...(body.delay_ms !== undefined ? { delayMs: body.delay_ms } : {}),
    });
    return paymentJson(payment);
  });

  app.get<{ Querystring: { qr_id?: string } }>('/_sandbox/qrbank/payments', async (request) => {
    const qrId = request.query.qr_id?.trim();
    if (!qrId) {
      throw qrbankErrors.create('QRBANK_REQUEST_INVALID', 'qr_id is required', {
        details: { field: 'qr_id' },
      });
    }
    return { payments: bank.byQrId(qrId).map(paymentJson) };
  });

  app.get<{ Params: { reference: string } }>(
    '/_sandbox/qrbank/payments/:reference',
    async (request) => paymentJson(bank.paymentOf(request.params.reference)),
  );

  app.post<{ Params: { reference: string } }>(
    '/_sandbox/qrbank/payments/:reference/confirm',
    async (request) => {
      const body = parseBody(confirmBody, request.body);
      const sent = bank.confirm(request.params.reference, body.tamper ?? 'none', body.delay_ms);
      return { confirmation: callbackJson(await sent.firstAttempt) };
    },
  );

  app.post<{ Params: { reference: string } }>(
    '/_sandbox/qrbank/payments/:reference/resend',
    async (request) => {
      const body = parseBody(resendBody, request.body);
      const sent = bank.resend(request.params.reference, {
        ...(body.index !== undefined ? { index: body.index } : {}),
        ...(body.delay_ms !== undefined ? { delayMs: body.delay_ms } : {}),
      });
      return { confirmation: callbackJson(await sent.firstAttempt) };
    },
  );
}
