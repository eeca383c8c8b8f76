import { Secret } from '@tolem/config';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { createSandboxServer } from '../server';
import { createSmsOutbox } from '../sms-outbox';
import { silentLog } from '../testing/fakes';
import { createCashboxProvider } from '.';
import { REFUSED_EMAIL } from './cashbox.routes';
import { fingerprint, IDEMPOTENCE_TTL_MS } from './store';

const SHOP = '510001';
const SECRET = 'test_cashbox_secret';
const auth = (shop = SHOP, secret = SECRET) =>
  `Basic ${Buffer.from(`${shop}:${secret}`).toString('base64')}`;

function receiptBody(over: Record<string, unknown> = {}) {
  return {
    type: 'payment',
    payment_id: 'pay_1',
    customer: { email: 'payer@example.com' },
    items: [
      {
        description: 'Monthly plan',
        quantity: '1',
        amount: { value: '990.00', currency: 'RUB' },
        vat_code: 11,
        payment_subject: 'service',
        payment_mode: 'full_payment',
      },
    ],
    settlements: [{ type: 'cashless', amount: { value: '990.00', currency: 'RUB' } }],
    tax_system_code: 1,
    send: true,
    ...over,
  };
}

describe('sandbox cash register (YooKassa receipts API)', () => {
  let app: FastifyInstance;
  let now: Date;
  const slept: number[] = [];

  beforeEach(async () => {
    now = new Date('2026-12-06T10:00:00Z');
    slept.length = 0;
    const cashbox = createCashboxProvider({
      config: { shopId: SHOP, secretKey: new Secret(SECRET) },
      clock: () => now,
      sleep: async (ms) => {
        slept.push(ms);
      },
    });
    app = await createSandboxServer({
      log: silentLog,
      providers: [cashbox],
      sms: createSmsOutbox(),
    });
  });
  afterEach(async () => {
    await app.close();
  });

  const post = (body: unknown, key = 'rct_1', authorization = auth()) =>
    app.inject({
      method: 'POST',
      url: '/cashbox/v3/receipts',
      headers: { authorization, 'idempotence-key': key, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
  const received = async () =>
    (await app.inject({ method: 'GET', url: '/_sandbox/cashbox/receipts' })).json<{
      receipts: Array<Record<string, unknown>>;
    }>().receipts;

  it('registers a valid receipt and answers it succeeded with fiscal data', async () => {
    const res = await post(receiptBody());
    expect(res.statusCode).toBe(200);
    const r = res.json<Record<string, unknown>>();
    expect(r).toMatchObject({
      type: 'payment',
      payment_id: 'pay_1',
      status: 'succeeded',
      fiscal_document_number: '1',
      fiscal_storage_number: expect.stringMatching(/^\d{16}$/),
      fiscal_attribute: expect.stringMatching(/^\d{10}$/),
      registered_at: '2026-12-06T10:00:00.000Z',
      tax_system_code: 1,
      items: [
        expect.objectContaining({ vat_code: 11, amount: { value: '990.00', currency: 'RUB' } }),
      ],
    });
    expect(String(r['id'])).toMatch(/^rt-/);
    const got = await app.inject({
      method: 'GET',
      url: `/cashbox/v3/receipts/${String(r['id'])}`,
      headers: { authorization: auth() },
    });
    expect(got.json()).toEqual(r);
    const list = await received();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      id: r['id'],
      idempotence_key: 'rct_1',
      requests: 1,
      customer: { email: 'payer@example.com' },
    });
  });

  it('answers the first receipt again for the same key and body, and registers nothing new', async () => {
    const first = (await post(receiptBody())).json<{ id: string }>();
    // Same data, other key order: still the same request.
    const { send, ...rest } = receiptBody();
    const again = await post({ send, ...rest });
    expect(again.statusCode).toBe(200);
    expect(again.json<{ id: string }>().id).toBe(first.id);
    const list = await received();
    expect(list).toHaveLength(1);
    expect(list[0]?.['requests']).toBe(2);
  });

  it('refuses the same key with another body as YooKassa does (400 Idempotence key duplicated)', async () => {
    await post(receiptBody());
    const res = await post(receiptBody({ payment_id: 'pay_2' }));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      type: 'error',
      code: 'invalid_request',
      description: 'Idempotence key duplicated',
      parameter: 'Idempotence-Key',
    });
    expect(await received()).toHaveLength(1);
  });

  it('forgets a key after 24 hours: the same key then registers a new receipt', async () => {
    const first = (await post(receiptBody())).json<{ id: string }>();
    now = new Date(now.getTime() + IDEMPOTENCE_TTL_MS + 1);
    const second = (await post(receiptBody())).json<{ id: string }>();
    expect(second.id).not.toBe(first.id);
  });

  it('answers 401 invalid_credentials for a wrong secret or shop, and without auth', async () => {
    for (const authorization of [auth(SHOP, 'wrong'), auth('999', SECRET), '']) {
      const res = await post(receiptBody(), 'rct_1', authorization);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ type: 'error', code: 'invalid_credentials' });
    }
    expect(await received()).toHaveLength(0);
  });

  it('requires an Idempotence-Key', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/cashbox/v3/receipts',
      headers: { authorization: auth(), 'content-type': 'application/json' },
      payload: JSON.stringify(receiptBody()),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'invalid_request', parameter: 'Idempotence-Key' });
  });

  const item = receiptBody().items[0] as Record<string, unknown>;
  it.each([
    ['no customer contact', { customer: {} }, 'customer'],
    ['a bad email', { customer: { email: 'nope' } }, 'customer.email'],
    ['no items', { items: [] }, 'items'],
    [
      'a description over 128',
      { items: [{ ...item, description: 'x'.repeat(129) }] },
      'items[0].description',
    ],
    ['vat_code 13', { items: [{ ...item, vat_code: 13 }] }, 'items[0].vat_code'],
    ['vat_code 0', { items: [{ ...item, vat_code: 0 }] }, 'items[0].vat_code'],
    ['quantity 0', { items: [{ ...item, quantity: '0' }] }, 'items[0].quantity'],
    [
      'a zero amount',
      { items: [{ ...item, amount: { value: '0.00', currency: 'RUB' } }] },
      'items[0].amount.value',
    ],
    [
      'three fraction digits',
      { items: [{ ...item, amount: { value: '1.001', currency: 'RUB' } }] },
      'items[0].amount.value',
    ],
    [
      'a non-RUB amount',
      { items: [{ ...item, amount: { value: '990.00', currency: 'KGS' } }] },
      'items[0].amount.currency',
    ],
    [
      'an unknown payment mode',
      { items: [{ ...item, payment_mode: 'whenever' }] },
      'items[0].payment_mode',
    ],
    [
      'items not adding up to settlements',
      { settlements: [{ type: 'cashless', amount: { value: '989.99', currency: 'RUB' } }] },
      'settlements',
    ],
    ['tax_system_code 7', { tax_system_code: 7 }, 'tax_system_code'],
    ['send false', { send: false }, 'send'],
    ['no payment_id', { payment_id: undefined }, 'payment_id'],
  ])('refuses %s with 400 invalid_request naming the parameter', async (_name, over, parameter) => {
    const res = await post(receiptBody(over));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ type: 'error', code: 'invalid_request', parameter });
    expect(await received()).toHaveLength(0);
  });

  it('adds up quantity × price to the kopeck', async () => {
    const res = await post(
      receiptBody({
        items: [{ ...item, quantity: '3', amount: { value: '333.33', currency: 'RUB' } }],
        settlements: [{ type: 'cashless', amount: { value: '999.99', currency: 'RUB' } }],
      }),
    );
    expect(res.statusCode).toBe(200);
  });

  it('refuses the magic customer email, so a register refusal can be tested', async () => {
    const res = await post(receiptBody({ customer: { email: REFUSED_EMAIL } }));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ parameter: 'customer.email' });
  });

  it('fails the next N requests with the injected status, then registers', async () => {
    const set = await app.inject({
      method: 'POST',
      url: '/_sandbox/cashbox/faults',
      payload: { fail_next: 2, fail_status: 503 },
    });
    expect(set.json()).toMatchObject({ fail_next: 2, fail_status: 503 });
    expect((await post(receiptBody())).statusCode).toBe(503);
    expect((await post(receiptBody())).statusCode).toBe(503);
    expect(await received()).toHaveLength(0);
    expect((await post(receiptBody())).statusCode).toBe(200);
    expect(await received()).toHaveLength(1);
  });

  it('with a delay fault registers first, then answers late; the resend gets the same receipt', async () => {
    await app.inject({
      method: 'POST',
      url: '/_sandbox/cashbox/faults',
      payload: { delay_next: 1, delay_ms: 5000 },
    });
    const first = (await post(receiptBody())).json<{ id: string }>();
    expect(slept).toEqual([5000]);
    const second = (await post(receiptBody())).json<{ id: string }>();
    expect(second.id).toBe(first.id);
    expect(slept).toEqual([5000]);
    expect(await received()).toHaveLength(1);
  });

  it('answers 404 not_found for an unknown receipt', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/cashbox/v3/receipts/rt-nope',
      headers: { authorization: auth() },
    });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ type: 'error', code: 'not_found' });
  });

  it('fingerprints JSON independently of key order', () => {
    expect(fingerprint({ a: 1, b: { c: 2, d: 3 } })).toBe(fingerprint({ b: { d: 3, c: 2 }, a: 1 }));
    expect(fingerprint({ a: 1 })).not.toBe(fingerprint({ a: 2 }));
  });
});
