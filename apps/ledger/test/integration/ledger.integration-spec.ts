import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { PaymentEvent } from '@tolem/contracts/events';
import { type PostPaymentRequest, SetFeePlanRequest } from '@tolem/contracts/ledger';
import type { Knex } from '@tolem/db-kit';
import { freshDatabase, uniqueTopic, waitFor } from '@tolem/testing';
import type { Consumer, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  type CollectedMessage,
  collectMessages,
  createTopic,
  header,
  NO_RECURRING,
  openDb,
  rowCounts,
  runIntegrityCli,
  type RunningLedger,
  startLedger,
  testKafka,
  unpublishedCount,
} from './helpers';

const MAX_INT64 = 9_223_372_036_854_775_807n;

const aRequest = (over: Partial<PostPaymentRequest> = {}): PostPaymentRequest => ({
  idempotencyKey: 'payment:pay_it_1:succeeded',
  paymentId: 'pay_it_1',
  merchantId: 'mer_it',
  gross: { amountMinor: 10_000n, currency: 'KGS' },
  method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
  provider: Provider.PROVIDER_WEBMONEY,
  providerPaymentId: 'wm-1001',
  providerAttributes: {
    payer_purse: 'Z123456789012',
    payer_wmid: '123456789012',
    payer_phone: '+996700123456',
    keeper_mobile_payment_no: '77001',
  },
  orderId: 'order-1',
  description: 'Green tea',
  occurredAt: new Date('2026-11-23T10:00:00.000Z'),
  livemode: true,
  ...over,
});

