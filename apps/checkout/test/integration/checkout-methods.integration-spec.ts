import {
  CheckoutServiceClient,
  MerchantServiceClient,
  PaymentStatus,
} from '@tolem/contracts/checkout';
import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { Outcome } from '@tolem/contracts/provider';
import { QrKind } from '@tolem/contracts/qr';
import { BindingState } from '@tolem/contracts/recurring';
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
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('checkout: methods by currency, QR, Wavepay payer input, review and card bindings', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let sql: pg.Client;
  let adapters: Awaited<ReturnType<typeof startFakeProviderAdapters>>;
  let ledger: Awaited<ReturnType<typeof startFakeLedger>>;
  let recurring: Awaited<ReturnType<typeof startFakeRecurring>>;
  let qr: Awaited<ReturnType<typeof startFakeQrPlatform>>;
  let service: ServiceProcess;
  let checkout: PromiseClient<CheckoutServiceClient>;
  let merchantId = '';

  beforeAll(async () => {
    db = await freshDatabase('checkout_methods_it');
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    [adapters, ledger, recurring, qr] = await Promise.all([
      startFakeProviderAdapters(),
      startFakeLedger(),
      startFakeRecurring(),
      startFakeQrPlatform(),
    ]);
    const port = await freePort();
    service = await spawnService({
      name: 'checkout-methods',
      entry: 'apps/checkout/src/main.ts',
      env: {
        DATABASE_URL: db.url,
        MIGRATE_ON_START: 'true',
        LOG_LEVEL: 'warn',
        GRPC_PORT: String(port),
        PROVIDER_ADAPTERS_ADDR: adapters.address,
        LEDGER_ADDR: ledger.address,
        RECURRING_ADDR: recurring.address,
        QR_PLATFORM_ADDR: qr.address,
        LEDGER_SWEEP_MS: '300',
        PAYMENT_EXPIRY_SWEEP_MS: '300',
        CARD_BINDING_SWEEP_MS: '300',
        PAYER_ATTEMPT_LIMIT_WAVEPAY: '3',
      },
      ready: () => grpcServing(`127.0.0.1:${port}`),
    });
    checkout = createClient(CheckoutServiceClient, `127.0.0.1:${port}`);
    const merchants = createClient(MerchantServiceClient, `127.0.0.1:${port}`);
    try {
      const created = await merchants.createMerchant({
        idempotencyKey: 'merchant-all-methods',
        name: 'Silk Road Goods',
        enabledMethods: [
          PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
          PaymentMethod.PAYMENT_METHOD_CARD,
          PaymentMethod.PAYMENT_METHOD_WAVEPAY,
          PaymentMethod.PAYMENT_METHOD_QR,
        ],
        webmoneyShopId: 'shop-7',
        defaultSuccessUrl: 'https://goods.example/ok',
        defaultFailUrl: 'https://goods.example/fail',
      });
      merchantId = created.merchant?.id ?? '';
    } finally {
      merchants.close();
    }
  });

  afterAll(async () => {
    checkout?.close();
    await service?.stop();
    await Promise.all([adapters?.close(), ledger?.close(), recurring?.close(), qr?.close()]);
    await sql?.end();
    await db?.drop();
  });

  async function newPayment(key: string, currency: string, amountMinor: bigint) {
    const { payment } = await checkout.createPayment({
      merchantId,
      idempotencyKey: key,
      amount: { amountMinor, currency },
      orderId: key,
      description: 'Felt slippers, 2 pairs',
      successUrl: '',
      failUrl: '',
      metadata: {},
    });
    return payment?.id ?? '';
  }

  function sendCallback(provider: Provider, script: CallbackScript) {
    return checkout.handleProviderCallback({
      provider,
      request: {
        method: 'POST',
        path: '/callbacks/x',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify(script)),
        remoteAddress: '10.0.0.9',
        query: '',
      },
    });
  }

  async function status(id: string) {
    return (await checkout.getPayment({ paymentId: id, merchantId, pageSecret: '' })).payment
      ?.status;
  }

  /** The page secret the payer's link carries (payment_url); the payer steps need it. */
  async function secretOf(id: string): Promise<string> {
    const { rows } = await sql.query<{ page_secret: string }>(
      'select page_secret from payments where id = $1',
      [id],
    );
    return rows[0]?.page_secret ?? '';
  }

  async function row(id: string) {
    const { rows } = await sql.query('select * from payments where id = $1', [id]);
    return rows[0] as Record<string, unknown>;
  }

  async function bindingRow(id: string) {
    const { rows } = await sql.query<{ recorded_at: Date | null; attempts: number }>(
      'select recorded_at, attempts from pending_card_bindings where payment_id = $1',
      [id],
    );
    return rows[0];
  }

  it('offers only methods that take the currency and refuses another before any provider, writing nothing', async () => {
    const kgs = await checkout.createPayment({
      merchantId,
      idempotencyKey: 'order-kgs',
      amount: { amountMinor: 150_000n, currency: 'KGS' },
      orderId: 'kgs',
      description: '',
      successUrl: '',
      failUrl: '',
      metadata: {},
    });
    const id = kgs.payment?.id ?? '';
    expect(kgs.payment?.availableMethods).toEqual([
      PaymentMethod.PAYMENT_METHOD_CARD,
      PaymentMethod.PAYMENT_METHOD_QR,
    ]);
    const before = await row(id);
    const transitions = async () =>
      (
        await sql.query(
          'select count(*)::int as n from payment_transitions where payment_id = $1',
          [id],
        )
      ).rows[0].n as number;
    const count = await transitions();

    await expect(
      checkout.startPayment({
        paymentId: id,
        pageSecret: await secretOf(id),
        method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
        payer: {},
      }),
    ).rejects.toMatchObject({
      code: 'PAYMENT_METHOD_UNAVAILABLE',
      kind: 'precondition',
      details: { method: 'webmoney_purse', currency: 'KGS' },
    });
    await expect(
      checkout.startPayment({
        paymentId: id,
        pageSecret: await secretOf(id),
        method: PaymentMethod.PAYMENT_METHOD_WAVEPAY,
        payer: {},
      }),
    ).rejects.toMatchObject({ code: 'PAYMENT_METHOD_UNAVAILABLE' });
    const mmk = await newPayment('order-mmk-qr', 'MMK', 500_000n);
    await expect(
      checkout.startPayment({
        paymentId: mmk,
        pageSecret: await secretOf(mmk),
        method: PaymentMethod.PAYMENT_METHOD_QR,
        payer: {},
      }),
    ).rejects.toMatchObject({ code: 'PAYMENT_METHOD_UNAVAILABLE' });

    expect(adapters.startsFor(id)).toHaveLength(0);
    expect(adapters.startsFor(mmk)).toHaveLength(0);
    expect(qr.calls).toHaveLength(0);
    expect(await row(id)).toEqual(before);
    expect(await transitions()).toBe(count);
  });

  it('starts a QR payment with the code qr-platform issued; the acquirer callback settles it', async () => {
    const id = await newPayment('order-qr', 'KGS', 150_000n);
    const res = await checkout.startPayment({
      paymentId: id,
      pageSecret: await secretOf(id),
      method: PaymentMethod.PAYMENT_METHOD_QR,
      payer: {},
    });
    const code = qr.byKey(merchantId, `payment:${id}`);
    expect(code).toBeDefined();
    expect(qr.calls.at(-1)).toEqual({
      merchantId,
      idempotencyKey: `payment:${id}`,
      kind: QrKind.QR_KIND_DYNAMIC,
      amount: { amountMinor: 150_000n, currency: 'KGS' },
      description: 'Felt slippers, 2 pairs',
      // The code expires with its payment, in the payment's mode.
      livemode: false,
      expiresAt: expect.any(Date),
      paymentId: id,
      label: '',
      // What the payer's bank app shows (ELQR 59): the merchant, not the platform.
      merchantDisplayName: 'Silk Road Goods',
    });
    expect(adapters.startsFor(id)[0]?.payer).toEqual({ qr_code_id: code?.id });
    expect(res.action?.action?.$case).toBe('instructions');
    const values =
      res.action?.action?.$case === 'instructions' ? res.action.action.value.values : {};
    expect(values).toMatchObject({
      link: code?.link,
      payload: code?.payload,
      qr_id: code?.id,
      amount_tyiyn: '150000',
    });
    expect(res.payment).toMatchObject({
      status: PaymentStatus.PAYMENT_STATUS_PENDING,
      method: PaymentMethod.PAYMENT_METHOD_QR,
      provider: Provider.PROVIDER_QR_ACQUIRER,
      providerAttributes: { qr_code_id: code?.id },
    });

    const again = await checkout.startPayment({
      paymentId: id,
      pageSecret: await secretOf(id),
      method: PaymentMethod.PAYMENT_METHOD_QR,
      payer: {},
    });
    expect(again.action).toEqual(res.action);
    expect(qr.codes.size).toBe(1);

    const paid = await sendCallback(Provider.PROVIDER_QR_ACQUIRER, {
      outcome: 'OUTCOME_SUCCEEDED',
      paymentId: id,
      amountMinor: '150000',
      currency: 'KGS',
      method: 'PAYMENT_METHOD_QR',
      providerPaymentId: 'qrb_1',
      reply: { statusCode: 200, contentType: 'application/json', body: '{"status":"ok"}' },
    });
    expect(text(paid.reply?.body)).toBe('{"status":"ok"}');
    expect(paid.status).toBe(PaymentStatus.PAYMENT_STATUS_SUCCEEDED);
    expect(ledger.callsFor(id)).toHaveLength(1);
    expect(ledger.callsFor(id)[0]?.request).toMatchObject({
      provider: Provider.PROVIDER_QR_ACQUIRER,
      method: PaymentMethod.PAYMENT_METHOD_QR,
    });
  });

  it('holds a payment in requires_review on MANUAL_REVIEW: not payable, never expired, settled by a later postback', async () => {
    const id = await newPayment('order-review', 'MMK', 500_000n);
    await checkout.startPayment({
      paymentId: id,
      pageSecret: await secretOf(id),
      method: PaymentMethod.PAYMENT_METHOD_WAVEPAY,
      payer: {},
    });
    const res = await sendCallback(Provider.PROVIDER_PAYKASSMA, {
      outcome: 'OUTCOME_MANUAL_REVIEW',
      paymentId: id,
      reasonCode: 'PROVIDER_POSSIBLE_TRANSACTION',
      reply: { statusCode: 200, contentType: 'application/json', body: '{"status":"ok"}' },
    });
    expect(res.status).toBe(PaymentStatus.PAYMENT_STATUS_REQUIRES_REVIEW);
    expect(text(res.reply?.body)).toBe('{"status":"ok"}');
    expect(await status(id)).toBe(PaymentStatus.PAYMENT_STATUS_REQUIRES_REVIEW);
    await expect(
      checkout.startPayment({
        paymentId: id,
        pageSecret: await secretOf(id),
        method: PaymentMethod.PAYMENT_METHOD_WAVEPAY,
        payer: {},
      }),
    ).rejects.toMatchObject({
      code: 'PAYMENT_NOT_PAYABLE',
      details: { status: 'requires_review' },
    });
    await expect(
      checkout.submitPayerInput({
        paymentId: id,
        pageSecret: await secretOf(id),
        fields: { key1: '12345678901' },
      }),
    ).rejects.toMatchObject({ code: 'PAYMENT_NOT_PAYABLE' });

    // Both overdue: the sweeper expires the created one and leaves the one under review.
    const overdue = await newPayment('order-overdue', 'MMK', 1_000n);
    await sql.query(
      "update payments set expires_at = now() - interval '1 hour' where id = any($1)",
      [[id, overdue]],
    );
    await waitFor(async () => (await status(overdue)) === PaymentStatus.PAYMENT_STATUS_EXPIRED, {
      timeoutMs: 10_000,
      what: 'the overdue payment to expire',
    });
    await sleep(700);
    expect(await status(id)).toBe(PaymentStatus.PAYMENT_STATUS_REQUIRES_REVIEW);

    const settled = await sendCallback(Provider.PROVIDER_PAYKASSMA, {
      outcome: 'OUTCOME_SUCCEEDED',
      paymentId: id,
      amountMinor: '500000',
      currency: 'MMK',
      method: 'PAYMENT_METHOD_WAVEPAY',
      providerPaymentId: 'pk-77',
    });
    expect(settled.status).toBe(PaymentStatus.PAYMENT_STATUS_SUCCEEDED);
    expect(ledger.callsFor(id)).toHaveLength(1);
    const { rows } = await sql.query(
      'select from_status, to_status from payment_transitions where payment_id = $1 order by id',
      [id],
    );
    expect(rows.map((r) => `${String(r.from_status)}->${String(r.to_status)}`)).toEqual([
      'null->created',
      'created->pending',
      'pending->requires_review',
      'requires_review->succeeded',
    ]);
  });

  it('records a reported card binding with the recurring service after the payment succeeded', async () => {
    const id = await newPayment('order-card', 'USD', 10_000n);
    await checkout.startPayment({
      paymentId: id,
      pageSecret: await secretOf(id),
      method: PaymentMethod.PAYMENT_METHOD_CARD,
      payer: { remember_card: 'true' },
    });
    const script: CallbackScript = {
      outcome: 'OUTCOME_SUCCEEDED',
      paymentId: id,
      amountMinor: '10000',
      currency: 'USD',
      method: 'PAYMENT_METHOD_CARD',
      providerPaymentId: 'im-inv-1',
      reply: { statusCode: 200, contentType: 'text/plain', body: 'OK' },
      cardBinding: {
        bindingRef: 'im-inv-1',
        state: 'CARD_BINDING_STATE_ACTIVATED',
        cardLast4: '4242',
      },
    };
    const res = await sendCallback(Provider.PROVIDER_INTELLECTMONEY, script);
    expect(text(res.reply?.body)).toBe('OK');
    expect(res.status).toBe(PaymentStatus.PAYMENT_STATUS_SUCCEEDED);
    expect(recurring.bindings.get(id)).toMatchObject({
      merchantId,
      paymentId: id,
      providerBindingRef: 'im-inv-1',
      state: BindingState.BINDING_STATE_ACTIVATED,
      cardLast4: '4242',
      firstAmount: { amountMinor: 10_000n, currency: 'USD' },
    });
    expect((await bindingRow(id))?.recorded_at).toBeInstanceOf(Date);

    await sendCallback(Provider.PROVIDER_INTELLECTMONEY, script);
    await sleep(700);
    expect(recurring.calls.filter((c) => c.request.paymentId === id)).toHaveLength(1);
  });

  it('answers the provider as usual while recurring is down and records the binding once it is back', async () => {
    const id = await newPayment('order-card-later', 'USD', 10_000n);
    await checkout.startPayment({
      paymentId: id,
      pageSecret: await secretOf(id),
      method: PaymentMethod.PAYMENT_METHOD_CARD,
      payer: { remember_card: 'true' },
    });
    recurring.state.failing = true;
    try {
      const res = await sendCallback(Provider.PROVIDER_INTELLECTMONEY, {
        outcome: 'OUTCOME_SUCCEEDED',
        paymentId: id,
        amountMinor: '10000',
        currency: 'USD',
        method: 'PAYMENT_METHOD_CARD',
        reply: { statusCode: 200, contentType: 'text/plain', body: 'OK' },
        cardBinding: {
          bindingRef: 'im-inv-2',
          state: 'CARD_BINDING_STATE_ACTIVATED',
          cardLast4: '',
        },
      });
      expect(res.reply?.statusCode).toBe(200);
      expect(text(res.reply?.body)).toBe('OK');
      expect(res.status).toBe(PaymentStatus.PAYMENT_STATUS_SUCCEEDED);
      const stored = await bindingRow(id);
      expect(stored?.recorded_at).toBeNull();
      expect(stored?.attempts).toBeGreaterThanOrEqual(1);
      expect(recurring.bindings.has(id)).toBe(false);
    } finally {
      recurring.state.failing = false;
    }
    await waitFor(async () => (await bindingRow(id))?.recorded_at ?? undefined, {
      timeoutMs: 20_000,
      what: 'the card-binding sweeper to record the binding',
    });
    expect(recurring.bindings.get(id)).toMatchObject({ providerBindingRef: 'im-inv-2' });
    expect(recurring.calls.filter((c) => c.request.paymentId === id && c.accepted)).toHaveLength(1);
  });

  it('SubmitPayerInput: success posts once even when the same input is submitted twice; the ledger’s fee is stored', async () => {
    ledger.state.planFee = 7_500n;
    try {
      const id = await newPayment('order-wave', 'MMK', 500_000n);
      await checkout.startPayment({
        paymentId: id,
        pageSecret: await secretOf(id),
        method: PaymentMethod.PAYMENT_METHOD_WAVEPAY,
        payer: {},
      });
      const first = await checkout.submitPayerInput({
        paymentId: id,
        pageSecret: await secretOf(id),
        fields: { key1: '12345678901' },
      });
      expect(first.message).toBe('');
      expect(first.outcome).toBe('succeeded');
      expect(first.payment).toMatchObject({
        status: PaymentStatus.PAYMENT_STATUS_SUCCEEDED,
        method: PaymentMethod.PAYMENT_METHOD_WAVEPAY,
        provider: Provider.PROVIDER_PAYKASSMA,
        providerPaymentId: 'key1:12345678901',
        // The fee the ledger's plan applied: checkout computes and sends none.
        fee: { amountMinor: 7_500n, currency: 'MMK' },
      });
      expect(adapters.inputsFor(id)).toEqual([
        {
          paymentId: id,
          fields: { key1: '12345678901' },
          method: PaymentMethod.PAYMENT_METHOD_WAVEPAY,
        },
      ]);
      const stored = await row(id);
      expect(stored).toMatchObject({ fee_minor: 7_500n });
      expect(stored).not.toHaveProperty('ledger_fee_minor');

      const again = await checkout.submitPayerInput({
        paymentId: id,
        pageSecret: await secretOf(id),
        fields: { key1: '12345678901' },
      });
      expect(again.payment?.status).toBe(PaymentStatus.PAYMENT_STATUS_SUCCEEDED);
      await sleep(700);
      expect(adapters.inputsFor(id)).toHaveLength(1);
      expect(ledger.callsFor(id).filter((c) => c.accepted)).toHaveLength(1);
      expect(ledger.callsFor(id)[0]?.request).toMatchObject({
        idempotencyKey: `payment:${id}:succeeded`,
        method: PaymentMethod.PAYMENT_METHOD_WAVEPAY,
      });

      // Two submissions racing: both answered succeeded, one ledger transaction.
      const raced = await newPayment('order-wave-race', 'MMK', 500_000n);
      await checkout.startPayment({
        paymentId: raced,
        pageSecret: await secretOf(raced),
        method: PaymentMethod.PAYMENT_METHOD_WAVEPAY,
        payer: {},
      });
      const outs = await Promise.all([
        checkout.submitPayerInput({
          paymentId: raced,
          pageSecret: await secretOf(raced),
          fields: { key1: '55555555555' },
        }),
        checkout.submitPayerInput({
          paymentId: raced,
          pageSecret: await secretOf(raced),
          fields: { key1: '55555555555' },
        }),
      ]);
      expect(outs.map((o) => o.payment?.status)).toEqual([
        PaymentStatus.PAYMENT_STATUS_SUCCEEDED,
        PaymentStatus.PAYMENT_STATUS_SUCCEEDED,
      ]);
      await sleep(700);
      const keys = new Set(ledger.callsFor(raced).map((c) => c.request.idempotencyKey));
      expect(keys).toEqual(new Set([`payment:${raced}:succeeded`]));
      expect(ledger.posted.get(`payment:${raced}:succeeded`)).toBeDefined();
      const { rows } = await sql.query(
        "select count(*)::int as n from payment_transitions where payment_id = $1 and to_status = 'succeeded'",
        [raced],
      );
      expect(rows[0].n).toBe(1);
    } finally {
      ledger.state.planFee = null;
    }
  });

  it('locks Wavepay for a payment after PAYER_ATTEMPT_LIMIT_WAVEPAY refused numbers, in the database', async () => {
    const id = await newPayment('order-wave-locked', 'MMK', 500_000n);
    const pageSecret = await secretOf(id);
    await checkout.startPayment({
      paymentId: id,
      pageSecret,
      method: PaymentMethod.PAYMENT_METHOD_WAVEPAY,
      payer: {},
    });
    const refusal = {
      outcome: Outcome.OUTCOME_FAILED,
      reasonCode: 'PROVIDER_ACTIVATION_FAILED',
      message: 'Transaction not found',
      payerMayRetry: true,
    };
    for (let i = 0; i < 3; i++) {
      adapters.inputAnswers.push(refusal);
      const out = await checkout.submitPayerInput({
        paymentId: id,
        pageSecret,
        fields: { key1: `7000000000${i}` },
      });
      expect(out.payment?.status).toBe(PaymentStatus.PAYMENT_STATUS_PENDING);
    }
    adapters.inputAnswers.push(refusal);
    await expect(
      checkout.submitPayerInput({ paymentId: id, pageSecret, fields: { key1: '70000000009' } }),
    ).rejects.toMatchObject({
      code: 'PAYMENT_METHOD_LOCKED',
      details: { method: 'wavepay' },
      message: expect.stringContaining('Wavepay is locked'),
    });
    adapters.inputAnswers.length = 0;
    expect(adapters.inputsFor(id)).toHaveLength(3);
    const { rows } = await sql.query<{ attempts: number; locked_at: Date | null }>(
      "select attempts, locked_at from payer_attempts where payment_id = $1 and method = 'wavepay'",
      [id],
    );
    expect(rows).toEqual([{ attempts: 3, locked_at: expect.any(Date) }]);
    // The payment itself stays open for another method; only Wavepay is locked.
    expect(await status(id)).toBe(PaymentStatus.PAYMENT_STATUS_PENDING);
    await expect(
      checkout.startPayment({
        paymentId: id,
        pageSecret,
        method: PaymentMethod.PAYMENT_METHOD_WAVEPAY,
        payer: {},
      }),
    ).rejects.toMatchObject({ code: 'PAYMENT_METHOD_LOCKED' });
  });

  it('lets no more than the limit of parallel Wavepay numbers reach the provider', async () => {
    const id = await newPayment('order-wave-parallel', 'MMK', 500_000n);
    const pageSecret = await secretOf(id);
    await checkout.startPayment({
      paymentId: id,
      pageSecret,
      method: PaymentMethod.PAYMENT_METHOD_WAVEPAY,
      payer: {},
    });
    const refusal = {
      outcome: Outcome.OUTCOME_FAILED,
      reasonCode: 'PROVIDER_ACTIVATION_FAILED',
      payerMayRetry: true,
    };
    for (let i = 0; i < 8; i++) adapters.inputAnswers.push(refusal);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        checkout.submitPayerInput({
          paymentId: id,
          pageSecret,
          fields: { key1: `8000000000${i}` },
        }),
      ),
    );
    adapters.inputAnswers.length = 0;
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'PAYMENT_METHOD_LOCKED' });
    }
    expect(adapters.inputsFor(id)).toHaveLength(3);
  });

  it('answers a wrong or missing page secret like an unknown payment, on every payer step', async () => {
    const id = await newPayment('order-secret', 'MMK', 500_000n);
    const unknown = await checkout
      .getPayment({ paymentId: 'pay_01jzzzzzzzzzzzzzzzzzzzzzzz', merchantId: '', pageSecret: 'x' })
      .catch((err: unknown) => err);
    expect(unknown).toMatchObject({ code: 'PAYMENT_NOT_FOUND' });
    for (const pageSecret of ['', 'wrong', `${await secretOf(id)}x`]) {
      const wrong = await checkout
        .getPayment({ paymentId: id, merchantId: '', pageSecret })
        .catch((err: unknown) => err);
      expect(wrong).toMatchObject({
        code: 'PAYMENT_NOT_FOUND',
        message: (unknown as Error).message,
      });
      await expect(
        checkout.startPayment({
          paymentId: id,
          pageSecret,
          method: PaymentMethod.PAYMENT_METHOD_WAVEPAY,
          payer: {},
        }),
      ).rejects.toMatchObject({ code: 'PAYMENT_NOT_FOUND' });
    }
    const payer = await checkout.getPayment({
      paymentId: id,
      merchantId: '',
      pageSecret: await secretOf(id),
    });
    expect(payer.payment?.id).toBe(id);
    // The merchant reads it without the secret and gets it, to build payment_url.
    const merchant = await checkout.getPayment({ paymentId: id, merchantId, pageSecret: '' });
    expect(merchant.payment?.pageSecret).toBe(await secretOf(id));
    expect(merchant.payment?.pageSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('SubmitPayerInput: a failed attempt keeps the payment open; review and refusals', async () => {
    const id = await newPayment('order-wave-retry', 'MMK', 500_000n);
    await checkout.startPayment({
      paymentId: id,
      pageSecret: await secretOf(id),
      method: PaymentMethod.PAYMENT_METHOD_WAVEPAY,
      payer: {},
    });
    adapters.inputAnswers.push({
      outcome: Outcome.OUTCOME_FAILED,
      reasonCode: 'PROVIDER_ACTIVATION_FAILED',
      message: 'Transaction not found',
      payerMayRetry: true,
      nextAction: {
        action: {
          $case: 'instructions',
          value: { title: 'Pay with Wavepay', values: { wallet: '0912' } },
        },
      },
    });
    const failed = await checkout.submitPayerInput({
      paymentId: id,
      pageSecret: await secretOf(id),
      fields: { key1: '1' },
    });
    expect(failed.payment?.status).toBe(PaymentStatus.PAYMENT_STATUS_PENDING);
    expect(failed.message).toBe('Transaction not found');
    expect(failed.action?.action).toMatchObject({ $case: 'instructions' });

    adapters.inputAnswers.push({ outcome: Outcome.OUTCOME_PENDING, message: '' });
    const pending = await checkout.submitPayerInput({
      paymentId: id,
      pageSecret: await secretOf(id),
      fields: { key1: '2' },
    });
    expect(pending.payment?.status).toBe(PaymentStatus.PAYMENT_STATUS_PENDING);
    expect(pending.message).toMatch(/still checking/);

    adapters.inputAnswers.push({
      outcome: Outcome.OUTCOME_MANUAL_REVIEW,
      reasonCode: 'PROVIDER_POSSIBLE_TRANSACTION',
    });
    const review = await checkout.submitPayerInput({
      paymentId: id,
      pageSecret: await secretOf(id),
      fields: { key1: '3' },
    });
    expect(review.payment?.status).toBe(PaymentStatus.PAYMENT_STATUS_REQUIRES_REVIEW);
    expect(ledger.callsFor(id)).toHaveLength(0);

    const usd = await newPayment('order-wm-input', 'USD', 10_000n);
    await expect(
      checkout.submitPayerInput({
        paymentId: usd,
        pageSecret: await secretOf(usd),
        fields: { key1: '1' },
      }),
    ).rejects.toMatchObject({ code: 'PAYMENT_INPUT_NOT_EXPECTED', kind: 'precondition' });
    await checkout.startPayment({
      paymentId: usd,
      pageSecret: await secretOf(usd),
      method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
      payer: {},
    });
    await expect(
      checkout.submitPayerInput({
        paymentId: usd,
        pageSecret: await secretOf(usd),
        fields: { key1: '1' },
      }),
    ).rejects.toMatchObject({
      code: 'PAYMENT_INPUT_NOT_EXPECTED',
      details: { status: 'pending', method: 'webmoney_purse' },
    });
    await expect(
      checkout.submitPayerInput({
        paymentId: 'pay_unknown',
        pageSecret: 'any-secret',
        fields: { key1: '1' },
      }),
    ).rejects.toMatchObject({ code: 'PAYMENT_NOT_FOUND', kind: 'not_found' });
    expect(adapters.inputsFor(usd)).toHaveLength(0);
  });
});
