import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

import { callbackJson } from '../../callbacks';
import { sameSecret } from '../../compare';
import { fieldOf, type FormFields, parseFormBody } from '../../form-body';
import { errorAnswer, errorJson, isTestApi } from '../../http-errors';
import type { Paykassma } from './activation';
import { createWavepay, readActivation } from './api';
import type { Deposit, DepositStore } from './deposits';
import { paykassmaErrors } from './errors';
import {
  activationResultPage,
  errorPage,
  pluginFields,
  pluginPage,
  type PluginParams,
  walletPage,
  walletReceiptPage,
} from './pages';
import type { PaykassmaSandboxConfig } from './settings';
import { type WalletApp, walletFor } from './wallet';

export interface PaykassmaRouteDeps {
  config: PaykassmaSandboxConfig;
  paykassma: Paykassma;
  deposits: DepositStore;
  wallet: WalletApp;
  clock: () => Date;
}

const API_PREFIX = '/paykassma/api/';

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

function invalid(field: string, message: string): never {
  throw paykassmaErrors.create('PAYKASSMA_REQUEST_INVALID', `${field}: ${message}`, {
    details: { field },
  });
}

function wholeKyat(field: string, value: string | undefined): bigint {
  const v = (value ?? '').trim();
  if (!/^[1-9]\d{0,14}$/.test(v)) invalid(field, 'must be a positive whole number of kyat');
  return BigInt(v);
}

function httpUrl(field: string, value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  try {
    const u = new URL(value);
    if (u.protocol === 'http:' || u.protocol === 'https:') return value;
  } catch {
    // falls through
  }
  return invalid(field, 'must be an http(s) URL');
}

/**
 * The plugin's URL parameters (protocols.md §4.1). success_url / fail_url / pending_url are taken
 * as plain URLs: Paykassma's URL hashing is not public (§4.4), so the sandbox does not require it.
 * payment_url_*_id values name URLs registered with support, which the sandbox cannot resolve.
 */
export function readPluginParams(get: (name: string) => string | undefined): PluginParams {
  const required = (name: string, max: number) => {
    const v = get(name)?.trim();
    if (!v) invalid(name, 'required');
    if (v.length > max) invalid(name, `longer than ${max} characters`);
    return v;
  };
  const walletType = required('wallet_type', 190).toLowerCase();
  const currencyCode = required('currency_code', 3).toUpperCase();
  if (walletType !== 'wavepay' || currencyCode !== 'MMK') {
    throw paykassmaErrors.create(
      'PAYKASSMA_WALLET_UNSUPPORTED',
      'This sandbox plays wallet_type=wavepay with currency_code=MMK only',
      { details: { field: walletType !== 'wavepay' ? 'wallet_type' : 'currency_code' } },
    );
  }
  const fixed = get('fixed_amount');
  const params: PluginParams = {
    label: required('label', 190),
    currencyCode,
    walletType,
    customTransactionId: required('custom_transaction_id', 190),
    lang: get('lang')?.trim() || 'en',
  };
  if (fixed !== undefined && fixed.trim() !== '')
    params.fixedAmount = wholeKyat('fixed_amount', fixed);
  const success = httpUrl('success_url', get('success_url'));
  const failUrl = httpUrl('fail_url', get('fail_url'));
  const pending = httpUrl('pending_url', get('pending_url'));
  if (success !== undefined) params.successUrl = success;
  if (failUrl !== undefined) params.failUrl = failUrl;
  if (pending !== undefined) params.pendingUrl = pending;
  return params;
}

function queryValue(query: unknown, name: string): string | undefined {
  const v = (query as Record<string, unknown> | undefined)?.[name];
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  return undefined;
}

function depositJson(d: Deposit) {
  return {
    id: d.id,
    key1: d.key1,
    label: d.label,
    custom_transaction_id: d.customTransactionId,
    wallet_type: d.walletType,
    currency: d.currency,
    requested_amount: String(d.requestedAmount),
    amount: String(d.amount),
    status: d.status,
    answer: d.answer,
    created_at: d.createdAt.toISOString(),
    activated_at: d.activatedAt.toISOString(),
    postbacks: d.postbacks.map(callbackJson),
  };
}

