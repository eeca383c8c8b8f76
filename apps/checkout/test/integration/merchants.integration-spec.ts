import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

import {
  ApiKeyMode,
  CheckoutServiceClient,
  MerchantSecretKind,
  MerchantServiceClient,
} from '@tolem/contracts/checkout';
import { PaymentMethod } from '@tolem/contracts/common';
import { createClient, type PromiseClient } from '@tolem/grpc-kit';
import {
  freePort,
  freshDatabase,
  grpcServing,
  REPO_ROOT,
  type ServiceProcess,
  spawnService,
  waitFor,
} from '@tolem/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startFakeOnboardingPeers } from './merchant-peers';

/** Runs `npm run merchants -- …` as operators do: its own process, talking gRPC to checkout. */
function runCli(
  checkoutAddr: string,
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'apps/checkout/src/tools/merchants.ts'), ...args],
      {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env['PATH'] ?? '',
          HOME: process.env['HOME'] ?? '',
          TSX_TSCONFIG_PATH: join(REPO_ROOT, 'tsconfig.base.json'),
          CHECKOUT_ADDR: checkoutAddr,
          GRPC_INSECURE: 'true',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('merchants, onboarding and API keys (real checkout process, real PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let sql: pg.Client;
  let peers: Awaited<ReturnType<typeof startFakeOnboardingPeers>>;
  let service: ServiceProcess;
  let merchants: PromiseClient<MerchantServiceClient>;
  let checkout: PromiseClient<CheckoutServiceClient>;
  let address = '';

  beforeAll(async () => {
    db = await freshDatabase('checkout_merchants_it');
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    peers = await startFakeOnboardingPeers();
    const port = await freePort();
    service = await spawnService({
      name: 'checkout',
      entry: 'apps/checkout/src/main.ts',
      env: {
        DATABASE_URL: db.url,
        MIGRATE_ON_START: 'true',
        LOG_LEVEL: 'warn',
        GRPC_PORT: String(port),
        LEDGER_ADDR: peers.ledgerAddress,
        NOTIFIER_ADDR: peers.notifierAddress,
        ONBOARDING_SWEEP_MS: '200',
      },
      ready: () => grpcServing(`127.0.0.1:${port}`),
    });
    address = `127.0.0.1:${port}`;
    merchants = createClient(MerchantServiceClient, `127.0.0.1:${port}`);
    checkout = createClient(CheckoutServiceClient, `127.0.0.1:${port}`);
  });

  afterAll(async () => {
    merchants?.close();
    checkout?.close();
    await service?.stop();
    await peers?.close();
    await sql?.end();
    await db?.drop();
  });

  const request = (key: string) => ({
    idempotencyKey: key,
    name: 'Osh Bazaar',
    enabledMethods: [PaymentMethod.PAYMENT_METHOD_CARD],
    webmoneyShopId: '',
    defaultSuccessUrl: 'https://osh.example/ok',
    defaultFailUrl: 'https://osh.example/fail',
    vatRate: 'vat12',
    notificationUrl: 'https://osh.example/hook',
    allowNegativeBalance: true,
    feePlan: {
      rules: [
        {
          method: PaymentMethod.PAYMENT_METHOD_CARD,
          percentBps: 280,
          fixed: [{ amountMinor: 1000n, currency: 'KGS' }],
        },
      ],
    },
  });

  it('onboards a merchant in one call: the row, its first key (hash only) and every peer step', async () => {
    const res = await merchants.createMerchant(request('osh-1'));
    const id = res.merchant?.id ?? '';
    expect(res.merchant).toMatchObject({
      name: 'Osh Bazaar',
      vatRate: 'vat12',
      notificationUrl: 'https://osh.example/hook',
      onboarding: { status: 'complete', pendingSteps: [] },
    });
    expect(res.apiKey).toMatch(/^sk_test_/);
    expect(res.apiKeyInfo?.mode).toBe(ApiKeyMode.API_KEY_MODE_TEST);
    expect(peers.feePlans.get(id)?.rules[0]?.percentBps).toBe(280);
    expect(peers.settings.get(id)?.allowNegativeBalance).toBe(true);
    expect(peers.endpoints.get(id)).toMatchObject({
      url: 'https://osh.example/hook',
      signingSecret: res.webhookSigningSecret,
    });
    const stored = await sql.query<{ key_hash: string }>(
      'select key_hash from api_keys where merchant_id = $1',
      [id],
    );
    expect(stored.rows).toEqual([
      { key_hash: createHash('sha256').update(res.apiKey).digest('hex') },
    ]);
    // A replay shows no secret again and creates nothing.
    const replay = await merchants.createMerchant(request('osh-1'));
    expect(replay).toMatchObject({ replayed: true, apiKey: '', webhookSigningSecret: '' });
    expect(replay.merchant?.id).toBe(id);
  });

  it('finishes onboarding with the sweeper when the ledger and notifier were down at create', async () => {
    peers.state.down = true;
    const res = await merchants.createMerchant(request('osh-2'));
    const id = res.merchant?.id ?? '';
    expect(res.merchant?.onboarding).toEqual({
      status: 'pending',
      pendingSteps: ['ledger_fee_plan', 'ledger_settings', 'notifier_endpoint'],
    });
    const failed = await sql.query<{ attempts: number; last_error: string }>(
      'select attempts, last_error from merchant_onboarding_steps where merchant_id = $1',
      [id],
    );
    expect(failed.rows.every((r) => r.attempts >= 1 && r.last_error.includes('down'))).toBe(true);

    peers.state.down = false;
    await waitFor(
      async () =>
        (await merchants.getMerchant({ merchantId: id })).merchant?.onboarding?.status ===
        'complete',
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    expect(peers.feePlans.get(id)?.rules).toHaveLength(1);
    expect(peers.endpoints.get(id)?.signingSecret).toBe(res.webhookSigningSecret);
  });

  it('updates only the fields given and hands changed peer settings over', async () => {
    const created = await merchants.createMerchant(request('osh-3'));
    const id = created.merchant?.id ?? '';
    const res = await merchants.updateMerchant({
      merchantId: id,
      name: 'Osh Bazaar 2',
      enabledMethods: { methods: [PaymentMethod.PAYMENT_METHOD_QR] },
      feePlan: { rules: [] },
      allowNegativeBalance: false,
    });
    expect(res.merchant).toMatchObject({
      name: 'Osh Bazaar 2',
      enabledMethods: [PaymentMethod.PAYMENT_METHOD_QR],
      vatRate: 'vat12',
      defaultSuccessUrl: 'https://osh.example/ok',
      onboarding: { status: 'complete' },
    });
    expect(peers.feePlans.get(id)?.rules).toEqual([]);
    expect(peers.settings.get(id)?.allowNegativeBalance).toBe(false);
    await expect(
      merchants.updateMerchant({
        merchantId: id,
        vatRate: 'vat99',
        feePlan: undefined,
        enabledMethods: undefined,
      }),
    ).rejects.toMatchObject({ code: 'MERCHANT_INVALID_REQUEST' });
  });

  it('rotates the form and webhook secrets with an overlap; the notifier gets both webhook secrets', async () => {
    const created = await merchants.createMerchant(request('osh-rot'));
    const id = created.merchant?.id ?? '';
    expect(created.formSecret).toMatch(/^fsk_/);
    const formRotation = {
      merchantId: id,
      kind: MerchantSecretKind.MERCHANT_SECRET_KIND_FORM,
      overlapSeconds: 600,
      idempotencyKey: `rot-form-${id}`,
    };
    // A caller that timed out and retried at once: the two race, one rotation happens.
    const [form, formRetry] = await Promise.all([
      merchants.rotateSecret(formRotation),
      merchants.rotateSecret(formRotation),
    ]);
    expect(formRetry.secret).toBe(form.secret);
    expect([form.replayed, formRetry.replayed].sort()).toEqual([false, true]);
    const stored = await sql.query<{ form_secret: string; form_secret_previous: string }>(
      'select form_secret, form_secret_previous from merchants where id = $1',
      [id],
    );
    expect(stored.rows[0]).toEqual({
      form_secret: form.secret,
      form_secret_previous: created.formSecret,
    });
    const webhook = await merchants.rotateSecret({
      merchantId: id,
      kind: MerchantSecretKind.MERCHANT_SECRET_KIND_WEBHOOK,
      overlapSeconds: 0,
      idempotencyKey: `rot-webhook-${id}`,
    });
    expect(webhook.merchant?.onboarding?.status).toBe('complete');
    expect(peers.endpoints.get(id)).toMatchObject({
      signingSecret: webhook.secret,
      previousSigningSecret: created.webhookSigningSecret,
      previousSecretExpiresAt: webhook.previousExpiresAt,
    });
  });

  it('lists merchants in pages', async () => {
    const first = await merchants.listMerchants({ pageSize: 2, pageToken: '' });
    expect(first.merchants).toHaveLength(2);
    const second = await merchants.listMerchants({ pageSize: 2, pageToken: first.nextPageToken });
    expect(second.merchants.map((m) => m.id)).not.toContain(first.merchants[0]?.id);
  });

  it('issues live and test keys, rolls and revokes them, and stamps payments with the key mode', async () => {
    const created = await merchants.createMerchant(request('osh-4'));
    const id = created.merchant?.id ?? '';
    const createLive = {
      merchantId: id,
      mode: ApiKeyMode.API_KEY_MODE_LIVE,
      name: 'backend',
      idempotencyKey: `key-${id}`,
    };
    const live = await merchants.createApiKey(createLive);
    expect(live.secret).toMatch(/^sk_live_/);
    // Retried after a lost answer: the same key, no secret, no second live key.
    const again = await merchants.createApiKey(createLive);
    expect(again).toMatchObject({ replayed: true, secret: '', apiKey: { id: live.apiKey?.id } });
    const auth = await merchants.authenticateApiKey({ apiKey: live.secret });
    expect(auth).toMatchObject({ livemode: true, apiKeyId: live.apiKey?.id });

    const payment = await checkout.createPayment({
      merchantId: id,
      idempotencyKey: 'live-1',
      amount: { amountMinor: 500n, currency: 'KGS' },
      orderId: 'o-1',
      description: '',
      successUrl: '',
      failUrl: '',
      metadata: {},
      livemode: true,
    });
    expect(payment.payment?.livemode).toBe(true);
    const testPayment = await checkout.createPayment({
      merchantId: id,
      idempotencyKey: 'test-1',
      amount: { amountMinor: 500n, currency: 'KGS' },
      orderId: 'o-2',
      description: '',
      successUrl: '',
      failUrl: '',
      metadata: {},
    });
    expect(testPayment.payment?.livemode).toBe(false);

    const rolled = await merchants.rollApiKey({
      merchantId: id,
      keyId: live.apiKey?.id ?? '',
      expiresInSeconds: 1,
    });
    expect(rolled.apiKey?.mode).toBe(ApiKeyMode.API_KEY_MODE_LIVE);
    expect(rolled.rolled?.rolledTo).toBe(rolled.apiKey?.id);
    await merchants.authenticateApiKey({ apiKey: live.secret });
    await waitFor(
      async () =>
        merchants.authenticateApiKey({ apiKey: live.secret }).then(
          () => false,
          (err: { code?: string }) => err.code === 'AUTH_API_KEY_EXPIRED',
        ),
      { timeoutMs: 5_000, intervalMs: 200 },
    );

    await merchants.revokeApiKey({ merchantId: id, keyId: rolled.apiKey?.id ?? '' });
    await expect(merchants.authenticateApiKey({ apiKey: rolled.secret })).rejects.toMatchObject({
      code: 'AUTH_API_KEY_REVOKED',
    });
    const listed = await merchants.listApiKeys({ merchantId: id, limit: 0, startingAfter: '' });
    expect(listed.hasMore).toBe(false);
    expect(listed.apiKeys.map((k) => k.id)).toEqual(
      expect.arrayContaining([live.apiKey?.id, rolled.apiKey?.id, created.apiKeyInfo?.id]),
    );
    // Newest first, a page at a time; a key id names where the next page starts.
    const ids = listed.apiKeys.map((k) => k.id);
    const pages: string[][] = [];
    let after = '';
    for (;;) {
      const page = await merchants.listApiKeys({ merchantId: id, limit: 2, startingAfter: after });
      pages.push(page.apiKeys.map((k) => k.id));
      if (!page.hasMore) break;
      after = page.apiKeys.at(-1)?.id ?? '';
    }
    expect(pages.flat()).toEqual(ids);
    expect(pages.length).toBe(Math.ceil(ids.length / 2));
    await expect(
      merchants.listApiKeys({ merchantId: id, limit: 101, startingAfter: '' }),
    ).rejects.toMatchObject({ code: 'API_KEY_INVALID_REQUEST' });
    await expect(
      merchants.listApiKeys({ merchantId: id, limit: 1, startingAfter: 'key_unknown' }),
    ).rejects.toMatchObject({ code: 'API_KEY_NOT_FOUND' });

    // Another merchant cannot touch these keys.
    const other = await merchants.createMerchant(request('osh-5'));
    await expect(
      merchants.revokeApiKey({
        merchantId: other.merchant?.id ?? '',
        keyId: created.apiKeyInfo?.id ?? '',
      }),
    ).rejects.toMatchObject({ code: 'API_KEY_NOT_FOUND' });
    expect(
      (
        await merchants.listApiKeys({
          merchantId: other.merchant?.id ?? '',
          limit: 0,
          startingAfter: '',
        })
      ).apiKeys.map((k) => k.id),
    ).toEqual([other.apiKeyInfo?.id]);
  });

  it('lets operators create, update, list and manage keys with npm run merchants', async () => {
    const created = await runCli(
      address,
      'create',
      '--name',
      'CLI Shop',
      '--methods',
      'card,qr',
      '--result-url',
      'https://cli.example/hook',
      '--vat-rate',
      'vat20',
      '--fee',
      'card:250:1000:KGS',
      '--key-mode',
      'live',
      '--idempotency-key',
      'cli-1',
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const id = /Merchant (mer_\w+)/.exec(created.stdout)?.[1] ?? '';
    expect(created.stdout).toMatch(/API key: +sk_live_[0-9A-Za-z]{32}/);
    expect(created.stdout).toMatch(/webhook signing key: +whsec_/);
    expect(created.stdout).toContain('onboarding:      complete');
    expect(peers.feePlans.get(id)?.rules[0]).toMatchObject({
      percentBps: 250,
      fixed: [{ amountMinor: 1000n, currency: 'KGS' }],
    });

    const replay = await runCli(
      address,
      'create',
      '--name',
      'CLI Shop',
      '--methods',
      'card,qr',
      '--result-url',
      'https://cli.example/hook',
      '--vat-rate',
      'vat20',
      '--fee',
      'card:250:1000:KGS',
      '--key-mode',
      'live',
      '--idempotency-key',
      'cli-1',
    );
    expect(replay.stdout).toContain('secrets are not shown again');
    expect(replay.stdout).not.toMatch(/sk_live_/);

    const updated = await runCli(address, 'update', id, '--name', 'CLI Shop 2', '--clear-fees');
    expect(updated.code).toBe(0);
    expect(updated.stdout).toContain('CLI Shop 2');
    expect(peers.feePlans.get(id)?.rules).toEqual([]);

    const list = await runCli(address, 'list', '--limit', '200');
    expect(list.stdout).toContain(`${id}  complete  CLI Shop 2`);

    const key = await runCli(address, 'keys', 'create', id, '--mode', 'test', '--key-name', 'ops');
    expect(key.stdout).toMatch(/Shown once, store it now: sk_test_/);
    const keyId = /^(key_\w+)/.exec(key.stdout)?.[1] ?? '';
    const rolled = await runCli(address, 'keys', 'roll', id, keyId, '--expires-in', '600');
    expect(rolled.stdout).toMatch(/old: key_\w+ +test .* expires /);
    const revoked = await runCli(address, 'keys', 'revoke', id, keyId);
    expect(revoked.stdout).toMatch(/revoked/);
    const keys = await runCli(address, 'keys', 'list', id);
    const lines = keys.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    // Two at a time: the first page says where the next starts, the next ends the list.
    const first = await runCli(address, 'keys', 'list', id, '--limit', '2');
    const firstLines = first.stdout.trim().split('\n');
    const lastId = /^(key_\w+)/.exec(firstLines[1] ?? '')?.[1] ?? '';
    expect(firstLines).toEqual([...lines.slice(0, 2), `More keys: add --starting-after ${lastId}`]);
    const next = await runCli(
      address,
      'keys',
      'list',
      id,
      '--limit',
      '2',
      '--starting-after',
      lastId,
    );
    expect(next.stdout.trim().split('\n')).toEqual(lines.slice(2));

    const rotated = await runCli(address, 'secrets', 'rotate', id, 'form', '--overlap', '60');
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/Shown once, store it now: fsk_/);

    const refused = await runCli(address, 'get', 'mer_unknown');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('refused: MERCHANT_NOT_FOUND');
    const usage = await runCli(address, 'keys', 'roll', id);
    expect(usage.code).toBe(2);
  });
});
