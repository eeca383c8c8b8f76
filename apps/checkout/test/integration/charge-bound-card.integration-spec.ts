import {
  type ChargeBoundCardRequest,
  CheckoutServiceClient,
  ListPaymentsRequest,
  MerchantServiceClient,
  PaymentStatus,
} from '@tolem/contracts/checkout';
import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { DeclineKind, Outcome } from '@tolem/contracts/provider';
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
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import {
  startFakeLedger,
  startFakeProviderAdapters,
  startFakeQrPlatform,
  startFakeRecurring,
} from './peers';

describe('checkout: ChargeBoundCard and customer references (real process, real PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let sql: pg.Client;
  let adapters: Awaited<ReturnType<typeof startFakeProviderAdapters>>;
  let ledger: Awaited<ReturnType<typeof startFakeLedger>>;
  let recurring: Awaited<ReturnType<typeof startFakeRecurring>>;
  let qr: Awaited<ReturnType<typeof startFakeQrPlatform>>;
  let service: ServiceProcess;
  let checkout: PromiseClient<CheckoutServiceClient>;
  let merchantId = '';
  let vatRate = '';

  beforeAll(async () => {
    db = await freshDatabase('checkout_charge_it');
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
      name: 'checkout-charge',
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
        CARD_BINDING_SWEEP_MS: '300',
      },
      ready: () => grpcServing(`127.0.0.1:${port}`),
    });
    checkout = createClient(CheckoutServiceClient, `127.0.0.1:${port}`);
    const merchants = createClient(MerchantServiceClient, `127.0.0.1:${port}`);
    try {
      const created = await merchants.createMerchant({
        idempotencyKey: 'merchant-subscriptions',
        name: 'Tengri Streaming',
        enabledMethods: [PaymentMethod.PAYMENT_METHOD_CARD],
        webmoneyShopId: '',
        defaultSuccessUrl: 'https://stream.example/ok',
        defaultFailUrl: 'https://stream.example/fail',
        // A 2026 rate: the database accepts every YooKassa vat_code name.
        vatRate: 'vat22_122',
      });
      merchantId = created.merchant?.id ?? '';
      vatRate = created.merchant?.vatRate ?? '';
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

  beforeEach(() => {
    adapters.script.charge = { outcome: Outcome.OUTCOME_SUCCEEDED };
    adapters.script.chargeError = null;
    ledger.state.planFee = 750n;
  });

  function charge(key: string, overrides: Partial<ChargeBoundCardRequest> = {}) {
    return checkout.chargeBoundCard({
      merchantId,
      idempotencyKey: key,
      bindingRef: 'im-inv-555',
      amount: { amountMinor: 25_000n, currency: 'RUB' },
      description: 'Monthly plan',
      orderId: 'sub-7',
      metadata: { recurring_operation_id: 'sop_1' },
      livemode: false,
      customerRef: 'cust-42',
      ...overrides,
    });
  }

  const declined = (code: string, kind: DeclineKind) => ({
    outcome: Outcome.OUTCOME_FAILED,
    declineCode: code,
    declineKind: kind,
    reasonCode: 'PROVIDER_CARD_DECLINED',
    providerOperationId: `op-${code}`,
  });

  const chargesFor = (paymentId: string) =>
    adapters.charges.filter((c) => c.paymentId === paymentId);

  it('stores a merchant with a VAT rate added for receipts (22/122)', () => {
    expect(vatRate).toBe('vat22_122');
  });

  it('charges once, posts the success to the ledger exactly once, and a replay answers the same payment', async () => {
    const first = await charge('sop_1:2026-12-01T09:00:00Z:1');
    const id = first.payment?.id ?? '';
    expect(first).toMatchObject({ replayed: false, declineCode: '', reasonCode: '' });
    expect(first.payment).toMatchObject({
      status: PaymentStatus.PAYMENT_STATUS_SUCCEEDED,
      method: PaymentMethod.PAYMENT_METHOD_CARD,
      provider: Provider.PROVIDER_INTELLECTMONEY,
      initiator: 'scheduled',
      customerRef: 'cust-42',
      livemode: false,
      metadata: { recurring_operation_id: 'sop_1' },
      fee: { amountMinor: 750n, currency: 'RUB' },
    });
    expect(chargesFor(id)).toEqual([
      expect.objectContaining({
        idempotencyKey: `bound-card:${id}`,
        merchantId,
        bindingRef: 'im-inv-555',
        amount: { amountMinor: 25_000n, currency: 'RUB' },
      }),
    ]);
    expect(ledger.callsFor(id).filter((c) => c.accepted)).toHaveLength(1);

    const again = await charge('sop_1:2026-12-01T09:00:00Z:1');
    expect(again).toMatchObject({ replayed: true, payment: { id, status: first.payment?.status } });
    // Final: answered from the stored payment, the adapters are not asked again.
    expect(chargesFor(id)).toHaveLength(1);
    expect(ledger.callsFor(id).filter((c) => c.accepted)).toHaveLength(1);
    const { rows } = await sql.query(
      'select initiator, customer_ref, status from payments where id = $1',
      [id],
    );
    expect(rows).toEqual([
      { initiator: 'scheduled', customer_ref: 'cust-42', status: 'succeeded' },
    ]);
  });

  it('fails on a soft decline with 51 (kind soft) and on a hard decline with 54 (kind hard), nothing posted', async () => {
    adapters.script.charge = declined('51', DeclineKind.DECLINE_KIND_SOFT);
    const soft = await charge('sop_2:2026-12-01T09:00:00Z:1');
    expect(soft).toMatchObject({
      declineCode: '51',
      declineKind: 'soft',
      reasonCode: 'PROVIDER_CARD_DECLINED',
      payment: { status: PaymentStatus.PAYMENT_STATUS_FAILED, failureCode: '51' },
    });

    adapters.script.charge = declined('54', DeclineKind.DECLINE_KIND_HARD);
    const hard = await charge('sop_3:2026-12-01T09:00:00Z:1');
    expect(hard).toMatchObject({
      declineCode: '54',
      declineKind: 'hard',
      payment: { status: PaymentStatus.PAYMENT_STATUS_FAILED, failureCode: '54' },
    });
    for (const id of [soft.payment?.id ?? '', hard.payment?.id ?? '']) {
      expect(ledger.callsFor(id)).toHaveLength(0);
    }
    // The failure reaches the ledger (and so the merchant) as payment.failed with the code.
    await waitFor(
      () =>
        ledger.facts.find(
          (f) => f.paymentId === soft.payment?.id && f.eventType === 'payment.failed',
        ),
      { timeoutMs: 10_000, what: 'payment.failed recorded in the ledger' },
    );
    expect(
      ledger.facts.find(
        (f) => f.paymentId === soft.payment?.id && f.eventType === 'payment.failed',
      ),
    ).toMatchObject({ failureCode: '51' });

    // A replay of a decline answers the stored decline.
    const replay = await charge('sop_3:2026-12-01T09:00:00Z:1');
    expect(replay).toMatchObject({ replayed: true, declineCode: '54', declineKind: 'hard' });
    expect(chargesFor(hard.payment?.id ?? '')).toHaveLength(1);
  });

  it('leaves a pending charge pending; a replay with the same key asks again and settles it once', async () => {
    adapters.script.charge = { outcome: Outcome.OUTCOME_PENDING, providerOperationId: 'op-p' };
    const pending = await charge('sop_4:2026-12-01T09:00:00Z:1');
    const id = pending.payment?.id ?? '';
    expect(pending.payment?.status).toBe(PaymentStatus.PAYMENT_STATUS_PENDING);
    expect(ledger.callsFor(id)).toHaveLength(0);

    adapters.script.charge = {
      outcome: Outcome.OUTCOME_SUCCEEDED,
      providerOperationId: 'op-p',
      providerPaymentId: 'im-inv-777',
    };
    const settled = await charge('sop_4:2026-12-01T09:00:00Z:1');
    expect(settled).toMatchObject({
      replayed: true,
      payment: {
        id,
        status: PaymentStatus.PAYMENT_STATUS_SUCCEEDED,
        providerPaymentId: 'im-inv-777',
      },
    });
    expect(chargesFor(id)).toHaveLength(2);
    expect(adapters.charged.filter((k) => k === `bound-card:${id}`)).toHaveLength(1);
    expect(ledger.callsFor(id).filter((c) => c.accepted)).toHaveLength(1);
  });

  it('keeps the payment pending while the adapters are away and charges it on the replay', async () => {
    adapters.script.chargeError = { code: 'PROVIDER_UNAVAILABLE', kind: 'unavailable' };
    const away = await charge('sop_5:2026-12-01T09:00:00Z:1');
    const id = away.payment?.id ?? '';
    expect(away.payment?.status).toBe(PaymentStatus.PAYMENT_STATUS_PENDING);
    expect(away.reasonCode).toBe('PROVIDER_UNAVAILABLE');

    adapters.script.chargeError = null;
    const back = await charge('sop_5:2026-12-01T09:00:00Z:1');
    expect(back.payment).toMatchObject({ id, status: PaymentStatus.PAYMENT_STATUS_SUCCEEDED });
    expect(adapters.charged.filter((k) => k === `bound-card:${id}`)).toHaveLength(1);
    expect(ledger.callsFor(id).filter((c) => c.accepted)).toHaveLength(1);
  });

  it('refuses another request under a used key with IDEMPOTENCY_KEY_REUSED naming the field, writing nothing', async () => {
    await charge('sop_6:2026-12-01T09:00:00Z:1');
    const count = async () =>
      Number((await sql.query('select count(*) as n from payments')).rows[0]?.n ?? 0);
    const before = await count();
    await expect(
      charge('sop_6:2026-12-01T09:00:00Z:1', { amount: { amountMinor: 30_000n, currency: 'RUB' } }),
    ).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      kind: 'conflict',
      details: { field: 'amount' },
    });
    await expect(
      charge('sop_6:2026-12-01T09:00:00Z:1', { customerRef: 'cust-43' }),
    ).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', details: { field: 'customer_ref' } });
    await expect(charge('')).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REQUIRED',
      details: { field: 'idempotency_key' },
    });
    expect(await count()).toBe(before);
  });

  it('keeps a customer reference through create, get and list, and gives it to the card binding', async () => {
    const created = await checkout.createPayment({
      merchantId,
      idempotencyKey: 'order-bind-1',
      amount: { amountMinor: 10_000n, currency: 'RUB' },
      orderId: 'bind-1',
      description: 'First month',
      successUrl: '',
      failUrl: '',
      metadata: {},
      livemode: false,
      customerRef: 'cust-77',
    });
    const id = created.payment?.id ?? '';
    expect(created.payment).toMatchObject({ customerRef: 'cust-77', initiator: '' });
    const got = await checkout.getPayment({ paymentId: id, merchantId, pageSecret: '' });
    expect(got.payment?.customerRef).toBe('cust-77');
    const listed = await checkout.listPayments(
      ListPaymentsRequest.fromPartial({ merchantId, limit: 100 }),
    );
    expect(listed.payments.find((p) => p.id === id)?.customerRef).toBe('cust-77');

    await checkout.startPayment({
      paymentId: id,
      pageSecret: created.payment?.pageSecret ?? '',
      method: PaymentMethod.PAYMENT_METHOD_CARD,
      payer: { remember_card: 'true' },
    });
    await checkout.handleProviderCallback({
      provider: Provider.PROVIDER_INTELLECTMONEY,
      request: {
        method: 'POST',
        path: '/callbacks/intellectmoney',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(
          JSON.stringify({
            outcome: 'OUTCOME_SUCCEEDED',
            paymentId: id,
            amountMinor: '10000',
            currency: 'RUB',
            method: 'PAYMENT_METHOD_CARD',
            providerPaymentId: 'im-inv-bind-1',
            reply: { statusCode: 200, contentType: 'text/plain', body: 'OK' },
            cardBinding: {
              bindingRef: 'im-inv-bind-1',
              state: 'CARD_BINDING_STATE_ACTIVATED',
              cardLast4: '4242',
            },
          }),
        ),
        remoteAddress: '10.0.0.9',
        query: '',
      },
    });
    expect(recurring.calls.filter((c) => c.request.paymentId === id)).toEqual([
      expect.objectContaining({
        request: expect.objectContaining({
          providerBindingRef: 'im-inv-bind-1',
          customerRef: 'cust-77',
          cardExpiry: '',
          livemode: false,
        }),
      }),
    ]);
  });

  it('refuses a customer reference that is too long or not printable, naming the field', async () => {
    for (const customerRef of ['x'.repeat(191), 'two\nlines']) {
      await expect(
        checkout.createPayment({
          merchantId,
          idempotencyKey: `order-bad-ref-${customerRef.length}`,
          amount: { amountMinor: 10_000n, currency: 'RUB' },
          orderId: 'bad',
          description: '',
          successUrl: '',
          failUrl: '',
          metadata: {},
          customerRef,
        }),
      ).rejects.toMatchObject({
        code: 'PAYMENT_INVALID_REQUEST',
        kind: 'invalid',
        details: { field: 'customer_ref' },
      });
    }
  });
});
