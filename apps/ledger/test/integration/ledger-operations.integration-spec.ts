import { PaymentMethod, Provider } from '@tolem/contracts/common';
import {
  CreateHoldRequest,
  GetAccountBalanceRequest,
  GetBalanceRequest,
  ListAccountsRequest,
  ListStatementRequest,
  OwnerType,
  PostHoldRequest,
  PostPaymentRequest,
  PostPayoutRequest,
  PostTransactionRequest,
  RefundOutcome,
  RefundPaymentRequest,
  ResolveRefundRequest,
  ReverseTransactionRequest,
  SetFeePlanRequest,
  SetMerchantSettingsRequest,
  VoidHoldRequest,
} from '@tolem/contracts/ledger';
import type { Knex } from '@tolem/db-kit';
import { OUTBOX_BATCH_HEADER, outboxMessagesOf, type OutboxRow } from '@tolem/kafka-kit';
import { freshDatabase, uniqueTopic, waitFor } from '@tolem/testing';
import type { Consumer, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  codeOf,
  type CollectedMessage,
  collectMessages,
  createTopic,
  eventsOf,
  openDb,
  outboxMessages,
  rowCounts,
  type RunningLedger,
  startLedger,
  testKafka,
  unpublishedCount,
} from './helpers';

const MAX_INT64 = 9_223_372_036_854_775_807n;
const INVALID_ARGUMENT = 3;
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;
const FAILED_PRECONDITION = 9;

const payment = (over: Partial<PostPaymentRequest> & { paymentId: string; merchantId: string }) =>
  PostPaymentRequest.fromPartial({
    idempotencyKey: `payment:${over.paymentId}:succeeded`,
    gross: { amountMinor: 10_000n, currency: 'KGS' },
    method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
    provider: Provider.PROVIDER_WEBMONEY,
    providerPaymentId: `wm-${over.paymentId}`,
    providerAttributes: { payer_purse: 'Z123456789012', payer_wmid: '123456789012' },
    orderId: `order-${over.paymentId}`,
    description: 'Tea',
    // Live money, as the balances, statements and payouts below read by default.
    livemode: true,
    ...over,
  });

const kgs = (amountMinor: bigint) => ({ amountMinor, currency: 'KGS' });