describe('ledger service (real process, real PostgreSQL and Kafka)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Knex;
  let kafka: Kafka;
  let topic: string;
  let consumer: Consumer;
  let messages: CollectedMessage[];
  let ledger: RunningLedger;

  const messagesFor = (paymentId: string) =>
    messages.filter((m) => m.message.key?.toString() === paymentId);

  beforeAll(async () => {
    database = await freshDatabase('ledger_it');
    db = openDb(database.url);
    kafka = testKafka();
    topic = uniqueTopic('payments.events.v1.it');
    await createTopic(kafka, topic, 3);
    ({ messages, consumer } = await collectMessages(kafka, topic));
    ledger = await startLedger({
      DATABASE_URL: database.url,
      KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '',
      PAYMENTS_TOPIC: topic,
    });
    // The fee is the ledger's alone: these merchants pay a flat 2.50 KGS per Keeper Mobile payment.
    for (const merchantId of ['mer_it', 'mer_race']) {
      await ledger.client.setFeePlan(
        SetFeePlanRequest.fromPartial({
          merchantId,
          rules: [
            {
              method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
              percentBps: 0,
              fixed: [{ amountMinor: 250n, currency: 'KGS' }],
            },
          ],
        }),
      );
    }
  });

  afterAll(async () => {
    await ledger?.stop();
    await consumer?.disconnect();
    await db?.destroy();
    await database?.drop();
  });

  it('posts a payment: balance = net, three postings summing to zero, one event on Kafka', async () => {
    const res = await ledger.client.postPayment(aRequest());
    expect(res.alreadyExisted).toBe(false);
    const txn = res.transaction;
    expect(txn?.id).toMatch(/^txn_[0-9a-z]{26}$/);
    expect(txn).toMatchObject({
      kind: 'payment',
      paymentId: 'pay_it_1',
      idempotencyKey: 'payment:pay_it_1:succeeded',
    });
    expect(txn?.postings.map((p) => p.amountMinor)).toEqual([10_000n, -9_750n, -250n]);
    expect(txn?.postings.every((p) => p.currency === 'KGS' && /^acc_/.test(p.accountId))).toBe(
      true,
    );
    expect(txn?.postings.reduce((s, p) => s + p.amountMinor, 0n)).toBe(0n);

    const balance = await ledger.client.getBalance({
      merchantId: 'mer_it',
      currency: 'KGS',
      asOf: undefined,
    });
    expect(balance.available).toEqual({ amountMinor: 9_750n, currency: 'KGS' });
    expect(balance.pending).toEqual({ amountMinor: 0n, currency: 'KGS' });

    const listed = await ledger.client.listPaymentTransactions({ paymentId: 'pay_it_1' });
    expect(listed.transactions).toHaveLength(1);
    expect(listed.transactions[0]?.id).toBe(txn?.id);
    expect(listed.transactions[0]?.postings).toHaveLength(3);

    const [received] = await waitFor(
      () => messagesFor('pay_it_1').length > 0 && messagesFor('pay_it_1'),
      {
        timeoutMs: 30_000,
        what: 'the payment.succeeded message',
      },
    );
    const message = (received as CollectedMessage).message;
    const eventId = header(message, 'event-id');
    expect(eventId).toMatch(/^evt_[0-9a-z]{26}$/);
    expect(header(message, 'event-type')).toBe('payment.succeeded');
    const event = PaymentEvent.decode(message.value as Buffer);
    expect(event).toEqual({
      eventId,
      eventType: 'payment.succeeded',
      occurredAt: new Date('2026-11-23T10:00:00.000Z'),
      paymentId: 'pay_it_1',
      merchantId: 'mer_it',
      orderId: 'order-1',
      gross: { amountMinor: 10_000n, currency: 'KGS' },
      fee: { amountMinor: 250n, currency: 'KGS' },
      net: { amountMinor: 9_750n, currency: 'KGS' },
      method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
      provider: Provider.PROVIDER_WEBMONEY,
      providerPaymentId: 'wm-1001',
      providerAttributes: {
        payer_purse: 'Z123456789012',
        payer_wmid: '123456789012',
        payer_phone: '+996700123456',
        keeper_mobile_payment_no: '77001',
      },
      ledgerTransactionId: txn?.id,
      description: 'Green tea',
      sequence: 1n,
      paymentStatus: 'succeeded',
      failureCode: '',
      caseId: '',
      caseKind: '',
      caseResolution: '',
      refundId: '',
      livemode: true,
      ...NO_RECURRING,
    });
  });

  it('replays the same key as already_existed, with still exactly one message', async () => {
    const first = await ledger.client.listPaymentTransactions({ paymentId: 'pay_it_1' });
    const again = await ledger.client.postPayment(aRequest());
    expect(again.alreadyExisted).toBe(true);
    expect(again.transaction).toEqual(first.transactions[0]);

    // A later payment is a barrier: the relay publishes in outbox order, so once its message is
    // here a duplicate of the first (an earlier row) would have been published too.
    await ledger.client.postPayment(
      aRequest({ idempotencyKey: 'payment:pay_it_2:succeeded', paymentId: 'pay_it_2' }),
    );
    await waitFor(() => messagesFor('pay_it_2').length === 1, {
      timeoutMs: 30_000,
      what: 'the barrier message',
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(messagesFor('pay_it_1')).toHaveLength(1);
    expect((await rowCounts(db))['outbox']).toBe(2);
    const balance = await ledger.client.getBalance({
      merchantId: 'mer_it',
      currency: 'KGS',
      asOf: undefined,
    });
    expect(balance.available?.amountMinor).toBe(19_500n);
  });

  it('refuses the same key with a different amount: ALREADY_EXISTS, LEDGER_IDEMPOTENCY_CONFLICT, field gross', async () => {
    const before = await rowCounts(db);
    const err = await ledger.client
      .postPayment(aRequest({ gross: { amountMinor: 10_001n, currency: 'KGS' } }))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toMatchObject({
      code: 'LEDGER_IDEMPOTENCY_CONFLICT',
      kind: 'conflict',
      details: { field: 'gross' },
    });
    expect((err as { cause?: { code?: number } }).cause?.code).toBe(6); // grpc ALREADY_EXISTS
    await expect(
      ledger.client.postPayment(aRequest({ providerAttributes: { payer_purse: 'Z000000000000' } })),
    ).rejects.toMatchObject({
      code: 'LEDGER_IDEMPOTENCY_CONFLICT',
      details: { field: 'provider_attributes' },
    });
    expect(await rowCounts(db)).toEqual(before);
  });

  it('refuses to credit the same payment under another idempotency key', async () => {
    const before = await rowCounts(db);
    await expect(
      ledger.client.postPayment(aRequest({ idempotencyKey: 'another-key' })),
    ).rejects.toMatchObject({
      code: 'LEDGER_PAYMENT_ALREADY_POSTED',
      kind: 'conflict',
    });
    expect(await rowCounts(db)).toEqual(before);
  });

  it.each<[string, Partial<PostPaymentRequest>, string, string]>([
    ['a zero gross', { gross: { amountMinor: 0n, currency: 'KGS' } }, 'MONEY_ZERO_AMOUNT', 'gross'],
    [
      'a negative gross',
      { gross: { amountMinor: -100n, currency: 'KGS' } },
      'MONEY_NEGATIVE_AMOUNT',
      'gross',
    ],
    [
      'an unknown currency',
      { gross: { amountMinor: 100n, currency: 'XTS' } },
      'MONEY_UNKNOWN_CURRENCY',
      'gross',
    ],
    ['no gross', { gross: undefined }, 'LEDGER_INVALID_REQUEST', 'gross'],
    ['no merchant id', { merchantId: '' }, 'LEDGER_INVALID_REQUEST', 'merchant_id'],
    [
      'no provider',
      { provider: Provider.PROVIDER_UNSPECIFIED },
      'LEDGER_INVALID_REQUEST',
      'provider',
    ],
  ])('refuses %s with INVALID_ARGUMENT and writes nothing', async (_name, over, code, field) => {
    const before = await rowCounts(db);
    const err = await ledger.client
      .postPayment(
        aRequest({ idempotencyKey: `bad:${code}:${field}`, paymentId: 'pay_it_bad', ...over }),
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toMatchObject({ code, kind: 'invalid', details: { field } });
    expect((err as { cause?: { code?: number } }).cause?.code).toBe(3); // grpc INVALID_ARGUMENT
    expect(await rowCounts(db)).toEqual(before);
  });

  it('takes one effect from concurrent requests with one key, and keeps concurrent balances exact', async () => {
    const raced = await Promise.all(
      Array.from({ length: 8 }, () =>
        ledger.client.postPayment(
          aRequest({
            idempotencyKey: 'payment:pay_race:succeeded',
            paymentId: 'pay_race',
            merchantId: 'mer_race',
          }),
        ),
      ),
    );
    expect(raced.filter((r) => !r.alreadyExisted)).toHaveLength(1);
    expect(new Set(raced.map((r) => r.transaction?.id)).size).toBe(1);

    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        ledger.client.postPayment(
          aRequest({
            idempotencyKey: `payment:pay_many_${i}:succeeded`,
            paymentId: `pay_many_${i}`,
            merchantId: 'mer_race',
            gross: { amountMinor: BigInt(1_000 + i), currency: 'KGS' },
          }),
        ),
      ),
    );
    const expected =
      9_750n +
      Array.from({ length: 20 }, (_, i) => BigInt(1_000 + i) - 250n).reduce((a, b) => a + b, 0n);
    const balance = await ledger.client.getBalance({
      merchantId: 'mer_race',
      currency: 'KGS',
      asOf: undefined,
    });
    expect(balance.available?.amountMinor).toBe(expected);
    await waitFor(() => messagesFor('pay_many_19').length === 1, {
      timeoutMs: 30_000,
      what: 'the last concurrent event',
    });
    expect(messagesFor('pay_race')).toHaveLength(1);
  });

  it('refuses a posting that would push a running total past int64, writing nothing', async () => {
    const big = aRequest({
      idempotencyKey: 'payment:pay_big_1:succeeded',
      paymentId: 'pay_big_1',
      merchantId: 'mer_big',
      gross: { amountMinor: MAX_INT64, currency: 'KWD' },
    });
    expect((await ledger.client.postPayment(big)).alreadyExisted).toBe(false);
    const before = await rowCounts(db);
    await expect(
      ledger.client.postPayment({
        ...big,
        idempotencyKey: 'payment:pay_big_2:succeeded',
        paymentId: 'pay_big_2',
        gross: { amountMinor: 1n, currency: 'KWD' },
      }),
    ).rejects.toMatchObject({ code: 'LEDGER_BALANCE_OVERFLOW', kind: 'precondition' });
    expect(await rowCounts(db)).toEqual(before);
    const balance = await ledger.client.getBalance({
      merchantId: 'mer_big',
      currency: 'KWD',
      asOf: undefined,
    });
    expect(balance.available?.amountMinor).toBe(MAX_INT64);
  });

  it('passes CheckIntegrity and the CLI once every event is published', async () => {
    await waitFor(async () => (await unpublishedCount(db)) === 0, {
      timeoutMs: 30_000,
      what: 'the outbox to drain',
    });
    const report = await ledger.client.checkIntegrity({});
    expect(report.violations).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checks).toHaveLength(4);
    expect(report.checks[0]).toMatch(/^transactions_balanced: \d+ transactions, \d+ postings$/);

    const cli = await runIntegrityCli({ DATABASE_URL: database.url });
    expect(cli.stderr).toBe('');
    expect(cli.stdout).toContain('checked transactions_balanced');
    expect(cli.stdout).toContain('result: OK');
    expect(cli.code).toBe(0);
  });

  it('finds a balance that no longer matches its postings (and the CLI exits 1)', async () => {
    const merchantAccount = (await db('accounts')
      .where({ owner_type: 'merchant', owner_id: 'mer_it' })
      .first()) as { id: string };
    await db('balances').where({ account_id: merchantAccount.id }).increment('credits_posted', 1);
    try {
      const report = await ledger.client.checkIntegrity({});
      expect(report.ok).toBe(false);
      expect(report.violations).toEqual([
        {
          check: 'balances_match_postings',
          detail: `account ${merchantAccount.id} balance debits=0 credits=19501 but postings debits=0 credits=19500`,
        },
      ]);
      const cli = await runIntegrityCli({ DATABASE_URL: database.url });
      expect(cli.stdout).toContain('VIOLATION balances_match_postings');
      expect(cli.code).toBe(1);
    } finally {
      await db('balances').where({ account_id: merchantAccount.id }).decrement('credits_posted', 1);
    }
    expect((await ledger.client.checkIntegrity({})).ok).toBe(true);
  });

  it('keeps the journal append-only at the database level', async () => {
    await expect(db('postings').update({ amount_minor: 1n })).rejects.toThrow(/append-only/);
    await expect(db('transactions').delete()).rejects.toThrow(/append-only/);
  });

  it('shuts down cleanly on SIGTERM', async () => {
    expect(await ledger.stop()).toBe(0);
  });
});
