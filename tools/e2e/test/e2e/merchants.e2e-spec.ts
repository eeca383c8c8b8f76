import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import {
  type DemoMerchant,
  type Stack,
  startDemoMerchant,
  startStack,
  verifyWebhookSignature,
} from '@tolem/stack';
import { integrationEnv, randomSuffix, waitFor } from '@tolem/testing';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { open, parseForms, submit } from './html-forms';

/** The Node snippet of docs/signed-forms.md, exactly as a merchant copies it. */
function documentedSigner(): (fields: Record<string, string>, secret: string) => string {
  const doc = readFileSync(join(import.meta.dirname, '../../../../docs/signed-forms.md'), 'utf8');
  const snippet = /```js\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
  const load = new Function('require', `${snippet}\nreturn signTolemForm;`) as (
    r: NodeJS.Require,
  ) => (fields: Record<string, string>, secret: string) => string;
  return load(createRequire(import.meta.url));
}

interface MerchantJson {
  id: string;
  name: string;
  fee_rules: { method: string; percent_bps: number }[] | null;
  allow_negative_balance: boolean | null;
  vat_rate: string;
  onboarding: { status: string; pending_steps: string[] };
}

interface IssuedKey {
  api_key: { id: string; mode: string; status: string };
  secret: string;
  rolled?: { id: string; status: string; expires_at: string };
}

interface PaymentJson {
  id: string;
  livemode: boolean;
  status: string;
  payment_url: string;
}

describe('merchants and API keys end to end: admin API, checkout onboarding, ledger, notifier', () => {
  let stack: Stack;
  let shop: DemoMerchant;

  beforeAll(async () => {
    const env = integrationEnv();
    shop = await startDemoMerchant();
    const suffix = randomSuffix();
    stack = await startStack({
      databaseUrl: env.databaseUrl,
      kafkaBrokers: env.kafkaBrokers,
      databasePrefix: `e2e_${suffix}`,
      paymentsTopic: `payments.events.v1.e2e-${suffix}`,
      logLevel: 'warn',
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await shop?.close();
  });

  const admin = () => ({ authorization: `Bearer ${stack.secrets.adminToken}` });

  async function adminCall<T>(method: string, path: string, body?: object, key?: string) {
    const res = await fetch(`${stack.gatewayUrl}${path}`, {
      method,
      headers: {
        ...admin(),
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(key ? { 'idempotency-key': key } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as T };
  }

  async function createMerchant(name: string) {
    const res = await adminCall<{
      merchant: MerchantJson;
      api_key: string;
      webhook_signing_secret: string;
      form_secret: string;
    }>(
      'POST',
      '/admin/v1/merchants',
      {
        name,
        enabled_methods: ['webmoney_purse', 'card'],
        fee_rules: [{ method: 'webmoney_purse', percent_bps: 300 }],
        webmoney_shop_id: '4242',
        result_url: shop.resultUrl,
        success_url: `${shop.url}/success`,
        vat_rate: 'vat12',
        allow_negative_balance: true,
      },
      randomUUID(),
    );
    expect(res.status).toBe(201);
    return res.body;
  }

  async function createPayment(apiKey: string, orderId: string) {
    const res = await fetch(`${stack.gatewayUrl}/v1/payments`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${apiKey}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      body: JSON.stringify({ amount: 1500, currency: 'USD', order_id: orderId }),
    });
    return { status: res.status, body: (await res.json()) as PaymentJson };
  }

  it('onboards a merchant in one admin call: the ledger holds its fee plan and settings', async () => {
    const created = await createMerchant('E2E merchants shop');
    expect(created.api_key).toMatch(/^sk_test_[0-9A-Za-z]{32}$/);
    expect(created.webhook_signing_secret).toMatch(/^whsec_/);
    const id = created.merchant.id;
    const merchant = await waitFor(async () => {
      const res = await adminCall<MerchantJson>('GET', `/admin/v1/merchants/${id}`);
      return res.body.onboarding.status === 'complete' ? res.body : undefined;
    });
    expect(merchant).toMatchObject({
      name: 'E2E merchants shop',
      vat_rate: 'vat12',
      fee_rules: [{ method: 'webmoney_purse', percent_bps: 300 }],
      allow_negative_balance: true,
    });

    const patched = await adminCall<MerchantJson>('PATCH', `/admin/v1/merchants/${id}`, {
      name: 'Renamed shop',
      fee_rules: [],
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Renamed shop', fee_rules: [] });
    const listed = await adminCall<{ data: { id: string }[] }>(
      'GET',
      '/admin/v1/merchants?limit=200',
    );
    expect(listed.body.data.map((m) => m.id)).toContain(id);
  });

  it('a test key makes livemode false payments that pay through the sandbox; a live key’s payments never reach it', async () => {
    const created = await createMerchant('Modes shop');
    const id = created.merchant.id;
    const test = await createPayment(created.api_key, 'test-1');
    expect(test.status).toBe(201);
    expect(test.body.livemode).toBe(false);

    const live = await adminCall<IssuedKey>(
      'POST',
      `/admin/v1/merchants/${id}/api_keys`,
      { mode: 'live', name: 'production' },
      `live-key-${id}`,
    );
    expect(live.status).toBe(201);
    expect(live.body.secret).toMatch(/^sk_live_/);
    const livePayment = await createPayment(live.body.secret, 'live-1');
    expect(livePayment.body.livemode).toBe(true);

    // This stack's provider URLs are the sandbox's: starting the live payment is refused there.
    const hosted = await open(livePayment.body.payment_url);
    const form = parseForms(await hosted.text(), livePayment.body.payment_url).find((f) =>
      f.fields.some(([k, v]) => k === 'method' && v === 'webmoney_purse'),
    );
    if (!form) throw new Error('no webmoney_purse form on the hosted page');
    const started = await submit(form);
    expect(started.status).toBe(422);
    expect(await started.text()).toContain('PROVIDER_LIVEMODE_MISMATCH');
    const after = await fetch(`${stack.gatewayUrl}/v1/payments/${livePayment.body.id}`, {
      headers: { authorization: `Bearer ${live.body.secret}` },
    });
    expect(((await after.json()) as PaymentJson).status).toBe('created');

    // The test payment starts at the sandbox as usual.
    const testHosted = await open(test.body.payment_url);
    const testForm = parseForms(await testHosted.text(), test.body.payment_url).find((f) =>
      f.fields.some(([k, v]) => k === 'method' && v === 'webmoney_purse'),
    );
    if (!testForm) throw new Error('no webmoney_purse form on the hosted page');
    const testStarted = await submit(testForm);
    expect(testStarted.status).toBe(200);
    expect(await testStarted.text()).toContain(stack.sandboxUrl);
  });

  it('keeps the modes apart: a live key lists no test payment and gets 404 for one, a test key likewise for a live one', async () => {
    const created = await createMerchant('Isolated modes shop');
    const id = created.merchant.id;
    const live = await adminCall<IssuedKey>(
      'POST',
      `/admin/v1/merchants/${id}/api_keys`,
      { mode: 'live', name: 'production' },
      `live-key-${id}`,
    );
    expect(live.status).toBe(201);
    const test = await createPayment(created.api_key, 'isolated-test-1');
    const livePayment = await createPayment(live.body.secret, 'isolated-live-1');
    expect([test.status, livePayment.status]).toEqual([201, 201]);

    const get = async (apiKey: string, path: string) => {
      const res = await fetch(`${stack.gatewayUrl}${path}`, {
        headers: { authorization: `Bearer ${apiKey}` },
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const idsOf = (list: { body: Record<string, unknown> }) =>
      (list.body['data'] as { id: string }[]).map((p) => p.id);
    expect(idsOf(await get(live.body.secret, '/v1/payments?limit=100'))).toEqual([
      livePayment.body.id,
    ]);
    expect(idsOf(await get(created.api_key, '/v1/payments?limit=100'))).toEqual([test.body.id]);

    const hidden = await get(live.body.secret, `/v1/payments/${test.body.id}`);
    expect(hidden.status).toBe(404);
    expect(hidden.body['error']).toMatchObject({
      code: 'PAYMENT_NOT_FOUND',
      message:
        `No such payment: '${test.body.id}'; a similar object exists in test mode, but a live ` +
        'mode key was used to make this request.',
    });
    const canceled = await fetch(`${stack.gatewayUrl}/v1/payments/${livePayment.body.id}/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${created.api_key}` },
    });
    expect(canceled.status).toBe(404);
    expect((await get(live.body.secret, `/v1/payments/${livePayment.body.id}`)).body).toMatchObject(
      { status: 'created' },
    );
  });

  it('rolls a key (both work until the old one expires) and revokes a key at once', async () => {
    const created = await createMerchant('Keys shop');
    const id = created.merchant.id;
    const keys = await adminCall<{ data: { id: string }[] }>(
      'GET',
      `/admin/v1/merchants/${id}/api_keys`,
    );
    const first = keys.body.data[0]?.id ?? '';
    const rolled = await adminCall<IssuedKey>(
      'POST',
      `/admin/v1/merchants/${id}/api_keys/${first}/roll`,
      { expires_in_seconds: 3600 },
    );
    expect(rolled.status).toBe(201);
    expect(rolled.body.rolled).toMatchObject({ id: first, status: 'expiring' });
    expect((await createPayment(created.api_key, 'old-key')).status).toBe(201);
    expect((await createPayment(rolled.body.secret, 'new-key')).status).toBe(201);

    const revoked = await adminCall<{ status: string }>(
      'POST',
      `/admin/v1/merchants/${id}/api_keys/${rolled.body.api_key.id}/revoke`,
    );
    expect(revoked.body.status).toBe('revoked');
    // This gateway revoked it, so it forgot its cached resolution: refused at once.
    const refused = await createPayment(rolled.body.secret, 'after-revoke');
    expect(refused.status).toBe(401);
  });

  it('keeps merchants apart: one merchant’s key never reads another’s payment or keys', async () => {
    const a = await createMerchant('Tenant A');
    const b = await createMerchant('Tenant B');
    const paymentOfA = await createPayment(a.api_key, 'a-1');
    const asB = await fetch(`${stack.gatewayUrl}/v1/payments/${paymentOfA.body.id}`, {
      headers: { authorization: `Bearer ${b.api_key}` },
    });
    expect(asB.status).toBe(404);
    // Merchant keys are not admin credentials.
    const keysAsMerchant = await fetch(
      `${stack.gatewayUrl}/admin/v1/merchants/${a.merchant.id}/api_keys`,
      { headers: { authorization: `Bearer ${b.api_key}` } },
    );
    expect(keysAsMerchant.status).toBe(401);
    const bKeys = await adminCall<{ data: { id: string }[] }>(
      'GET',
      `/admin/v1/merchants/${b.merchant.id}/api_keys`,
    );
    const crossRevoke = await adminCall<{ error: { code: string } }>(
      'POST',
      `/admin/v1/merchants/${a.merchant.id}/api_keys/${bKeys.body.data[0]?.id}/revoke`,
    );
    expect(crossRevoke.status).toBe(404);
    expect(crossRevoke.body.error.code).toBe('API_KEY_NOT_FOUND');
  });

  it('starts a payment from a signed HTML form: good, replayed, conflicting, bad and missing signatures', async () => {
    const created = await createMerchant('Form shop');
    expect(created.form_secret).toMatch(/^fsk_/);
    const sign = documentedSigner();
    const fields = {
      merchant_id: created.merchant.id,
      order_id: `form-${randomUUID()}`,
      amount: '2500',
      currency: 'USD',
      description: 'Кружка / mug',
    };
    const postForm = (body: Record<string, string>) =>
      fetch(`${stack.gatewayUrl}/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(body).toString(),
        redirect: 'manual',
      });
    const codeOf = async (res: Response) =>
      /data-error-code="([A-Z_]+)"/.exec(await res.text())?.[1];

    const good = await postForm({ ...fields, signature: sign(fields, created.form_secret) });
    expect(good.status).toBe(303);
    const location = good.headers.get('location') ?? '';
    expect(location).toMatch(new RegExp(`^${stack.gatewayUrl}/pay/pay_[0-9a-z]+\\?secret=`));
    const hosted = await open(location);
    expect(hosted.status).toBe(200);
    expect(await hosted.text()).toContain('webmoney_purse');

    const replay = await postForm({ ...fields, signature: sign(fields, created.form_secret) });
    expect(replay.status).toBe(303);
    expect(replay.headers.get('location')).toBe(location);

    const changed = { ...fields, amount: '2600' };
    const conflict = await postForm({ ...changed, signature: sign(changed, created.form_secret) });
    expect(conflict.status).toBe(409);
    expect(await codeOf(conflict)).toBe('IDEMPOTENCY_KEY_REUSED');

    const other = { ...fields, order_id: `form-${randomUUID()}` };
    const bad = await postForm({ ...other, signature: sign(other, 'fsk_not_the_secret') });
    expect(bad.status).toBe(401);
    expect(await codeOf(bad)).toBe('FORM_SIGNATURE_INVALID');
    const missing = await postForm(other);
    expect(missing.status).toBe(401);
    expect(await codeOf(missing)).toBe('FORM_SIGNATURE_MISSING');
    // Nothing was stored for them: the same order id signed properly is a new payment.
    const later = await postForm({ ...other, signature: sign(other, created.form_secret) });
    expect(later.status).toBe(303);
    expect(later.headers.get('location')).not.toBe(location);
  });

  it('rotates the webhook secret with an overlap: the demo merchant verifies with either secret', async () => {
    const created = await createMerchant('Rotating shop');
    const rotated = await adminCall<{ secret: string; previous_expires_at: string }>(
      'POST',
      `/admin/v1/merchants/${created.merchant.id}/secrets/webhook/rotate`,
      { overlap_seconds: 600 },
      `rotate-${created.merchant.id}`,
    );
    expect(rotated.status).toBe(201);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    const merchant = await waitFor(async () => {
      const res = await adminCall<MerchantJson>(
        'GET',
        `/admin/v1/merchants/${created.merchant.id}`,
      );
      return res.body.onboarding.status === 'complete' ? res.body : undefined;
    });
    expect(merchant.onboarding.pending_steps).toEqual([]);
    // What the notifier now sends during the overlap: a signature per valid secret, the new one
    // first, each made by the reference standardwebhooks package (not by our code).
    const at = new Date();
    const body = '{"id":"evt_1"}';
    const headers = {
      'webhook-id': 'evt_1',
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': [rotated.body.secret, created.webhook_signing_secret]
        .map((secret) => new Webhook(secret).sign('evt_1', at, body))
        .join(' '),
    };
    expect(verifyWebhookSignature(headers, body, rotated.body.secret)).toBe(true);
    expect(verifyWebhookSignature(headers, body, created.webhook_signing_secret)).toBe(true);
    const stranger = `whsec_${Buffer.from('someone else entirely').toString('base64')}`;
    expect(verifyWebhookSignature(headers, body, stranger)).toBe(false);
  });
});
