import { createHash } from 'node:crypto';

import { freePort, httpAnswers, type ServiceProcess, spawnService, waitFor } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  pause,
  type Received,
  type RecordingMerchant,
  startRecordingMerchant,
} from './recording-merchant';

const API_SECRET = 'pk_integration_api_secret';
const ACCESS_KEY = 'pk_integration_access';
const PRIVATE_KEY = 'pk_integration_private';
const PENDING_DELAY_MS = 400;

type Postback = Record<string, unknown> & { signature: string; custom_transaction_id: string };

/**
 * The test's own check of protocols.md §4.3: the signed JSON is the raw body without its trailing
 * `,"signature":"…"`, hashed as received (no re-encoding), sha1(access . private . md5(json)).
 */
function signatureValid(raw: string, access = ACCESS_KEY, secret = PRIVATE_KEY): boolean {
  const match = /^(\{.*),"signature":"([0-9a-f]{40})"\}$/.exec(raw);
  if (match === null) return false;
  const json = `${match[1]}}`;
  const md5 = createHash('md5').update(json, 'utf8').digest('hex');
  return createHash('sha1').update(`${access}${secret}${md5}`, 'utf8').digest('hex') === match[2];
}

describe('provider-sandbox Paykassma Wavepay (real process, real HTTP)', () => {
  let sandbox: ServiceProcess;
  let merchant: RecordingMerchant;
  let base: string;
  let n = Math.floor(Math.random() * 1_000_000);
  const txId = () => `pay_ctid_${n++}`;

  beforeAll(async () => {
    const merchantPort = await freePort();
    merchant = startRecordingMerchant(merchantPort, () => ({
      status: 200,
      body: '{"status":"ok"}',
      contentType: 'application/json',
    }));
    await merchant.listen();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    sandbox = await spawnService({
      name: 'provider-sandbox',
      entry: 'apps/provider-sandbox/src/main.ts',
      env: {
        HTTP_PORT: String(port),
        PUBLIC_BASE_URL: base,
        LOG_LEVEL: 'info',
        SANDBOX_WEBMONEY_SECRET_KEY: 'wm',
        SANDBOX_CALLBACK_ATTEMPTS: '3',
        SANDBOX_CALLBACK_BACKOFF_MS: '50',
        SANDBOX_PAYKASSMA_PLUGIN_API_SECRET: API_SECRET,
        SANDBOX_PAYKASSMA_POSTBACK_ACCESS_KEY: ACCESS_KEY,
        SANDBOX_PAYKASSMA_POSTBACK_PRIVATE_KEY: PRIVATE_KEY,
        SANDBOX_PAYKASSMA_POSTBACK_URL: merchant.url('/callbacks/paykassma'),
        SANDBOX_PAYKASSMA_PENDING_DELAY_MS: String(PENDING_DELAY_MS),
      },
      ready: () => httpAnswers(`${base}/healthz`),
    });
  });

  afterAll(async () => {
    await sandbox?.stop();
    await merchant?.close();
  });

  const postbacksOf = (ctid: string) =>
    merchant.received.filter(
      (r) => (JSON.parse(r.body) as Postback).custom_transaction_id === ctid,
    );
  const json = (r: Received) => JSON.parse(r.body) as Postback;

  const api = async (path: string, body: unknown, secret = API_SECRET) => {
    const res = await fetch(
      `${base}/paykassma/api/v1/${path}?secret=${encodeURIComponent(secret)}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      },
    );
    const text = await res.text();
    return {
      status: res.status,
      text,
      json: (() => {
        try {
          return JSON.parse(text) as Record<string, unknown>;
        } catch {
          return {};
        }
      })(),
    };
  };

  const control = async (path: string, body: unknown = {}) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  /** The payer pays in the wallet app: create gives the wallet, the app gives the number. */
  const payInWallet = async (label: string, amount: number) => {
    const created = await api('transaction/create/wavepay', { currency: 'MMK', label });
    expect(created.json).toMatchObject({
      status: 'ok',
      params: { identifier: expect.stringMatching(/^09\d{9}$/) },
    });
    const to = (created.json['params'] as { identifier: string }).identifier;
    const res = await fetch(`${base}/paykassma/wallet/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ to, amount: String(amount) }).toString(),
    });
    const page = await res.text();
    const key1 = /id="wallet-key1">(\d+)</.exec(page)?.[1];
    if (key1 === undefined) throw new Error(`no transaction number:\n${page.slice(0, 1500)}`);
    expect(key1.length).toBeLessThanOrEqual(11);
    return key1;
  };

  const activate = (key1: string, amount: number, ctid: string, label = 'user-1') =>
    api('transaction/activate', {
      currency_code: 'MMK',
      wallet_type: 'Wavepay',
      label,
      amount,
      key1,
      custom_transaction_id: ctid,
    });

  it('answers 404 "Not found" for a missing or wrong secret and unknown API paths', async () => {
    const wrong = await api('transaction/create/wavepay', { currency: 'MMK', label: 'x' }, 'nope');
    expect(wrong).toMatchObject({ status: 404, text: 'Not found' });
    const none = await fetch(`${base}/paykassma/api/v1/transaction/activate`, { method: 'POST' });
    expect(none.status).toBe(404);
    expect(await none.text()).toBe('Not found');
    expect((await api('transaction/create/other', {})).status).toBe(404);
    const garbled = await fetch(`${base}/paykassma/api/v1/transaction/activate?secret=nope`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(garbled.status).toBe(404);
    const badBody = await api('transaction/activate', { key1: '1' });
    expect(badBody.status).toBe(400);
    expect(badBody.json).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('currency_code'),
    });
  });

  it('ok: activation answers ok with deposit_amount and a signed postback arrives', async () => {
    const ctid = txId();
    const key1 = await payInWallet('user-1', 5000);
    const res = await activate(key1, 5000, ctid);
    expect(res).toMatchObject({ status: 200 });
    expect(res.json).toEqual({
      status: 'ok',
      deposit: true,
      deposit_amount: 5000,
      currency: { code: 'MMK', symbol: 'MMK' },
    });
    const [postback] = await waitFor(() =>
      postbacksOf(ctid).length === 1 ? postbacksOf(ctid) : undefined,
    );
    expect(postback?.path).toBe('/callbacks/paykassma');
    expect(postback?.headers['content-type']).toContain('application/json');
    expect(signatureValid(postback?.body ?? '')).toBe(true);
    expect(signatureValid(postback?.body ?? '', ACCESS_KEY, 'other')).toBe(false);
    const body = json(postback as Received);
    expect(Object.keys(body)).toEqual([
      'id',
      'type',
      'status',
      'wallet_type',
      'label',
      'custom_transaction_id',
      'key1',
      'amount',
      'currency_code',
      'created_at',
      'activated_at',
      'signature',
    ]);
    expect(body).toMatchObject({
      type: 'deposit',
      status: 'success',
      wallet_type: 'wavepay',
      label: 'user-1',
      key1,
      amount: 5000,
      currency_code: 'MMK',
    });
    expect(body['activated_at']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
  });

  it('pending (…01): answers pending, then the postback follows after the delay', async () => {
    const ctid = txId();
    const key1 = await payInWallet('user-2', 5001);
    const started = Date.now();
    const res = await activate(key1, 5001, ctid, 'user-2');
    expect(res.json).toMatchObject({
      status: 'pending',
      message: expect.stringContaining('deposit status check'),
    });
    expect(postbacksOf(ctid)).toHaveLength(0);
    const postback = await waitFor(() => postbacksOf(ctid)[0]);
    expect(postback.at - started).toBeGreaterThanOrEqual(PENDING_DELAY_MS - 50);
    expect(json(postback)).toMatchObject({ status: 'success', amount: 5001 });
    expect(signatureValid(postback.body)).toBe(true);
  });

  it('possible_transaction_created (…02): no postback until the test API settles it', async () => {
    const ctid = txId();
    const key1 = await payInWallet('user-3', 5002);
    const res = await activate(key1, 5002, ctid, 'user-3');
    expect(res.json).toEqual({
      status: 'possible_transaction_created',
      message: 'Transaction not found. Possible transaction created',
    });
    await pause(PENDING_DELAY_MS + 100);
    expect(postbacksOf(ctid)).toHaveLength(0);
    const found = (await (
      await fetch(`${base}/_sandbox/paykassma/deposits?custom_transaction_id=${ctid}`)
    ).json()) as {
      deposits: Array<{ id: string; status: string }>;
    };
    expect(found.deposits[0]?.status).toBe('possible');
    const settled = await control(
      `/_sandbox/paykassma/deposits/${found.deposits[0]?.id}/postback`,
      { status: 'fail' },
    );
    expect(settled.json['deposit']).toMatchObject({ status: 'fail' });
    expect(json(postbacksOf(ctid)[0] as Received)).toMatchObject({ status: 'fail' });
  });

  it('ok without deposit_amount (…04): credited, no amount in the answer, postback only on request', async () => {
    const ctid = txId();
    const key1 = await payInWallet('user-4b', 5004);
    const res = await activate(key1, 5004, ctid, 'user-4b');
    expect(res.json).toEqual({
      status: 'ok',
      deposit: true,
      currency: { code: 'MMK', symbol: 'MMK' },
    });
    // The same activation again repeats the answer, still without the amount.
    expect((await activate(key1, 5004, ctid, 'user-4b')).json).not.toHaveProperty('deposit_amount');
    const found = (await (
      await fetch(`${base}/_sandbox/paykassma/deposits?custom_transaction_id=${ctid}`)
    ).json()) as { deposits: Array<{ id: string; status: string; postbacks: unknown[] }> };
    expect(found.deposits[0]).toMatchObject({ status: 'success', postbacks: [] });
    await control(`/_sandbox/paykassma/deposits/${found.deposits[0]?.id}/postback`, {});
    const postback = await waitFor(() => postbacksOf(ctid)[0]);
    expect(json(postback)).toMatchObject({ status: 'success', amount: 5004 });
    expect(signatureValid(postback.body)).toBe(true);
  });

  it('fail (…03), an unissued key1, a reused key1: fail and no postback; the same activation again repeats its answer', async () => {
    const ctid = txId();
    const key1 = await payInWallet('user-4', 5003);
    expect((await activate(key1, 5003, ctid)).json).toMatchObject({ status: 'fail' });
    expect((await activate('99999999999', 5000, txId())).json).toEqual({
      status: 'fail',
      message: 'Transaction not found',
    });

    const okId = txId();
    const okKey = await payInWallet('user-5', 7000);
    const first = await activate(okKey, 7000, okId);
    await waitFor(() => postbacksOf(okId).length === 1);
    const again = await activate(okKey, 7000, okId);
    expect(again.json).toEqual(first.json);
    expect((await activate(okKey, 7000, txId())).json).toEqual({
      status: 'fail',
      message: 'Transaction already activated',
    });
    await pause(150);
    expect(postbacksOf(okId)).toHaveLength(1);
    expect(postbacksOf(ctid)).toHaveLength(0);
  });

  it('credits the amount actually paid in the wallet (deposit_amount), not the requested one', async () => {
    const ctid = txId();
    const key1 = await payInWallet('user-6', 6000);
    expect((await activate(key1, 500, ctid)).json).toMatchObject({
      status: 'ok',
      deposit_amount: 6000,
    });
    expect(json(await waitFor(() => postbacksOf(ctid)[0]))).toMatchObject({ amount: 6000 });
  });

  it('retries a postback until HTTP 200 with {"status":"ok"}, byte for byte', async () => {
    const ctid = txId();
    const key1 = await payInWallet('user-7', 8000);
    let calls = 0;
    merchant.script((r) => {
      if ((JSON.parse(r.body) as Postback).custom_transaction_id !== ctid) return undefined;
      calls += 1;
      return calls === 1
        ? { status: 200, body: '{"status":"error"}' }
        : calls === 2
          ? { status: 500, body: '{"status":"ok"}' }
          : { status: 200, body: '{"status":"ok"}' };
    });
    try {
      await activate(key1, 8000, ctid);
      await waitFor(() => postbacksOf(ctid).length === 3);
      await pause(200);
      expect(postbacksOf(ctid)).toHaveLength(3);
      expect(new Set(postbacksOf(ctid).map((r) => r.body)).size).toBe(1);
    } finally {
      merchant.script(undefined);
    }
  });

  it('sends tampered, duplicate and delayed postbacks on request', async () => {
    const ctid = txId();
    const transfer = await control('/_sandbox/paykassma/wallet/transfers', {
      amount: 9000,
      to: '09790000101',
    });
    const key1 = transfer.json['key1'] as string;
    await activate(key1, 9000, ctid);
    await waitFor(() => postbacksOf(ctid).length === 1);
    const deposit = (
      (await (await fetch(`${base}/_sandbox/paykassma/deposits?key1=${key1}`)).json()) as {
        deposits: Array<{ id: string }>;
      }
    ).deposits[0];

    await control(`/_sandbox/paykassma/deposits/${deposit?.id}/postback`, { tamper: 'signature' });
    expect(signatureValid(postbacksOf(ctid)[1]?.body ?? '')).toBe(false);
    await control(`/_sandbox/paykassma/deposits/${deposit?.id}/postback`, { tamper: 'amount' });
    const otherAmount = postbacksOf(ctid)[2] as Received;
    expect(json(otherAmount)).toMatchObject({ amount: 9001 });
    expect(signatureValid(otherAmount.body)).toBe(true);

    await control(`/_sandbox/paykassma/deposits/${deposit?.id}/resend`, { index: 0 });
    expect(postbacksOf(ctid)[3]?.body).toBe(postbacksOf(ctid)[0]?.body);

    const sentAt = Date.now();
    const delayed = await control(`/_sandbox/paykassma/deposits/${deposit?.id}/resend`, {
      delay_ms: 400,
    });
    expect(delayed.json['postback']).toMatchObject({ state: 'scheduled' });
    const late = await waitFor(() => postbacksOf(ctid)[4]);
    expect(late.at - sentAt).toBeGreaterThanOrEqual(350);
  });

  it('plugin window: requisites, pay in the wallet app, type the number, back to success_url', async () => {
    const ctid = txId();
    const params = new URLSearchParams({
      label: 'user-8',
      currency_code: 'MMK',
      wallet_type: 'wavepay',
      custom_transaction_id: ctid,
      fixed_amount: '12000',
      lang: 'en',
      success_url: 'https://shop.example/ok',
      fail_url: 'https://shop.example/fail',
    });
    const page = await (await fetch(`${base}/paykassma/plugin/?${params.toString()}`)).text();
    expect(page).toMatch(/id="wallet-number">09\d{9}</);
    expect(page).toContain('12\u00a0000 MMK');
    expect(page).toContain('action="/paykassma/plugin/wallet-pay"');

    const post = (path: string, extra: Record<string, string>) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams([...params.entries(), ...Object.entries(extra)]).toString(),
        redirect: 'manual',
      });
    const paid = await (await post('/paykassma/plugin/wallet-pay', {})).text();
    const key1 = /id="wallet-key1">(\d+)</.exec(paid)?.[1] ?? '';
    expect(paid).toContain(`name="key1" maxlength="11" required value="${key1}"`);

    const wrong = await post('/paykassma/plugin/activate', { key1: '12345' });
    expect(await wrong.text()).toContain('Transaction not found');

    const done = await post('/paykassma/plugin/activate', { key1 });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('https://shop.example/ok');
    expect(json(await waitFor(() => postbacksOf(ctid)[0]))).toMatchObject({
      status: 'success',
      amount: 12000,
      key1,
      label: 'user-8',
    });
  });

  it('refuses a plugin link for another wallet or currency', async () => {
    const res = await fetch(
      `${base}/paykassma/plugin/?label=a&currency_code=INR&wallet_type=paytm&custom_transaction_id=x&fixed_amount=1`,
    );
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('PAYKASSMA_WALLET_UNSUPPORTED');
  });

  it('stops cleanly on SIGTERM without printing secrets', async () => {
    for (const secret of [API_SECRET, ACCESS_KEY, PRIVATE_KEY])
      expect(sandbox.output()).not.toContain(secret);
    expect(await sandbox.stop()).toBe(0);
  });
});
