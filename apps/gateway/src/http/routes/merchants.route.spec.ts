import {
  type ApiKey,
  ApiKeyMode,
  type CreateMerchantRequest,
  type CreatePaymentRequest,
  Merchant,
  MerchantSecretKind,
  Payment,
  PaymentStatus,
  type RotateSecretResponse,
} from '@tolem/contracts/checkout';
import { PaymentMethod } from '@tolem/contracts/common';
import { DomainError } from '@tolem/errors';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { gatewayDeps } from '../../../test/fakes/gateway-deps.fake';
import { buildGateway, type GatewayDeps } from '../server';

/** The admin token `gatewayDeps` configures. */
const ADMIN = { authorization: 'Bearer admin-secret' };
const ADMIN_JSON = { ...ADMIN, 'content-type': 'application/json' };

/**
 * Checkout's MerchantService as the gateway sees it: an in-memory stand-in that keeps merchants
 * and keys per merchant and refuses another merchant's key as API_KEY_NOT_FOUND, like checkout.
 */
function fakeCheckout() {
  const merchants = new Map<string, Merchant>();
  const keys = new Map<string, ApiKey & { secret: string }>();
  const createdPayments: CreatePaymentRequest[] = [];
  const createRequests: CreateMerchantRequest[] = [];
  const byIdem = new Map<string, string>();
  let seq = 0;
  const keysByIdempotency = new Map<string, ApiKey>();
  const rotations = new Map<string, Omit<RotateSecretResponse, 'replayed'>>();
  const notFound = () => new DomainError('MERCHANT_NOT_FOUND', 'not_found', 'merchant not found');
  const keyNotFound = () => new DomainError('API_KEY_NOT_FOUND', 'not_found', 'API key not found');
  const issue = (merchantId: string, mode: ApiKeyMode, name: string) => {
    seq += 1;
    const prefix = mode === ApiKeyMode.API_KEY_MODE_LIVE ? 'sk_live_' : 'sk_test_';
    const secret = `${prefix}${String(seq).padStart(32, '0')}`;
    const key = {
      id: `key_${seq}`,
      merchantId,
      mode,
      name,
      keyPrefix: secret.slice(0, 12),
      createdAt: new Date(),
      revokedAt: undefined,
      expiresAt: undefined,
      rolledTo: '',
      secret,
    };
    keys.set(key.id, key);
    return key;
  };
  const ownKey = (merchantId: string, keyId: string) => {
    const k = keys.get(keyId);
    if (!k || k.merchantId !== merchantId) throw keyNotFound();
    return k;
  };
  const strip = ({ secret: _secret, ...k }: ApiKey & { secret: string }): ApiKey => k;

  const merchantService: GatewayDeps['merchants'] = {
    async createMerchant(req) {
      createRequests.push(req);
      const existing = byIdem.get(req.idempotencyKey);
      if (existing) {
        return { merchant: merchants.get(existing), apiKey: '', replayed: true };
      }
      seq += 1;
      const m = Merchant.fromPartial({
        id: `mer_${seq}`,
        name: req.name,
        enabledMethods: req.enabledMethods,
        defaultSuccessUrl: req.defaultSuccessUrl,
        notificationUrl: req.notificationUrl,
        vatRate: req.vatRate,
        onboarding: { status: 'complete', pendingSteps: [] },
        createdAt: new Date('2026-12-07T10:00:00Z'),
      });
      merchants.set(m.id, m);
      byIdem.set(req.idempotencyKey, m.id);
      const key = issue(m.id, req.apiKeyMode ?? ApiKeyMode.API_KEY_MODE_TEST, '');
      return {
        merchant: m,
        apiKey: key.secret,
        replayed: false,
        apiKeyInfo: strip(key),
        webhookSigningSecret: req.notificationUrl ? 'whsec_test' : '',
      };
    },
    async getMerchant(req) {
      const m = merchants.get(req.merchantId);
      if (!m) throw notFound();
      return { merchant: m };
    },
    async listMerchants(req) {
      const all = [...merchants.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
      const from = req.pageToken ? all.findIndex((m) => m.id === req.pageToken) + 1 : 0;
      const size = req.pageSize || 50;
      const page = all.slice(from, from + size);
      return {
        merchants: page,
        nextPageToken: from + size < all.length ? (page.at(-1)?.id ?? '') : '',
      };
    },
    async updateMerchant(req) {
      const m = merchants.get(req.merchantId);
      if (!m) throw notFound();
      const next = {
        ...m,
        ...(req.name === undefined ? {} : { name: req.name }),
        ...(req.vatRate === undefined ? {} : { vatRate: req.vatRate }),
        ...(req.notificationUrl === undefined ? {} : { notificationUrl: req.notificationUrl }),
      };
      merchants.set(m.id, next);
      return { merchant: next };
    },
    async createApiKey(req) {
      if (!merchants.has(req.merchantId)) throw notFound();
      const prior = keysByIdempotency.get(req.idempotencyKey);
      if (prior) return { apiKey: prior, secret: '', replayed: true };
      const key = issue(req.merchantId, req.mode, req.name);
      keysByIdempotency.set(req.idempotencyKey, strip(key));
      return { apiKey: strip(key), secret: key.secret, replayed: false };
    },
    async listApiKeys(req) {
      if (!merchants.has(req.merchantId)) throw notFound();
      // Newest first by the fake's sequence; checkout's default page is 100.
      const seqOf = (id: string) => Number(id.replace('key_', ''));
      const older = [...keys.values()]
        .filter(
          (k) =>
            k.merchantId === req.merchantId &&
            (!req.startingAfter || seqOf(k.id) < seqOf(req.startingAfter)),
        )
        .sort((a, b) => seqOf(b.id) - seqOf(a.id));
      const limit = req.limit || 100;
      return { apiKeys: older.slice(0, limit).map(strip), hasMore: older.length > limit };
    },
    async revokeApiKey(req) {
      const k = ownKey(req.merchantId, req.keyId);
      k.revokedAt ??= new Date();
      return { apiKey: strip(k) };
    },
    async rollApiKey(req) {
      const k = ownKey(req.merchantId, req.keyId);
      const next = issue(k.merchantId, k.mode, k.name);
      k.expiresAt = new Date(Date.now() + (req.expiresInSeconds || 86_400) * 1000);
      k.rolledTo = next.id;
      return { apiKey: strip(next), secret: next.secret, rolled: strip(k) };
    },
    async rotateSecret(req) {
      const m = merchants.get(req.merchantId);
      if (!m) throw notFound();
      const prior = rotations.get(req.idempotencyKey);
      if (prior) return { ...prior, replayed: true };
      seq += 1;
      const answer = {
        secret: `${req.kind === MerchantSecretKind.MERCHANT_SECRET_KIND_FORM ? 'fsk' : 'whsec'}_${seq}`,
        previousExpiresAt: new Date(Date.now() + (req.overlapSeconds || 86_400) * 1000),
        merchant: m,
        replayed: false,
      };
      rotations.set(req.idempotencyKey, answer);
      return answer;
    },
    async authenticateApiKey(req) {
      const k = [...keys.values()].find((x) => x.secret === req.apiKey);
      if (!k || k.revokedAt) {
        throw new DomainError('AUTH_INVALID_API_KEY', 'unauthenticated', 'invalid API key');
      }
      return {
        merchant: merchants.get(k.merchantId),
        livemode: k.mode === ApiKeyMode.API_KEY_MODE_LIVE,
        apiKeyId: k.id,
      };
    },
  };

  const checkout: Partial<GatewayDeps['checkout']> = {
    async createPayment(req) {
      createdPayments.push(req);
      return {
        payment: Payment.fromPartial({
          id: `pay_${createdPayments.length}`,
          merchantId: req.merchantId,
          amount: req.amount,
          status: PaymentStatus.PAYMENT_STATUS_CREATED,
          pageSecret: 's'.repeat(32),
          livemode: req.livemode ?? false,
        }),
        replayed: false,
      };
    },
  };
  return { merchantService, checkout, keys, merchants, createdPayments, createRequests };
}

describe('merchant admin routes (/admin/v1/merchants)', () => {
  let app: FastifyInstance;
  let fake: ReturnType<typeof fakeCheckout>;
  let ledgerUp = true;

  beforeEach(async () => {
    fake = fakeCheckout();
    ledgerUp = true;
    const ledgerDown = () => new DomainError('UPSTREAM_UNAVAILABLE', 'unavailable', 'ledger down');
    app = buildGateway(
      gatewayDeps({
        checkout: fake.checkout,
        merchants: fake.merchantService,
        ledger: {
          async getFeePlan(req) {
            if (!ledgerUp) throw ledgerDown();
            return {
              plan: {
                merchantId: req.merchantId,
                rules: [{ method: PaymentMethod.PAYMENT_METHOD_CARD, percentBps: 250, fixed: [] }],
                updatedAt: undefined,
              },
            };
          },
          async getMerchantSettings(req) {
            if (!ledgerUp) throw ledgerDown();
            return {
              settings: {
                merchantId: req.merchantId,
                allowNegativeBalance: true,
                updatedAt: undefined,
              },
            };
          },
        },
      }),
    );
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
  });

  const createBody = {
    name: 'Book shop',
    enabled_methods: ['card', 'qr'],
    fee_rules: [{ method: 'card', percent_bps: 250, fixed: [{ amount: 30, currency: 'KGS' }] }],
    result_url: 'https://shop.example/hook',
    success_url: 'https://shop.example/ok',
    vat_rate: 'vat12',
    allow_negative_balance: true,
  };

  async function create(key = 'm-1', body: object = createBody) {
    return app.inject({
      method: 'POST',
      url: '/admin/v1/merchants',
      headers: { ...ADMIN_JSON, 'idempotency-key': key },
      payload: body,
    });
  }

  it('refuses every merchant and key route without the admin token, asking checkout nothing', async () => {
    for (const [method, url] of [
      ['POST', '/admin/v1/merchants'],
      ['GET', '/admin/v1/merchants'],
      ['GET', '/admin/v1/merchants/mer_1'],
      ['PATCH', '/admin/v1/merchants/mer_1'],
      ['POST', '/admin/v1/merchants/mer_1/api_keys'],
      ['GET', '/admin/v1/merchants/mer_1/api_keys'],
      ['POST', '/admin/v1/merchants/mer_1/api_keys/key_1/revoke'],
      ['POST', '/admin/v1/merchants/mer_1/api_keys/key_1/roll'],
    ] as const) {
      const res = await app.inject({ method, url, headers: { authorization: 'Bearer sk_test_x' } });
      expect(res.statusCode, `${method} ${url}`).toBe(401);
      expect(res.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    }
    expect(fake.createRequests).toHaveLength(0);
  });

  it('onboards a merchant through checkout: 201, the key and webhook secret once, a replay without them', async () => {
    const res = await create();
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      api_key: expect.stringMatching(/^sk_test_/),
      api_key_info: { mode: 'test', livemode: false, status: 'active' },
      webhook_signing_secret: 'whsec_test',
      merchant: {
        object: 'merchant',
        name: 'Book shop',
        enabled_methods: ['card', 'qr'],
        result_url: 'https://shop.example/hook',
        vat_rate: 'vat12',
        fee_rules: [{ method: 'card', percent_bps: 250, fixed: [] }],
        allow_negative_balance: true,
        onboarding: { status: 'complete', pending_steps: [] },
      },
    });
    expect(res.headers.location).toBe(`/admin/v1/merchants/${body.merchant.id}`);
    // The gateway only maps: the fee plan and settings travel to checkout's onboarding.
    expect(fake.createRequests[0]).toMatchObject({
      feePlan: {
        rules: [
          {
            method: PaymentMethod.PAYMENT_METHOD_CARD,
            percentBps: 250,
            fixed: [{ amountMinor: 30n, currency: 'KGS' }],
          },
        ],
      },
      allowNegativeBalance: true,
      vatRate: 'vat12',
    });

    const replay = await create();
    expect(replay.statusCode).toBe(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toMatchObject({
      api_key: '',
      api_key_info: null,
      webhook_signing_secret: null,
    });
  });

  it('answers null ledger facts rather than failing when the ledger is down', async () => {
    ledgerUp = false;
    const res = await create();
    expect(res.statusCode).toBe(201);
    expect(res.json().merchant).toMatchObject({ fee_rules: null, allow_negative_balance: null });
  });

  it.each([
    [{ ...createBody, vat_rate: 'vat18' }, 'VALIDATION_FAILED'],
    [{ ...createBody, enabled_methods: [] }, 'VALIDATION_FAILED'],
    [{ ...createBody, unknown_field: 1 }, 'VALIDATION_FAILED'],
    [{ ...createBody, result_url: 'javascript:alert(1)' }, 'VALIDATION_FAILED'],
    [
      {
        ...createBody,
        fee_rules: [{ method: 'card', percent_bps: 1, fixed: [{ amount: 1, currency: 'XYZ' }] }],
      },
      'VALIDATION_FAILED',
    ],
  ])('refuses an invalid body before asking checkout (%#)', async (body, code) => {
    const res = await create('bad', body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code } });
    expect(fake.createRequests).toHaveLength(0);
  });

  it('requires an Idempotency-Key to create', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/admin/v1/merchants',
      headers: ADMIN_JSON,
      payload: createBody,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'IDEMPOTENCY_KEY_REQUIRED' } });
  });

  it('lists with a cursor, reads one, and patches only the fields sent', async () => {
    for (const k of ['a', 'b', 'c']) await create(k);
    const first = await app.inject({
      method: 'GET',
      url: '/admin/v1/merchants?limit=2',
      headers: ADMIN,
    });
    expect(first.statusCode).toBe(200);
    const page1 = first.json();
    expect(page1).toMatchObject({
      object: 'list',
      url: '/admin/v1/merchants',
      has_more: true,
      next_cursor: expect.any(String),
    });
    expect(page1.data).toHaveLength(2);
    const second = await app.inject({
      method: 'GET',
      url: `/admin/v1/merchants?limit=2&cursor=${page1.next_cursor}`,
      headers: ADMIN,
    });
    expect(second.json()).toMatchObject({ has_more: false, next_cursor: null });
    expect(second.json().data).toHaveLength(1);

    const id = page1.data[0].id as string;
    const one = await app.inject({
      method: 'GET',
      url: `/admin/v1/merchants/${id}`,
      headers: ADMIN,
    });
    expect(one.json()).toMatchObject({ id, fee_rules: [{ method: 'card' }] });

    const patched = await app.inject({
      method: 'PATCH',
      url: `/admin/v1/merchants/${id}`,
      headers: ADMIN_JSON,
      payload: { name: 'Renamed', vat_rate: 'vat20' },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({
      id,
      name: 'Renamed',
      vat_rate: 'vat20',
      enabled_methods: ['card', 'qr'],
    });

    const empty = await app.inject({
      method: 'PATCH',
      url: `/admin/v1/merchants/${id}`,
      headers: ADMIN_JSON,
      payload: {},
    });
    expect(empty.statusCode).toBe(400);
    const missing = await app.inject({
      method: 'GET',
      url: '/admin/v1/merchants/mer_nope',
      headers: ADMIN,
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'MERCHANT_NOT_FOUND' } });
    const badParam = await app.inject({
      method: 'GET',
      url: '/admin/v1/merchants/a%20b',
      headers: ADMIN,
    });
    expect(badParam.statusCode).toBe(400);
  });

  it('issues, lists, rolls and revokes keys; a revoke through this gateway stops the key at once', async () => {
    const id = (await create()).json().merchant.id as string;
    const issued = await app.inject({
      method: 'POST',
      url: `/admin/v1/merchants/${id}/api_keys`,
      headers: { ...ADMIN_JSON, 'idempotency-key': 'key-backend' },
      payload: { mode: 'live', name: 'backend' },
    });
    expect(issued.statusCode).toBe(201);
    const live = issued.json();
    expect(live).toMatchObject({
      secret: expect.stringMatching(/^sk_live_/),
      api_key: { mode: 'live', livemode: true, name: 'backend', status: 'active' },
    });
    // A retry finds the key it made; only its hash was kept, so the secret is not sent again.
    const retried = await app.inject({
      method: 'POST',
      url: `/admin/v1/merchants/${id}/api_keys`,
      headers: { ...ADMIN_JSON, 'idempotency-key': 'key-backend' },
      payload: { mode: 'live', name: 'backend' },
    });
    expect(retried.statusCode).toBe(200);
    expect(retried.headers['idempotent-replayed']).toBe('true');
    expect(retried.json()).toEqual({ api_key: live.api_key, secret: null });
    const keyless = await app.inject({
      method: 'POST',
      url: `/admin/v1/merchants/${id}/api_keys`,
      headers: ADMIN_JSON,
      payload: { mode: 'live', name: 'backend' },
    });
    expect(keyless.json()).toMatchObject({ error: { code: 'IDEMPOTENCY_KEY_REQUIRED' } });

    // A live key makes live payments; the mode comes from the key, never the body.
    const auth = { authorization: `Bearer ${live.secret}` };
    const paid = await app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': 'p1' },
      payload: { amount: 100, currency: 'KGS' },
    });
    expect(paid.statusCode).toBe(201);
    expect(paid.json().livemode).toBe(true);
    expect(fake.createdPayments[0]?.livemode).toBe(true);

    const list = await app.inject({
      method: 'GET',
      url: `/admin/v1/merchants/${id}/api_keys`,
      headers: ADMIN,
    });
    expect(list.json()).toMatchObject({
      object: 'list',
      url: `/admin/v1/merchants/${id}/api_keys`,
      has_more: false,
    });
    expect(list.json().data).toHaveLength(2);
    expect(list.body).not.toContain(live.secret);
    const newest = await app.inject({
      method: 'GET',
      url: `/admin/v1/merchants/${id}/api_keys?limit=1`,
      headers: ADMIN,
    });
    expect(newest.json()).toMatchObject({ has_more: true, data: [list.json().data[0]] });
    const older = await app.inject({
      method: 'GET',
      url: `/admin/v1/merchants/${id}/api_keys?limit=1&starting_after=${newest.json().data[0].id}`,
      headers: ADMIN,
    });
    expect(older.json()).toMatchObject({ has_more: false, data: [list.json().data[1]] });
    const badLimit = await app.inject({
      method: 'GET',
      url: `/admin/v1/merchants/${id}/api_keys?limit=101`,
      headers: ADMIN,
    });
    expect(badLimit.json()).toMatchObject({
      error: { code: 'VALIDATION_FAILED', details: { field: 'limit' } },
    });

    const rolled = await app.inject({
      method: 'POST',
      url: `/admin/v1/merchants/${id}/api_keys/${live.api_key.id}/roll`,
      headers: ADMIN_JSON,
      payload: { expires_in_seconds: 3600 },
    });
    expect(rolled.statusCode).toBe(201);
    expect(rolled.json()).toMatchObject({
      secret: expect.stringMatching(/^sk_live_/),
      rolled: { id: live.api_key.id, status: 'expiring' },
    });
    const tooLong = await app.inject({
      method: 'POST',
      url: `/admin/v1/merchants/${id}/api_keys/${live.api_key.id}/roll`,
      headers: ADMIN_JSON,
      payload: { expires_in_seconds: 2_592_001 },
    });
    expect(tooLong.statusCode).toBe(400);

    const revoked = await app.inject({
      method: 'POST',
      url: `/admin/v1/merchants/${id}/api_keys/${live.api_key.id}/revoke`,
      headers: ADMIN,
    });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({ id: live.api_key.id, status: 'revoked' });
    // The key was cached by the payment above; the revoke dropped it from this gateway's cache.
    const after = await app.inject({ method: 'GET', url: '/v1/payments/pay_1', headers: auth });
    expect(after.statusCode).toBe(401);
  });

  it('rotates the form and webhook secrets, answering the new one once', async () => {
    const id = (await create()).json().merchant.id as string;
    for (const kind of ['form', 'webhook']) {
      const res = await app.inject({
        method: 'POST',
        url: `/admin/v1/merchants/${id}/secrets/${kind}/rotate`,
        headers: { ...ADMIN_JSON, 'idempotency-key': `rotate-${kind}` },
        payload: { overlap_seconds: 600 },
      });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({
        kind,
        secret: expect.stringMatching(kind === 'form' ? /^fsk_/ : /^whsec_/),
        merchant: { id },
      });
      // A retry with its key gets the same secret back, marked as a replay, and no new one.
      const retry = await app.inject({
        method: 'POST',
        url: `/admin/v1/merchants/${id}/secrets/${kind}/rotate`,
        headers: { ...ADMIN_JSON, 'idempotency-key': `rotate-${kind}` },
        payload: { overlap_seconds: 600 },
      });
      expect(retry.statusCode).toBe(200);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.json().secret).toBe(res.json().secret);
    }
    const keyless = await app.inject({
      method: 'POST',
      url: `/admin/v1/merchants/${id}/secrets/form/rotate`,
      headers: ADMIN_JSON,
      payload: { overlap_seconds: 600 },
    });
    expect(keyless.statusCode).toBe(400);
    expect(keyless.json()).toMatchObject({ error: { code: 'IDEMPOTENCY_KEY_REQUIRED' } });
    const bad = await app.inject({
      method: 'POST',
      url: `/admin/v1/merchants/${id}/secrets/api/rotate`,
      headers: ADMIN,
    });
    expect(bad.statusCode).toBe(400);
  });

  it('never lets one merchant’s id reach another merchant’s keys', async () => {
    const a = (await create('a')).json().merchant.id as string;
    const b = (await create('b')).json();
    const bKey = b.api_key_info.id as string;
    for (const action of ['revoke', 'roll']) {
      const res = await app.inject({
        method: 'POST',
        url: `/admin/v1/merchants/${a}/api_keys/${bKey}/${action}`,
        headers: ADMIN,
      });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ error: { code: 'API_KEY_NOT_FOUND' } });
    }
    const listA = await app.inject({
      method: 'GET',
      url: `/admin/v1/merchants/${a}/api_keys`,
      headers: ADMIN,
    });
    expect(listA.json().data.map((k: { id: string }) => k.id)).not.toContain(bKey);
  });
});
