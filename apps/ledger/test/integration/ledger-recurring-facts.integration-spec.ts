import { PaymentMethod, Provider } from '@tolem/contracts/common';
import type { PostPaymentRequest, RecordPaymentEventRequest } from '@tolem/contracts/ledger';
import type { Knex } from '@tolem/db-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  codeOf,
  type LedgerWithEvents,
  NO_RECURRING,
  runIntegrityCli,
  type RunningLedger,
  startLedgerWithEvents,
} from './helpers';

const MERCHANT = 'mer_recurring';

/** A recurring fact as the recurring service sends it: no status, no method or provider. */
const aRecurringFact = (
  paymentId: string,
  eventType: string,
  over: Partial<RecordPaymentEventRequest> = {},
): RecordPaymentEventRequest => ({
  idempotencyKey: `${paymentId}:${eventType}`,
  paymentId,
  merchantId: MERCHANT,
  eventType,
  paymentStatus: '',
  amount: { amountMinor: 5_000n, currency: 'RUB' },
  method: PaymentMethod.PAYMENT_METHOD_UNSPECIFIED,
  provider: Provider.PROVIDER_UNSPECIFIED,
  providerPaymentId: '',
  providerAttributes: {},
  orderId: '',
  description: 'Monthly tea box',
  failureCode: '',
  occurredAt: new Date('2026-12-06T10:05:00.000Z'),
  livemode: false,
  ...NO_RECURRING,
  recurringOperationId: 'sop_1',
  recurringChargeId: `chg_${paymentId}`,
  recurringAttempt: 1,
  cardBindingId: 'cbd_1',
  ...over,
});

const aPosting = (paymentId: string): PostPaymentRequest =>
  ({
    idempotencyKey: `payment:${paymentId}:succeeded`,
    paymentId,
    merchantId: MERCHANT,
    gross: { amountMinor: 5_000n, currency: 'RUB' },
    method: PaymentMethod.PAYMENT_METHOD_CARD,
    provider: Provider.PROVIDER_INTELLECTMONEY,
    providerPaymentId: `im-${paymentId}`,
    providerAttributes: {},
    orderId: `order-${paymentId}`,
    description: 'Monthly tea box',
    occurredAt: new Date('2026-12-06T10:01:00.000Z'),
    livemode: false,
  }) as PostPaymentRequest;