describe('ledger operations (real process, real PostgreSQL and Kafka)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Knex;
  let kafka: Kafka;
  let topic: string;
  let consumer: Consumer;
  let messages: CollectedMessage[];
  let ledger: RunningLedger;

  const available = async (merchantId: string) =>
    (await ledger.client.getBalance(GetBalanceRequest.fromPartial({ merchantId, currency: 'KGS' })))
      .available?.amountMinor;
  /** The merchant pays a flat KGS fee per purse payment: the ledger's plan is the only fee. */
  const flatFee = (merchantId: string, fixedMinor: bigint) =>
    ledger.client.setFeePlan(
      SetFeePlanRequest.fromPartial({
        merchantId,
        rules: [
          {
            method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
            percentBps: 0,
            fixed: [kgs(fixedMinor)],
          },
        ],
      }),
    );
  /** Refused calls write nothing: every table's row count stays put. */
  const writesNothing = async (call: () => Promise<unknown>) => {
    const before = await rowCounts(db);
    const outcome = await codeOf(call());
    expect(await rowCounts(db)).toEqual(before);
    return outcome;
  };

  beforeAll(async () => {
    database = await freshDatabase('ledger_it_ops');
    db = openDb(database.url);
    kafka = testKafka();
    topic = uniqueTopic('payments.events.v1.ops');
    await createTopic(kafka, topic, 3);
    ({ messages, consumer } = await collectMessages(kafka, topic));
    ledger = await startLedger({
      DATABASE_URL: database.url,
      KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '',
      PAYMENTS_TOPIC: topic,
      HOLD_SWEEP_INTERVAL_MS: '200',
    });
  });

  afterAll(async () => {
    await ledger?.stop();
    await consumer?.disconnect();
    await db?.destroy();
    await database?.drop();
  });

  describe('fee plans', () => {
    it('stores a plan and computes every fee from it: half-up percent plus the fixed part, capped at gross', async () => {
      const set = await ledger.client.setFeePlan(
        SetFeePlanRequest.fromPartial({
          merchantId: 'mer_fee',
          rules: [
            {
              method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
              percentBps: 250,
              fixed: [kgs(10n), { amountMinor: 30n, currency: 'USD' }],
            },
          ],
        }),
      );
      expect(set.plan?.rules[0]).toMatchObject({ percentBps: 250 });
      expect((await ledger.client.getFeePlan({ merchantId: 'mer_fee' })).plan?.rules).toHaveLength(
        1,
      );
      expect((await ledger.client.getFeePlan({ merchantId: 'mer_nobody' })).plan).toBeUndefined();

      // 1978 * 2.5% = 49.45 -> 49, + 10 fixed = 59; the request carries no fee.
      const res = await ledger.client.postPayment(
        payment({ paymentId: 'pay_fee_1', merchantId: 'mer_fee', gross: kgs(1_978n) }),
      );
      expect(res.fee).toEqual(kgs(59n));
      expect(res.net).toEqual(kgs(1_919n));
      expect(res.transaction?.postings.map((p) => p.amountMinor)).toEqual([1_978n, -1_919n, -59n]);

      // Capped at the gross: the net is never negative.
      const capped = await ledger.client.postPayment(
        payment({ paymentId: 'pay_fee_2', merchantId: 'mer_fee', gross: kgs(5n) }),
      );
      expect(capped.fee).toEqual(kgs(5n));
      expect(capped.net).toEqual(kgs(0n));
      expect(await available('mer_fee')).toBe(1_919n);

      // The fixed part is per currency: USD payments get the USD fixed part, not the KGS one.
      const usd = await ledger.client.postPayment(
        payment({
          paymentId: 'pay_fee_3',
          merchantId: 'mer_fee',
          gross: { amountMinor: 1_000n, currency: 'USD' },
        }),
      );
      expect(usd.fee).toEqual({ amountMinor: 55n, currency: 'USD' });
    });

    it('charges no fee to a merchant without a plan', async () => {
      const res = await ledger.client.postPayment(
        payment({ paymentId: 'pay_nofee', merchantId: 'mer_noplan' }),
      );
      expect(res.fee).toEqual(kgs(0n));
      expect(res.net).toEqual(kgs(10_000n));
      expect(res.transaction?.postings.map((p) => p.amountMinor)).toEqual([10_000n, -10_000n]);
      expect(await available('mer_noplan')).toBe(10_000n);
    });

    it('refuses a plan it could not apply, naming the field', async () => {
      for (const [rules, field] of [
        [
          [{ method: PaymentMethod.PAYMENT_METHOD_CARD, percentBps: 10_001, fixed: [] }],
          'rules[0].percent_bps',
        ],
        [
          [
            { method: PaymentMethod.PAYMENT_METHOD_CARD, percentBps: 1, fixed: [] },
            { method: PaymentMethod.PAYMENT_METHOD_CARD, percentBps: 2, fixed: [] },
          ],
          'rules[1].method',
        ],
        [
          [{ method: PaymentMethod.PAYMENT_METHOD_CARD, percentBps: 1, fixed: [kgs(-1n)] }],
          'rules[0].fixed[0]',
        ],
        [
          [{ method: PaymentMethod.PAYMENT_METHOD_UNSPECIFIED, percentBps: 1, fixed: [] }],
          'rules[0].method',
        ],
      ] as const) {
        expect(
          await codeOf(
            ledger.client.setFeePlan(
              SetFeePlanRequest.fromPartial({ merchantId: 'mer_badplan', rules: rules as never }),
            ),
          ),
        ).toEqual({
          code: 'LEDGER_INVALID_FEE_PLAN',
          kind: 'invalid',
          grpc: INVALID_ARGUMENT,
          field,
        });
      }
      expect((await ledger.client.getFeePlan({ merchantId: 'mer_badplan' })).plan).toBeUndefined();
    });
  });

  describe('refunds', () => {
    /** The platform's refunds payable in KGS: its posted balance, 0 before first use. */
    const refundsPayable = async () => {
      const { accounts } = await ledger.client.listAccounts(
        ListAccountsRequest.fromPartial({
          ownerType: OwnerType.OWNER_TYPE_PLATFORM,
          ownerId: 'tolem',
          currency: 'KGS',
        }),
      );
      const account = accounts.find((a) => a.purpose === 'refunds_payable');
      if (!account) return 0n;
      const res = await ledger.client.getAccountBalance(
        GetAccountBalanceRequest.fromPartial({ accountId: account.id }),
      );
      return res.posted?.amountMinor ?? 0n;
    };
    const resolve = (refundId: string, outcome: RefundOutcome, reference = '') =>
      ledger.client.resolveRefund(
        ResolveRefundRequest.fromPartial({ refundId, outcome, reference }),
      );

    it('moves a refund from the merchant to refunds payable at once, then to provider clearing or payout clearing, in one event sequence', async () => {
      await flatFee('mer_rf', 250n);
      await ledger.client.postPayment(payment({ paymentId: 'pay_rf_1', merchantId: 'mer_rf' }));
      const payableBefore = await refundsPayable();
      const request = RefundPaymentRequest.fromPartial({
        refundId: 're_rf_1',
        paymentId: 'pay_rf_1',
        amount: kgs(4_000n),
        reason: 'customer asked',
      });
      const refund = await ledger.client.refundPayment(request);
      expect(refund.alreadyExisted).toBe(false);
      expect(refund.transaction?.kind).toBe('refund');
      expect(refund.transaction?.postings.map((p) => p.amountMinor)).toEqual([4_000n, -4_000n]);
      expect(await available('mer_rf')).toBe(9_750n - 4_000n);
      expect(await refundsPayable()).toBe((payableBefore ?? 0n) + 4_000n);

      const again = await ledger.client.refundPayment(request);
      expect(again).toMatchObject({ alreadyExisted: true, transaction: refund.transaction });
      expect(
        await writesNothing(() => ledger.client.refundPayment({ ...request, amount: kgs(4_001n) })),
      ).toEqual({
        code: 'LEDGER_IDEMPOTENCY_CONFLICT',
        kind: 'conflict',
        grpc: ALREADY_EXISTS,
        field: 'amount',
      });

      // The provider refunded it: refunds payable -> the provider's clearing.
      const done = await resolve(
        're_rf_1',
        RefundOutcome.REFUND_OUTCOME_REFUNDED_BY_PROVIDER,
        'wm-rf-1',
      );
      expect(done.paymentStatus).toBe('partially_refunded');
      expect(done.transaction?.postings.map((p) => p.amountMinor)).toEqual([4_000n, -4_000n]);
      expect(await refundsPayable()).toBe(payableBefore ?? 0n);
      expect(await available('mer_rf')).toBe(5_750n);
      // Once: the same end replays, the other end is a conflict and writes nothing.
      expect(
        (await resolve('re_rf_1', RefundOutcome.REFUND_OUTCOME_REFUNDED_BY_PROVIDER, 'wm-rf-1'))
          .alreadyExisted,
      ).toBe(true);
      expect(
        await writesNothing(() => resolve('re_rf_1', RefundOutcome.REFUND_OUTCOME_FAILED)),
      ).toMatchObject({ code: 'LEDGER_IDEMPOTENCY_CONFLICT', field: 'outcome' });
      expect(
        await writesNothing(() => resolve('re_unknown', RefundOutcome.REFUND_OUTCOME_FAILED)),
      ).toMatchObject({ code: 'LEDGER_REFUND_NOT_FOUND', grpc: NOT_FOUND });

      const events = await waitFor(
        () => {
          const mine = eventsOf(messages).filter((e) => e.paymentId === 'pay_rf_1');
          return mine.length >= 3 && mine;
        },
        { timeoutMs: 30_000, what: 'the payment and refund events' },
      );
      expect(
        events.map((e) => [
          e.eventType,
          e.sequence,
          e.refundId,
          e.gross?.amountMinor,
          e.fee?.amountMinor,
          e.paymentStatus,
        ]),
      ).toEqual([
        ['payment.succeeded', 1n, '', 10_000n, 250n, 'succeeded'],
        ['refund.pending', 2n, 're_rf_1', 4_000n, 0n, ''],
        ['refund.succeeded', 3n, 're_rf_1', 4_000n, 0n, 'partially_refunded'],
      ]);
      expect(events[1]?.providerAttributes).toEqual({
        payer_purse: 'Z123456789012',
        payer_wmid: '123456789012',
      });

      // Two refunds of another payment, both paid out to the payer by an operator: refunded.
      await ledger.client.postPayment(payment({ paymentId: 'pay_rf_2', merchantId: 'mer_rf_2' }));
      for (const [id, amount] of [
        ['re_rf_2a', 3_000n],
        ['re_rf_2b', 7_000n],
      ] as const) {
        await ledger.client.refundPayment({
          ...request,
          refundId: id,
          paymentId: 'pay_rf_2',
          amount: kgs(amount),
        });
      }
      expect(await refundsPayable()).toBe((payableBefore ?? 0n) + 10_000n);
      expect(
        (await resolve('re_rf_2a', RefundOutcome.REFUND_OUTCOME_PAID_OUT, 'WM-1')).paymentStatus,
      ).toBe('partially_refunded');
      expect(
        (await resolve('re_rf_2b', RefundOutcome.REFUND_OUTCOME_PAID_OUT, 'WM-2')).paymentStatus,
      ).toBe('refunded');
      expect(await refundsPayable()).toBe(payableBefore ?? 0n);
      expect(await available('mer_rf_2')).toBe(0n);
      const second = await waitFor(
        () => {
          const mine = eventsOf(messages).filter((e) => e.paymentId === 'pay_rf_2');
          return mine.length >= 5 && mine;
        },
        { timeoutMs: 30_000, what: 'the second payment’s refund events' },
      );
      expect(second.map((e) => [e.eventType, e.sequence, e.refundId, e.paymentStatus])).toEqual([
        ['payment.succeeded', 1n, '', 'succeeded'],
        ['refund.pending', 2n, 're_rf_2a', ''],
        ['refund.pending', 3n, 're_rf_2b', ''],
        ['refund.succeeded', 4n, 're_rf_2a', 'partially_refunded'],
        ['refund.succeeded', 5n, 're_rf_2b', 'refunded'],
      ]);
      expect((await ledger.client.checkIntegrity({})).violations).toEqual([]);
    });

    it('a failed refund returns the money to the merchant and its amount is refundable again', async () => {
      await ledger.client.postPayment(
        payment({ paymentId: 'pay_rf_fail', merchantId: 'mer_rf_fail' }),
      );
      const payableBefore = await refundsPayable();
      await ledger.client.refundPayment(
        RefundPaymentRequest.fromPartial({
          refundId: 're_rf_fail',
          paymentId: 'pay_rf_fail',
          amount: kgs(10_000n),
        }),
      );
      expect(await available('mer_rf_fail')).toBe(0n);
      expect(
        await codeOf(
          ledger.client.refundPayment(
            RefundPaymentRequest.fromPartial({
              refundId: 're_rf_fail_over',
              paymentId: 'pay_rf_fail',
              amount: kgs(1n),
            }),
          ),
        ),
      ).toMatchObject({ code: 'LEDGER_REFUND_EXCEEDS_PAYMENT' });
      const failed = await resolve(
        're_rf_fail',
        RefundOutcome.REFUND_OUTCOME_FAILED,
        'provider_declined',
      );
      expect(failed.paymentStatus).toBe('');
      expect(await available('mer_rf_fail')).toBe(10_000n);
      expect(await refundsPayable()).toBe(payableBefore);
      const events = await waitFor(
        () => {
          const mine = eventsOf(messages).filter((e) => e.paymentId === 'pay_rf_fail');
          return mine.length >= 3 && mine;
        },
        { timeoutMs: 30_000, what: 'refund.failed' },
      );
      expect(events.map((e) => [e.eventType, e.sequence, e.failureCode])).toEqual([
        ['payment.succeeded', 1n, ''],
        ['refund.pending', 2n, ''],
        ['refund.failed', 3n, 'provider_declined'],
      ]);
      await ledger.client.refundPayment(
        RefundPaymentRequest.fromPartial({
          refundId: 're_rf_fail_again',
          paymentId: 'pay_rf_fail',
          amount: kgs(10_000n),
        }),
      );
      expect(await available('mer_rf_fail')).toBe(0n);
    });

    it('refuses a refund beyond the payment, beyond the balance, of an unknown payment, in another currency, zero or negative: nothing written', async () => {
      const refund = (
        key: string,
        amount: { amountMinor: bigint; currency: string },
        paymentId = 'pay_rf_1',
      ) =>
        ledger.client.refundPayment(
          RefundPaymentRequest.fromPartial({ refundId: key, paymentId, amount, reason: '' }),
        );
      expect(await writesNothing(() => refund('rf:exceeds', kgs(6_001n)))).toEqual({
        code: 'LEDGER_REFUND_EXCEEDS_PAYMENT',
        kind: 'precondition',
        grpc: FAILED_PRECONDITION,
        field: 'amount',
      });
      expect(await writesNothing(() => refund('rf:unknown', kgs(1n), 'pay_nope'))).toMatchObject({
        code: 'LEDGER_PAYMENT_NOT_FOUND',
        grpc: NOT_FOUND,
      });
      expect(
        await writesNothing(() => refund('rf:usd', { amountMinor: 1n, currency: 'USD' })),
      ).toMatchObject({
        code: 'MONEY_CURRENCY_MISMATCH',
        grpc: INVALID_ARGUMENT,
        field: 'amount',
      });
      expect(await writesNothing(() => refund('rf:zero', kgs(0n)))).toMatchObject({
        code: 'MONEY_ZERO_AMOUNT',
        field: 'amount',
      });
      expect(await writesNothing(() => refund('rf:neg', kgs(-5n)))).toMatchObject({
        code: 'MONEY_NEGATIVE_AMOUNT',
        field: 'amount',
      });

      // The merchant pays out most of its balance; a refund larger than what is left is refused…
      await ledger.client.postPayout(
        PostPayoutRequest.fromPartial({
          idempotencyKey: 'po:rf:1',
          merchantId: 'mer_rf',
          amount: kgs(5_000n),
        }),
      );
      expect(await available('mer_rf')).toBe(750n);
      expect(await writesNothing(() => refund('rf:funds', kgs(1_000n)))).toMatchObject({
        code: 'LEDGER_INSUFFICIENT_FUNDS',
        kind: 'precondition',
        grpc: FAILED_PRECONDITION,
      });
      // …unless the merchant may go negative.
      await ledger.client.setMerchantSettings(
        SetMerchantSettingsRequest.fromPartial({
          merchantId: 'mer_rf',
          allowNegativeBalance: true,
        }),
      );
      await refund('rf:negative-ok', kgs(1_000n));
      expect(await available('mer_rf')).toBe(-250n);
      expect(
        (await ledger.client.getMerchantSettings({ merchantId: 'mer_rf' })).settings
          ?.allowNegativeBalance,
      ).toBe(true);
    });

    it('never lets concurrent refunds together exceed the gross', async () => {
      await ledger.client.postPayment(
        payment({ paymentId: 'pay_rf_race', merchantId: 'mer_rf_race' }),
      );
      const outcomes = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          codeOf(
            ledger.client.refundPayment(
              RefundPaymentRequest.fromPartial({
                refundId: `rf:race:${i}`,
                paymentId: 'pay_rf_race',
                amount: kgs(3_000n),
              }),
            ),
          ),
        ),
      );
      expect(outcomes.filter((o) => o.code === undefined)).toHaveLength(3);
      expect(outcomes.filter((o) => o.code === 'LEDGER_REFUND_EXCEEDS_PAYMENT')).toHaveLength(3);
      expect(await available('mer_rf_race')).toBe(1_000n);
    });
  });

  describe('payouts', () => {
    it('moves available money to payout clearing, emits payout.succeeded keyed by the payout id, and refuses an overdraft', async () => {
      await ledger.client.postPayment(payment({ paymentId: 'pay_po_1', merchantId: 'mer_po' }));
      const res = await ledger.client.postPayout(
        PostPayoutRequest.fromPartial({
          idempotencyKey: 'po:1',
          merchantId: 'mer_po',
          amount: kgs(6_000n),
          description: 'weekly',
        }),
      );
      expect(res.payoutId).toMatch(/^po_[0-9a-z]{26}$/);
      expect(res.transaction).toMatchObject({ kind: 'payout', paymentId: res.payoutId });
      const replay = await ledger.client.postPayout(
        PostPayoutRequest.fromPartial({
          idempotencyKey: 'po:1',
          merchantId: 'mer_po',
          amount: kgs(6_000n),
          description: 'weekly',
        }),
      );
      expect(replay).toMatchObject({ alreadyExisted: true, payoutId: res.payoutId });
      expect(await available('mer_po')).toBe(4_000n);
      expect(
        await writesNothing(() =>
          ledger.client.postPayout(
            PostPayoutRequest.fromPartial({
              idempotencyKey: 'po:2',
              merchantId: 'mer_po',
              amount: kgs(4_001n),
            }),
          ),
        ),
      ).toMatchObject({ code: 'LEDGER_INSUFFICIENT_FUNDS', grpc: FAILED_PRECONDITION });
      const [event] = await waitFor(
        () => {
          const found = eventsOf(messages).filter((e) => e.paymentId === res.payoutId);
          return found.length > 0 && found;
        },
        { timeoutMs: 30_000, what: 'payout.succeeded' },
      );
      expect(event).toMatchObject({
        eventType: 'payout.succeeded',
        merchantId: 'mer_po',
        sequence: 1n,
        net: kgs(6_000n),
      });
    });
  });

  describe('holds', () => {
    const hold = (paymentId: string, timeoutSeconds: number, amount = 10_000n) =>
      ledger.client.createHold(
        CreateHoldRequest.fromPartial({
          idempotencyKey: `hold:${paymentId}`,
          paymentId,
          merchantId: 'mer_hold',
          amount: kgs(amount),
          method: PaymentMethod.PAYMENT_METHOD_CARD,
          provider: Provider.PROVIDER_INTELLECTMONEY,
          providerAttributes: { rrn: '1' },
          timeoutSeconds,
          livemode: true,
        }),
      );
    const balances = () =>
      ledger.client.getBalance(
        GetBalanceRequest.fromPartial({ merchantId: 'mer_hold', currency: 'KGS' }),
      );

    it('holds pending, then posts part of it with the plan’s fee; the rest is released', async () => {
      await ledger.client.setFeePlan(
        SetFeePlanRequest.fromPartial({
          merchantId: 'mer_hold',
          rules: [{ method: PaymentMethod.PAYMENT_METHOD_CARD, percentBps: 100, fixed: [] }],
        }),
      );
      const created = await hold('pay_hold_1', 3600);
      expect(created.transaction?.postings.every((p) => p.pending)).toBe(true);
      expect(created.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 3_500_000);
      expect(await balances()).toMatchObject({ available: kgs(0n), pending: kgs(10_000n) });

      // A payment that is held cannot be posted directly under another key.
      expect(
        await writesNothing(() =>
          ledger.client.postPayment(payment({ paymentId: 'pay_hold_1', merchantId: 'mer_hold' })),
        ),
      ).toMatchObject({ code: 'LEDGER_PAYMENT_ALREADY_POSTED', grpc: ALREADY_EXISTS });
      expect(
        await writesNothing(() =>
          ledger.client.postHold(
            PostHoldRequest.fromPartial({
              idempotencyKey: 'cap:too-much',
              paymentId: 'pay_hold_1',
              amount: kgs(10_001n),
            }),
          ),
        ),
      ).toMatchObject({ code: 'LEDGER_HOLD_AMOUNT_EXCEEDED', grpc: FAILED_PRECONDITION });

      const posted = await ledger.client.postHold(
        PostHoldRequest.fromPartial({
          idempotencyKey: 'cap:pay_hold_1',
          paymentId: 'pay_hold_1',
          amount: kgs(8_000n),
        }),
      );
      expect(posted).toMatchObject({ fee: kgs(80n), net: kgs(7_920n), alreadyExisted: false });
      expect(await balances()).toMatchObject({ available: kgs(7_920n), pending: kgs(0n) });
      expect(
        await writesNothing(() =>
          ledger.client.voidHold(
            VoidHoldRequest.fromPartial({ idempotencyKey: 'void:late', paymentId: 'pay_hold_1' }),
          ),
        ),
      ).toMatchObject({ code: 'LEDGER_HOLD_NOT_PENDING' });

      const events = await waitFor(
        () => {
          const mine = eventsOf(messages).filter((e) => e.paymentId === 'pay_hold_1');
          return mine.length >= 2 && mine;
        },
        { timeoutMs: 30_000, what: 'held and succeeded events' },
      );
      expect(
        events.map((e) => [e.eventType, e.sequence, e.gross?.amountMinor, e.net?.amountMinor]),
      ).toEqual([
        ['payment.held', 1n, 10_000n, 0n],
        ['payment.succeeded', 2n, 8_000n, 7_920n],
      ]);
    });

    it('voids on request, and voids an expired hold by itself', async () => {
      await hold('pay_hold_2', 3600, 3_000n);
      const voided = await ledger.client.voidHold(
        VoidHoldRequest.fromPartial({
          idempotencyKey: 'void:pay_hold_2',
          paymentId: 'pay_hold_2',
          reason: 'cancelled',
        }),
      );
      expect(voided.transaction?.kind).toBe('hold_void');

      await hold('pay_hold_3', 1, 2_000n);
      expect((await balances()).pending).toEqual(kgs(2_000n));
      await waitFor(async () => (await balances()).pending?.amountMinor === 0n, {
        timeoutMs: 15_000,
        what: 'the sweeper to void the expired hold',
      });
      const listed = await ledger.client.listPaymentTransactions({ paymentId: 'pay_hold_3' });
      expect(listed.transactions.map((t) => [t.kind, t.idempotencyKey])).toEqual([
        ['hold', 'hold:pay_hold_3'],
        ['hold_void', 'hold:pay_hold_3:expired'],
      ]);
      expect(
        await codeOf(
          ledger.client.postHold(
            PostHoldRequest.fromPartial({ idempotencyKey: 'cap:3', paymentId: 'pay_hold_3' }),
          ),
        ),
      ).toMatchObject({ code: 'LEDGER_HOLD_NOT_PENDING' });
      await waitFor(
        () =>
          eventsOf(messages).some(
            (e) =>
              e.paymentId === 'pay_hold_3' &&
              e.eventType === 'payment.hold_voided' &&
              e.sequence === 2n,
          ),
        { timeoutMs: 30_000, what: 'payment.hold_voided' },
      );
    });
  });

  describe('reversals', () => {
    it('mirrors a payout once, restoring the balance, and refuses what cannot be reversed', async () => {
      await flatFee('mer_rev', 100n);
      await ledger.client.postPayment(payment({ paymentId: 'pay_rev_1', merchantId: 'mer_rev' }));
      const payout = await ledger.client.postPayout(
        PostPayoutRequest.fromPartial({
          idempotencyKey: 'po:rev',
          merchantId: 'mer_rev',
          amount: kgs(9_000n),
        }),
      );
      const reversed = await ledger.client.reverseTransaction(
        ReverseTransactionRequest.fromPartial({
          idempotencyKey: 'rev:po',
          transactionId: payout.transaction!.id,
          reason: 'bank refused',
        }),
      );
      expect(reversed.transaction).toMatchObject({
        kind: 'reversal',
        reversesTransactionId: payout.transaction!.id,
        paymentId: payout.payoutId,
      });
      expect(reversed.transaction?.postings.map((p) => p.amountMinor)).toEqual(
        payout.transaction?.postings.map((p) => -p.amountMinor),
      );
      expect(await available('mer_rev')).toBe(9_900n);
      expect(
        await writesNothing(() =>
          ledger.client.reverseTransaction(
            ReverseTransactionRequest.fromPartial({
              idempotencyKey: 'rev:po:again',
              transactionId: payout.transaction!.id,
            }),
          ),
        ),
      ).toMatchObject({ code: 'LEDGER_ALREADY_REVERSED', grpc: ALREADY_EXISTS });
      expect(
        await writesNothing(() =>
          ledger.client.reverseTransaction(
            ReverseTransactionRequest.fromPartial({
              idempotencyKey: 'rev:x',
              transactionId: 'txn_nope',
            }),
          ),
        ),
      ).toMatchObject({ code: 'LEDGER_TRANSACTION_NOT_FOUND', grpc: NOT_FOUND });
      expect(
        await writesNothing(() =>
          ledger.client.reverseTransaction(
            ReverseTransactionRequest.fromPartial({
              idempotencyKey: 'rev:rev',
              transactionId: reversed.transaction!.id,
            }),
          ),
        ),
      ).toMatchObject({ code: 'LEDGER_NOT_REVERSIBLE', grpc: FAILED_PRECONDITION });
      await waitFor(
        () =>
          eventsOf(messages).some(
            (e) =>
              e.paymentId === payout.payoutId &&
              e.eventType === 'payout.reversed' &&
              e.sequence === 2n,
          ),
        { timeoutMs: 30_000, what: 'payout.reversed' },
      );

      // A payment with a refund is not reversed, nor is the refund; once the refund failed
      // (its money back with the merchant) the payment can be.
      const refund = await ledger.client.refundPayment(
        RefundPaymentRequest.fromPartial({
          refundId: 'rf:rev',
          paymentId: 'pay_rev_1',
          amount: kgs(500n),
        }),
      );
      const paymentTxn = (await ledger.client.listPaymentTransactions({ paymentId: 'pay_rev_1' }))
        .transactions[0]!;
      expect(
        await writesNothing(() =>
          ledger.client.reverseTransaction(
            ReverseTransactionRequest.fromPartial({
              idempotencyKey: 'rev:pay',
              transactionId: paymentTxn.id,
            }),
          ),
        ),
      ).toMatchObject({ code: 'LEDGER_NOT_REVERSIBLE' });
      expect(
        await writesNothing(() =>
          ledger.client.reverseTransaction(
            ReverseTransactionRequest.fromPartial({
              idempotencyKey: 'rev:rf',
              transactionId: refund.transaction!.id,
            }),
          ),
        ),
      ).toMatchObject({ code: 'LEDGER_NOT_REVERSIBLE' });
      await ledger.client.resolveRefund(
        ResolveRefundRequest.fromPartial({
          refundId: 'rf:rev',
          outcome: RefundOutcome.REFUND_OUTCOME_FAILED,
        }),
      );
      await ledger.client.reverseTransaction(
        ReverseTransactionRequest.fromPartial({
          idempotencyKey: 'rev:pay',
          transactionId: paymentTxn.id,
        }),
      );
      expect(await available('mer_rev')).toBe(0n);
      expect(
        await codeOf(
          ledger.client.refundPayment(
            RefundPaymentRequest.fromPartial({
              refundId: 'rf:after',
              paymentId: 'pay_rev_1',
              amount: kgs(1n),
            }),
          ),
        ),
      ).toMatchObject({ code: 'LEDGER_PAYMENT_NOT_REFUNDABLE' });
    });
  });

  describe('PostTransaction between system accounts', () => {
    let clearing: string;
    let fee: string;
    let merchant: string;

    beforeAll(async () => {
      await flatFee('mer_tr', 300n);
      await ledger.client.postPayment(payment({ paymentId: 'pay_tr_1', merchantId: 'mer_tr' }));
      const accounts = (await ledger.client.listPaymentTransactions({ paymentId: 'pay_tr_1' }))
        .transactions[0]!.postings;
      [clearing, merchant, fee] = accounts.map((p) => p.accountId) as [string, string, string];
    });

    const post = (
      key: string,
      postings: { accountId: string; amountMinor: bigint; currency: string }[],
    ) =>
      ledger.client.postTransaction(
        PostTransactionRequest.fromPartial({ idempotencyKey: key, postings }),
      );

    it('posts a balanced entry once', async () => {
      const legs = [
        { accountId: fee, amountMinor: 100n, currency: 'KGS' },
        { accountId: clearing, amountMinor: -100n, currency: 'KGS' },
      ];
      const res = await post('tr:ok', legs);
      expect(res.transaction?.kind).toBe('transfer');
      expect((await post('tr:ok', legs)).alreadyExisted).toBe(true);
      const feeBalance = await ledger.client.getAccountBalance(
        GetAccountBalanceRequest.fromPartial({ accountId: fee }),
      );
      expect(feeBalance.posted).toEqual(kgs(200n));
    });

    it.each<
      [
        string,
        () => { accountId: string; amountMinor: bigint; currency: string }[],
        string,
        number,
        string,
      ]
    >([
      [
        'an unbalanced one',
        () => [
          { accountId: fee, amountMinor: 5n, currency: 'KGS' },
          { accountId: clearing, amountMinor: -4n, currency: 'KGS' },
        ],
        'LEDGER_POSTINGS_UNBALANCED',
        INVALID_ARGUMENT,
        'postings',
      ],
      [
        'an unknown account',
        () => [
          { accountId: 'acc_nope', amountMinor: 5n, currency: 'KGS' },
          { accountId: clearing, amountMinor: -5n, currency: 'KGS' },
        ],
        'LEDGER_ACCOUNT_NOT_FOUND',
        NOT_FOUND,
        'postings[0].account_id',
      ],
      [
        'the wrong currency for the account',
        () => [
          { accountId: fee, amountMinor: 5n, currency: 'USD' },
          { accountId: clearing, amountMinor: -5n, currency: 'USD' },
        ],
        'MONEY_CURRENCY_MISMATCH',
        INVALID_ARGUMENT,
        'postings[0].currency',
      ],
      [
        'mixed currencies',
        () => [
          { accountId: fee, amountMinor: 5n, currency: 'KGS' },
          { accountId: clearing, amountMinor: -5n, currency: 'USD' },
        ],
        'MONEY_CURRENCY_MISMATCH',
        INVALID_ARGUMENT,
        'postings[1].currency',
      ],
      [
        'a zero amount',
        () => [
          { accountId: fee, amountMinor: 0n, currency: 'KGS' },
          { accountId: clearing, amountMinor: 0n, currency: 'KGS' },
        ],
        'MONEY_ZERO_AMOUNT',
        INVALID_ARGUMENT,
        'postings[0].amount_minor',
      ],
      [
        'a total over int64',
        () => [
          { accountId: fee, amountMinor: MAX_INT64, currency: 'KGS' },
          { accountId: fee, amountMinor: 1n, currency: 'KGS' },
          { accountId: clearing, amountMinor: -MAX_INT64, currency: 'KGS' },
          { accountId: clearing, amountMinor: -1n, currency: 'KGS' },
        ],
        'MONEY_AMOUNT_OVERFLOW',
        INVALID_ARGUMENT,
        'postings',
      ],
      [
        'a merchant account',
        () => [
          { accountId: merchant, amountMinor: 5n, currency: 'KGS' },
          { accountId: clearing, amountMinor: -5n, currency: 'KGS' },
        ],
        'LEDGER_ACCOUNT_NOT_ALLOWED',
        FAILED_PRECONDITION,
        'postings[0].account_id',
      ],
    ])(
      'refuses %s with a stable code and writes nothing',
      async (_name, legs, code, grpc, field) => {
        expect(await writesNothing(() => post(`tr:${code}:${field}`, legs()))).toMatchObject({
          code,
          grpc,
          field,
        });
      },
    );
  });

  describe('queries and the absence of a hot row', () => {
    it('answers balances as of a past time', async () => {
      const first = await ledger.client.postPayment(
        payment({
          paymentId: 'pay_asof_1',
          merchantId: 'mer_asof',
          gross: kgs(100n),
        }),
      );
      await new Promise((r) => setTimeout(r, 30));
      await ledger.client.postPayment(
        payment({
          paymentId: 'pay_asof_2',
          merchantId: 'mer_asof',
          gross: kgs(200n),
        }),
      );
      const between = new Date(first.transaction!.createdAt!.getTime() + 1);
      const asOf = (at: Date | undefined) =>
        ledger.client.getBalance(
          GetBalanceRequest.fromPartial({ merchantId: 'mer_asof', currency: 'KGS', asOf: at }),
        );
      expect((await asOf(between)).available).toEqual(kgs(100n));
      expect(
        (await asOf(new Date(first.transaction!.createdAt!.getTime() - 1_000))).available,
      ).toEqual(kgs(0n));
      expect((await asOf(undefined)).available).toEqual(kgs(300n));
      const account = first.transaction!.postings[1]!.accountId;
      const byAccount = await ledger.client.getAccountBalance(
        GetAccountBalanceRequest.fromPartial({ accountId: account, asOf: between }),
      );
      expect(byAccount).toMatchObject({
        posted: kgs(100n),
        creditsPosted: 100n,
        account: { ownerId: 'mer_asof', purpose: 'available' },
      });
      expect(
        await codeOf(
          ledger.client.getAccountBalance(
            GetAccountBalanceRequest.fromPartial({ accountId: 'acc_nope' }),
          ),
        ),
      ).toMatchObject({
        code: 'LEDGER_ACCOUNT_NOT_FOUND',
        grpc: NOT_FOUND,
      });
    });

    it('pages a merchant statement with a running balance', async () => {
      for (let i = 1; i <= 5; i += 1) {
        await ledger.client.postPayment(
          payment({
            paymentId: `pay_st_${i}`,
            merchantId: 'mer_st',
            gross: kgs(BigInt(i * 100)),
          }),
        );
      }
      await ledger.client.refundPayment(
        RefundPaymentRequest.fromPartial({
          refundId: 'rf:st',
          paymentId: 'pay_st_5',
          amount: kgs(50n),
        }),
      );
      const lines: { amount: bigint; after: bigint; kind: string }[] = [];
      let token = '';
      let issued = '';
      let pages = 0;
      do {
        const page = await ledger.client.listStatement(
          ListStatementRequest.fromPartial({
            merchantId: 'mer_st',
            currency: 'KGS',
            pageSize: 4,
            pageToken: token,
          }),
        );
        expect(page.openingBalance).toEqual(kgs(0n));
        lines.push(
          ...page.lines.map((l) => ({
            amount: l.amountMinor,
            after: l.balanceAfterMinor,
            kind: l.kind,
          })),
        );
        token = page.nextPageToken;
        issued ||= token;
        pages += 1;
      } while (token);
      expect(pages).toBe(2);
      expect(lines).toEqual([
        { amount: 100n, after: 100n, kind: 'payment' },
        { amount: 200n, after: 300n, kind: 'payment' },
        { amount: 300n, after: 600n, kind: 'payment' },
        { amount: 400n, after: 1_000n, kind: 'payment' },
        { amount: 500n, after: 1_500n, kind: 'payment' },
        { amount: -50n, after: 1_450n, kind: 'refund' },
      ]);
      expect(
        await codeOf(
          ledger.client.listStatement(
            ListStatementRequest.fromPartial({
              merchantId: 'mer_st',
              currency: 'KGS',
              pageToken: 'garbage',
            }),
          ),
        ),
      ).toMatchObject({ code: 'LEDGER_INVALID_REQUEST', field: 'page_token' });
      // The merchant's own token with a number changed: beyond int64, or a time no column holds.
      const [account, micros, postingId, balance] = Buffer.from(issued, 'base64url')
        .toString()
        .split('|');
      for (const forged of [
        [account, '99999999999999999999', postingId, balance],
        [account, '9223372036854775807', postingId, balance],
        [account, micros, '-99999999999999999999', balance],
        [account, micros, postingId, '99999999999999999999'],
      ]) {
        expect(
          await codeOf(
            ledger.client.listStatement(
              ListStatementRequest.fromPartial({
                merchantId: 'mer_st',
                currency: 'KGS',
                pageToken: Buffer.from(forged.join('|')).toString('base64url'),
              }),
            ),
          ),
        ).toMatchObject({ code: 'LEDGER_INVALID_REQUEST', field: 'page_token' });
      }
    });

    it('spreads concurrent payments of many merchants over clearing shards whose sum is the clearing balance', async () => {
      const merchants = Array.from({ length: 40 }, (_, i) => `mer_shard_${i}`);
      const results = await ledger.client.postPayments({
        payments: merchants.map((m, i) =>
          payment({ paymentId: `pay_shard_${i}`, merchantId: m, gross: kgs(1_000n) }),
        ),
      });
      expect(results.results.every((r) => r.result?.$case === 'posted')).toBe(true);
      const shards = (
        await ledger.client.listAccounts(
          ListAccountsRequest.fromPartial({
            ownerType: OwnerType.OWNER_TYPE_PROVIDER,
            ownerId: 'webmoney',
            currency: 'KGS',
          }),
        )
      ).accounts.filter((a) => a.purpose === 'clearing');
      expect(new Set(shards.map((a) => a.shard)).size).toBeGreaterThan(8);
      const totals = await Promise.all(
        shards.map((a) =>
          ledger.client.getAccountBalance(
            GetAccountBalanceRequest.fromPartial({ accountId: a.id }),
          ),
        ),
      );
      const clearingTotal = totals.reduce((s, t) => s + (t.posted?.amountMinor ?? 0n), 0n);
      const sums = await db.raw(
        `select coalesce(sum(p.amount_minor), 0)::text as total from postings p join accounts a on a.id = p.account_id
          where a.owner_type = 'provider' and a.owner_id = 'webmoney' and a.purpose = 'clearing' and a.currency = 'KGS' and not p.pending`,
      );
      expect(clearingTotal).toBe(BigInt((sums.rows as { total: string }[])[0]!.total));

      // They took the one-statement path (whose events go out as batch rows), not the
      // item-by-item fallback that a refused batch takes.
      const batchRows: OutboxRow[] = await db('outbox')
        .select('topic', 'message_key', 'headers', 'payload')
        .whereRaw('headers \\? ?', [OUTBOX_BATCH_HEADER]);
      const batched = new Set(batchRows.flatMap(outboxMessagesOf).map((m) => m.key));
      expect(merchants.every((_, i) => batched.has(`pay_shard_${i}`))).toBe(true);
      // Every account has its balance row (the batch updates balances without an upsert).
      const missing = await db('accounts')
        .leftJoin('balances', 'balances.account_id', 'accounts.id')
        .whereNull('balances.account_id')
        .count('* as count')
        .first();
      expect(Number(missing?.['count'])).toBe(0);
    });

    it('posts (or holds) a payment once when it arrives concurrently under several keys', async () => {
      const posts = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          codeOf(
            ledger.client.postPayment(
              payment({
                paymentId: 'pay_dup',
                merchantId: 'mer_dup',
                idempotencyKey: `dup:${i}`,
              }),
            ),
          ),
        ),
      );
      expect(posts.filter((o) => o.code === undefined)).toHaveLength(1);
      expect(posts.filter((o) => o.code === 'LEDGER_PAYMENT_ALREADY_POSTED')).toHaveLength(5);
      const holds = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          codeOf(
            ledger.client.createHold(
              CreateHoldRequest.fromPartial({
                idempotencyKey: `duphold:${i}`,
                paymentId: 'pay_dup_hold',
                merchantId: 'mer_dup',
                amount: kgs(100n),
                method: PaymentMethod.PAYMENT_METHOD_CARD,
                provider: Provider.PROVIDER_INTELLECTMONEY,
                timeoutSeconds: 60,
              }),
            ),
          ),
        ),
      );
      expect(holds.filter((o) => o.code === undefined)).toHaveLength(1);
      expect(holds.filter((o) => o.code === 'LEDGER_PAYMENT_ALREADY_POSTED')).toHaveLength(5);
      expect(await available('mer_dup')).toBe(10_000n);
      const txns = await db('transactions').whereIn('payment_id', ['pay_dup', 'pay_dup_hold']);
      expect(txns).toHaveLength(2);
    });

    it('answers a batch item by item', async () => {
      const res = await ledger.client.postPayments({
        payments: [
          payment({ paymentId: 'pay_b_1', merchantId: 'mer_b' }),
          payment({ paymentId: 'pay_b_1', merchantId: 'mer_b' }),
          payment({ paymentId: 'pay_b_2', merchantId: 'mer_b', gross: kgs(0n) }),
          payment({
            paymentId: 'pay_b_3',
            merchantId: 'mer_b',
            method: PaymentMethod.PAYMENT_METHOD_UNSPECIFIED,
          }),
        ],
      });
      expect(
        res.results.map((r) =>
          r.result?.$case === 'posted'
            ? `posted:${r.result.value.alreadyExisted}`
            : `${r.result?.value.code}:${r.result?.value.grpcStatus}`,
        ),
      ).toEqual([
        'posted:false',
        'posted:true',
        `MONEY_ZERO_AMOUNT:${INVALID_ARGUMENT}`,
        `LEDGER_INVALID_REQUEST:${INVALID_ARGUMENT}`,
      ]);
    });
  });

  it('publishes every event once the dust settles, in sequence order per key, and passes the integrity check', async () => {
    await waitFor(async () => (await unpublishedCount(db)) === 0, {
      timeoutMs: 30_000,
      what: 'the outbox to drain',
    });
    const events = (await outboxMessages(db)).length;
    await waitFor(() => messages.length >= events, {
      timeoutMs: 30_000,
      what: 'every event on Kafka',
    });
    const byKey = new Map<string, bigint[]>();
    for (const e of eventsOf(messages))
      byKey.set(e.paymentId, [...(byKey.get(e.paymentId) ?? []), e.sequence]);
    for (const [, sequences] of byKey) {
      expect(sequences).toEqual(sequences.map((_, i) => BigInt(i + 1)));
    }
    const report = await ledger.client.checkIntegrity({});
    expect(report.violations).toEqual([]);
    expect(report.ok).toBe(true);
  });
});
