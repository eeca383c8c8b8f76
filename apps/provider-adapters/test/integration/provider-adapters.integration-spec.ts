import { createHash } from 'node:crypto';

import { PaymentMethod, Provider } from '@tolem/contracts/common';
import {
  type HandleCallbackResponse,
  Outcome,
  ProviderServiceClient,
  type StartPaymentRequest,
} from '@tolem/contracts/provider';
import { createKnex, type Knex } from '@tolem/db-kit';
import { createClient, type PromiseClient } from '@tolem/grpc-kit';
import {
  freePort,
  freshDatabase,
  grpcServing,
  type ServiceProcess,
  spawnService,
  waitFor,
} from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SECRET = 'it-secret-Qm9vbGVhbg';
const PURSE = 'Z145179295679';
const MERCHANT_URL = 'http://127.0.0.1:8090/webmoney/lmi/payment_utf.asp';

/** Signs a notification as WebMoney does (protocols.md §1.5, §1.6), independently of the service. */
function signed(fields: Record<string, string>, secret = SECRET): Record<string, string> {
  const v = (k: string) => fields[k] ?? '';
  const values = [
    v('LMI_PAYEE_PURSE'),
    v('LMI_PAYMENT_AMOUNT'),
    v('LMI_PAYMENT_NO'),
    v('LMI_MODE'),
    v('LMI_SYS_INVS_NO'),
    v('LMI_SYS_TRANS_NO'),
    v('LMI_SYS_TRANS_DATE'),
    secret,
    v('LMI_PAYER_PURSE'),
    v('LMI_PAYER_WM'),
  ];
  const sha256 = (text: string) =>
    createHash('sha256').update(text, 'utf8').digest('hex').toUpperCase();
  return { ...fields, LMI_HASH: sha256(values.join('')), LMI_HASH2: sha256(values.join(';')) };
}

function callback(body: Buffer | Record<string, string>) {
  return {
    provider: Provider.PROVIDER_WEBMONEY,
    request: {
      method: 'POST',
      path: '/callbacks/webmoney',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'WebMoney' },
      body: Buffer.isBuffer(body)
        ? body
        : Buffer.from(new URLSearchParams(body).toString(), 'utf8'),
      remoteAddress: '198.51.100.20',
      query: '',
    },
  };
}

const formFields = (res: { action?: { action?: { $case: string; value: unknown } } }) => {
  const action = res.action?.action;
  if (action?.$case !== 'formPost') throw new Error('expected a form post');
  const form = action.value as {
    url: string;
    acceptCharset: string;
    fields: { name: string; value: string }[];
  };
  return { form, fields: Object.fromEntries(form.fields.map((f) => [f.name, f.value])) };
};