describe('recurring facts in the payment sequence (real ledger, PostgreSQL, Kafka)', () => {
  let env: LedgerWithEvents;
  let ledger: RunningLedger;
  let db: Knex;
  const available = async () =>
    // The payments are test ones (livemode false): their money is in the test balance.
    (
      await ledger.client.getBalance({
        merchantId: MERCHANT,
        currency: 'RUB',
        asOf: undefined,
        livemode: false,
      })
    ).available?.amountMinor;

  beforeAll(async () => {
    env = await startLedgerWithEvents('recurring');
    ({ ledger, db } = env);
    await ledger.client.setFeePlan({
      merchantId: MERCHANT,
      rules: [{ method: PaymentMethod.PAYMENT_METHOD_CARD, percentBps: 200, fixed: [] }],
    });
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('appends recurring.charge.succeeded after the posted payment, with its fields, moving no money', async () => {
    await ledger.client.postPayment(aPosting('pay_r1'));
    const before = await available();
    const res = await ledger.client.recordPaymentEvent(
      aRecurringFact('pay_r1', 'recurring.charge.succeeded', { receiptId: 'rct_1' }),
    );
    expect(res).toMatchObject({ sequence: 2n, alreadyExisted: false, superseded: false });
    // A refund after it continues the same sequence.
    await ledger.client.refundPayment({
      refundId: 're_r1',
      paymentId: 'pay_r1',
      amount: { amountMinor: 1_000n, currency: 'RUB' },
      reason: '',
      occurredAt: undefined,
    });
    const events = await env.waitForEvents('pay_r1', 3);
    expect(events.map((e) => [e.eventType, e.sequence, e.paymentStatus])).toEqual([
      ['payment.succeeded', 1n, 'succeeded'],
      ['recurring.charge.succeeded', 2n, ''],
      ['refund.pending', 3n, ''],
    ]);
    expect(events[1]).toMatchObject({
      eventId: res.eventId,
      merchantId: MERCHANT,
      recurringOperationId: 'sop_1',
      recurringChargeId: 'chg_pay_r1',
      recurringAttempt: 1,
      cardBindingId: 'cbd_1',
      receiptId: 'rct_1',
      cancelReason: '',
      description: 'Monthly tea box',
      gross: { amountMinor: 5_000n, currency: 'RUB' },
      fee: { amountMinor: 0n, currency: 'RUB' },
      net: { amountMinor: 0n, currency: 'RUB' },
      ledgerTransactionId: '',
      // What the recurring service left empty is the payment's own, from the register.
      method: PaymentMethod.PAYMENT_METHOD_CARD,
      provider: Provider.PROVIDER_INTELLECTMONEY,
      providerPaymentId: 'im-pay_r1',
      orderId: 'order-pay_r1',
    });
    // Other events carry no recurring fields.
    expect(events[0]?.recurringOperationId).toBe('');
    // Nothing moved for the fact; the refund took only its own amount, and the payment stays
    // the register's posted payment.
    expect(await available()).toBe((before ?? 0n) - 1_000n);
    const row = await db('payments').where({ payment_id: 'pay_r1' }).first();
    expect(row).toMatchObject({ status: 'posted' });
    expect(BigInt(row.last_sequence)).toBe(3n);
  });

  it('records a fact for a payment the ledger has not seen, and its later money continues the count', async () => {
    const failed = await ledger.client.recordPaymentEvent(
      aRecurringFact('pay_r2', 'recurring.charge.failed', { failureCode: '51' }),
    );
    expect(failed.sequence).toBe(1n);
    await ledger.client.postPayment(aPosting('pay_r2'));
    const canceled = await ledger.client.recordPaymentEvent(
      aRecurringFact('pay_r2', 'recurring.operation.canceled', {
        recurringChargeId: '',
        recurringAttempt: 0,
        cancelReason: 'merchant',
      }),
    );
    expect(canceled.sequence).toBe(3n);
    const events = await env.waitForEvents('pay_r2', 3);
    expect(
      events.map((e) => [
        e.eventType,
        e.sequence,
        e.failureCode,
        e.cancelReason,
        e.recurringAttempt,
      ]),
    ).toEqual([
      ['recurring.charge.failed', 1n, '51', '', 1],
      ['payment.succeeded', 2n, '', '', 0],
      ['recurring.operation.canceled', 3n, '', 'merchant', 0],
    ]);
    // A status fact is still stale after the money, recurring facts around it or not.
    const late = await ledger.client.recordPaymentEvent(
      aRecurringFact('pay_r2', 'payment.failed', {
        ...NO_RECURRING,
        idempotencyKey: 'pay_r2:late',
        failureCode: 'X',
      }),
    );
    expect(late.superseded).toBe(true);
    const integrity = await ledger.client.checkIntegrity({});
    expect(integrity.violations).toEqual([]);
    const cli = await runIntegrityCli({ DATABASE_URL: env.databaseUrl });
    expect(cli.code).toBe(0);
  });

  it('replays a key with the same fact and refuses it with another, naming the field', async () => {
    await ledger.client.postPayment(aPosting('pay_r3'));
    const fact = aRecurringFact('pay_r3', 'recurring.charge.abandoned', {
      recurringAttempt: 4,
    });
    const first = await ledger.client.recordPaymentEvent(fact);
    const again = await ledger.client.recordPaymentEvent(fact);
    expect(first).toMatchObject({ sequence: 2n, alreadyExisted: false, superseded: false });
    expect(again).toEqual({ ...first, alreadyExisted: true });
    expect(
      await codeOf(ledger.client.recordPaymentEvent({ ...fact, recurringAttempt: 3 })),
    ).toMatchObject({ code: 'LEDGER_IDEMPOTENCY_CONFLICT', field: 'recurring_attempt' });
    expect(
      await codeOf(ledger.client.recordPaymentEvent({ ...fact, recurringOperationId: 'sop_2' })),
    ).toMatchObject({ code: 'LEDGER_IDEMPOTENCY_CONFLICT', field: 'recurring_operation_id' });
    expect(await db('payment_facts').where({ payment_id: 'pay_r3' })).toHaveLength(1);
    await env.waitForEvents('pay_r3', 2);
    const row = await db('payments').where({ payment_id: 'pay_r3' }).first();
    expect(BigInt(row.last_sequence)).toBe(2n);
  });

  it('keeps the code of an abandoned charge and of a hard-decline cancel on the published event', async () => {
    const abandoned = aRecurringFact('pay_rcode', 'recurring.charge.abandoned', {
      failureCode: '51',
    });
    const canceled = aRecurringFact('pay_rcode', 'recurring.operation.canceled', {
      idempotencyKey: 'sop_1:canceled',
      failureCode: '54',
      cancelReason: 'hard_decline',
    });
    await ledger.client.recordPaymentEvent(abandoned);
    await ledger.client.recordPaymentEvent(canceled);
    const events = await env.waitForEvents('pay_rcode', 2);
    expect(events.map((e) => [e.eventType, e.failureCode])).toEqual([
      ['recurring.charge.abandoned', '51'],
      ['recurring.operation.canceled', '54'],
    ]);
  });

  it('refuses bad recurring facts with stable codes and writes nothing', async () => {
    const cases: [string, Partial<RecordPaymentEventRequest>, string][] = [
      ['recurring.charge.succeeded', { recurringOperationId: '' }, 'recurring_operation_id'],
      ['recurring.charge.succeeded', { paymentStatus: 'succeeded' }, 'payment_status'],
      ['recurring.charge.succeeded', { failureCode: '51' }, 'failure_code'],
      ['recurring.charge.failed', { receiptId: 'rct_1' }, 'receipt_id'],
      ['recurring.charge.failed', { cancelReason: 'merchant' }, 'cancel_reason'],
      ['recurring.operation.canceled', { cancelReason: 'bored' }, 'cancel_reason'],
      ['recurring.charge.failed', { recurringAttempt: -1 }, 'recurring_attempt'],
      ['recurring.charge.failed', { cardBindingId: ' cbd_1' }, 'card_binding_id'],
      ['recurring.charge.refunded', {}, 'event_type'],
      // A status fact carries no recurring field.
      ['payment.failed', { failureCode: 'X' }, 'recurring_operation_id'],
      ['payment.pending', { ...NO_RECURRING, receiptId: 'rct_1' }, 'receipt_id'],
    ];
    for (const [eventType, over, field] of cases) {
      const refused = await codeOf(
        ledger.client.recordPaymentEvent(aRecurringFact('pay_rbad', eventType, over)),
      );
      expect(refused, `${eventType} ${field}`).toMatchObject({
        code: 'LEDGER_INVALID_REQUEST',
        field,
      });
    }
    expect(await db('payments').where({ payment_id: 'pay_rbad' })).toHaveLength(0);
    expect(await db('payment_facts').where({ payment_id: 'pay_rbad' })).toHaveLength(0);

    // Another merchant's posted payment is refused, and its count stays as it was.
    await ledger.client.postPayment(aPosting('pay_rowned'));
    const foreign = await codeOf(
      ledger.client.recordPaymentEvent(
        aRecurringFact('pay_rowned', 'recurring.charge.succeeded', { merchantId: 'mer_other' }),
      ),
    );
    expect(foreign).toMatchObject({ code: 'LEDGER_INVALID_REQUEST', field: 'merchant_id' });
    const row = await db('payments').where({ payment_id: 'pay_rowned' }).first();
    expect(BigInt(row.last_sequence)).toBe(1n);
  });
});
