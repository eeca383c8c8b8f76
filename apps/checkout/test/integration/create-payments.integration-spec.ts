import {
  CheckoutServiceClient,
  type CreatePaymentRequest,
  MerchantServiceClient,
} from '@tolem/contracts/checkout';
import { PaymentMethod } from '@tolem/contracts/common';
import { createClient, type PromiseClient } from '@tolem/grpc-kit';
import {
  freePort,
  freshDatabase,
  grpcServing,
  type ServiceProcess,
  spawnService,
} from '@tolem/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  startFakeLedger,
  startFakeProviderAdapters,
  startFakeQrPlatform,
  startFakeRecurring,
} from './peers';

/** CreatePayments: the gateway's batched creates, answered item by item by a real checkout. */
describe('CreatePayments (real process, real PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let sql: pg.Client;
  let peers: { close(): Promise<void> }[] = [];
  let service: ServiceProcess;
  let checkout: PromiseClient<CheckoutServiceClient>;
  let merchants: PromiseClient<MerchantServiceClient>;
  let merchantId = '';

  beforeAll(async () => {
    db = await freshDatabase('checkout_it_batch');
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    const [adapters, ledger, recurring, qr] = await Promise.all([
      startFakeProviderAdapters(),
      startFakeLedger(),
      startFakeRecurring(),
      startFakeQrPlatform(),
    ]);
    peers = [adapters, ledger, recurring, qr];
    const port = await freePort();
    service = await spawnService({
      name: 'checkout',
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
      },
      ready: () => grpcServing(`127.0.0.1:${port}`),
    });
    checkout = createClient(CheckoutServiceClient, `127.0.0.1:${port}`);
    merchants = createClient(MerchantServiceClient, `127.0.0.1:${port}`);
    const created = await merchants.createMerchant({
      idempotencyKey: 'batch-shop',
      name: 'Batch Books',
      enabledMethods: [PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE],
      webmoneyShopId: 'shop-1',
      defaultSuccessUrl: 'https://books.example/ok',
      defaultFailUrl: 'https://books.example/fail',
    });
    merchantId = created.merchant?.id ?? '';
  });

  afterAll(async () => {
    checkout?.close();
    merchants?.close();
    await service?.stop();
    await Promise.all(peers.map((p) => p.close()));
    await sql?.end();
    await db?.drop();
  });

  const item = (key: string, overrides: Partial<CreatePaymentRequest> = {}) => ({
    merchantId,
    idempotencyKey: key,
    amount: { amountMinor: 1_999n, currency: 'USD' },
    orderId: `order-${key}`,
    description: 'A mug',
    successUrl: '',
    failUrl: '',
    metadata: {},
    ...overrides,
  });

  it('answers each item as its own CreatePayment would, writing only the good ones', async () => {
    await checkout.createPayment(item('earlier'));
    const res = await checkout.createPayments({
      payments: [
        item('a'),
        item('b'),
        item('a'),
        item('earlier'),
        item('earlier', { amount: { amountMinor: 5n, currency: 'USD' } }),
        item('negative', { amount: { amountMinor: -1n, currency: 'USD' } }),
        item('stranger', { merchantId: 'mer_unknown' }),
      ],
    });
    const [a, b, aAgain, earlier, reused, negative, stranger] = res.results.map((r) => r.result);
    expect(a).toMatchObject({ $case: 'created', value: { replayed: false } });
    expect(b).toMatchObject({ $case: 'created', value: { replayed: false } });
    // The same key twice in one call: one payment, the other item a replay of it.
    const ids = [a, aAgain].map((r) => (r?.$case === 'created' ? r.value.payment?.id : ''));
    expect(ids[0]).toMatch(/^pay_/);
    expect(ids[1]).toBe(ids[0]);
    expect([a, aAgain].filter((r) => r?.$case === 'created' && r.value.replayed)).toHaveLength(1);
    expect(earlier).toMatchObject({ $case: 'created', value: { replayed: true } });
    expect(reused).toMatchObject({
      $case: 'error',
      value: { code: 'IDEMPOTENCY_KEY_REUSED', kind: 'conflict', details: { field: 'amount' } },
    });
    expect(negative).toMatchObject({ $case: 'error', value: { kind: 'invalid' } });
    expect(stranger).toMatchObject({
      $case: 'error',
      value: { code: 'MERCHANT_NOT_FOUND', kind: 'not_found' },
    });
    const { rows } = await sql.query<{ key: string }>(
      'select key from idempotency_keys order by key',
    );
    expect(rows.map((r) => r.key)).toEqual(['a', 'b', 'earlier']);
  });

  it('refuses a call with more than 500 payments, writing nothing', async () => {
    await expect(
      checkout.createPayments({
        payments: Array.from({ length: 501 }, (_, i) => item(`many-${i}`)),
      }),
    ).rejects.toMatchObject({ code: 'PAYMENT_INVALID_REQUEST', kind: 'invalid' });
    const { rows } = await sql.query("select 1 from idempotency_keys where key like 'many-%'");
    expect(rows).toHaveLength(0);
  });
});
