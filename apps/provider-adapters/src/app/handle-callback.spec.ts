import { createHash } from 'node:crypto';

import { Secret } from '@tolem/config';
import { type CurrencyCode, money } from '@tolem/money';
import { describe, expect, it } from 'vitest';

import type { RawCallback } from '../domain/callback';
import { createProviderRegistry } from '../providers/registry';
import { createWebMoneyAdapter } from '../providers/webmoney/webmoney.adapter';
import { inMemoryCallbacks, inMemoryTransactions, memoryLog } from '../testing/in-memory.fakes';
import { makeHandleCallback } from './handle-callback';
import { makeStartPayment } from './start-payment';

const SECRET = 'unit-secret-key';

function setup() {
  const transactions = inMemoryTransactions({ firstOrderNo: 100n });
  const callbacks = inMemoryCallbacks();
  const log = memoryLog();
  const adapter = createWebMoneyAdapter({
    config: {
      merchantUrl: 'https://sandbox.test/webmoney/lmi/payment_utf.asp',
      resultUrl: 'https://pay.test/callbacks/webmoney',
      purses: new Map<CurrencyCode, string>([['USD', 'Z145179295679']]),
      secretKey: new Secret(SECRET),
      allowSignHash: false,
      requireHash2: true,
      mode: '1',
    },
    transactions,
  });
  const registry = createProviderRegistry([adapter]);
  const startTest = makeStartPayment({ registry, environment: 'sandbox' });
  return {
    transactions,
    callbacks,
    log,
    startPayment: (input: Parameters<typeof startTest>[0]) => startTest(input, false),
    startLive: makeStartPayment({ registry, environment: 'live' }),
    handleCallback: makeHandleCallback({ registry, callbacks, log }),
  };
}

function notification(overrides: Record<string, string> = {}): Record<string, string> {
  const f: Record<string, string> = {
    LMI_PAYEE_PURSE: 'Z145179295679',
    LMI_PAYMENT_AMOUNT: '10.00',
    LMI_PAYMENT_NO: '100',
    LMI_MODE: '1',
    LMI_SYS_INVS_NO: '11',
    LMI_SYS_TRANS_NO: '22',
    LMI_SYS_TRANS_DATE: '20261123 12:00:00',
    LMI_PAYER_PURSE: 'Z000000000001',
    LMI_PAYER_WM: '000000000001',
    ...overrides,
  };
  const values = [
    f['LMI_PAYEE_PURSE'],
    f['LMI_PAYMENT_AMOUNT'],
    f['LMI_PAYMENT_NO'],
    f['LMI_MODE'],
    f['LMI_SYS_INVS_NO'],
    f['LMI_SYS_TRANS_NO'],
    f['LMI_SYS_TRANS_DATE'],
    SECRET,
    f['LMI_PAYER_PURSE'],
    f['LMI_PAYER_WM'],
  ];
  const sha = (t: string) => createHash('sha256').update(t).digest('hex').toUpperCase();
  return { ...f, LMI_HASH: sha(values.join('')), LMI_HASH2: sha(values.join(';')) };
}

const raw = (fields: Record<string, string>): RawCallback => ({
  method: 'POST',
  path: '/callbacks/webmoney',
  query: '',
  headers: {
    'content-type': 'application/x-www-form-urlencoded',
    authorization: 'Bearer leaked',
    'x-forwarded-for': '1.2.3.4',
  },
  body: Buffer.from(new URLSearchParams(fields).toString()),
  remoteAddress: '203.0.113.9',
});

const start = {
  paymentId: 'pay_1',
  merchantId: 'mer_1',
  method: 'webmoney_purse' as const,
  amount: money(1000n, 'USD'),
  description: 'Test',
  successUrl: '',
  failUrl: '',
  payer: {},
  providerShopId: '1',
};

