import { createHash } from 'node:crypto';

import { Secret } from '@tolem/config';
import { money } from '@tolem/money';
import { describe, expect, it } from 'vitest';

import type { RawCallback } from '../../domain/callback';
import type { ProviderHttpRequest, ProviderHttpResponse } from '../../domain/ports';
import { inMemoryTransactions, jsonAnswer, scriptedHttp } from '../../testing/in-memory.fakes';
import type { StartPaymentInput } from '../provider.port';
import { createPaykassmaAdapter, type PaykassmaConfig } from './paykassma.adapter';

const config: PaykassmaConfig = {
  pluginUrl: 'https://sandbox.test/paykassma/plugin/',
  apiUrl: 'https://sandbox.test/paykassma',
  pluginApiSecret: new Secret('plugin secret/1'),
  postbackAccessKey: new Secret('access-1'),
  postbackPrivateKey: new Secret('private-1'),
  lang: 'en',
};

/** Signs like Paykassma: the data JSON, signature appended last (protocols.md §4.3). */
function postback(data: Record<string, unknown>, keys = { a: 'access-1', p: 'private-1' }): Buffer {
  const json = JSON.stringify(data);
  const md5 = createHash('md5').update(json).digest('hex');
  const signature = createHash('sha1')
    .update(keys.a + keys.p + md5)
    .digest('hex');
  return Buffer.from(`${json.slice(0, -1)},"signature":"${signature}"}`, 'utf8');
}

const raw = (body: Buffer): RawCallback => ({
  method: 'POST',
  path: '/callbacks/paykassma',
  query: '',
  headers: { 'content-type': 'application/json' },
  body,
  remoteAddress: '203.0.113.8',
});

const start: StartPaymentInput = {
  paymentId: 'pay_wp_1',
  merchantId: 'mer_1',
  method: 'wavepay',
  amount: money(50000n, 'MMK'),
  description: 'Top-up',
  successUrl: '',
  failUrl: '',
  payer: {},
  providerShopId: '',
};

type Handler = (req: ProviderHttpRequest) => ProviderHttpResponse;

const create: Handler = () =>
  jsonAnswer(200, { status: 'ok', params: { identifier: '09790000101' } });

function setup(activate: Handler = () => jsonAnswer(200, { status: 'pending', message: 'wait' })) {
  const transactions = inMemoryTransactions();
  const http = scriptedHttp((req) =>
    req.url.includes('/create/wavepay') ? create(req) : activate(req),
  );
  const adapter = createPaykassmaAdapter({ config, transactions, http });
  const tx = () => {
    const row = [...transactions.rows.values()][0];
    if (!row) throw new Error('no transaction');
    return row;
  };
  return { adapter, transactions, http, tx };
}

const data = (overrides: Record<string, unknown> = {}) => ({
  id: 1700000001,
  type: 'deposit',
  status: 'success',
  wallet_type: 'wavepay',
  label: 'pay_wp_1',
  custom_transaction_id: 'pay_wp_1',
  key1: '0123456789',
  amount: 500,
  currency_code: 'MMK',
  created_at: '2026-11-23T18:00:00+08:00',
  ...overrides,
});

