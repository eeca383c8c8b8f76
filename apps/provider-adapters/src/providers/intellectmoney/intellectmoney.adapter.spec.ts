import { createHash } from 'node:crypto';

import { Secret } from '@tolem/config';
import { money } from '@tolem/money';
import { describe, expect, it } from 'vitest';

import type { RawCallback } from '../../domain/callback';
import { providerErrors } from '../../domain/errors';
import type { ProviderHttpRequest } from '../../domain/ports';
import { inMemoryTransactions, jsonAnswer, scriptedHttp } from '../../testing/in-memory.fakes';
import type { StartPaymentInput } from '../provider.port';
import { createIntellectMoneyAdapter, type IntellectMoneyConfig } from './intellectmoney.adapter';
import { DEFAULT_NOTIFICATION_HASH_ORDER } from './signatures';

const SECRET = 'im-secret-key';
const ESHOP = '450000';

const config: IntellectMoneyConfig = {
  paymentUrl: 'https://sandbox.test/intellectmoney/ru/',
  apiUrl: 'https://sandbox.test/intellectmoney',
  eshopId: ESHOP,
  secretKey: new Secret(SECRET),
  bearerToken: new Secret('bearer-1'),
  signSecret: new Secret('sign-1'),
  userToken: new Secret('user-1'),
  hashOrder: DEFAULT_NOTIFICATION_HASH_ORDER,
  resultUrl: 'https://pay.test/callbacks/intellectmoney',
};

const md5 = (t: string) => createHash('md5').update(t, 'utf8').digest('hex');

/** Signs like IntellectMoney does (legacy order, protocols.md §3.4), independently of the adapter. */
function notification(f: Record<string, string>, secret = SECRET): Record<string, string> {
  const order = [
    'eshopId',
    'orderId',
    'serviceName',
    'eshopAccount',
    'recipientAmount',
    'recipientCurrency',
    'paymentStatus',
    'userName',
    'userEmail',
    'paymentData',
  ];
  const base = [...order.map((k) => f[k] ?? ''), secret].join('::');
  return { ...f, hash: md5(base) };
}

function post(
  fields: Record<string, string>,
  contentType = 'application/x-www-form-urlencoded',
): RawCallback {
  return {
    method: 'POST',
    path: '/callbacks/intellectmoney',
    query: '',
    headers: { 'content-type': contentType },
    body: Buffer.from(new URLSearchParams(fields).toString(), 'utf8'),
    remoteAddress: '203.0.113.5',
  };
}

const start: StartPaymentInput = {
  paymentId: 'pay_card_1',
  merchantId: 'mer_1',
  method: 'card',
  amount: money(10050n, 'RUB'),
  description: 'Подписка',
  successUrl: 'https://shop.test/ok',
  failUrl: '',
  payer: { remember_card: 'true', email: 'payer@example.com' },
  providerShopId: '',
};

function setup(
  options: {
    http?: ReturnType<typeof scriptedHttp>;
    firstOrderNo?: bigint;
    clock?: { now: () => Date };
  } = {},
) {
  const transactions = inMemoryTransactions({ firstOrderNo: options.firstOrderNo ?? 700n });
  const http = options.http ?? scriptedHttp(() => jsonAnswer(500, {}));
  const adapter = createIntellectMoneyAdapter({
    config,
    transactions,
    http,
    clock: options.clock ?? { now: () => new Date('2026-11-23T10:00:00Z') },
    chargePoll: { attempts: 3, intervalMs: 0 },
  });
  const only = () => [...transactions.rows.values()][0];
  return { adapter, transactions, http, only };
}

const fieldsOf = (action: { kind: string; fields?: { name: string; value: string }[] }) =>
  Object.fromEntries((action.fields ?? []).map((f) => [f.name, f.value]));

/** A notification for the started payment (order 700, 100.50 RUB). */
const paid = (overrides: Record<string, string> = {}) =>
  notification({
    eshopId: ESHOP,
    paymentId: '3000000701',
    orderId: '700',
    eshopAccount: '4000450000',
    serviceName: 'Подписка',
    recipientAmount: '100.50',
    recipientOriginalAmount: '100.50',
    recipientCurrency: 'RUB',
    paymentStatus: '5',
    userName: '',
    userEmail: 'payer@example.com',
    paymentData: '2026-11-23 13:00:00',
    recurringState: 'Activated',
    recurringBindingId: '3000000701',
    userFieldName_1: 'tolem_payment_id',
    userField_1: 'pay_card_1',
    ...overrides,
  });

