import { randomUUID } from 'node:crypto';

import { type Stack, startStack } from '@tolem/stack';
import { integrationEnv, randomSuffix, waitFor } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The merchant REST API on real processes: idempotency kept in the gateway's own PostgreSQL
 * (a checkout outage's 503 replayed after checkout is back), lists, timelines and tenant
 * isolation between two merchants.
 */
describe('merchant API end to end: idempotency, lists, timeline, tenants', () => {
  let stack: Stack;
  const keys: Record<'a' | 'b', string> = { a: '', b: '' };

  async function createMerchant(name: string): Promise<string> {
    const res = await fetch(`${stack.gatewayUrl}/admin/v1/merchants`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${stack.secrets.adminToken}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      body: JSON.stringify({
        name,
        enabled_methods: ['webmoney_purse'],
        result_url: 'https://shop.example/result',
      }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { api_key: string }).api_key;
  }

  beforeAll(async () => {
    const env = integrationEnv();
    const suffix = randomSuffix();
    stack = await startStack({
      databaseUrl: env.databaseUrl,
      kafkaBrokers: env.kafkaBrokers,
      databasePrefix: `e2e_${suffix}`,
      paymentsTopic: `payments.events.v1.e2e-${suffix}`,
      logLevel: 'warn',
    });
    keys.a = await createMerchant('Shop A');
    keys.b = await createMerchant('Shop B');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const call = (merchant: 'a' | 'b', path: string, init: { key?: string; body?: unknown } = {}) =>
    fetch(`${stack.gatewayUrl}${path}`, {
      method: init.body === undefined ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${keys[merchant]}`,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(init.key === undefined ? {} : { 'idempotency-key': init.key }),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });

  it('replays a created payment, refuses the key with another body, and keeps keys per merchant', async () => {
    const key = randomUUID();
    const body = { amount: 1999, currency: 'USD', order_id: 'e2e-1' };
    const first = await call('a', '/v1/payments', { key, body });
    expect(first.status).toBe(201);
    const created = (await first.json()) as { id: string };
    const again = await call('a', '/v1/payments', { key, body });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(created);
    const changed = await call('a', '/v1/payments', { key, body: { ...body, amount: 2000 } });
    expect(changed.status).toBe(409);
    expect(await changed.json()).toMatchObject({
      error: { code: 'IDEMPOTENCY_KEY_REUSED', details: { field: 'amount' } },
    });
    // The same key is merchant B's own.
    const other = await call('b', '/v1/payments', { key, body });
    expect(other.status).toBe(201);
    expect(((await other.json()) as { id: string }).id).not.toBe(created.id);
  });

  it("lists a merchant's own payments only, with their timeline", async () => {
    const mine = await call('a', '/v1/payments?order_id=e2e-1');
    expect(mine.status).toBe(200);
    const list = (await mine.json()) as { data: { id: string }[]; has_more: boolean };
    expect(list.data).toHaveLength(1);
    const id = list.data[0]?.id as string;
    const events = await call('a', `/v1/payments/${id}/events`);
    expect(events.status).toBe(200);
    expect(await events.json()).toMatchObject({
      data: [{ type: 'payment.created', from_status: null, to_status: 'created' }],
    });
    // Merchant B sees neither A's payment nor its timeline, and cannot page from its id.
    expect((await call('b', `/v1/payments/${id}`)).status).toBe(404);
    expect((await call('b', `/v1/payments/${id}/events`)).status).toBe(404);
    expect((await call('b', `/v1/payments?starting_after=${id}`)).status).toBe(400);
    const theirs = (await (await call('b', '/v1/payments')).json()) as { data: { id: string }[] };
    expect(theirs.data.map((p) => p.id)).not.toContain(id);
    expect((await call('a', '/v1/balance')).status).toBe(200);
  });

  it('refuses at create a currency none of the enabled methods takes', async () => {
    const res = await call('a', '/v1/payments', {
      key: randomUUID(),
      body: { amount: 5000, currency: 'MMK' },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { code: 'PAYMENT_CURRENCY_NOT_ACCEPTED', details: { field: 'currency' } },
    });
  });

  it("stores checkout's outage (503) under the key and replays it after checkout is back", async () => {
    const key = randomUUID();
    const body = { amount: 700, currency: 'USD', order_id: 'e2e-outage' };
    // The API key is cached by the gateway, so the request gets past authentication.
    expect((await call('a', '/v1/payments?limit=1')).status).toBe(200);
    await stack.processes.get('checkout')?.stop();
    const failed = await call('a', '/v1/payments', { key, body });
    expect(failed.status).toBe(503);
    const failure = await failed.json();
    await stack.restart('checkout');
    // Checkout is back once a new key creates a payment again (the gateway's channel reconnects
    // with backoff)...
    await waitFor(
      async () =>
        (await call('a', '/v1/payments', { key: randomUUID(), body })).status === 201 || false,
      { timeoutMs: 30_000, what: 'checkout back behind the gateway' },
    );
    // ...and the key of the failed request still answers its first answer.
    const replay = await call('a', '/v1/payments', { key, body });
    expect(replay.status).toBe(503);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await replay.json()).toEqual(failure);
  });
});
