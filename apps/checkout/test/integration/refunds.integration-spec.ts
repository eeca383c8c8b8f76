import {
  CheckoutServiceClient,
  ListPaymentsRequest,
  MerchantServiceClient,
  PaymentStatus,
  RefundExecution,
  RefundServiceClient,
  RefundStatus,
} from '@tolem/contracts/checkout';
import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { RefundOutcome } from '@tolem/contracts/ledger';
import { Outcome } from '@tolem/contracts/provider';
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

describe('refunds (real checkout process, real PostgreSQL, peer services as gRPC doubles)', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let sql: pg.Client;
  let adapters: Awaited<ReturnType<typeof startFakeProviderAdapters>>;
  let ledger: Awaited<ReturnType<typeof startFakeLedger>>;
  let recurring: Awaited<ReturnType<typeof startFakeRecurring>>;
  let qr: Awaited<ReturnType<typeof startFakeQrPlatform>>;
  let service: ServiceProcess;
  let checkout: PromiseClient<CheckoutServiceClient>;
  let merchants: PromiseClient<MerchantServiceClient>;
  let refunds: PromiseClient<RefundServiceClient>;
  let merchantId = '';
  let otherMerchantId = '';

  beforeAll(async () => {
    db = await freshDatabase('checkout_it_refunds');
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    adapters = await startFakeProviderAdapters();
    ledger = await startFakeLedger();
    recurring = await startFakeRecurring();
    qr = await startFakeQrPlatform();
    const port = await freePort();
    service = await spawnService({
      name: 'checkout',
      entry: 'apps/checkout/src/main.ts',
      env: {
        DATABASE_URL: db.url,
        MIGRATE_ON_START: 'true',
        // info: the phone number check below reads everything checkout logs.
        LOG_LEVEL: 'info',
        PROVIDER_ADAPTERS_ADDR: adapters.address,
        LEDGER_ADDR: ledger.address,
        RECURRING_ADDR: recurring.address,
        QR_PLATFORM_ADDR: qr.address,
        LEDGER_SWEEP_MS: '200',
        REFUND_SWEEP_GRACE_MS: '300',
        GRPC_PORT: String(port),
      },
      ready: () => grpcServing(`127.0.0.1:${port}`),
    });
    checkout = createClient(CheckoutServiceClient, `127.0.0.1:${port}`);
    merchants = createClient(MerchantServiceClient, `127.0.0.1:${port}`);
    refunds = createClient(RefundServiceClient, `127.0.0.1:${port}`);
    const merchant = {
      idempotencyKey: 'merchant-refunds',
      name: 'Bishkek Books',
      enabledMethods: [
        PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
        PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
      ],
      webmoneyShopId: 'shop-42',
      defaultSuccessUrl: 'https://books.example/ok',
      defaultFailUrl: 'https://books.example/fail',
    };
    merchantId = (await merchants.createMerchant(merchant)).merchant?.id ?? '';
    otherMerchantId =
      (await merchants.createMerchant({ ...merchant, idempotencyKey: 'other', name: 'Other' }))
        .merchant?.id ?? '';
  });

  afterAll(async () => {
    if (process.env['REFUNDS_IT_DEBUG']) process.stderr.write(service?.output() ?? '');
    checkout?.close();
    merchants?.close();
    refunds?.close();
    await service?.stop();
    await adapters?.close();
    await ledger?.close();
    await recurring?.close();
    await qr?.close();
    await sql?.end();
    await db?.drop();
  });

  /** A payment of 100.00 USD paid with a WebMoney purse (or a Keeper Mobile phone). */
  async function paidPayment(
    key: string,
    method = PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
    livemode = false,
  ) {
    const { payment } = await checkout.createPayment({
      merchantId,
      idempotencyKey: key,
      amount: { amountMinor: 10_000n, currency: 'USD' },
      orderId: key,
      description: 'Two books',
      successUrl: '',
      failUrl: '',
      metadata: {},
      livemode,
    });
    const id = payment?.id ?? '';
    const { rows } = await sql.query<{ page_secret: string }>(
      'select page_secret from payments where id = $1',
      [id],
    );
    await checkout.startPayment({
      paymentId: id,
      pageSecret: rows[0]?.page_secret ?? '',
      method,
      payer: {},
    });
    const keeper = method === PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE;
    const script: CallbackScript = {
      outcome: 'OUTCOME_SUCCEEDED',
      paymentId: id,
      amountMinor: '10000',
      currency: 'USD',
      method: keeper ? 'PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE' : 'PAYMENT_METHOD_WEBMONEY_PURSE',
      providerPaymentId: `wm-${key}`,
      attributes: keeper
        ? { payer_phone: '79161234567', keeper_mobile_payment_no: '55' }
        : { payer_purse: 'Z123456789012', payer_wmid: '123456789012' },
    };
    await checkout.handleProviderCallback({
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
    return id;
  }

  const usd = (amountMinor: bigint) => ({ amountMinor, currency: 'USD' });
  const refundRows = async () =>
    Number((await sql.query('select count(*)::int as n from refunds')).rows[0].n);
  const paymentOf = async (id: string) =>
    (await checkout.getPayment({ paymentId: id, merchantId, pageSecret: '' })).payment;

  it('queues a partial refund for a payout where the provider has none, refuses an over-refund, and completes it with the operator’s reference', async () => {
    adapters.script.refund = null;
    const paymentId = await paidPayment('order-queue');
    const request = {
      merchantId,
      idempotencyKey: 'refund-q-1',
      paymentId,
      amount: usd(4_000n),
      reason: 'one book returned',
    };
    const created = await refunds.createRefund(request);
    const refund = created.refund!;
    expect(created.replayed).toBe(false);
    expect(refund).toMatchObject({
      id: expect.stringMatching(/^re_/),
      status: RefundStatus.REFUND_STATUS_PENDING,
      execution: RefundExecution.REFUND_EXECUTION_PAYOUT_QUEUE,
      amount: usd(4_000n),
    });
    // The ledger took the money at once; the provider was asked once with the refund id.
    expect(ledger.refunds.get(refund.id)?.request).toMatchObject({
      paymentId,
      amount: usd(4_000n),
    });
    expect(adapters.refunds.filter((r) => r.paymentId === paymentId)).toEqual([
      expect.objectContaining({ idempotencyKey: refund.id, amount: usd(4_000n) }),
    ]);

    // Idempotent: the same request replays, a different one is refused naming the field.
    expect(await refunds.createRefund(request)).toMatchObject({
      replayed: true,
      refund: { id: refund.id },
    });
    await expect(refunds.createRefund({ ...request, amount: usd(4_001n) })).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      details: { field: 'amount' },
    });

    // Pending refunds count: 6 001 more is refused, and nothing is written.
    const before = await refundRows();
    await expect(
      refunds.createRefund({ ...request, idempotencyKey: 'refund-q-over', amount: usd(6_001n) }),
    ).rejects.toMatchObject({
      code: 'REFUND_EXCEEDS_PAYMENT',
      kind: 'precondition',
      details: { field: 'amount', refundable: '6000' },
    });
    expect(await refundRows()).toBe(before);

    // The operator's queue shows where to pay; completing it ends the refund in the ledger.
    const queue = await refunds.listRefundPayouts({ limit: 0, startingAfter: '' });
    expect(queue.payouts.find((p) => p.refund?.id === refund.id)).toMatchObject({
      payerAccountKind: 'webmoney_purse',
      payerAccount: 'Z123456789012',
      provider: Provider.PROVIDER_WEBMONEY,
    });
    const done = await refunds.completeRefundPayout({
      refundId: refund.id,
      reference: 'WM-TRANSFER-77',
      operator: 'aida',
    });
    expect(done.refund?.status).toBe(RefundStatus.REFUND_STATUS_SUCCEEDED);
    expect(ledger.refunds.get(refund.id)?.end).toMatchObject({
      outcome: RefundOutcome.REFUND_OUTCOME_PAID_OUT,
      reference: 'WM-TRANSFER-77',
    });
    // Again with the same reference: answered as it is; failing it now is refused.
    expect(
      (
        await refunds.completeRefundPayout({
          refundId: refund.id,
          reference: 'WM-TRANSFER-77',
          operator: 'aida',
        })
      ).refund?.status,
    ).toBe(RefundStatus.REFUND_STATUS_SUCCEEDED);
    await expect(
      refunds.failRefundPayout({ refundId: refund.id, reason: 'purse closed', operator: 'aida' }),
    ).rejects.toMatchObject({ code: 'REFUND_NOT_IN_PAYOUT_QUEUE' });
    expect(
      (await refunds.listRefundPayouts({ limit: 0, startingAfter: '' })).payouts.map(
        (p) => p.refund?.id,
      ),
    ).not.toContain(refund.id);
    expect(await paymentOf(paymentId)).toMatchObject({
      status: PaymentStatus.PAYMENT_STATUS_PARTIALLY_REFUNDED,
      amountRefunded: usd(4_000n),
    });

    // The rest (no amount) through the provider this time: the payment is refunded.
    adapters.script.refund = { outcome: Outcome.OUTCOME_SUCCEEDED, providerRefundId: 'wm-rf-9' };
    const rest = await refunds.createRefund({
      ...request,
      idempotencyKey: 'refund-q-rest',
      amount: undefined,
    });
    expect(rest.refund).toMatchObject({
      status: RefundStatus.REFUND_STATUS_SUCCEEDED,
      execution: RefundExecution.REFUND_EXECUTION_PROVIDER,
      amount: usd(6_000n),
    });
    expect(ledger.refunds.get(rest.refund!.id)?.end).toMatchObject({
      outcome: RefundOutcome.REFUND_OUTCOME_REFUNDED_BY_PROVIDER,
      reference: 'wm-rf-9',
    });
    expect(await paymentOf(paymentId)).toMatchObject({
      status: PaymentStatus.PAYMENT_STATUS_REFUNDED,
      amountRefunded: usd(10_000n),
    });
    await expect(
      refunds.createRefund({ ...request, idempotencyKey: 'refund-q-more', amount: undefined }),
    ).rejects.toMatchObject({ code: 'REFUND_EXCEEDS_PAYMENT' });
  });

  it('a refund the provider declines fails and its amount is refundable again', async () => {
    adapters.script.refund = { outcome: Outcome.OUTCOME_FAILED, reasonCode: 'refund_declined' };
    const paymentId = await paidPayment('order-declined');
    const declined = await refunds.createRefund({
      merchantId,
      idempotencyKey: 'refund-declined',
      paymentId,
      amount: undefined,
      reason: '',
    });
    expect(declined.refund).toMatchObject({
      status: RefundStatus.REFUND_STATUS_FAILED,
      failureCode: 'refund_declined',
      amount: usd(10_000n),
    });
    expect(ledger.refunds.get(declined.refund!.id)?.end).toMatchObject({
      outcome: RefundOutcome.REFUND_OUTCOME_FAILED,
      reference: 'refund_declined',
    });
    expect((await paymentOf(paymentId))?.status).toBe(PaymentStatus.PAYMENT_STATUS_SUCCEEDED);
    adapters.script.refund = null;
    const again = await refunds.createRefund({
      merchantId,
      idempotencyKey: 'refund-declined-again',
      paymentId,
      amount: usd(10_000n),
      reason: '',
    });
    expect(again.refund?.status).toBe(RefundStatus.REFUND_STATUS_PENDING);
    // The operator cannot pay it either: it fails, the money goes back to the merchant.
    const failed = await refunds.failRefundPayout({
      refundId: again.refund!.id,
      reason: 'phone unreachable',
      operator: 'aida',
    });
    expect(failed.refund).toMatchObject({
      status: RefundStatus.REFUND_STATUS_FAILED,
      failureCode: 'payout_failed',
    });
    expect(ledger.refunds.get(again.refund!.id)?.end?.outcome).toBe(
      RefundOutcome.REFUND_OUTCOME_FAILED,
    );
  });

  it('shows a Keeper Mobile payer’s phone to the operator, never in the logs', async () => {
    adapters.script.refund = null;
    const paymentId = await paidPayment(
      'order-keeper',
      PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
    );
    const { refund } = await refunds.createRefund({
      merchantId,
      idempotencyKey: 'refund-keeper',
      paymentId,
      amount: usd(100n),
      reason: '',
    });
    const queue = await refunds.listRefundPayouts({ limit: 100, startingAfter: '' });
    expect(queue.payouts.find((p) => p.refund?.id === refund?.id)).toMatchObject({
      payerAccountKind: 'keeper_mobile_phone',
      payerAccount: '79161234567',
    });
    expect(service.output()).not.toContain('79161234567');
  });

  it('finishes a refund whose ledger step was interrupted, and executes it once', async () => {
    adapters.script.refund = { outcome: Outcome.OUTCOME_SUCCEEDED, providerRefundId: 'wm-late' };
    const paymentId = await paidPayment('order-ledger-down');
    ledger.state.failing = true;
    const { refund } = await refunds.createRefund({
      merchantId,
      idempotencyKey: 'refund-ledger-down',
      paymentId,
      amount: usd(2_500n),
      reason: '',
    });
    expect(refund?.status).toBe(RefundStatus.REFUND_STATUS_PENDING);
    expect(adapters.refunds.filter((r) => r.paymentId === paymentId)).toEqual([]);
    ledger.state.failing = false;
    await waitFor(
      async () =>
        (await refunds.getRefund({ merchantId, refundId: refund!.id })).refund?.status ===
        RefundStatus.REFUND_STATUS_SUCCEEDED,
      { timeoutMs: 15_000, what: 'the sweeper to finish the refund' },
    );
    expect(adapters.refunds.filter((r) => r.paymentId === paymentId)).toHaveLength(1);
    expect(ledger.refunds.get(refund!.id)?.resolveCalls).toBe(1);
  });

  it('reads and lists refunds per merchant, newest first, with a cursor', async () => {
    const paymentId = await paidPayment('order-list');
    adapters.script.refund = null;
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const { refund } = await refunds.createRefund({
        merchantId,
        idempotencyKey: `refund-list-${n}`,
        paymentId,
        amount: usd(100n),
        reason: '',
      });
      ids.push(refund!.id);
    }
    const first = await refunds.listRefunds({ merchantId, paymentId, limit: 2, startingAfter: '' });
    expect(first.refunds.map((r) => r.id)).toEqual([ids[2], ids[1]]);
    expect(first.hasMore).toBe(true);
    const second = await refunds.listRefunds({
      merchantId,
      paymentId,
      limit: 2,
      startingAfter: ids[1]!,
    });
    expect(second.refunds.map((r) => r.id)).toEqual([ids[0]]);
    expect(second.hasMore).toBe(false);
    // Another merchant sees none of them, and cannot refund the payment.
    await expect(
      refunds.getRefund({ merchantId: otherMerchantId, refundId: ids[0]! }),
    ).rejects.toMatchObject({ code: 'REFUND_NOT_FOUND', kind: 'not_found' });
    expect(
      (
        await refunds.listRefunds({
          merchantId: otherMerchantId,
          paymentId,
          limit: 0,
          startingAfter: '',
        })
      ).refunds,
    ).toEqual([]);
    await expect(
      refunds.createRefund({
        merchantId: otherMerchantId,
        idempotencyKey: 'steal',
        paymentId,
        amount: undefined,
        reason: '',
      }),
    ).rejects.toMatchObject({ code: 'PAYMENT_NOT_FOUND' });
  });

  it('keeps test and live apart: a key of the other mode gets NOT_FOUND with the hint, lists show its own mode', async () => {
    const live = await paidPayment('order-live', PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE, true);
    const test = await paidPayment('order-test');
    const hint = (id: string, exists: string, used: string) =>
      `No such payment: '${id}'; a similar object exists in ${exists} mode, but a ${used} mode ` +
      'key was used to make this request.';
    await expect(
      checkout.getPayment({ paymentId: live, merchantId, pageSecret: '', livemode: false }),
    ).rejects.toMatchObject({
      code: 'PAYMENT_NOT_FOUND',
      kind: 'not_found',
      message: hint(live, 'live', 'test'),
    });
    expect(
      (await checkout.getPayment({ paymentId: live, merchantId, pageSecret: '', livemode: true }))
        .payment?.livemode,
    ).toBe(true);
    await expect(
      checkout.listPaymentEvents({ paymentId: test, merchantId, livemode: true }),
    ).rejects.toMatchObject({ code: 'PAYMENT_NOT_FOUND', message: hint(test, 'test', 'live') });
    const listed = async (livemode: boolean) =>
      (
        await checkout.listPayments(
          ListPaymentsRequest.fromPartial({ merchantId, limit: 100, livemode }),
        )
      ).payments.map((p) => p.id);
    expect(await listed(true)).toEqual([live]);
    expect(await listed(false)).toContain(test);
    expect(await listed(false)).not.toContain(live);

    // Refunds: a test key can neither refund a live payment nor see its refunds.
    const before = await refundRows();
    await expect(
      refunds.createRefund({
        merchantId,
        idempotencyKey: 'refund-live-by-test',
        paymentId: live,
        amount: usd(100n),
        reason: '',
        livemode: false,
      }),
    ).rejects.toMatchObject({ code: 'PAYMENT_NOT_FOUND', message: hint(live, 'live', 'test') });
    expect(await refundRows()).toBe(before);
    adapters.script.refund = null;
    const { refund } = await refunds.createRefund({
      merchantId,
      idempotencyKey: 'refund-live',
      paymentId: live,
      amount: usd(100n),
      reason: '',
      livemode: true,
    });
    const refundId = refund?.id ?? '';
    expect(refund?.livemode).toBe(true);
    const { rows } = await sql.query<{ livemode: boolean }>(
      'select livemode from refunds where id = $1',
      [refundId],
    );
    expect(rows[0]?.livemode).toBe(true);
    // The same request from a test key is not answered with the live refund.
    await expect(
      refunds.createRefund({
        merchantId,
        idempotencyKey: 'refund-live',
        paymentId: live,
        amount: usd(100n),
        reason: '',
        livemode: false,
      }),
    ).rejects.toMatchObject({ code: 'PAYMENT_NOT_FOUND' });
    await expect(
      refunds.getRefund({ merchantId, refundId, livemode: false }),
    ).rejects.toMatchObject({
      code: 'REFUND_NOT_FOUND',
      kind: 'not_found',
      message:
        `No such refund: '${refundId}'; a similar object exists in live mode, but a test mode ` +
        'key was used to make this request.',
    });
    expect((await refunds.getRefund({ merchantId, refundId, livemode: true })).refund?.id).toBe(
      refundId,
    );
    const refundIds = async (livemode: boolean) =>
      (
        await refunds.listRefunds({
          merchantId,
          paymentId: '',
          limit: 100,
          startingAfter: '',
          livemode,
        })
      ).refunds.map((r) => r.id);
    expect(await refundIds(true)).toEqual([refundId]);
    expect(await refundIds(false)).not.toContain(refundId);
    await expect(
      refunds.listRefunds({
        merchantId,
        paymentId: '',
        limit: 1,
        startingAfter: refundId,
        livemode: false,
      }),
    ).rejects.toMatchObject({ code: 'REFUND_NOT_FOUND' });
  });

  it("cancels only with a key of the payment's mode", async () => {
    const { payment } = await checkout.createPayment({
      merchantId,
      idempotencyKey: 'order-cancel-live',
      amount: usd(500n),
      orderId: 'order-cancel-live',
      description: '',
      successUrl: '',
      failUrl: '',
      metadata: {},
      livemode: true,
    });
    const paymentId = payment?.id ?? '';
    await expect(
      checkout.cancelPayment({ paymentId, merchantId, reason: '', livemode: false }),
    ).rejects.toMatchObject({
      code: 'PAYMENT_NOT_FOUND',
      message: expect.stringContaining('exists in live mode, but a test mode key'),
    });
    expect((await paymentOf(paymentId))?.status).toBe(PaymentStatus.PAYMENT_STATUS_CREATED);
    const canceled = await checkout.cancelPayment({
      paymentId,
      merchantId,
      reason: '',
      livemode: true,
    });
    expect(canceled.payment?.status).toBe(PaymentStatus.PAYMENT_STATUS_CANCELED);
  });

  it('pages the payout queue oldest first, and says when more wait', async () => {
    adapters.script.refund = null;
    const queuedNow: string[] = [];
    for (const key of ['queue-page-1', 'queue-page-2', 'queue-page-3']) {
      const paymentId = await paidPayment(key);
      const { refund } = await refunds.createRefund({
        merchantId,
        idempotencyKey: key,
        paymentId,
        amount: usd(100n),
        reason: '',
      });
      queuedNow.push(refund?.id ?? '');
    }
    const whole = await refunds.listRefundPayouts({ limit: 100, startingAfter: '' });
    expect(whole.hasMore).toBe(false);
    const all = whole.payouts.map((p) => p.refund?.id ?? '');
    // The newest three, in the order they were queued, end the queue.
    expect(all.slice(-3)).toEqual(queuedNow);

    const paged: string[] = [];
    const more: boolean[] = [];
    let after = '';
    for (;;) {
      const page = await refunds.listRefundPayouts({ limit: 2, startingAfter: after });
      paged.push(...page.payouts.map((p) => p.refund?.id ?? ''));
      more.push(page.hasMore);
      if (!page.hasMore) break;
      after = paged.at(-1) ?? '';
    }
    expect(paged).toEqual(all);
    expect(more).toEqual([...Array<boolean>(Math.ceil(all.length / 2) - 1).fill(true), false]);

    // A cursor that has left the queue still marks a place in it.
    await refunds.completeRefundPayout({
      refundId: queuedNow[0] ?? '',
      reference: 'WM-PAGE',
      operator: 'aida',
    });
    const after1 = await refunds.listRefundPayouts({
      limit: 100,
      startingAfter: queuedNow[0] ?? '',
    });
    expect(after1.payouts.map((p) => p.refund?.id)).toEqual(queuedNow.slice(1));
    await expect(
      refunds.listRefundPayouts({ limit: 10, startingAfter: 're_unknown' }),
    ).rejects.toMatchObject({ code: 'REFUND_NOT_FOUND' });
  });
});