describe('IntellectMoney startPayment', () => {
  it('posts the merchant form with the MD5 hash, recurringType=Activate and the result URL', async () => {
    const { adapter, only } = setup();
    const result = await adapter.startPayment(start);
    expect(result).toMatchObject({ provider: 'intellectmoney', providerReference: '700' });
    if (result.action.kind !== 'form_post') throw new Error('expected a form post');
    expect(result.action.url).toBe(config.paymentUrl);
    expect(result.action.fields.map((f) => f.name)).toEqual([
      'eshopId',
      'orderId',
      'serviceName',
      'recipientAmount',
      'recipientCurrency',
      'email',
      'successUrl',
      'resultUrl',
      'preference',
      'recurringType',
      'userFieldName_1',
      'userField_1',
      'hash',
    ]);
    const f = fieldsOf(result.action);
    expect(f).toMatchObject({
      eshopId: ESHOP,
      orderId: '700',
      recipientAmount: '100.50',
      recipientCurrency: 'RUB',
      recurringType: 'Activate',
      resultUrl: config.resultUrl,
      userField_1: 'pay_card_1',
    });
    expect(f['hash']).toBe(md5(`${ESHOP}::700::Подписка::100.50::RUB::Activate::${SECRET}`));
    expect(only()).toMatchObject({ amountText: '100.50', attributes: { remember_card: 'true' } });
  });

  it('signs without recurringType when the card is not remembered, and reuses the order', async () => {
    const { adapter, transactions } = setup();
    await adapter.startPayment(start);
    const again = await adapter.startPayment({ ...start, payer: {} });
    const f = fieldsOf(again.action);
    expect(f['orderId']).toBe('700');
    expect(f).not.toHaveProperty('recurringType');
    expect(f['hash']).toBe(md5(`${ESHOP}::700::Подписка::100.50::RUB::${SECRET}`));
    expect(transactions.rows.size).toBe(1);
    expect([...transactions.rows.values()][0]?.attributes['remember_card']).toBe('false');
  });

  it('refuses other currencies, methods and a changed amount before writing', async () => {
    const { adapter, transactions } = setup();
    await expect(
      adapter.startPayment({ ...start, paymentId: 'p2', amount: money(100n, 'MMK') }),
    ).rejects.toMatchObject({ code: 'PROVIDER_CURRENCY_UNSUPPORTED' });
    await expect(adapter.startPayment({ ...start, method: 'wavepay' })).rejects.toMatchObject({
      code: 'PROVIDER_METHOD_UNSUPPORTED',
    });
    expect(transactions.rows.size).toBe(0);
    await adapter.startPayment(start);
    await expect(
      adapter.startPayment({ ...start, amount: money(10051n, 'RUB') }),
    ).rejects.toMatchObject({ code: 'PROVIDER_PAYMENT_CONFLICT', details: { field: 'amount' } });
  });
});