describe('Paykassma startPayment', () => {
  it('creates the Wavepay transaction server to server and returns requisites and the plugin URL', async () => {
    const { adapter, http, tx } = setup();
    const result = await adapter.startPayment(start);
    expect(result).toMatchObject({ provider: 'paykassma', providerReference: 'pay_wp_1' });
    expect(http.calls[0]).toMatchObject({
      method: 'POST',
      url: 'https://sandbox.test/paykassma/api/v1/transaction/create/wavepay?secret=plugin%20secret%2F1',
    });
    expect(JSON.parse(http.calls[0]?.body ?? '')).toEqual({ currency: 'MMK', label: 'pay_wp_1' });
    if (result.action.kind !== 'instructions') throw new Error('expected instructions');
    expect(result.action.values).toMatchObject({
      wallet_type: 'wavepay',
      wallet_identifier: '09790000101',
      amount: '500',
      currency: 'MMK',
      payer_input: 'key1',
    });
    const plugin = new URL(result.action.values['plugin_url'] ?? '');
    expect(plugin.origin + plugin.pathname).toBe(config.pluginUrl);
    expect(Object.fromEntries(plugin.searchParams)).toEqual({
      label: 'pay_wp_1',
      currency_code: 'MMK',
      lang: 'en',
      wallet_type: 'wavepay',
      custom_transaction_id: 'pay_wp_1',
      fixed_amount: '500',
    });
    expect(tx().attributes).toMatchObject({ wavepay_wallet_identifier: '09790000101' });
  });

  it('reuses the requisites on a retried start without calling Paykassma again', async () => {
    const { adapter, http } = setup();
    const first = await adapter.startPayment(start);
    const again = await adapter.startPayment(start);
    expect(again.action).toEqual(first.action);
    expect(http.calls).toHaveLength(1);
  });

  it('refuses other currencies, fractions of a kyat and a refused create', async () => {
    const { adapter, transactions } = setup();
    await expect(
      adapter.startPayment({ ...start, amount: money(100n, 'KGS') }),
    ).rejects.toMatchObject({
      code: 'PROVIDER_CURRENCY_UNSUPPORTED',
    });
    await expect(
      adapter.startPayment({ ...start, amount: money(50050n, 'MMK') }),
    ).rejects.toMatchObject({
      code: 'PROVIDER_AMOUNT_UNSUPPORTED',
    });
    expect(transactions.rows.size).toBe(0);
    const refusing = createPaykassmaAdapter({
      config,
      transactions,
      http: scriptedHttp(() => jsonAnswer(200, { status: 'fail', message: 'label blocked' })),
    });
    await expect(refusing.startPayment(start)).rejects.toMatchObject({
      code: 'PROVIDER_REQUEST_REFUSED',
    });
    const down = createPaykassmaAdapter({
      config,
      transactions: inMemoryTransactions(),
      http: scriptedHttp(() => jsonAnswer(404, { message: 'Not found' })),
    });
    await expect(down.startPayment(start)).rejects.toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
      kind: 'unavailable',
    });
  });
});