describe('provider-adapters service (real process, real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let service: ServiceProcess;
  let client: PromiseClient<ProviderServiceClient>;
  let db: Knex;

  beforeAll(async () => {
    database = await freshDatabase('provider_adapters_it');
    const port = await freePort();
    service = await spawnService({
      name: 'provider-adapters',
      entry: 'apps/provider-adapters/src/main.ts',
      env: {
        DATABASE_URL: database.url,
        GRPC_PORT: String(port),
        MIGRATE_ON_START: 'true',
        LOG_LEVEL: 'info',
        CALLBACK_BASE_URL: 'http://127.0.0.1:8080/callbacks',
        WEBMONEY_MERCHANT_URL: MERCHANT_URL,
        WEBMONEY_PURSES: `USD:${PURSE},EUR:E145179295670`,
        WEBMONEY_SECRET_KEY: SECRET,
      },
      ready: () => grpcServing(`127.0.0.1:${port}`),
    });
    client = createClient(ProviderServiceClient, `127.0.0.1:${port}`);
    db = createKnex({ url: database.url, applicationName: 'provider-adapters-it' });
  });

  afterAll(async () => {
    client?.close();
    await db?.destroy();
    await service?.stop();
    await database?.drop();
  });

  const startRequest = (overrides: Partial<StartPaymentRequest> = {}): StartPaymentRequest => ({
    paymentId: 'pay_it_purse',
    merchantId: 'mer_it',
    method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
    amount: { amountMinor: 1208n, currency: 'USD' },
    description: 'Заказ 42',
    successUrl: 'http://127.0.0.1:8080/pay/pay_it_purse/return',
    failUrl: 'http://127.0.0.1:8080/pay/pay_it_purse/return?failed=1',
    payer: {},
    providerShopId: '4711',
    ...overrides,
  });

  const notificationFor = (orderNo: string, overrides: Record<string, string> = {}) =>
    signed({
      LMI_PAYEE_PURSE: PURSE,
      LMI_PAYMENT_AMOUNT: '12.08',
      LMI_PAYMENT_NO: orderNo,
      LMI_MODE: '1',
      LMI_SYS_INVS_NO: '5001',
      LMI_SYS_TRANS_NO: '9001',
      LMI_SYS_TRANS_DATE: '20261123 12:34:56',
      LMI_PAYER_PURSE: 'Z366393600555',
      LMI_PAYER_WM: '404521188333',
      LMI_PAYMENT_DESC: 'Заказ 42',
      LMI_LANG: 'ru-RU',
      TOLEM_PAYMENT_ID: 'pay_it_purse',
      ...overrides,
    });

  const transactionOf = (paymentId: string) =>
    db('provider_transactions').where({ payment_id: paymentId }).first();
  const auditRow = (id: string) => db('provider_callbacks').where({ id }).first();

  let orderNo = '';

  it('returns the WebMoney form and the same order number when started again', async () => {
    const first = await client.startPayment(startRequest());
    expect(first.provider).toBe(Provider.PROVIDER_WEBMONEY);
    const { form, fields } = formFields(first);
    expect(form.url).toBe(MERCHANT_URL);
    expect(form.acceptCharset).toBe('utf-8');
    orderNo = first.providerReference;
    expect(orderNo).toMatch(/^[1-9]\d*$/);
    expect(fields).toMatchObject({
      LMI_PAYEE_PURSE: PURSE,
      LMI_PAYMENT_AMOUNT: '12.08',
      LMI_PAYMENT_NO: orderNo,
      LMI_SHOP_ID: '4711',
      LMI_RESULT_URL: 'http://127.0.0.1:8080/callbacks/webmoney',
      LMI_SUCCESS_METHOD: '2',
      LMI_FAIL_METHOD: '2',
      LMI_SIM_MODE: '0',
      TOLEM_PAYMENT_ID: 'pay_it_purse',
    });
    expect(Buffer.from(fields['LMI_PAYMENT_DESC_BASE64'] ?? '', 'base64').toString('utf8')).toBe(
      'Заказ 42',
    );

    const again = await client.startPayment(startRequest());
    expect(again.providerReference).toBe(orderNo);
    expect(formFields(again).fields).toEqual(fields);
    const rows = await db('provider_transactions').where({ payment_id: 'pay_it_purse' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      provider: 'webmoney',
      method: 'webmoney_purse',
      order_no: BigInt(orderNo),
      amount_minor: 1208n,
      currency: 'USD',
      amount_text: '12.08',
      payee_purse: PURSE,
      status: 'created',
    });
    expect(rows[0].id).toMatch(/^ptx_/);
  });

  it('refuses a different amount for the same payment, an unconfigured currency and unsupported methods', async () => {
    await expect(
      client.startPayment(startRequest({ amount: { amountMinor: 1209n, currency: 'USD' } })),
    ).rejects.toMatchObject({
      code: 'PROVIDER_PAYMENT_CONFLICT',
      kind: 'conflict',
      details: { field: 'amount' },
    });
    await expect(
      client.startPayment(
        startRequest({ paymentId: 'pay_it_rub', amount: { amountMinor: 100n, currency: 'RUB' } }),
      ),
    ).rejects.toMatchObject({ code: 'PROVIDER_CURRENCY_UNSUPPORTED', kind: 'invalid' });
    await expect(
      client.startPayment(
        startRequest({ paymentId: 'pay_it_card', method: PaymentMethod.PAYMENT_METHOD_CARD }),
      ),
    ).rejects.toMatchObject({ code: 'PROVIDER_METHOD_UNSUPPORTED', kind: 'precondition' });
    await expect(
      client.startPayment(startRequest({ paymentId: 'pay_it_noshop', providerShopId: '' })),
    ).rejects.toMatchObject({
      code: 'PROVIDER_SHOP_ID_REQUIRED',
      kind: 'precondition',
    });
    expect(
      await db('provider_transactions').whereIn('payment_id', [
        'pay_it_rub',
        'pay_it_card',
        'pay_it_noshop',
      ]),
    ).toHaveLength(0);
  });

  it('answers the pre-request with YES', async () => {
    const res = await client.handleCallback(
      callback({
        LMI_PREREQUEST: '1',
        LMI_PAYEE_PURSE: PURSE,
        LMI_PAYMENT_AMOUNT: '12.08',
        LMI_PAYMENT_NO: orderNo,
        LMI_MODE: '1',
        LMI_PAYER_WM: '404521188333',
        LMI_PAYER_PURSE: 'Z366393600555',
        TOLEM_PAYMENT_ID: 'pay_it_purse',
      }),
    );
    expect(res.outcome).toBe(Outcome.OUTCOME_PRECHECK_ACCEPTED);
    expect(res.reply?.statusCode).toBe(200);
    expect(Buffer.from(res.reply?.body ?? []).toString()).toBe('YES');
    expect(res.paymentId).toBe('pay_it_purse');
    expect(await auditRow(res.callbackId)).toMatchObject({
      verdict: 'precheck_accepted',
      payment_id: 'pay_it_purse',
    });
    expect((await transactionOf('pay_it_purse')).status).toBe('created');
  });

  it('refuses a forged LMI_HASH, changes nothing and keeps the raw callback', async () => {
    const forged = { ...notificationFor(orderNo), LMI_HASH: 'F'.repeat(64) };
    const request = callback(forged);
    const res = await client.handleCallback(request);
    expect(res.outcome).toBe(Outcome.OUTCOME_REJECTED);
    expect(res.reasonCode).toBe('PROVIDER_SIGNATURE_INVALID');
    expect(res.reply?.statusCode).toBe(400);
    expect(Buffer.from(res.reply?.body ?? []).toString()).toBe('PROVIDER_SIGNATURE_INVALID');
    expect(await transactionOf('pay_it_purse')).toMatchObject({
      status: 'created',
      provider_payment_id: null,
      attributes: {},
    });
    const audit = await auditRow(res.callbackId);
    expect(audit).toMatchObject({
      provider: 'webmoney',
      http_method: 'POST',
      path: '/callbacks/webmoney',
      remote_address: '198.51.100.20',
      verdict: 'rejected',
      reason_code: 'PROVIDER_SIGNATURE_INVALID',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'WebMoney' },
    });
    expect(Buffer.compare(audit.body, request.request.body)).toBe(0);
  });

  it('reports a correctly signed notification with another amount as the money received', async () => {
    const res = await client.handleCallback(
      callback(notificationFor(orderNo, { LMI_PAYMENT_AMOUNT: '1.08', LMI_SYS_TRANS_NO: '8999' })),
    );
    expect(res).toMatchObject({
      outcome: Outcome.OUTCOME_SUCCEEDED,
      paymentId: 'pay_it_purse',
      amount: { amountMinor: 108n, currency: 'USD' },
      providerPaymentId: '8999',
      attributes: { webmoney_amount_differs: 'true' },
    });
    expect(Buffer.from(res.reply?.body ?? []).toString()).toBe('YES');
    expect(await transactionOf('pay_it_purse')).toMatchObject({
      status: 'created',
      extra_transfers: [
        {
          provider_payment_id: '8999',
          amount_minor: '108',
          currency: 'USD',
          reason: 'amount_differs',
        },
      ],
    });
    expect(await auditRow(res.callbackId)).toMatchObject({
      verdict: 'accepted',
      reason_code: null,
    });
  });

  let accepted: HandleCallbackResponse;

  it('accepts a correctly signed notification with the payment attributes', async () => {
    const request = callback(notificationFor(orderNo));
    accepted = await client.handleCallback(request);
    expect(accepted).toMatchObject({
      outcome: Outcome.OUTCOME_SUCCEEDED,
      paymentId: 'pay_it_purse',
      amount: { amountMinor: 1208n, currency: 'USD' },
      method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
      providerPaymentId: '9001',
      reasonCode: '',
      attributes: {
        payer_purse: 'Z366393600555',
        payer_wmid: '404521188333',
        wm_invoice_no: '5001',
        wm_transfer_no: '9001',
        wm_transfer_date: '20261123 12:34:56',
      },
    });
    expect(accepted.reply?.statusCode).toBe(200);
    expect(Buffer.from(accepted.reply?.body ?? []).toString()).toBe('YES');
    expect(accepted.callbackId).toMatch(/^cb_/);

    const audit = await auditRow(accepted.callbackId);
    expect(audit).toMatchObject({
      verdict: 'accepted',
      payment_id: 'pay_it_purse',
      reason_code: null,
    });
    expect(Buffer.compare(audit.body, request.request.body)).toBe(0);
    expect(await transactionOf('pay_it_purse')).toMatchObject({
      status: 'succeeded',
      provider_payment_id: '9001',
      attributes: { payer_purse: 'Z366393600555', wm_transfer_no: '9001' },
    });
  });

  it('answers the same notification again as SUCCEEDED, recorded as duplicate', async () => {
    const res = await client.handleCallback(callback(notificationFor(orderNo)));
    expect(res.outcome).toBe(Outcome.OUTCOME_SUCCEEDED);
    expect(res.attributes).toEqual(accepted.attributes);
    expect(Buffer.from(res.reply?.body ?? []).toString()).toBe('YES');
    expect(await auditRow(res.callbackId)).toMatchObject({
      verdict: 'duplicate',
      payment_id: 'pay_it_purse',
    });
  });

  it('lists the settled payment for the reconciler, once, and pages on from its cursor', async () => {
    const all = await client.listSettledTransactions({
      cursor: '',
      settledBefore: undefined,
      limit: 500,
      extraTransfers: false,
    });
    const mine = all.transactions.filter((t) => t.paymentId === 'pay_it_purse');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      provider: Provider.PROVIDER_WEBMONEY,
      method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
      providerPaymentId: '9001',
      amount: { amountMinor: 1208n, currency: 'USD' },
      attributes: expect.objectContaining({ payer_purse: 'Z366393600555' }) as unknown,
    });
    expect(mine[0]?.transactionId).toMatch(/^ptx_/);
    expect(mine[0]?.settledAt).toBeInstanceOf(Date);
    const after = await client.listSettledTransactions({
      cursor: all.nextCursor,
      settledBefore: undefined,
      limit: 500,
      extraTransfers: false,
    });
    expect(after.transactions).toEqual([]);
    expect(after.nextCursor).toBe(all.nextCursor);
    const before = await client.listSettledTransactions({
      cursor: '',
      settledBefore: new Date(Date.now() - 3_600_000),
      limit: 0,
      extraTransfers: false,
    });
    expect(before.transactions.map((t) => t.paymentId)).not.toContain('pay_it_purse');
    await expect(
      client.listSettledTransactions({
        cursor: 'not-a-cursor',
        settledBefore: undefined,
        limit: 10,
        extraTransfers: false,
      }),
    ).rejects.toMatchObject({ code: 'PROVIDER_INVALID_REQUEST' });
  });

  it('reports a second transfer for the paid order as received, and refuses a pre-request for it', async () => {
    const second = callback(
      notificationFor(orderNo, { LMI_SYS_TRANS_NO: '9002', LMI_SYS_INVS_NO: '5002' }),
    );
    const res = await client.handleCallback(second);
    expect(res).toMatchObject({
      outcome: Outcome.OUTCOME_SUCCEEDED,
      amount: { amountMinor: 1208n, currency: 'USD' },
      providerPaymentId: '9002',
      attributes: { webmoney_second_transfer: 'true' },
    });
    const again = await client.handleCallback(second);
    expect(again).toMatchObject({ outcome: Outcome.OUTCOME_SUCCEEDED, providerPaymentId: '9002' });
    expect(await auditRow(again.callbackId)).toMatchObject({ verdict: 'duplicate' });
    const stored = await transactionOf('pay_it_purse');
    expect(stored.provider_payment_id).toBe('9001');
    expect(stored.extra_transfers).toHaveLength(2);
    // The reconciler lists both, each as the transfer it is, by a cursor of its own.
    const extra = await client.listSettledTransactions({
      cursor: '',
      settledBefore: undefined,
      limit: 500,
      extraTransfers: true,
    });
    const mine = extra.transactions.filter((t) => t.paymentId === 'pay_it_purse');
    expect(mine.map((t) => [t.providerPaymentId, t.amount?.amountMinor])).toEqual([
      ['8999', 108n],
      ['9002', 1208n],
    ]);
    expect(mine.map((t) => t.transactionId)).toEqual([
      `${String(stored.id)}-x1`,
      `${String(stored.id)}-x2`,
    ]);

    const pre = await client.handleCallback(
      callback({
        LMI_PREREQUEST: '1',
        LMI_PAYEE_PURSE: PURSE,
        LMI_PAYMENT_AMOUNT: '12.08',
        LMI_PAYMENT_NO: orderNo,
      }),
    );
    expect(pre.outcome).toBe(Outcome.OUTCOME_REJECTED);
    expect(pre.reply?.statusCode).toBe(200);
    expect(Buffer.from(pre.reply?.body ?? []).toString()).not.toBe('YES');
    expect(await auditRow(pre.callbackId)).toMatchObject({
      verdict: 'precheck_refused',
      reason_code: 'PROVIDER_ORDER_ALREADY_PAID',
    });
  });

  it('carries the payer phone and Keeper Mobile payment number for a Keeper Mobile payment', async () => {
    const started = await client.startPayment(
      startRequest({
        paymentId: 'pay_it_km',
        method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
        amount: { amountMinor: 50000n, currency: 'USD' },
        payer: { phone: '+996 555 123 456' },
      }),
    );
    const { fields } = formFields(started);
    expect(fields).toMatchObject({
      LMI_PAYER_PHONE_NUMBER: '996555123456',
      TOLEM_METHOD: 'keeper_mobile',
      LMI_PAYMENT_AMOUNT: '500.00',
    });

    const res = await client.handleCallback(
      callback(
        notificationFor(started.providerReference, {
          LMI_PAYMENT_AMOUNT: '500.00',
          LMI_SYS_INVS_NO: '6001',
          LMI_SYS_TRANS_NO: '9101',
          LMI_PAYER_PURSE: 'Z000011112222',
          LMI_TELEPAT_PHONENUMBER: '996555123456',
          LMI_TELEPAT_ORDERID: '77001',
          TOLEM_PAYMENT_ID: 'pay_it_km',
          TOLEM_METHOD: 'keeper_mobile',
        }),
      ),
    );
    expect(res).toMatchObject({
      outcome: Outcome.OUTCOME_SUCCEEDED,
      paymentId: 'pay_it_km',
      method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
      providerPaymentId: '9101',
      attributes: {
        payer_phone: '996555123456',
        keeper_mobile_payment_no: '77001',
        payer_purse: 'Z000011112222',
      },
    });
    expect(await transactionOf('pay_it_km')).toMatchObject({
      status: 'succeeded',
      method: 'webmoney_keeper_mobile',
      attributes: { payer_phone: '996555123456', keeper_mobile_payment_no: '77001' },
    });
  });

  it('refuses a transfer number that already settled another order, and settles concurrent repeats once', async () => {
    const reuse = await client.startPayment(startRequest({ paymentId: 'pay_it_reuse' }));
    const res = await client.handleCallback(
      callback(notificationFor(reuse.providerReference, { TOLEM_PAYMENT_ID: 'pay_it_reuse' })),
    );
    expect(res.outcome).toBe(Outcome.OUTCOME_REJECTED);
    expect(res.reasonCode).toBe('PROVIDER_DUPLICATE_PAYMENT');
    expect(await transactionOf('pay_it_reuse')).toMatchObject({
      status: 'created',
      provider_payment_id: null,
    });

    const fresh = await client.handleCallback(
      callback(
        notificationFor(reuse.providerReference, {
          TOLEM_PAYMENT_ID: 'pay_it_reuse',
          LMI_SYS_TRANS_NO: '9301',
        }),
      ),
    );
    expect(fresh.outcome).toBe(Outcome.OUTCOME_SUCCEEDED);

    const race = await client.startPayment(startRequest({ paymentId: 'pay_it_race' }));
    const body = notificationFor(race.providerReference, {
      TOLEM_PAYMENT_ID: 'pay_it_race',
      LMI_SYS_TRANS_NO: '9401',
    });
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => client.handleCallback(callback(body))),
    );
    expect(results.every((r) => r.outcome === Outcome.OUTCOME_SUCCEEDED)).toBe(true);
    const verdicts = await db('provider_callbacks')
      .whereIn(
        'id',
        results.map((r) => r.callbackId),
      )
      .pluck('verdict');
    expect(verdicts.sort()).toEqual(['accepted', 'duplicate', 'duplicate', 'duplicate']);
  });

  it('refuses a malformed body without crashing and still serves', async () => {
    const garbage = Buffer.from([0x4c, 0x4d, 0x49, 0x3d, 0xff, 0x25, 0x7a, 0x7a, 0x00]);
    const res = await client.handleCallback(callback(garbage));
    expect(res.outcome).toBe(Outcome.OUTCOME_REJECTED);
    expect(res.reasonCode).toBe('PROVIDER_MALFORMED_CALLBACK');
    expect(res.reply?.statusCode).toBe(400);
    const audit = await auditRow(res.callbackId);
    expect(audit).toMatchObject({
      verdict: 'rejected',
      reason_code: 'PROVIDER_MALFORMED_CALLBACK',
      payment_id: null,
    });
    expect(Buffer.compare(audit.body, garbage)).toBe(0);

    const empty = await client.handleCallback(callback(Buffer.alloc(0)));
    expect(empty.reasonCode).toBe('PROVIDER_MALFORMED_CALLBACK');
    // Still alive and answering.
    expect(
      (await client.startPayment(startRequest({ paymentId: 'pay_it_after' }))).providerReference,
    ).toMatch(/^\d+$/);
  });

  it('stores a callback for a provider without an adapter and refuses it as unsupported', async () => {
    const before = Number((await db('provider_callbacks').count({ n: '*' }))[0]?.n);
    await expect(
      client.handleCallback({ ...callback({ a: '1' }), provider: Provider.PROVIDER_PAYKASSMA }),
    ).rejects.toMatchObject({ code: 'PROVIDER_METHOD_UNSUPPORTED', kind: 'precondition' });
    const rows = await db('provider_callbacks').where({ provider: 'paykassma' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      verdict: 'rejected',
      reason_code: 'PROVIDER_METHOD_UNSUPPORTED',
    });
    expect(Number((await db('provider_callbacks').count({ n: '*' }))[0]?.n)).toBe(before + 1);
  });

  it('logs refusals with reason codes but never the secret or the signatures', async () => {
    const output = await waitFor(
      () => {
        const text = service.output();
        return text.includes('PROVIDER_DUPLICATE_PAYMENT') ? text : undefined;
      },
      { timeoutMs: 10_000, what: 'refusal log lines' },
    );
    const lines = output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(
      lines.some((l) => l['level'] === 'warn' && l['reasonCode'] === 'PROVIDER_SIGNATURE_INVALID'),
    ).toBe(true);
    expect(
      lines.some((l) => l['level'] === 'error' && l['reasonCode'] === 'PROVIDER_DUPLICATE_PAYMENT'),
    ).toBe(true);
    expect(output).not.toContain(SECRET);
    expect(output).not.toContain('F'.repeat(64));
    expect(output).not.toContain(notificationFor(orderNo)['LMI_HASH']);
  });
});