describe('IntellectMoney notifications', () => {
  async function started() {
    const s = setup();
    await s.adapter.startPayment(start);
    return s;
  }

  it('answers OK, settles on paymentStatus 5 and reports the card binding', async () => {
    const { adapter, only } = await started();
    const res = await adapter.handleCallback(post(paid()));
    expect(res.reply).toMatchObject({ statusCode: 200 });
    expect(res.reply.body.toString()).toBe('OK');
    expect(res).toMatchObject({
      outcome: 'succeeded',
      verdict: 'accepted',
      paymentId: 'pay_card_1',
      providerPaymentId: '3000000701',
      amount: { amountMinor: 10050n, currency: 'RUB' },
      cardBinding: { bindingRef: '3000000701', state: 'activated', cardLast4: '' },
      attributes: { intellectmoney_payment_id: '3000000701', recurring_state: 'activated' },
    });
    expect(res.attributes).not.toHaveProperty('remember_card');
    expect(res.attributes).not.toHaveProperty('binding_ref');
    expect(only()).toMatchObject({
      status: 'succeeded',
      attributes: { recurring_state: 'activated' },
    });
  });

  it('renders a retry as 503 without OK and a refusal as 400 without OK (§3.4)', async () => {
    const { adapter } = await started();
    const res = await adapter.handleCallback(post(paid()));
    expect(res.retryReply.statusCode).toBe(503);
    expect(res.retryReply.body.toString()).toBe('PROVIDER_UNAVAILABLE');
    expect(res.refusalReply.statusCode).toBe(400);
    expect(res.refusalReply.body.toString()).not.toBe('OK');
  });

  it('maps 3 to pending (recording the invoice), 6 and 7 to pending, 4 to failed', async () => {
    const { adapter, only } = await started();
    const created = await adapter.handleCallback(post(paid({ paymentStatus: '3' })));
    expect(created).toMatchObject({ outcome: 'pending', verdict: 'accepted' });
    expect(only()).toMatchObject({
      status: 'created',
      attributes: { intellectmoney_payment_id: '3000000701' },
    });
    const held = await adapter.handleCallback(post(paid({ paymentStatus: '6' })));
    expect(held.outcome).toBe('pending');
    const partial = await adapter.handleCallback(post(paid({ paymentStatus: '7' })));
    expect(partial).toMatchObject({ outcome: 'pending', diagnostics: { level: 'warn' } });
    expect(only()?.status).toBe('pending');
    const cancelled = await adapter.handleCallback(post(paid({ paymentStatus: '4' })));
    expect(cancelled).toMatchObject({ outcome: 'failed', reasonCode: 'PROVIDER_PAYMENT_FAILED' });
    expect(cancelled.reply.body.toString()).toBe('OK');
    expect(only()?.status).toBe('failed');
  });

  it('treats repeats and late or out-of-order notifications as duplicates, still answering OK', async () => {
    const { adapter, only } = await started();
    await adapter.handleCallback(post(paid()));
    const again = await adapter.handleCallback(post(paid()));
    expect(again).toMatchObject({ outcome: 'succeeded', verdict: 'duplicate' });
    const lateCreated = await adapter.handleCallback(post(paid({ paymentStatus: '3' })));
    expect(lateCreated).toMatchObject({ outcome: 'succeeded', verdict: 'duplicate' });
    expect(lateCreated.reply.body.toString()).toBe('OK');
    const cancelAfterPaid = await adapter.handleCallback(post(paid({ paymentStatus: '4' })));
    expect(cancelAfterPaid).toMatchObject({
      outcome: 'succeeded',
      verdict: 'duplicate',
      diagnostics: { level: 'error' },
    });
    expect(only()).toMatchObject({ status: 'succeeded', providerPaymentId: '3000000701' });
  });

  it('reports a second invoice paid for a paid order as money received, keeping the first settlement', async () => {
    const { adapter, only } = await started();
    await adapter.handleCallback(post(paid()));
    const other = await adapter.handleCallback(post(paid({ paymentId: '3000000799' })));
    expect(other).toMatchObject({
      outcome: 'succeeded',
      verdict: 'accepted',
      paymentId: 'pay_card_1',
      providerPaymentId: '3000000799',
      amount: { amountMinor: 10050n, currency: 'RUB' },
      attributes: { intellectmoney_second_transfer: 'true' },
    });
    expect(other.reply.body.toString()).toBe('OK');
    expect(only()).toMatchObject({ status: 'succeeded', providerPaymentId: '3000000701' });
    const again = await adapter.handleCallback(post(paid({ paymentId: '3000000799' })));
    expect(again).toMatchObject({ verdict: 'duplicate', providerPaymentId: '3000000799' });
    expect(only()?.extraTransfers).toHaveLength(1);
  });

  it.each([
    ['another amount', { recipientAmount: '100.49' }, { amountMinor: 10049n, currency: 'RUB' }],
    [
      'another currency',
      { recipientCurrency: 'USD', recipientAmount: '1.25' },
      { amountMinor: 125n, currency: 'USD' },
    ],
  ])(
    'reports a correctly signed paid notification with %s as the money received',
    async (_name, override, amount) => {
      const { adapter, only } = await started();
      const res = await adapter.handleCallback(post(paid(override)));
      expect(res).toMatchObject({
        outcome: 'succeeded',
        verdict: 'accepted',
        amount,
        providerPaymentId: '3000000701',
        attributes: { intellectmoney_amount_differs: 'true' },
      });
      expect(res.reply.body.toString()).toBe('OK');
      expect(only()).toMatchObject({ status: 'created', providerPaymentId: null });
    },
  );

  it('still settles on the order amount after the same invoice was reported with another', async () => {
    const { adapter, only } = await started();
    await adapter.handleCallback(post(paid({ recipientAmount: '100.49' })));
    const genuine = await adapter.handleCallback(post(paid()));
    expect(genuine).toMatchObject({
      outcome: 'succeeded',
      verdict: 'accepted',
      amount: { amountMinor: 10050n, currency: 'RUB' },
    });
    expect(only()).toMatchObject({ status: 'succeeded', providerPaymentId: '3000000701' });
    // The odd report again: still the recorded extra money, answered as the first time.
    const odd = await adapter.handleCallback(post(paid({ recipientAmount: '100.49' })));
    expect(odd).toMatchObject({
      verdict: 'duplicate',
      amount: { amountMinor: 10049n, currency: 'RUB' },
      attributes: { intellectmoney_amount_differs: 'true' },
    });
    // The settling invoice reported with a third sum: answered as settled, logged as an error.
    const third = await adapter.handleCallback(post(paid({ recipientAmount: '99.00' })));
    expect(third).toMatchObject({
      verdict: 'duplicate',
      amount: { amountMinor: 10050n, currency: 'RUB' },
      diagnostics: { level: 'error' },
    });
  });

  it('reports payment of an order it holds as cancelled as money received', async () => {
    const { adapter, only } = await started();
    await adapter.handleCallback(post(paid({ paymentStatus: '4' })));
    const late = await adapter.handleCallback(post(paid()));
    expect(late).toMatchObject({
      outcome: 'succeeded',
      amount: { amountMinor: 10050n, currency: 'RUB' },
      providerPaymentId: '3000000701',
      attributes: { intellectmoney_after_failure: 'true' },
    });
    expect(only()?.status).toBe('failed');
  });

  it.each([
    ['a currency Tolem does not book', { recipientCurrency: 'XXX' }, 'PROVIDER_CURRENCY_MISMATCH'],
    [
      'an amount that is not a decimal',
      { recipientAmount: '100,50' },
      'PROVIDER_MALFORMED_CALLBACK',
    ],
    [
      'another amount on a status that moves no money',
      { recipientAmount: '100.49', paymentStatus: '3' },
      'PROVIDER_AMOUNT_MISMATCH',
    ],
  ])('refuses a correctly signed notification with %s', async (_name, override, code) => {
    const { adapter, only } = await started();
    const res = await adapter.handleCallback(post(paid(override)));
    expect(res).toMatchObject({ outcome: 'rejected', reasonCode: code });
    expect(only()?.status).toBe('created');
  });

  it.each([
    ['a forged hash', { hash: 'f'.repeat(32) }, 'PROVIDER_SIGNATURE_INVALID'],
    ['no hash', { hash: '' }, 'PROVIDER_SIGNATURE_INVALID'],
  ])('refuses %s and changes nothing', async (_name, override, code) => {
    const { adapter, only } = await started();
    const res = await adapter.handleCallback(post({ ...paid(), ...override }));
    expect(res).toMatchObject({ outcome: 'rejected', reasonCode: code });
    expect(res.reply.body.toString()).not.toBe('OK');
    expect(only()?.status).toBe('created');
  });

  it.each([
    ['an unknown order', { orderId: '999' }, 'PROVIDER_UNKNOWN_ORDER'],
    ['another shop', { eshopId: '450001' }, 'PROVIDER_ACCOUNT_MISMATCH'],
    ['an unknown status', { paymentStatus: '9' }, 'PROVIDER_MALFORMED_CALLBACK'],
    ['a foreign payment id echo', { userField_1: 'pay_other' }, 'PROVIDER_UNKNOWN_ORDER'],
    ['an invoice id longer than any', { paymentId: '3'.repeat(65) }, 'PROVIDER_MALFORMED_CALLBACK'],
  ])('refuses a correctly signed notification with %s', async (_name, override, code) => {
    const { adapter, only } = await started();
    const res = await adapter.handleCallback(post(paid(override)));
    expect(res).toMatchObject({ outcome: 'rejected', reasonCode: code });
    expect(only()?.status).toBe('created');
  });

  it('accepts the same sum spelled differently, and RUR for RUB', async () => {
    const { adapter } = await started();
    const res = await adapter.handleCallback(
      post(paid({ recipientAmount: '100.5', recipientCurrency: 'RUR' })),
    );
    expect(res.outcome).toBe('succeeded');
  });

  it('refuses malformed bodies without throwing', async () => {
    const { adapter } = await started();
    for (const raw of [
      { ...post(paid()), body: Buffer.alloc(0) },
      { ...post(paid()), method: 'GET' },
      post(paid(), 'application/json'),
    ]) {
      const res = await adapter.handleCallback(raw);
      expect(res).toMatchObject({ outcome: 'rejected', reasonCode: 'PROVIDER_MALFORMED_CALLBACK' });
    }
  });

  it('reads a windows-1251 body and its cp1251 hash', async () => {
    const { adapter } = await started();
    const f = paid({ userName: 'Иван' });
    // Re-sign over the cp1251 bytes, as older handlers do (Python: str.encode('cp1251')).
    const base = [
      f['eshopId'],
      f['orderId'],
      f['serviceName'],
      f['eshopAccount'],
      f['recipientAmount'],
      f['recipientCurrency'],
      f['paymentStatus'],
      f['userName'],
      f['userEmail'],
      f['paymentData'],
      SECRET,
    ].join('::');
    const cp1251 = Buffer.from(
      [...base].map((ch) => {
        const c = ch.charCodeAt(0);
        if (c < 0x80) return c;
        if (c >= 0x410 && c <= 0x44f) return c - 0x410 + 0xc0;
        throw new Error(`no cp1251 byte for ${ch}`);
      }),
    );
    const hash = createHash('md5').update(cp1251).digest('hex');
    const enc = (t: string) =>
      [...t]
        .map((ch) => {
          const c = ch.charCodeAt(0);
          if (c >= 0x410 && c <= 0x44f) return `%${(c - 0x410 + 0xc0).toString(16).toUpperCase()}`;
          return encodeURIComponent(ch);
        })
        .join('');
    const body = Object.entries({ ...f, hash })
      .map(([k, v]) => `${k}=${enc(v)}`)
      .join('&');
    const res = await adapter.handleCallback({
      ...post(f, 'application/x-www-form-urlencoded; charset=windows-1251'),
      body: Buffer.from(body, 'latin1'),
    });
    expect(res).toMatchObject({ outcome: 'succeeded' });
  });

  it('ignores recurringState for a payment that did not ask to bind, and redacts secretKey for audit', async () => {
    const s = setup();
    await s.adapter.startPayment({ ...start, payer: {} });
    const res = await s.adapter.handleCallback(post(paid()));
    expect(res.outcome).toBe('succeeded');
    expect(res.cardBinding).toBeUndefined();
    // An unbelieved state never reaches the merchant's notification either.
    expect(res.attributes).not.toHaveProperty('recurring_state');
    const redacted = s.adapter.redactForAudit?.(post({ ...paid(), secretKey: SECRET }));
    expect(redacted?.body.toString()).not.toContain(SECRET);
  });
});