describe('Paykassma activation (SubmitPayerInput)', () => {
  async function started(activate: Handler) {
    const s = setup(activate);
    await s.adapter.startPayment(start);
    return s;
  }

  it('sends key1, the amount as a JSON number and our id; ok settles the payment', async () => {
    const { adapter, http, tx } = await started(() =>
      jsonAnswer(200, {
        status: 'ok',
        deposit: true,
        deposit_amount: 500,
        currency: { code: 'MMK', symbol: 'MMK' },
      }),
    );
    const result = await adapter.submitPayerInput?.({
      transaction: tx(),
      fields: { key1: ' 0123456789 ' },
    });
    expect(http.calls[1]?.url).toMatch(/\/api\/v1\/transaction\/activate\?secret=/);
    expect(http.calls[1]?.body).toBe(
      '{"currency_code":"MMK","wallet_type":"wavepay","label":"pay_wp_1","key1":"0123456789","amount":500,"custom_transaction_id":"pay_wp_1"}',
    );
    expect(result).toMatchObject({
      outcome: 'succeeded',
      providerPaymentId: 'key1:0123456789',
      amount: money(50000n, 'MMK'),
    });
    expect(result?.reasonCode).toBeUndefined();
    expect(tx()).toMatchObject({
      status: 'succeeded',
      attributes: { wavepay_transaction_no: '0123456789' },
    });
    // Settled: a second submission answers from storage.
    const again = await adapter.submitPayerInput?.({
      transaction: tx(),
      fields: { key1: '0123456789' },
    });
    expect(again?.outcome).toBe('succeeded');
    expect(http.calls).toHaveLength(2);
  });

  it('settles ok without deposit_amount with no amount, never as the full amount', async () => {
    const { adapter, tx } = await started(() =>
      jsonAnswer(200, { status: 'ok', deposit: true, currency: { code: 'MMK', symbol: 'MMK' } }),
    );
    const result = await adapter.submitPayerInput?.({
      transaction: tx(),
      fields: { key1: '0123456789' },
    });
    expect(result).toMatchObject({
      outcome: 'succeeded',
      reasonCode: 'PROVIDER_AMOUNT_NOT_REPORTED',
      attributes: { paykassma_amount_reported: 'false' },
    });
    expect(result).not.toHaveProperty('amount');
    expect(tx()).toMatchObject({
      status: 'succeeded',
      attributes: { paykassma_amount_reported: 'false' },
    });
    // Asked again, it still reports no amount.
    const again = await adapter.submitPayerInput?.({
      transaction: tx(),
      fields: { key1: '0123456789' },
    });
    expect(again).toMatchObject({ reasonCode: 'PROVIDER_AMOUNT_NOT_REPORTED' });
    expect(again?.amount).toBeUndefined();

    // The signed postback's amount matches the payment: from then on the amount is known.
    const res = await adapter.handleCallback(raw(postback(data())));
    expect(res).toMatchObject({ outcome: 'succeeded', amount: money(50000n, 'MMK') });
    expect(tx().attributes).toMatchObject({ paykassma_amount_reported: 'true' });
    const known = await adapter.submitPayerInput?.({
      transaction: tx(),
      fields: { key1: '0123456789' },
    });
    expect(known).toMatchObject({ outcome: 'succeeded', amount: money(50000n, 'MMK') });
    expect(known?.reasonCode).toBeUndefined();
  });

  it('treats an unreadable deposit_amount as not reported', async () => {
    const { adapter, tx } = await started(() =>
      jsonAnswer(200, { status: 'ok', deposit: true, deposit_amount: 'five hundred' }),
    );
    const result = await adapter.submitPayerInput?.({
      transaction: tx(),
      fields: { key1: '0123456789' },
    });
    expect(result).toMatchObject({
      outcome: 'succeeded',
      reasonCode: 'PROVIDER_AMOUNT_NOT_REPORTED',
    });
    expect(result?.amount).toBeUndefined();
  });

  it('maps pending to PENDING and possible_transaction_created to MANUAL_REVIEW, never dropped', async () => {
    const pending = await started(() =>
      jsonAnswer(200, { status: 'pending', message: 'checking' }),
    );
    const p = await pending.adapter.submitPayerInput?.({
      transaction: pending.tx(),
      fields: { key1: '1' },
    });
    expect(p).toMatchObject({ outcome: 'pending', message: 'checking' });
    expect(pending.tx().status).toBe('pending');

    const possible = await started(() =>
      jsonAnswer(200, {
        status: 'possible_transaction_created',
        message: 'Possible transaction created',
      }),
    );
    const r = await possible.adapter.submitPayerInput?.({
      transaction: possible.tx(),
      fields: { key1: '2' },
    });
    expect(r).toMatchObject({
      outcome: 'manual_review',
      reasonCode: 'PROVIDER_POSSIBLE_TRANSACTION',
    });
    expect(r?.nextAction).toMatchObject({
      kind: 'instructions',
      values: { status: 'manual_review' },
    });
    expect(possible.tx()).toMatchObject({
      status: 'manual_review',
      reasonCode: 'PROVIDER_POSSIBLE_TRANSACTION',
    });
  });

  it('lets the payer retry after fail and reviews a deposit of another amount', async () => {
    const failing = await started(() =>
      jsonAnswer(200, { status: 'fail', message: 'Transaction not found' }),
    );
    const f = await failing.adapter.submitPayerInput?.({
      transaction: failing.tx(),
      fields: { key1: '3' },
    });
    expect(f).toMatchObject({
      outcome: 'failed',
      payerMayRetry: true,
      reasonCode: 'PROVIDER_ACTIVATION_FAILED',
      message: 'Transaction not found',
    });
    expect(failing.tx().status).toBe('created');

    const other = await started(() =>
      jsonAnswer(200, {
        status: 'ok',
        deposit: true,
        deposit_amount: 6000,
        currency: { code: 'MMK', symbol: 'MMK' },
      }),
    );
    const o = await other.adapter.submitPayerInput?.({
      transaction: other.tx(),
      fields: { key1: '4' },
    });
    expect(o).toMatchObject({ outcome: 'manual_review', reasonCode: 'PROVIDER_AMOUNT_MISMATCH' });
    expect(other.tx().attributes).toMatchObject({ paykassma_deposit_amount: '6000' });
  });

  it('refuses a malformed key1 before calling Paykassma', async () => {
    const { adapter, http, tx } = await started(() => jsonAnswer(200, { status: 'ok' }));
    for (const key1 of ['', '123456789012', '12-34', undefined]) {
      await expect(
        adapter.submitPayerInput?.({
          transaction: tx(),
          fields: key1 === undefined ? {} : { key1 },
        }),
      ).rejects.toMatchObject({ code: 'PROVIDER_PAYER_INPUT_INVALID', details: { field: 'key1' } });
    }
    expect(http.calls).toHaveLength(1);
  });
});

