import { PaymentMethod, Provider } from '@tolem/contracts/common';
import {
  PostPaymentRequest,
  RefundOutcome,
  RefundPaymentRequest,
  ResolveRefundRequest,
  SetFeePlanRequest,
} from '@tolem/contracts/ledger';
import type { Knex } from '@tolem/db-kit';
import { freshDatabase, integrationEnv, randomSuffix, uniqueTopic } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTopic, openDb, type RunningLedger, startLedger, testKafka } from './helpers';

const MERCHANT = `mer_dm_${randomSuffix()}`;
const kgs = (amountMinor: bigint) => ({ amountMinor, currency: 'KGS' });
const at = (iso: string) => new Date(iso);

const payment = (paymentId: string, gross: bigint, livemode: boolean) =>
  PostPaymentRequest.fromPartial({
    idempotencyKey: `payment:${paymentId}:succeeded`,
    paymentId,
    merchantId: MERCHANT,
    gross: kgs(gross),
    method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
    provider: Provider.PROVIDER_WEBMONEY,
    providerPaymentId: `wm-${paymentId}`,
    orderId: `order-${paymentId}`,
    occurredAt: at('2026-05-01T10:00:00Z'),
    livemode,
  });

/**
 * GetDailyMoneyTotals, reporting's ledger side of the consistency check, through the real process
 * and its PostgreSQL: a row per merchant, currency, day and mode, a refund in its payment's mode,
 * and a payment row from before modes (no `livemode` in its details) a test one.
 */
describe('daily money totals per mode (real process, PostgreSQL, Kafka)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Knex;
  let ledger: RunningLedger;

  beforeAll(async () => {
    database = await freshDatabase('ledger_it_daily_money');
    db = openDb(database.url);
    const topic = uniqueTopic('payments.events.v1.dm');
    await createTopic(testKafka(), topic, 1);
    ledger = await startLedger({
      DATABASE_URL: database.url,
      KAFKA_BROKERS: integrationEnv().kafkaBrokers,
      PAYMENTS_TOPIC: topic,
    });
    await ledger.client.setFeePlan(
      SetFeePlanRequest.fromPartial({
        merchantId: MERCHANT,
        rules: [
          {
            method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
            percentBps: 0,
            fixed: [kgs(100n)],
          },
        ],
      }),
    );
  });

  afterAll(async () => {
    await ledger?.stop();
    await db?.destroy();
    await database?.drop();
  });

  it('splits payments and refunds of one merchant, currency and day by mode; a row from before modes is a test one', async () => {
    await ledger.client.postPayment(payment('pay_dm_test', 10_000n, false));
    await ledger.client.postPayment(payment('pay_dm_old', 5_000n, false));
    await ledger.client.postPayment(payment('pay_dm_live', 7_000n, true));
    // As a row written before modes: no livemode in its details at all.
    expect(
      await db('payments')
        .where({ payment_id: 'pay_dm_old' })
        .update({ details: db.raw(`details - 'livemode'`) }),
    ).toBe(1);
    expect(
      (await db('payments').where({ payment_id: 'pay_dm_old' }).first<{ details: object }>())
        ?.details,
    ).not.toHaveProperty('livemode');

    await ledger.client.refundPayment(
      RefundPaymentRequest.fromPartial({
        refundId: 're_dm_live',
        paymentId: 'pay_dm_live',
        amount: kgs(2_000n),
        occurredAt: at('2026-05-02T09:00:00Z'),
      }),
    );
    await ledger.client.resolveRefund(
      ResolveRefundRequest.fromPartial({
        refundId: 're_dm_live',
        outcome: RefundOutcome.REFUND_OUTCOME_PAID_OUT,
        reference: 'WM-1',
        occurredAt: at('2026-05-02T10:00:00Z'),
      }),
    );

    const { totals } = await ledger.client.getDailyMoneyTotals({
      merchantId: MERCHANT,
      fromDay: '2026-05-01',
      toDay: '2026-05-02',
    });
    const none = {
      merchantId: MERCHANT,
      currency: 'KGS',
      paymentsCount: 0n,
      grossMinor: 0n,
      feeMinor: 0n,
      netMinor: 0n,
      refundsStartedCount: 0n,
      refundsStartedMinor: 0n,
      refundsSucceededCount: 0n,
      refundsSucceededMinor: 0n,
    };
    expect(totals).toEqual([
      {
        ...none,
        day: '2026-05-01',
        livemode: false,
        paymentsCount: 2n,
        grossMinor: 15_000n,
        feeMinor: 200n,
        netMinor: 14_800n,
      },
      {
        ...none,
        day: '2026-05-01',
        livemode: true,
        paymentsCount: 1n,
        grossMinor: 7_000n,
        feeMinor: 100n,
        netMinor: 6_900n,
      },
      {
        ...none,
        day: '2026-05-02',
        livemode: true,
        refundsStartedCount: 1n,
        refundsStartedMinor: 2_000n,
        refundsSucceededCount: 1n,
        refundsSucceededMinor: 2_000n,
      },
    ]);
  });
});