describe('IntellectMoney bound-card charges', () => {
  /** A bound card (order 700 paid with recurringState Activated). */
  async function bound(
    handler: (req: ProviderHttpRequest) => ReturnType<typeof jsonAnswer>,
    clock?: { now: () => Date },
  ) {
    const http = scriptedHttp(handler);
    const s = setup({ http, ...(clock ? { clock } : {}) });
    await s.adapter.startPayment(start);
    await s.adapter.handleCallback(post(paid()));
    return s;
  }

  const envelope = (result: Record<string, unknown>, code = 0) =>
    jsonAnswer(200, {
      OperationState: { Code: 0, Desc: 'OK' },
      Result: { State: { Code: code, Desc: code === 0 ? 'OK' : 'refused' }, ...result },
    });

  /** IntellectMoney answering set with an operation id and get with one execution. */
  const provider =
    (execution: Record<string, unknown> | undefined) => (req: ProviderHttpRequest) =>
      req.url.endsWith('/setScheduledOperationData')
        ? envelope({ Operation: 'op-1', CronOperationId: 'op-1' })
        : envelope({
            TotalCount: 1,
            Operations: [{ Operation: 'op-1', Executions: execution ? [execution] : [] }],
          });

  const charge = {
    idempotencyKey: 'charge-1',
    merchantId: 'mer_1',
    bindingRef: '3000000701',
    amount: money(20000n, 'RUB'),
    description: 'Monthly',
    paymentId: 'pay_rc_1',
  };

  it('creates a one-shot scheduled operation signed with Bearer and Sign, and reads its result', async () => {
    const { adapter, http, transactions } = await bound(
      provider({ PaymentId: '3000000801', RcCode: '00' }),
    );
    const result = await adapter.chargeBoundCard?.(charge);
    expect(result).toMatchObject({
      outcome: 'succeeded',
      providerPaymentId: '3000000801',
      providerOperationId: 'op-1',
      replayed: false,
    });
    const set = http.calls[0];
    expect(set?.url).toBe(
      'https://sandbox.test/intellectmoney/personal/scheduler/setScheduledOperationData',
    );
    expect(set?.headers['authorization']).toBe('Bearer bearer-1');
    const body = JSON.parse(set?.body ?? '{}') as Record<string, string>;
    expect(body).toMatchObject({
      UserToken: 'user-1',
      ObjectId: '3000000701',
      ObjectTypeVal: '1',
      ParamsJson: '{"Amount":"200.00"}',
      IsSingle: '1',
      RetryOnFailCount: '0',
    });
    // Sign recomputed independently over the documented pattern.
    const v = (k: string) => body[k] ?? '';
    const signBase = [
      v('UserToken'),
      '',
      '',
      v('Operation'),
      v('ObjectId'),
      v('ObjectTypeVal'),
      v('ParamsJson'),
      v('RepeatPlan'),
      v('RetryOnFailPlan'),
      v('RetryOnFailCount'),
      v('IsSingle'),
      v('FireOnSkip'),
      v('State'),
      '',
      '',
      v('EndExecDate'),
      'sign-1',
    ].join('::');
    expect(set?.headers['sign']).toBe(createHash('sha256').update(signBase).digest('hex'));
    expect(http.calls[1]?.url).toMatch(/getScheduledOperationData$/);
    const row = [...transactions.rows.values()].find((r) => r.paymentId === 'pay_rc_1');
    expect(row).toMatchObject({
      kind: 'bound_card_charge',
      status: 'succeeded',
      externalRef: 'op-1',
    });
  });

  it.each([
    ['51', 'soft'],
    ['05', 'soft'],
    ['61', 'soft'],
    ['65', 'soft'],
    ['14', 'hard'],
    ['54', 'hard'],
    ['57', 'hard'],
  ])('reports decline %s as %s', async (code, kind) => {
    const { adapter } = await bound(provider({ PaymentId: '3000000802', RcCode: code }));
    const result = await adapter.chargeBoundCard?.(charge);
    expect(result).toMatchObject({
      outcome: 'failed',
      declineCode: code,
      declineKind: kind,
      reasonCode: 'PROVIDER_CARD_DECLINED',
    });
  });

  it('reports a code outside the seed without a kind, for the recurring decline table to decide', async () => {
    const { adapter } = await bound(provider({ PaymentId: '3000000803', RcCode: '91' }));
    const result = await adapter.chargeBoundCard?.(charge);
    expect(result).toMatchObject({ outcome: 'failed', declineCode: '91' });
    expect(result?.declineKind).toBeUndefined();
  });

  it('is idempotent on the key: a retry replays without calling again; other terms conflict', async () => {
    const { adapter, http } = await bound(provider({ PaymentId: '3000000801', RcCode: '00' }));
    await adapter.chargeBoundCard?.(charge);
    const calls = http.calls.length;
    const again = await adapter.chargeBoundCard?.(charge);
    expect(again).toMatchObject({ outcome: 'succeeded', replayed: true });
    expect(http.calls.length).toBe(calls);
    await expect(
      adapter.chargeBoundCard?.({ ...charge, amount: money(20001n, 'RUB') }),
    ).rejects.toMatchObject({
      code: 'PROVIDER_IDEMPOTENCY_CONFLICT',
      details: { field: 'amount' },
    });
    await expect(
      adapter.chargeBoundCard?.({ ...charge, idempotencyKey: 'charge-2' }),
    ).rejects.toMatchObject({
      code: 'PROVIDER_IDEMPOTENCY_CONFLICT',
      details: { field: 'idempotency_key' },
    });
  });

  it('answers PENDING when the operation has not run yet, and settles on a later query', async () => {
    const ran: { execution?: Record<string, unknown> } = {};
    const { adapter, transactions } = await bound((req) => provider(ran.execution)(req));
    const first = await adapter.chargeBoundCard?.(charge);
    expect(first).toMatchObject({ outcome: 'pending', providerOperationId: 'op-1' });
    ran.execution = { PaymentId: '3000000803', RcCode: '51' };
    const row = [...transactions.rows.values()].find((r) => r.paymentId === 'pay_rc_1');
    if (!row) throw new Error('no charge row');
    const status = await adapter.queryStatus?.(row);
    expect(status).toMatchObject({
      checkedWithProvider: true,
      transaction: { status: 'failed', declineCode: '51' },
    });
  });

  it('never sends twice when the first call got no answer', async () => {
    const { adapter, http } = await bound(() => {
      throw providerErrors.create('PROVIDER_UNAVAILABLE', 'provider did not answer (ECONNRESET)');
    });
    const first = await adapter.chargeBoundCard?.(charge);
    expect(first).toMatchObject({ outcome: 'pending', reasonCode: 'PROVIDER_CHARGE_UNCONFIRMED' });
    const again = await adapter.chargeBoundCard?.(charge);
    expect(again).toMatchObject({ outcome: 'pending', replayed: true });
    const sets = http.calls.filter((c) => c.url.endsWith('/setScheduledOperationData'));
    expect(sets).toHaveLength(1);
  });

  /**
   * IntellectMoney keeping the operations it was sent, whose create answers are lost while
   * `lose` is set; each runs approved, with its own invoice (3000000811, 3000000812…).
   */
  function keepingOperations() {
    const kept: Record<string, unknown>[] = [];
    const state = { lose: true, listed: 0 };
    const handler = (req: ProviderHttpRequest) => {
      const body = JSON.parse(req.body ?? '{}') as Record<string, string>;
      if (req.url.endsWith('/setScheduledOperationData')) {
        const id = `op-${kept.length + 1}`;
        const execution = { PaymentId: String(3000000811 + kept.length), RcCode: '00' };
        kept.push({ ...body, Operation: id, IsSingle: 1, Executions: [execution] });
        if (state.lose) throw providerErrors.create('PROVIDER_UNAVAILABLE', 'timed out');
        return envelope({ Operation: id });
      }
      state.listed += 1;
      const found = kept.filter(
        (op) =>
          (!body['Operation'] || op['Operation'] === body['Operation']) &&
          (!body['ObjectId'] || op['ObjectId'] === body['ObjectId']),
      );
      return envelope({ TotalCount: found.length, Operations: found });
    };
    return { handler, kept, state };
  }

  it('finds the operation of a charge whose create answer was lost, so the charged money is recorded', async () => {
    const im = keepingOperations();
    const s = await bound(im.handler);
    const first = await s.adapter.chargeBoundCard?.(charge);
    expect(first).toMatchObject({ outcome: 'pending', reasonCode: 'PROVIDER_CHARGE_UNCONFIRMED' });
    // Another charge of the same card and amount, answered: its operation is not this one's.
    im.state.lose = false;
    await s.adapter.chargeBoundCard?.({
      ...charge,
      idempotencyKey: 'charge-9',
      paymentId: 'pay_rc_9',
    });
    // The replay with the same key asks IntellectMoney, links the operation and reads its result.
    const again = await s.adapter.chargeBoundCard?.(charge);
    expect(again).toMatchObject({
      outcome: 'succeeded',
      replayed: true,
      providerOperationId: 'op-1',
      providerPaymentId: '3000000811',
    });
    expect(im.kept).toHaveLength(2);
    // Its notification now finds it by the operation id too.
    const row = [...s.transactions.rows.values()].find((r) => r.paymentId === 'pay_rc_1');
    expect(row).toMatchObject({ status: 'succeeded', externalRef: 'op-1' });
  });

  it('fails a charge whose operation IntellectMoney never listed, once it cannot still come', async () => {
    let now = new Date('2026-11-23T10:00:00Z');
    // IntellectMoney away (no answer at all), then back, listing no operation of that card.
    const im = { away: true };
    const s = await bound(
      () => {
        if (im.away) throw providerErrors.create('PROVIDER_UNAVAILABLE', 'timed out');
        return envelope({ TotalCount: 0, Operations: [] });
      },
      { now: () => now },
    );
    await s.adapter.chargeBoundCard?.(charge);
    const row = () => [...s.transactions.rows.values()].find((r) => r.paymentId === 'pay_rc_1')!;
    await expect(s.adapter.queryStatus?.(row())).rejects.toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
    });
    im.away = false;
    now = new Date(now.getTime() + 5 * 60_000);
    // Not listed yet, but a request could still be on its way: unconfirmed.
    expect(await s.adapter.queryStatus?.(row())).toMatchObject({
      transaction: { status: 'pending', externalRef: null },
    });
    now = new Date(now.getTime() + 6 * 60_000);
    expect(await s.adapter.queryStatus?.(row())).toMatchObject({
      checkedWithProvider: true,
      transaction: { status: 'failed', reasonCode: 'PROVIDER_CHARGE_NOT_CREATED' },
    });
  });

  it('records a provider refusal (binding cancelled) as a failed charge', async () => {
    const { adapter } = await bound(() => envelope({}, 4));
    const result = await adapter.chargeBoundCard?.(charge);
    expect(result).toMatchObject({ outcome: 'failed', reasonCode: 'PROVIDER_BINDING_INACTIVE' });
  });

  it('refuses unknown, foreign and inactive bindings before calling IntellectMoney', async () => {
    const { adapter, http } = await bound(provider(undefined));
    await expect(
      adapter.chargeBoundCard?.({ ...charge, bindingRef: '3999999999' }),
    ).rejects.toMatchObject({
      code: 'PROVIDER_BINDING_NOT_FOUND',
    });
    await expect(
      adapter.chargeBoundCard?.({ ...charge, merchantId: 'mer_2' }),
    ).rejects.toMatchObject({
      code: 'PROVIDER_BINDING_NOT_FOUND',
    });
    expect(http.calls).toHaveLength(0);

    const s = setup({ http: scriptedHttp(provider(undefined)) });
    await s.adapter.startPayment(start);
    await s.adapter.handleCallback(post(paid({ recurringState: 'Error' })));
    await expect(s.adapter.chargeBoundCard?.(charge)).rejects.toMatchObject({
      code: 'PROVIDER_BINDING_INACTIVE',
    });
  });

  it('matches the charge invoice notification by cronOperationId', async () => {
    const { adapter, transactions } = await bound(provider(undefined));
    await adapter.chargeBoundCard?.(charge);
    const res = await adapter.handleCallback(
      post(
        notification({
          eshopId: ESHOP,
          paymentId: '3000000804',
          orderId: 'op-1-1',
          eshopAccount: '4000450000',
          serviceName: 'Scheduled operation op-1',
          recipientAmount: '200.00',
          recipientCurrency: 'RUB',
          paymentStatus: '5',
          userName: '',
          userEmail: 'payer@example.com',
          paymentData: '2026-11-23 13:05:00',
          recurringBindingId: '3000000701',
          cronOperationId: 'op-1',
        }),
      ),
    );
    expect(res, JSON.stringify(res.diagnostics)).toMatchObject({
      outcome: 'succeeded',
      paymentId: 'pay_rc_1',
      verdict: 'accepted',
    });
    expect(res.cardBinding).toBeUndefined();
    const row = [...transactions.rows.values()].find((r) => r.paymentId === 'pay_rc_1');
    expect(row).toMatchObject({ status: 'succeeded', providerPaymentId: '3000000804' });
  });
});