describe('Paykassma postbacks', () => {
  async function pending() {
    const s = setup(() => jsonAnswer(200, { status: 'pending', message: 'wait' }));
    await s.adapter.startPayment(start);
    await s.adapter.submitPayerInput?.({ transaction: s.tx(), fields: { key1: '0123456789' } });
    return s;
  }

  it('settles a pending payment on a signed success postback, answering {"status":"ok"}', async () => {
    const { adapter, tx } = await pending();
    const res = await adapter.handleCallback(raw(postback(data())));
    expect(res.reply).toMatchObject({ statusCode: 200, contentType: 'application/json' });
    expect(res.reply.body.toString()).toBe('{"status":"ok"}');
    expect(res).toMatchObject({
      outcome: 'succeeded',
      verdict: 'accepted',
      paymentId: 'pay_wp_1',
      attributes: { wavepay_transaction_no: '0123456789', paykassma_transaction_id: '1700000001' },
    });
    expect(tx()).toMatchObject({ status: 'succeeded', providerPaymentId: 'key1:0123456789' });
  });

  it('renders a retry and a refusal as 503 and 400 that are not {"status":"ok"} (§4.3)', async () => {
    const { adapter } = await pending();
    const res = await adapter.handleCallback(raw(postback(data())));
    expect(res.retryReply).toMatchObject({ statusCode: 503, contentType: 'application/json' });
    expect(JSON.parse(res.retryReply.body.toString())).toEqual({
      status: 'error',
      code: 'PROVIDER_UNAVAILABLE',
    });
    expect(res.refusalReply.statusCode).toBe(400);
    expect(JSON.parse(res.refusalReply.body.toString())).not.toEqual({ status: 'ok' });
  });

  it('answers repeats and a late fail after success as duplicates, changing nothing', async () => {
    const { adapter, tx } = await pending();
    await adapter.handleCallback(raw(postback(data())));
    const again = await adapter.handleCallback(raw(postback(data())));
    expect(again).toMatchObject({ outcome: 'succeeded', verdict: 'duplicate' });
    expect(again.reply.body.toString()).toBe('{"status":"ok"}');
    const late = await adapter.handleCallback(raw(postback(data({ status: 'fail' }))));
    expect(late).toMatchObject({
      outcome: 'succeeded',
      verdict: 'duplicate',
      diagnostics: { level: 'error' },
    });
    expect(tx().status).toBe('succeeded');
  });

  it('fails an open payment on a fail postback', async () => {
    const { adapter, tx } = await pending();
    const res = await adapter.handleCallback(raw(postback(data({ status: 'fail' }))));
    expect(res).toMatchObject({ outcome: 'failed', verdict: 'accepted' });
    expect(tx().status).toBe('failed');
  });

  it.each([
    [
      'a forged signature',
      () => postback(data(), { a: 'access-1', p: 'wrong' }),
      'PROVIDER_SIGNATURE_INVALID',
    ],
    ['no signature', () => Buffer.from(JSON.stringify(data())), 'PROVIDER_SIGNATURE_INVALID'],
    [
      'a fail postback of another amount',
      () => postback(data({ status: 'fail', amount: 501 })),
      'PROVIDER_AMOUNT_MISMATCH',
    ],
    [
      'a currency Tolem does not book',
      () => postback(data({ currency_code: 'XXX' })),
      'PROVIDER_CURRENCY_MISMATCH',
    ],
    [
      'a success without a readable amount',
      () => postback(data({ amount: 'lots' })),
      'PROVIDER_MALFORMED_CALLBACK',
    ],
    [
      'an unknown payment',
      () => postback(data({ custom_transaction_id: 'pay_nope' })),
      'PROVIDER_UNKNOWN_ORDER',
    ],
    ['an unknown status', () => postback(data({ status: 'weird' })), 'PROVIDER_MALFORMED_CALLBACK'],
    [
      'a key1 longer than any transfer id',
      () => postback(data({ key1: '7'.repeat(60) })),
      'PROVIDER_MALFORMED_CALLBACK',
    ],
    ['a withdrawal', () => postback(data({ type: 'withdrawal' })), 'PROVIDER_UNKNOWN_ORDER'],
    ['a body that is not JSON', () => Buffer.from('status=ok'), 'PROVIDER_MALFORMED_CALLBACK'],
    ['a JSON array', () => Buffer.from('[1,2]'), 'PROVIDER_MALFORMED_CALLBACK'],
  ])('refuses %s and changes nothing', async (_name, body, code) => {
    const { adapter, tx } = await pending();
    const res = await adapter.handleCallback(raw(body()));
    expect(res).toMatchObject({ outcome: 'rejected', reasonCode: code });
    expect(res.reply.statusCode).toBe(400);
    expect(res.reply.body.toString()).not.toBe('{"status":"ok"}');
    expect(tx().status).toBe('pending');
  });

  it.each([
    ['another amount', { amount: 501 }, money(50100n, 'MMK')],
    ['another currency', { currency_code: 'USD', amount: 5 }, money(500n, 'USD')],
  ])(
    'reports a signed success of %s as the money received, leaving the payment open',
    async (_name, overrides, received) => {
      const { adapter, tx } = await pending();
      const res = await adapter.handleCallback(raw(postback(data(overrides))));
      expect(res).toMatchObject({
        outcome: 'succeeded',
        verdict: 'accepted',
        paymentId: 'pay_wp_1',
        amount: received,
        providerPaymentId: 'key1:0123456789',
        attributes: { paykassma_amount_differs: 'true' },
      });
      expect(res.reply.body.toString()).toBe('{"status":"ok"}');
      expect(tx()).toMatchObject({ status: 'pending', providerPaymentId: null });
      const again = await adapter.handleCallback(raw(postback(data(overrides))));
      expect(again).toMatchObject({ verdict: 'duplicate', amount: received });
      expect(tx().extraTransfers).toHaveLength(1);
    },
  );

  it('reports the postback of a deposit the activation found of another amount as that amount', async () => {
    const s = setup(() =>
      jsonAnswer(200, {
        status: 'ok',
        deposit: true,
        deposit_amount: 600,
        currency: { code: 'MMK', symbol: 'MMK' },
      }),
    );
    await s.adapter.startPayment(start);
    await s.adapter.submitPayerInput?.({ transaction: s.tx(), fields: { key1: '0123456789' } });
    expect(s.tx().status).toBe('manual_review');
    const res = await s.adapter.handleCallback(raw(postback(data({ amount: 600 }))));
    expect(res).toMatchObject({ outcome: 'succeeded', amount: money(60000n, 'MMK') });
    expect(s.tx().status).toBe('manual_review');
  });

  it('reports a success after the payment failed, and another wallet transaction for a paid one', async () => {
    const failed = await pending();
    await failed.adapter.handleCallback(raw(postback(data({ status: 'fail' }))));
    const late = await failed.adapter.handleCallback(raw(postback(data())));
    expect(late).toMatchObject({
      outcome: 'succeeded',
      amount: money(50000n, 'MMK'),
      attributes: { paykassma_after_failure: 'true' },
    });
    expect(failed.tx().status).toBe('failed');

    const paid = await pending();
    await paid.adapter.handleCallback(raw(postback(data())));
    const second = await paid.adapter.handleCallback(
      raw(postback(data({ id: 1700000002, key1: '999' }))),
    );
    expect(second).toMatchObject({
      outcome: 'succeeded',
      verdict: 'accepted',
      providerPaymentId: 'key1:999',
      attributes: { paykassma_second_transfer: 'true' },
    });
    expect(paid.tx()).toMatchObject({ status: 'succeeded', providerPaymentId: 'key1:0123456789' });
  });

  it('refuses a signature made for a tampered body', async () => {
    const { adapter } = await pending();
    const body = postback(data()).toString().replace('"amount":500', '"amount":5000');
    const res = await adapter.handleCallback(raw(Buffer.from(body)));
    expect(res.reasonCode).toBe('PROVIDER_SIGNATURE_INVALID');
  });
});
