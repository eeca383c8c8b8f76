import {
  CheckoutServiceClient,
  MerchantServiceClient,
  PaymentStatus,
} from '@tolem/contracts/checkout';
import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { QrKind } from '@tolem/contracts/qr';
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
const MINUTE = 60_000;

/** The QR adapter's replies (provider.proto QrAcquirerReply). */
const ok = { statusCode: 200, contentType: 'application/json', body: '{"status":"ok"}' };
const unknownOrder = {
  statusCode: 404,
  contentType: 'application/json',
  body: '{"status":"rejected","code":"PROVIDER_UNKNOWN_ORDER","payment_id":""}',
};
const retry = {
  statusCode: 503,
  contentType: 'application/json',
  body: '{"status":"rejected","code":"PROVIDER_UNAVAILABLE","payment_id":""}',
};

describe('checkout: QR codes as a merchant product (real checkout, real PostgreSQL)', () => {
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
    db = await freshDatabase('checkout_qr_it');
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
      name: 'checkout-qr',
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
      },
      ready: () => grpcServing(`127.0.0.1:${port}`),
    });
    checkout = createClient(CheckoutServiceClient, `127.0.0.1:${port}`);
    const merchants = createClient(MerchantServiceClient, `127.0.0.1:${port}`);
    try {
      const created = await merchants.createMerchant({
        idempotencyKey: 'merchant-qr',
        name: 'Navat Cafe',
        enabledMethods: [PaymentMethod.PAYMENT_METHOD_QR],
        webmoneyShopId: '',
        defaultSuccessUrl: 'https://navat.example/ok',
        defaultFailUrl: 'https://navat.example/fail',
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

  function createQrPayment(key: string, amountMinor: bigint, expiresInMs = 15 * MINUTE) {
    return checkout.createQrPayment({
      payment: {
        merchantId,
        idempotencyKey: key,
        amount: { amountMinor, currency: 'KGS' },
        orderId: key,
        description: 'Lagman and tea',
        successUrl: '',
        failUrl: '',
        metadata: {},
      },
      expiresAt: new Date(Date.now() + expiresInMs),
    });
  }

  /** The bank's confirmation of a scan, as the QR adapter reports it before any registration. */
  function confirmScan(qrCodeId: string, reference: string, amountMinor: string) {
    const script: CallbackScript = {
      outcome: 'OUTCOME_UNREGISTERED_QR',
      paymentId: '',
      qrCodeId,
      amountMinor,
      currency: 'KGS',
      method: 'PAYMENT_METHOD_QR',
      providerPaymentId: `mbank:${reference}`,
      attributes: { qr_acquirer_id: 'mbank', qr_acquirer_reference: reference },
      reply: ok,
      retryReply: retry,
      refusalReply: unknownOrder,
    };
    return checkout.handleProviderCallback({
      provider: Provider.PROVIDER_QR_ACQUIRER,
      request: {
        method: 'POST',
        path: '/callbacks/qr',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify(script)),
        remoteAddress: '10.0.0.9',
        query: '',
      },
    });
  }

  async function paymentsOf(column: string, value: string) {
    const { rows } = await sql.query<{ id: string; status: string; amount_minor: string }>(
      `select id, status, amount_minor::text as amount_minor from payments where ${column} = $1 order by created_at`,
      [value],
    );
    return rows;
  }

  it('CreateQrPayment issues the order’s dynamic code, expiring with the payment, and replays it', async () => {
    const before = qr.calls.length;
    const expiresAt = new Date(Date.now() + 20 * MINUTE);
    const res = await checkout.createQrPayment({
      payment: {
        merchantId,
        idempotencyKey: 'order-qr-1',
        amount: { amountMinor: 150_000n, currency: 'KGS' },
        orderId: 'order-qr-1',
        description: 'Lagman and tea',
        successUrl: '',
        failUrl: '',
        metadata: {},
      },
      expiresAt,
    });
    const id = res.payment?.id ?? '';
    expect(res.replayed).toBe(false);
    expect(res.qrCodeId).toBe(qr.byKey(merchantId, `payment:${id}`)?.id);
    expect(res.payment).toMatchObject({
      status: PaymentStatus.PAYMENT_STATUS_PENDING,
      method: PaymentMethod.PAYMENT_METHOD_QR,
      provider: Provider.PROVIDER_QR_ACQUIRER,
      providerAttributes: { qr_code_id: res.qrCodeId },
    });
    expect(qr.calls.slice(before)).toEqual([
      {
        merchantId,
        idempotencyKey: `payment:${id}`,
        kind: QrKind.QR_KIND_DYNAMIC,
        amount: { amountMinor: 150_000n, currency: 'KGS' },
        description: 'Lagman and tea',
        livemode: false,
        expiresAt,
        paymentId: id,
        label: '',
        merchantDisplayName: 'Navat Cafe',
      },
    ]);
    const { rows } = await sql.query<{ expires_at: Date }>(
      'select expires_at from payments where id = $1',
      [id],
    );
    expect(rows[0]?.expires_at).toEqual(expiresAt);

    const again = await createQrPayment('order-qr-1', 150_000n, 21 * MINUTE);
    expect(again).toMatchObject({ replayed: true, qrCodeId: res.qrCodeId });
    expect(again.payment?.id).toBe(id);
    expect(await paymentsOf('order_id', 'order-qr-1')).toHaveLength(1);
  });

  it('CreateQrPayment refuses the key with another request, and an expiry out of bounds, writing nothing', async () => {
    await createQrPayment('order-qr-2', 150_000n);
    await expect(createQrPayment('order-qr-2', 99_000n)).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      kind: 'conflict',
      details: { field: 'amount' },
    });
    await expect(createQrPayment('order-qr-3', 150_000n, 30 * 1000)).rejects.toMatchObject({
      code: 'PAYMENT_EXPIRES_AT_INVALID',
      kind: 'invalid',
      details: { field: 'expires_at' },
    });
    await expect(
      createQrPayment('order-qr-3', 150_000n, 31 * 24 * 60 * MINUTE),
    ).rejects.toMatchObject({ code: 'PAYMENT_EXPIRES_AT_INVALID' });
    expect(await paymentsOf('order_id', 'order-qr-3')).toHaveLength(0);
  });

  it('makes two payments of a static code paid twice, each settled and posted once', async () => {
    const code = qr.addStatic(merchantId, 'Desk 2');
    const first = await confirmScan(code.id, 'MB-100', '25000');
    const second = await confirmScan(code.id, 'MB-101', '40000');
    expect(text(first.reply?.body)).toBe(ok.body);
    expect(first.status).toBe(PaymentStatus.PAYMENT_STATUS_SUCCEEDED);
    expect(second.status).toBe(PaymentStatus.PAYMENT_STATUS_SUCCEEDED);
    expect(first.paymentId).not.toBe(second.paymentId);

    const payment = await checkout.getPayment({
      paymentId: first.paymentId,
      merchantId,
      pageSecret: '',
    });
    expect(payment.payment).toMatchObject({
      status: PaymentStatus.PAYMENT_STATUS_SUCCEEDED,
      amount: { amountMinor: 25_000n, currency: 'KGS' },
      description: 'Desk 2',
      metadata: { qr_code_id: code.id },
      providerPaymentId: 'mbank:MB-100',
      providerAttributes: { qr_code_id: code.id, qr_acquirer_reference: 'MB-100' },
    });
    // Registered under the bank's reference; no code is issued for a scan.
    expect(adapters.startsFor(first.paymentId).map((s) => s.payer)).toEqual([
      { qr_code_id: code.id, qr_scan_reference: 'mbank:MB-100' },
    ]);
    expect(qr.calls.filter((c) => c.paymentId === first.paymentId)).toHaveLength(0);
    expect(ledger.callsFor(first.paymentId)).toHaveLength(1);
    expect(ledger.callsFor(second.paymentId)[0]?.request.gross?.amountMinor).toBe(40_000n);
  });

  it('answers a replayed scan confirmation from the same payment: no second payment, no second credit', async () => {
    const code = qr.addStatic(merchantId, 'Desk 3');
    const first = await confirmScan(code.id, 'MB-200', '12000');
    const again = await confirmScan(code.id, 'MB-200', '12000');
    expect(again).toMatchObject({
      paymentId: first.paymentId,
      status: PaymentStatus.PAYMENT_STATUS_SUCCEEDED,
    });
    expect(text(again.reply?.body)).toBe(ok.body);
    const { rows } = await sql.query(`select id from payments where metadata->>'qr_code_id' = $1`, [
      code.id,
    ]);
    expect(rows).toHaveLength(1);
    expect(ledger.callsFor(first.paymentId).filter((c) => c.accepted)).toHaveLength(1);
  });

  it('refuses a scan of a code qr-platform never issued with the adapter’s 404, writing nothing', async () => {
    const starts = adapters.starts.length;
    const { rows: before } = await sql.query('select id from payments');
    const out = await confirmScan('qr_99999999999999999999999999', 'MB-300', '5000');
    expect(out.reply?.statusCode).toBe(404);
    expect(text(out.reply?.body)).toBe(unknownOrder.body);
    expect(out.paymentId).toBe('');
    const { rows: after } = await sql.query('select id from payments');
    expect(after).toHaveLength(before.length);
    expect(adapters.starts).toHaveLength(starts);
  });

  it('asks the bank to resend while qr-platform is down, then settles the resend', async () => {
    const code = qr.addStatic(merchantId, 'Desk 4');
    qr.state.failing = true;
    try {
      const out = await confirmScan(code.id, 'MB-400', '7000');
      expect(out.reply?.statusCode).toBe(503);
      expect(out.paymentId).toBe('');
    } finally {
      qr.state.failing = false;
    }
    const resent = await confirmScan(code.id, 'MB-400', '7000');
    expect(resent.status).toBe(PaymentStatus.PAYMENT_STATUS_SUCCEEDED);
  });

  it.each([
    ['before the expiry sweeper ran', false],
    ['after the expiry sweeper expired it', true],
  ])(
    'holds a dynamic code’s late confirmation (%s) in a case and credits nobody',
    async (_name, swept) => {
      const key = `order-late-${String(swept)}`;
      const res = await createQrPayment(key, 150_000n);
      const id = res.payment?.id ?? '';
      // Time passes: the code's (and so the payment's) expiry is behind us.
      await sql.query(
        `update payments set expires_at = now() - interval '1 second' where id = $1`,
        [id],
      );
      if (swept) {
        await waitFor(async () => (await paymentsOf('id', id))[0]?.status === 'expired', {
          timeoutMs: 10_000,
        });
      }
      const out = await checkout.handleProviderCallback({
        provider: Provider.PROVIDER_QR_ACQUIRER,
        request: {
          method: 'POST',
          path: '/callbacks/qr',
          headers: { 'content-type': 'application/json' },
          body: Buffer.from(
            JSON.stringify({
              outcome: 'OUTCOME_SUCCEEDED',
              paymentId: id,
              amountMinor: '150000',
              currency: 'KGS',
              method: 'PAYMENT_METHOD_QR',
              providerPaymentId: `mbank:MB-LATE-${String(swept)}`,
              attributes: { qr_code_id: res.qrCodeId },
              reply: ok,
            } satisfies CallbackScript),
          ),
          remoteAddress: '10.0.0.9',
          query: '',
        },
      });
      expect(out.status).toBe(PaymentStatus.PAYMENT_STATUS_EXPIRED);
      expect(text(out.reply?.body)).toBe(ok.body);
      const { rows } = await sql.query<{ kind: string; status: string }>(
        'select kind, status from cases where payment_id = $1',
        [id],
      );
      expect(rows).toEqual([{ kind: 'late_payment', status: 'open' }]);
      expect(ledger.callsFor(id)).toHaveLength(0);
      expect((await paymentsOf('id', id))[0]?.status).toBe('expired');
    },
  );
});
