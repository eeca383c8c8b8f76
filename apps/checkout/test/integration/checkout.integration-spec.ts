import { createHash } from 'node:crypto';

import {
  CaseServiceClient,
  CaseStatus,
  CheckoutServiceClient,
  type CreatePaymentRequest,
  MerchantServiceClient,
  PaymentStatus,
} from '@tolem/contracts/checkout';
import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { createClient, type PromiseClient } from '@tolem/grpc-kit';
import {
  freePort,
  freshDatabase,
  grpcServing,
  type ServiceProcess,
  spawnService,
  waitFor,
} from '@tolem/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  type CallbackScript,
  startFakeLedger,
  startFakeProviderAdapters,
  startFakeQrPlatform,
  startFakeRecurring,
} from './peers';

const text = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString('utf8');

describe('checkout service (real process, real PostgreSQL, peer services as gRPC doubles)', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let sql: pg.Client;
  let adapters: Awaited<ReturnType<typeof startFakeProviderAdapters>>;
  let ledger: Awaited<ReturnType<typeof startFakeLedger>>;
  let recurring: Awaited<ReturnType<typeof startFakeRecurring>>;
  let qr: Awaited<ReturnType<typeof startFakeQrPlatform>>;
  let service: ServiceProcess;
  let checkout: PromiseClient<CheckoutServiceClient>;
  let merchants: PromiseClient<MerchantServiceClient>;
  let cases: PromiseClient<CaseServiceClient>;
  let baseEnv: Record<string, string>;
  let merchantId = '';
  let otherMerchantId = '';

  beforeAll(async () => {
    db = await freshDatabase('checkout_it');
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    adapters = await startFakeProviderAdapters();
    ledger = await startFakeLedger();
    recurring = await startFakeRecurring();
    qr = await startFakeQrPlatform();
    const port = await freePort();
    baseEnv = {
      DATABASE_URL: db.url,
      MIGRATE_ON_START: 'true',
      LOG_LEVEL: 'warn',
      PROVIDER_ADAPTERS_ADDR: adapters.address,
      LEDGER_ADDR: ledger.address,
      RECURRING_ADDR: recurring.address,
      QR_PLATFORM_ADDR: qr.address,
      LEDGER_SWEEP_MS: '300',
      PAYMENT_EXPIRY_SWEEP_MS: '300',
    };
    service = await spawnService({
      name: 'checkout',
      entry: 'apps/checkout/src/main.ts',
      env: { ...baseEnv, GRPC_PORT: String(port) },
      ready: () => grpcServing(`127.0.0.1:${port}`),
    });
    checkout = createClient(CheckoutServiceClient, `127.0.0.1:${port}`);
    merchants = createClient(MerchantServiceClient, `127.0.0.1:${port}`);
    cases = createClient(CaseServiceClient, `127.0.0.1:${port}`);
  });

  afterAll(async () => {
    checkout?.close();
    merchants?.close();
    cases?.close();
    await service?.stop();
    await adapters?.close();
    await ledger?.close();
    await recurring?.close();
    await qr?.close();
    await sql?.end();
    await db?.drop();
  });

  const merchantRequest = {
    idempotencyKey: 'merchant-books',
    name: 'Bishkek Books',
    enabledMethods: [
      PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
      PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
    ],
    webmoneyShopId: 'shop-42',
    defaultSuccessUrl: 'https://books.example/ok',
    defaultFailUrl: 'https://books.example/fail',
  };

  function paymentRequest(overrides: Partial<CreatePaymentRequest> = {}): CreatePaymentRequest {
    return {
      merchantId,
      idempotencyKey: 'order-1001',
      amount: { amountMinor: 10_000n, currency: 'USD' },
      orderId: '1001',
      description: 'Two books',
      successUrl: '',
      failUrl: '',
      metadata: { cart: 'c-1' },
      ...overrides,
    };
  }

  async function newPayment(key: string) {
    const { payment } = await checkout.createPayment(paymentRequest({ idempotencyKey: key }));
    return payment?.id ?? '';
  }

  async function startedPayment(key: string) {
    const id = await newPayment(key);
    await checkout.startPayment({
      paymentId: id,
      pageSecret: await secretOf(id),
      method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
      payer: {},
    });
    return id;
  }

  function sendCallback(script: CallbackScript) {
    return checkout.handleProviderCallback({
      provider: Provider.PROVIDER_WEBMONEY,
      request: {
        method: 'POST',
        path: '/callbacks/webmoney',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify(script)),
        remoteAddress: '10.0.0.7',
        query: '',
      },
    });
  }

  const succeeded = (paymentId: string, extra: Partial<CallbackScript> = {}): CallbackScript => ({
    outcome: 'OUTCOME_SUCCEEDED',
    paymentId,
    amountMinor: '10000',
    currency: 'USD',
    method: 'PAYMENT_METHOD_WEBMONEY_PURSE',
    providerPaymentId: 'wm-trans-1',
    attributes: { payer_purse: 'Z123456789012', payer_wmid: '123456789012' },
    ...extra,
  });

  /** The page secret the payer's link carries (payment_url); the payer steps need it. */
  async function secretOf(id: string): Promise<string> {
    const { rows } = await sql.query<{ page_secret: string }>(
      'select page_secret from payments where id = $1',
      [id],
    );
    return rows[0]?.page_secret ?? '';
  }

  async function ledgerColumns(paymentId: string) {
    const { rows } = await sql.query<{
      ledger_posted_at: Date | null;
      ledger_transaction_id: string | null;
    }>('select ledger_posted_at, ledger_transaction_id from payments where id = $1', [paymentId]);
    return rows[0];
  }

  it('creates a merchant whose API key authenticates; only the key hash is stored', async () => {
    const created = await merchants.createMerchant(merchantRequest);
    merchantId = created.merchant?.id ?? '';
    expect(merchantId).toMatch(/^mer_/);
    expect(created.apiKey).toMatch(/^sk_test_[0-9A-Za-z]{32}$/);

    const auth = await merchants.authenticateApiKey({ apiKey: created.apiKey });
    expect(auth.merchant?.id).toBe(merchantId);
    const { rows } = await sql.query(
      'select key_prefix, key_hash from api_keys where merchant_id = $1',
      [merchantId],
    );
    expect(rows).toEqual([
      {
        key_prefix: created.apiKey.slice(0, 12),
        key_hash: createHash('sha256').update(created.apiKey).digest('hex'),
      },
    ]);

    const replay = await merchants.createMerchant(merchantRequest);
    expect(replay).toMatchObject({ replayed: true, apiKey: '', merchant: { id: merchantId } });
    await expect(
      merchants.createMerchant({ ...merchantRequest, name: 'Other' }),
    ).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      kind: 'conflict',
      details: { field: 'name' },
    });
    await expect(
      merchants.authenticateApiKey({ apiKey: `sk_test_${'x'.repeat(32)}` }),
    ).rejects.toMatchObject({
      code: 'AUTH_INVALID_API_KEY',
      kind: 'unauthenticated',
    });
    await expect(
      merchants.createMerchant({ ...merchantRequest, idempotencyKey: 'bad', enabledMethods: [] }),
    ).rejects.toMatchObject({
      code: 'MERCHANT_INVALID_REQUEST',
      kind: 'invalid',
      details: { field: 'enabled_methods' },
    });

    const other = await merchants.createMerchant({
      ...merchantRequest,
      idempotencyKey: 'merchant-other',
      name: 'Other',
    });
    otherMerchantId = other.merchant?.id ?? '';
    await expect(merchants.getMerchant({ merchantId: otherMerchantId })).resolves.toMatchObject({
      merchant: { name: 'Other' },
    });
  });

  it('creates payments idempotently: replay, conflict naming the field, missing key', async () => {
    const first = await checkout.createPayment(paymentRequest());
    expect(first.replayed).toBe(false);
    expect(first.payment).toMatchObject({
      status: PaymentStatus.PAYMENT_STATUS_CREATED,
      successUrl: 'https://books.example/ok',
      availableMethods: merchantRequest.enabledMethods,
      amount: { amountMinor: 10_000n, currency: 'USD' },
      metadata: { cart: 'c-1' },
    });

    const replay = await checkout.createPayment(paymentRequest());
    expect(replay.replayed).toBe(true);
    expect(replay.payment?.id).toBe(first.payment?.id);

    const count = async () =>
      (await sql.query('select count(*)::int as n from payments')).rows[0].n as number;
    const before = await count();
    await expect(
      checkout.createPayment(paymentRequest({ amount: { amountMinor: 10_001n, currency: 'USD' } })),
    ).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      kind: 'conflict',
      details: { field: 'amount' },
    });
    await expect(checkout.createPayment(paymentRequest({ orderId: '1002' }))).rejects.toMatchObject(
      {
        details: { field: 'order_id' },
      },
    );
    await expect(
      checkout.createPayment(paymentRequest({ idempotencyKey: '' })),
    ).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REQUIRED',
      kind: 'invalid',
    });
    await expect(
      checkout.createPayment(
        paymentRequest({ idempotencyKey: 'neg', amount: { amountMinor: -5n, currency: 'USD' } }),
      ),
    ).rejects.toMatchObject({ code: 'MONEY_NEGATIVE_AMOUNT', kind: 'invalid' });
    expect(await count()).toBe(before);
  });

  it('creates exactly one payment for concurrent requests with the same key', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        checkout.createPayment(paymentRequest({ idempotencyKey: 'order-race' })),
      ),
    );
    expect(new Set(results.map((r) => r.payment?.id)).size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    const { rows } = await sql.query(
      "select count(*)::int as n from idempotency_keys where key = 'order-race'",
    );
    expect(rows[0].n).toBe(1);
  });

  it('starts a payment: pending, provider asked with the shop id, action passed through', async () => {
    const id = await newPayment('order-start');
    const res = await checkout.startPayment({
      paymentId: id,
      pageSecret: await secretOf(id),
      method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
      payer: { phone: '+996555123456' },
    });
    expect(res.payment).toMatchObject({
      status: PaymentStatus.PAYMENT_STATUS_PENDING,
      method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
      provider: Provider.PROVIDER_WEBMONEY,
    });
    expect(res.action?.action?.$case).toBe('formPost');
    const form = res.action?.action?.$case === 'formPost' ? res.action.action.value : undefined;
    expect(form?.url).toBe('http://sandbox.test/webmoney/lmi/payment_utf.asp');
    expect(form?.fields.map((f) => f.name)).toEqual([
      'LMI_PAYMENT_NO',
      'LMI_PAYMENT_AMOUNT',
      'LMI_PAYMENT_DESC',
    ]);
    expect(adapters.starts.at(-1)).toMatchObject({
      paymentId: id,
      merchantId,
      amount: { amountMinor: 10_000n, currency: 'USD' },
      providerShopId: 'shop-42',
      successUrl: 'https://books.example/ok',
      failUrl: 'https://books.example/fail',
      payer: { phone: '+996555123456' },
      description: 'Two books',
    });

    await expect(
      checkout.startPayment({
        paymentId: id,
        pageSecret: await secretOf(id),
        method: PaymentMethod.PAYMENT_METHOD_CARD,
        payer: {},
      }),
    ).rejects.toMatchObject({ code: 'PAYMENT_METHOD_NOT_ENABLED', kind: 'precondition' });
    adapters.failNextStartWith('PROVIDER_UNAVAILABLE');
    await expect(
      checkout.startPayment({
        paymentId: id,
        pageSecret: await secretOf(id),
        method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
        payer: {},
      }),
    ).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE', kind: 'unavailable' });
  });

  it('applies a SUCCEEDED callback once: succeeded, the ledger’s fee stored, ledger posted once', async () => {
    const id = await startedPayment('order-paid');
    ledger.state.planFee = 260n;
    const res = await sendCallback(succeeded(id)).finally(() => {
      ledger.state.planFee = null;
    });
    expect(res.reply).toMatchObject({ statusCode: 200, contentType: 'text/plain' });
    expect(text(res.reply?.body)).toBe('YES');
    expect(res).toMatchObject({ paymentId: id, status: PaymentStatus.PAYMENT_STATUS_SUCCEEDED });
    // The raw bytes reached the adapters untouched.
    expect(JSON.parse(text(adapters.callbacks.at(-1)?.request?.body))).toEqual(succeeded(id));

    const { payment } = await checkout.getPayment({ paymentId: id, merchantId, pageSecret: '' });
    expect(payment).toMatchObject({
      status: PaymentStatus.PAYMENT_STATUS_SUCCEEDED,
      providerPaymentId: 'wm-trans-1',
      providerAttributes: { payer_purse: 'Z123456789012', payer_wmid: '123456789012' },
      // The fee the ledger applied, the payment's only fee.
      fee: { amountMinor: 260n, currency: 'USD' },
    });
    const calls = ledger.callsFor(id);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.request).toMatchObject({
      idempotencyKey: `payment:${id}:succeeded`,
      merchantId,
      gross: { amountMinor: 10_000n, currency: 'USD' },
      method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
      provider: Provider.PROVIDER_WEBMONEY,
      providerPaymentId: 'wm-trans-1',
      providerAttributes: { payer_purse: 'Z123456789012', payer_wmid: '123456789012' },
      orderId: '1001',
      description: 'Two books',
    });
    expect(calls[0]?.request.occurredAt).toBeInstanceOf(Date);
    expect(await ledgerColumns(id)).toMatchObject({
      ledger_transaction_id: expect.stringMatching(/^txn_fake_/),
    });

    // The same callback again: a no-op, no second ledger post.
    const again = await sendCallback(succeeded(id));
    expect(text(again.reply?.body)).toBe('YES');
    expect(again.status).toBe(PaymentStatus.PAYMENT_STATUS_SUCCEEDED);
    await new Promise((r) => setTimeout(r, 800));
    expect(ledger.callsFor(id)).toHaveLength(1);
    const keys = new Set(ledger.callsFor(id).map((c) => c.request.idempotencyKey));
    expect(keys).toEqual(new Set([`payment:${id}:succeeded`]));

    // FAILED after SUCCEEDED: refused, unchanged.
    const failed = await sendCallback({
      outcome: 'OUTCOME_FAILED',
      paymentId: id,
      reasonCode: 'WM_DECLINED',
    });
    expect(failed.status).toBe(PaymentStatus.PAYMENT_STATUS_SUCCEEDED);
    const after = await checkout.getPayment({ paymentId: id, merchantId, pageSecret: '' });
    expect(after.payment).toEqual(payment);
  });

  it('answers 503 retry while the ledger is down; the sweeper posts once the ledger is back', async () => {
    const id = await startedPayment('order-ledger-down');
    ledger.state.failing = true;
    const res = await sendCallback(succeeded(id));
    expect(res.reply).toMatchObject({ statusCode: 503, contentType: 'text/plain' });
    expect(text(res.reply?.body)).toBe('PROVIDER_UNAVAILABLE');
    expect(res.status).toBe(PaymentStatus.PAYMENT_STATUS_SUCCEEDED);
    expect(
      (await checkout.getPayment({ paymentId: id, merchantId, pageSecret: '' })).payment?.status,
    ).toBe(PaymentStatus.PAYMENT_STATUS_SUCCEEDED);
    expect(await ledgerColumns(id)).toEqual({
      ledger_posted_at: null,
      ledger_transaction_id: null,
    });

    ledger.state.failing = false;
    await waitFor(async () => (await ledgerColumns(id))?.ledger_posted_at ?? undefined, {
      timeoutMs: 20_000,
      what: 'the sweeper to post the payment',
    });
    await new Promise((r) => setTimeout(r, 800));
    const accepted = ledger.callsFor(id).filter((c) => c.accepted);
    expect(accepted).toHaveLength(1);
    expect(accepted[0]?.request.idempotencyKey).toBe(`payment:${id}:succeeded`);
    // Every attempt, failed or not, carried the identical request.
    const first = ledger.callsFor(id)[0]?.request;
    for (const call of ledger.callsFor(id)) expect(call.request).toEqual(first);
  });

  it('holds a SUCCEEDED callback with another amount under a case before answering; the payment is unchanged', async () => {
    const id = await startedPayment('order-mismatch');
    const before = await checkout.getPayment({ paymentId: id, merchantId, pageSecret: '' });
    const res = await sendCallback(succeeded(id, { amountMinor: '9999' }));
    // The money is in the ledger's unapplied funds: the adapter's own "accepted".
    expect(text(res.reply?.body)).toBe('YES');
    expect(res.status).toBe(PaymentStatus.PAYMENT_STATUS_PENDING);
    expect(await checkout.getPayment({ paymentId: id, merchantId, pageSecret: '' })).toEqual(
      before,
    );
    expect(ledger.callsFor(id)).toHaveLength(0);
    const { rows } = await sql.query(
      'select id, kind, status, amount_minor::text as amount from cases where payment_id = $1',
      [id],
    );
    expect(rows).toMatchObject([{ kind: 'amount_mismatch', status: 'open', amount: '9999' }]);
    const caseId = (rows[0] as { id: string }).id;
    expect(ledger.unapplied.get(caseId)?.request).toMatchObject({
      caseKind: 'amount_mismatch',
      paymentId: id,
      amount: { amountMinor: 9_999n, currency: 'USD' },
    });
    // The operator applies it over gRPC: the payment succeeds, posted by the case, not again.
    const applied = await cases.applyCase({ caseId, operator: 'ops', note: 'customer paid less' });
    expect(applied.case?.status).toBe(CaseStatus.CASE_STATUS_APPLIED);
    expect(
      (await checkout.getPayment({ paymentId: id, merchantId, pageSecret: '' })).payment?.status,
    ).toBe(PaymentStatus.PAYMENT_STATUS_SUCCEEDED);
    expect(await ledgerColumns(id)).toMatchObject({ ledger_transaction_id: `txn_apply_${caseId}` });
    const detail = await cases.getCase({ caseId });
    expect(detail.audit.map((a) => [a.action, a.actor])).toEqual([
      ['opened', 'tolem'],
      ['held', 'tolem'],
      ['applied', 'ops'],
    ]);
    await expect(
      cases.returnCase({ caseId, operator: 'ops', note: '', returnReference: 'R-1' }),
    ).rejects.toMatchObject({ code: 'CASE_ALREADY_RESOLVED' });
    await new Promise((r) => setTimeout(r, 800));
    expect(ledger.callsFor(id)).toHaveLength(0);
  });

  it('moves to failed on FAILED with the reason code', async () => {
    const id = await startedPayment('order-failed');
    const res = await sendCallback({
      outcome: 'OUTCOME_FAILED',
      paymentId: id,
      reasonCode: 'WM_DECLINED',
    });
    expect(text(res.reply?.body)).toBe('YES');
    expect(
      (await checkout.getPayment({ paymentId: id, merchantId, pageSecret: '' })).payment,
    ).toMatchObject({
      status: PaymentStatus.PAYMENT_STATUS_FAILED,
      failureCode: 'WM_DECLINED',
    });
    await expect(
      checkout.startPayment({
        paymentId: id,
        pageSecret: await secretOf(id),
        method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
        payer: {},
      }),
    ).rejects.toMatchObject({ code: 'PAYMENT_NOT_PAYABLE', kind: 'precondition' });
  });

  it("hides another merchant's payment as PAYMENT_NOT_FOUND", async () => {
    const id = await newPayment('order-scoped');
    await expect(
      checkout.getPayment({ paymentId: id, merchantId: otherMerchantId, pageSecret: '' }),
    ).rejects.toMatchObject({
      code: 'PAYMENT_NOT_FOUND',
      kind: 'not_found',
    });
    await expect(
      checkout.getPayment({ paymentId: id, merchantId, pageSecret: '' }),
    ).resolves.toMatchObject({
      payment: { id },
    });
  });

  it('keeps an audit row for every status change', async () => {
    const { rows } = await sql.query<{ from_status: string | null; to_status: string }>(
      `select t.from_status, t.to_status from payment_transitions t
         join idempotency_keys k on k.payment_id = t.payment_id
        where k.key = 'order-paid' order by t.id`,
    );
    expect(rows).toEqual([
      { from_status: null, to_status: 'created' },
      { from_status: 'created', to_status: 'pending' },
      { from_status: 'pending', to_status: 'succeeded' },
    ]);
  });

  it('expires unpaid payments past their TTL (second instance on the same database)', async () => {
    const port = await freePort();
    const shortLived = await spawnService({
      name: 'checkout-short-ttl',
      entry: 'apps/checkout/src/main.ts',
      env: { ...baseEnv, GRPC_PORT: String(port), PAYMENT_TTL_MS: '1000' },
      ready: () => grpcServing(`127.0.0.1:${port}`),
    });
    const client = createClient(CheckoutServiceClient, `127.0.0.1:${port}`);
    try {
      const { payment } = await client.createPayment(
        paymentRequest({ idempotencyKey: 'order-expiring' }),
      );
      const id = payment?.id ?? '';
      const secret = payment?.pageSecret ?? '';
      await waitFor(
        async () =>
          (await client.getPayment({ paymentId: id, merchantId: '', pageSecret: secret })).payment
            ?.status === PaymentStatus.PAYMENT_STATUS_EXPIRED,
        { timeoutMs: 15_000, what: 'the payment to expire' },
      );
      await expect(
        client.startPayment({
          paymentId: id,
          pageSecret: secret,
          method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
          payer: {},
        }),
      ).rejects.toMatchObject({ code: 'PAYMENT_NOT_PAYABLE', details: { status: 'expired' } });
    } finally {
      client.close();
      await shortLived.stop();
    }
  });

  const factsOf = (paymentId: string) =>
    ledger.facts.filter((f) => f.paymentId === paymentId).map((f) => f.eventType);

  it('cancels a pending payment and hands pending, then canceled, to the ledger in order', async () => {
    const id = await startedPayment('order-cancel');
    const res = await checkout.cancelPayment({ paymentId: id, merchantId, reason: 'out of stock' });
    expect(res.payment?.status).toBe(PaymentStatus.PAYMENT_STATUS_CANCELED);
    await waitFor(() => factsOf(id).length === 2, {
      timeoutMs: 10_000,
      what: 'both status facts at the ledger',
    });
    expect(factsOf(id)).toEqual(['payment.pending', 'payment.canceled']);
    const canceled = ledger.facts.find(
      (f) => f.paymentId === id && f.eventType === 'payment.canceled',
    );
    expect(canceled).toMatchObject({
      merchantId,
      paymentStatus: 'canceled',
      amount: { amountMinor: 10_000n, currency: 'USD' },
      method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
      orderId: '1001',
    });
    await waitFor(
      async () => {
        const { rows } = await sql.query(
          'select count(*)::int as n from payment_transitions where payment_id = $1 and ledger_outcome = $2',
          [id, 'recorded'],
        );
        return (rows[0] as { n: number }).n === 2;
      },
      { timeoutMs: 10_000, what: 'both transitions marked recorded' },
    );
    await expect(
      checkout.cancelPayment({ paymentId: id, merchantId: otherMerchantId, reason: '' }),
    ).rejects.toMatchObject({ code: 'PAYMENT_NOT_FOUND' });
    const succeededId = await startedPayment('order-cancel-paid');
    await sendCallback(succeeded(succeededId));
    await expect(
      checkout.cancelPayment({ paymentId: succeededId, merchantId, reason: '' }),
    ).rejects.toMatchObject({ code: 'PAYMENT_NOT_CANCELABLE', details: { status: 'succeeded' } });
  });

  it('keeps status facts while the ledger is down and delivers them, in order, when it is back', async () => {
    ledger.state.failing = true;
    let id = '';
    try {
      id = await startedPayment('order-facts-ledger-down');
      await sendCallback({ outcome: 'OUTCOME_FAILED', paymentId: id, reasonCode: 'WM_DECLINED' });
      await new Promise((r) => setTimeout(r, 1_500));
      expect(factsOf(id)).toEqual([]);
      const { rows } = await sql.query(
        `select to_status from payment_transitions
          where payment_id = $1 and ledger_event is not null and ledger_recorded_at is null
          order by id`,
        [id],
      );
      expect(rows.map((r: { to_status: string }) => r.to_status)).toEqual(['pending', 'failed']);
    } finally {
      ledger.state.failing = false;
    }
    await waitFor(() => factsOf(id).length === 2, {
      timeoutMs: 15_000,
      what: 'the relay to deliver the owed facts',
    });
    expect(factsOf(id)).toEqual(['payment.pending', 'payment.failed']);
    expect(
      ledger.facts.find((f) => f.paymentId === id && f.eventType === 'payment.failed'),
    ).toMatchObject({
      failureCode: 'WM_DECLINED',
      paymentStatus: 'failed',
    });
  });
});