const delayMs = z.number().int().min(0).max(600_000).optional();
const transferBody = z.object({
  amount: z.union([z.number().int().positive(), z.string()]),
  to: z.string().optional(),
});
const postbackBody = z.object({
  status: z.enum(['success', 'fail']).optional(),
  tamper: z.enum(['none', 'signature', 'amount']).optional(),
  delay_ms: delayMs,
});
const resendBody = z.object({ index: z.number().int().min(0).optional(), delay_ms: delayMs });

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    invalid(issue?.path.join('.') || 'body', issue?.message ?? 'invalid');
  }
  return parsed.data;
}

/** Paykassma's plugin window, the payer's Wavepay app, the plugin-API, and the test API. */
export function registerPaykassmaRoutes(app: FastifyInstance, deps: PaykassmaRouteDeps): void {
  const { paykassma, deposits, wallet } = deps;

  const notFound = (reply: FastifyReply) =>
    reply.code(404).type('text/plain; charset=utf-8').send('Not found');

  app.setErrorHandler((err, request, reply) => {
    const answer = errorAnswer(err);
    if (answer.status >= 500) request.log.error({ err }, 'paykassma sandbox request failed');
    if (request.url.startsWith(API_PREFIX)) {
      return reply.code(answer.status).send({ status: 'fail', message: answer.message });
    }
    if (isTestApi(request)) return reply.code(answer.status).send(errorJson(answer));
    return html(
      reply,
      errorPage('Payment not possible', answer.message, answer.code),
      answer.status,
    );
  });

  // --- Plugin window (protocols.md §4.1) -------------------------------------------------------------

  const plugin = async (request: FastifyRequest, reply: FastifyReply) => {
    const params = readPluginParams((name) => queryValue(request.query, name));
    return html(reply, pluginPage(params, walletFor(params.label)));
  };
  app.get('/paykassma/plugin/', plugin);
  app.get('/paykassma/plugin', plugin);

  app.post('/paykassma/plugin/wallet-pay', async (request, reply) => {
    const form = formOf(request);
    const params = readPluginParams((name) => fieldOf(form, name));
    const amount = params.fixedAmount ?? wholeKyat('amount', fieldOf(form, 'amount'));
    const to = walletFor(params.label);
    const transfer = wallet.pay(to, amount, deps.clock());
    return html(
      reply,
      pluginPage({ ...params, fixedAmount: amount }, to, {
        key1: transfer.key1,
        paidAmount: amount,
      }),
    );
  });

  app.post('/paykassma/plugin/activate', async (request, reply) => {
    const form = formOf(request);
    const params = readPluginParams((name) => fieldOf(form, name));
    const key1 = (fieldOf(form, 'key1') ?? '').trim();
    if (key1 === '' || key1.length > 11) invalid('key1', 'must be 1 to 11 characters');
    const transfer = wallet.get(key1);
    const answer = paykassma.activate({
      currencyCode: params.currencyCode,
      walletType: params.walletType,
      label: params.label,
      key1,
      customTransactionId: params.customTransactionId,
      amount: params.fixedAmount ?? transfer?.amount ?? 0n,
    });
    const retry = `/paykassma/plugin/?${new URLSearchParams(pluginFields(params)).toString()}`;
    if (answer.status === 'ok') {
      const message = `${answer.deposit_amount} MMK credited.`;
      if (params.successUrl !== undefined) return reply.redirect(params.successUrl, 303);
      return html(reply, activationResultPage('ok', message, undefined, undefined));
    }
    if (answer.status === 'fail') {
      const back =
        params.failUrl !== undefined
          ? { href: params.failUrl, label: 'Return to the shop' }
          : undefined;
      return html(reply, activationResultPage('fail', answer.message, back, retry));
    }
    const back =
      params.pendingUrl !== undefined
        ? { href: params.pendingUrl, label: 'Return to the shop' }
        : undefined;
    return html(reply, activationResultPage(answer.status, answer.message, back, undefined));
  });

  // --- The payer's Wavepay app ------------------------------------------------------------------------

  const walletHome = async (request: FastifyRequest, reply: FastifyReply) => {
    const back = queryValue(request.query, 'back');
    return html(
      reply,
      walletPage({
        ...(queryValue(request.query, 'to') !== undefined
          ? { to: queryValue(request.query, 'to') }
          : {}),
        ...(queryValue(request.query, 'amount') !== undefined
          ? { amount: queryValue(request.query, 'amount') }
          : {}),
        ...(back !== undefined && /^(https?:\/\/|\/)/.test(back) ? { back } : {}),
      }),
    );
  };
  app.get('/paykassma/wallet/', walletHome);
  app.get('/paykassma/wallet', walletHome);

  app.post('/paykassma/wallet/pay', async (request, reply) => {
    const form = formOf(request);
    const to = (fieldOf(form, 'to') ?? '').replace(/\D/g, '');
    if (!/^\d{9,11}$/.test(to)) invalid('to', 'must be a 9 to 11 digit wallet number');
    const amount = wholeKyat('amount', fieldOf(form, 'amount'));
    const transfer = wallet.pay(to, amount, deps.clock());
    const back = fieldOf(form, 'back');
    return html(
      reply,
      walletReceiptPage(
        transfer,
        back !== undefined && /^(https?:\/\/|\/)/.test(back) ? back : undefined,
      ),
    );
  });

  // --- Plugin-API (protocols.md §4.2): ?secret= on every call, else 404 "Not found" --------------

  // Checked before the body is read, so a caller without the secret learns nothing, not even
  // whether its JSON was well-formed.
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith(API_PREFIX)) return;
    const secret = queryValue(request.query, 'secret');
    if (secret === undefined || !sameSecret(deps.config.pluginApiSecret.reveal(), secret)) {
      request.log.info(
        { path: request.url.split('?')[0] },
        'paykassma api call without a valid secret',
      );
      return notFound(reply);
    }
    return undefined;
  });

  app.post('/paykassma/api/v1/transaction/create/wavepay', async (request, reply) => {
    const answer = createWavepay(request.body);
    request.log.info({ status: answer.body['status'] }, 'paykassma create wavepay');
    return reply.code(answer.httpStatus).send(answer.body);
  });

  app.post('/paykassma/api/v1/transaction/activate', async (request, reply) => {
    const parsed = readActivation(request.body);
    if ('httpStatus' in parsed) return reply.code(parsed.httpStatus).send(parsed.body);
    return reply.code(200).send(paykassma.activate(parsed));
  });

  app.all('/paykassma/api/*', async (_request, reply) => notFound(reply));

  // --- Test-control API (JSON) -----------------------------------------------------------------------

  app.post('/_sandbox/paykassma/wallet/transfers', async (request) => {
    const body = parseBody(transferBody, request.body);
    const amount = wholeKyat('amount', String(body.amount));
    const to = body.to ?? walletFor('sandbox');
    const t = wallet.pay(to, amount, deps.clock());
    return {
      key1: t.key1,
      to: t.to,
      amount: String(t.amount),
      created_at: t.createdAt.toISOString(),
    };
  });

  app.get('/_sandbox/paykassma/deposits', async (request) => {
    const key1 = queryValue(request.query, 'key1');
    const custom = queryValue(request.query, 'custom_transaction_id');
    if (!key1 && !custom)
      invalid('custom_transaction_id', 'custom_transaction_id or key1 is required');
    const found = key1 ? deposits.byKey1(key1) : deposits.byCustomTransactionId(custom ?? '');
    return { deposits: found === undefined ? [] : [depositJson(found)] };
  });

  app.get<{ Params: { id: string } }>('/_sandbox/paykassma/deposits/:id', async (request) =>
    depositJson(paykassma.depositOf(request.params.id)),
  );

  app.post<{ Params: { id: string } }>(
    '/_sandbox/paykassma/deposits/:id/postback',
    async (request) => {
      const body = parseBody(postbackBody, request.body);
      const deposit = paykassma.depositOf(request.params.id);
      const sent = paykassma.postback(deposit, {
        ...(body.status !== undefined ? { status: body.status } : {}),
        tamper: body.tamper ?? 'none',
        ...(body.delay_ms !== undefined ? { delayMs: body.delay_ms } : {}),
      });
      return { postback: callbackJson(await sent.firstAttempt), deposit: depositJson(deposit) };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/_sandbox/paykassma/deposits/:id/resend',
    async (request) => {
      const body = parseBody(resendBody, request.body);
      const sent = paykassma.resend(paykassma.depositOf(request.params.id), {
        ...(body.index !== undefined ? { index: body.index } : {}),
        ...(body.delay_ms !== undefined ? { delayMs: body.delay_ms } : {}),
      });
      return { postback: callbackJson(await sent.firstAttempt) };
    },
  );
}