describe('handleCallback', () => {
  it('stores the raw callback, then records the verdict and payment', async () => {
    const s = setup();
    await s.startPayment(start);
    const request = raw(notification());
    const result = await s.handleCallback('webmoney', request);
    expect(result).toMatchObject({ outcome: 'succeeded', verdict: 'accepted', paymentId: 'pay_1' });
    expect(result.callbackId).toMatch(/^cb_/);
    expect(s.callbacks.rows).toHaveLength(1);
    expect(s.callbacks.rows[0]).toMatchObject({
      id: result.callbackId,
      provider: 'webmoney',
      verdict: 'accepted',
      paymentId: 'pay_1',
    });
    expect(s.callbacks.rows[0]?.raw.body.equals(request.body)).toBe(true);
    expect(s.callbacks.rows[0]?.raw.headers).toEqual({
      'content-type': 'application/x-www-form-urlencoded',
      'x-forwarded-for': '1.2.3.4',
    });
  });

  it('logs a refusal with its reason and field names but never the secret or hashes', async () => {
    const s = setup();
    await s.startPayment(start);
    const forged: Record<string, string> = {
      ...notification(),
      LMI_HASH: 'A'.repeat(64),
      LMI_SECRET_KEY: SECRET,
    };
    const result = await s.handleCallback('webmoney', raw(forged));
    expect(result).toMatchObject({ outcome: 'rejected', reasonCode: 'PROVIDER_SIGNATURE_INVALID' });
    expect(s.callbacks.rows[0]).toMatchObject({
      verdict: 'rejected',
      reasonCode: 'PROVIDER_SIGNATURE_INVALID',
    });
    expect(s.callbacks.rows[0]?.raw.body.toString()).not.toContain(SECRET);
    expect(s.log.lines).toHaveLength(1);
    const line = s.log.lines[0];
    expect(line).toMatchObject({
      level: 'warn',
      fields: { reasonCode: 'PROVIDER_SIGNATURE_INVALID', fields: ['LMI_HASH'] },
    });
    const text = JSON.stringify(line);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('A'.repeat(64));
    expect(text).not.toContain(forged['LMI_HASH2'] ?? 'missing');
    expect(s.transactions.rows.size).toBe(1);
    expect([...s.transactions.rows.values()][0]?.status).toBe('created');
  });

  it('marks a repeated notification as duplicate and logs a second transfer as an error', async () => {
    const s = setup();
    await s.startPayment(start);
    await s.handleCallback('webmoney', raw(notification()));
    const again = await s.handleCallback('webmoney', raw(notification()));
    expect(again).toMatchObject({ outcome: 'succeeded', verdict: 'duplicate' });
    const second = await s.handleCallback(
      'webmoney',
      raw(notification({ LMI_SYS_TRANS_NO: '23' })),
    );
    // Money WebMoney moved: reported as received (checkout holds it in a case), never refused.
    expect(second).toMatchObject({
      outcome: 'succeeded',
      providerPaymentId: '23',
      attributes: { webmoney_second_transfer: 'true' },
    });
    expect(s.callbacks.rows.map((r) => r.verdict)).toEqual(['accepted', 'duplicate', 'accepted']);
    expect(s.log.lines.map((l) => [l.level, l.message])).toEqual([
      ['info', 'provider callback repeated'],
      ['error', 'provider callback needs attention'],
    ]);
  });

  it('stores a callback for a provider without an adapter, then refuses it', async () => {
    const s = setup();
    await expect(s.handleCallback('paykassma', raw({ a: '1' }))).rejects.toMatchObject({
      code: 'PROVIDER_METHOD_UNSUPPORTED',
      kind: 'precondition',
    });
    expect(s.callbacks.rows[0]).toMatchObject({
      provider: 'paykassma',
      verdict: 'rejected',
      reasonCode: 'PROVIDER_METHOD_UNSUPPORTED',
    });
  });
});

describe('startPayment', () => {
  it('routes by method and refuses methods without an adapter', async () => {
    const s = setup();
    const result = await s.startPayment(start);
    expect(result).toMatchObject({ provider: 'webmoney', providerReference: '100' });
    await expect(s.startPayment({ ...start, method: 'card' })).rejects.toMatchObject({
      code: 'PROVIDER_METHOD_UNSUPPORTED',
      details: { method: 'card', provider: 'intellectmoney' },
    });
    await expect(s.startPayment({ ...start, method: 'qr' })).rejects.toMatchObject({
      code: 'PROVIDER_METHOD_UNSUPPORTED',
    });
  });

  it('refuses a payment whose mode is not the deployment’s before any provider is called', async () => {
    const s = setup();
    const sandbox = makeStartPayment({
      registry: createProviderRegistry([]),
      environment: 'sandbox',
    });
    // A live payment never reaches sandbox URLs, even for a method nobody serves here.
    await expect(sandbox(start, true)).rejects.toMatchObject({
      code: 'PROVIDER_LIVEMODE_MISMATCH',
      kind: 'precondition',
      details: { livemode: 'true', environment: 'sandbox' },
    });
    await expect(s.startLive(start, false)).rejects.toMatchObject({
      code: 'PROVIDER_LIVEMODE_MISMATCH',
      details: { livemode: 'false', environment: 'live' },
    });
    expect(s.transactions.rows.size).toBe(0);
    expect(await s.startLive(start, true)).toMatchObject({ provider: 'webmoney' });
  });
});
