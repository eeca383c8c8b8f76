import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { PaymentEvent } from '@tolem/contracts/events';
import type { PostPaymentRequest, RecordPaymentEventRequest } from '@tolem/contracts/ledger';
import type { Knex } from '@tolem/db-kit';
import { OUTBOX_BATCH_HEADER, outboxMessagesOf, type OutboxRow } from '@tolem/kafka-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  codeOf,
  type LedgerWithEvents,
  NO_RECURRING,
  runIntegrityCli,
  type RunningLedger,
  startLedgerWithEvents,
} from './helpers';

const MERCHANT = 'mer_facts';

const aFact = (
  paymentId: string,
  eventType: string,
  over: Partial<RecordPaymentEventRequest> = {},
): RecordPaymentEventRequest => ({
  idempotencyKey: `${paymentId}:${eventType}`,
  paymentId,
  merchantId: MERCHANT,
  eventType,
  paymentStatus: '',
  amount: { amountMinor: 5_000n, currency: 'KGS' },
  method: PaymentMethod.PAYMENT_METHOD_WAVEPAY,
  provider: Provider.PROVIDER_PAYKASSMA,
  providerPaymentId: '',
  providerAttributes: {},
  orderId: `order-${paymentId}`,
  description: 'Tea',
  failureCode: '',
  occurredAt: new Date('2026-12-06T10:00:00.000Z'),
  livemode: false,
  ...NO_RECURRING,
  ...over,
});

// No fee field: the merchant's plan (set in beforeAll) decides the fee.
const aPosting = (paymentId: string): PostPaymentRequest =>
  ({
    idempotencyKey: `payment:${paymentId}:succeeded`,
    paymentId,
    merchantId: MERCHANT,
    gross: { amountMinor: 5_000n, currency: 'KGS' },
    method: PaymentMethod.PAYMENT_METHOD_WAVEPAY,
    provider: Provider.PROVIDER_PAYKASSMA,
    providerPaymentId: `pk-${paymentId}`,
    providerAttributes: {},
    orderId: `order-${paymentId}`,
    description: 'Tea',
    occurredAt: new Date('2026-12-06T10:01:00.000Z'),
    livemode: false,
  }) as PostPaymentRequest;

describe('status facts share one sequence with money events (real ledger, PostgreSQL, Kafka)', () => {
  let env: LedgerWithEvents;
  let ledger: RunningLedger;
  let db: Knex;
  const waitForEvents = (paymentId: string, count: number) => env.waitForEvents(paymentId, count);

  beforeAll(async () => {
    env = await startLedgerWithEvents('facts');
    ({ ledger, db } = env);
    await ledger.client.setFeePlan({
      merchantId: MERCHANT,
      rules: [{ method: PaymentMethod.PAYMENT_METHOD_WAVEPAY, percentBps: 200, fixed: [] }],
    });
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('numbers pending, then the posted payment, then nothing for a late pending', async () => {
    const pending = await ledger.client.recordPaymentEvent(aFact('pay_f1', 'payment.pending'));
    expect(pending).toMatchObject({ sequence: 1n, alreadyExisted: false, superseded: false });
    expect(pending.eventId).toMatch(/^evt_/);

    const posted = await ledger.client.postPayment(aPosting('pay_f1'));
    expect(posted.fee).toEqual({ amountMinor: 100n, currency: 'KGS' });

    const late = await ledger.client.recordPaymentEvent(
      aFact('pay_f1', 'payment.requires_review', { idempotencyKey: 'pay_f1:late' }),
    );
    expect(late).toEqual({ eventId: '', sequence: 0n, alreadyExisted: false, superseded: true });

    const events = await waitForEvents('pay_f1', 2);
    expect(events.map((e) => [e.eventType, e.sequence, e.paymentStatus])).toEqual([
      ['payment.pending', 1n, 'pending'],
      ['payment.succeeded', 2n, 'succeeded'],
    ]);
    expect(events[0]).toMatchObject({
      eventId: pending.eventId,
      gross: { amountMinor: 5_000n, currency: 'KGS' },
      fee: { amountMinor: 0n, currency: 'KGS' },
      net: { amountMinor: 0n, currency: 'KGS' },
      ledgerTransactionId: '',
    });
    expect(events[1]?.net).toEqual({ amountMinor: 4_900n, currency: 'KGS' });
    // The status fact moved no money: the merchant has exactly the payment's net.
    // The payments are test ones (livemode false): their money is in the test balance.
    const balance = await ledger.client.getBalance({
      merchantId: MERCHANT,
      currency: 'KGS',
      asOf: undefined,
      livemode: false,
    });
    expect(balance.available?.amountMinor).toBe(4_900n);
  });

  it('records pending then failed with the failure code, and a later success still follows them', async () => {
    await ledger.client.recordPaymentEvent(aFact('pay_f2', 'payment.pending'));
    await ledger.client.recordPaymentEvent(
      aFact('pay_f2', 'payment.failed', { failureCode: 'PAYKASSMA_FAIL' }),
    );
    // Batched like the hot path: the posting takes the open row over in the one-statement write.
    const batch = await ledger.client.postPayments({ payments: [aPosting('pay_f2')] });
    expect(batch.results[0]?.result?.$case).toBe('posted');
    const events = await waitForEvents('pay_f2', 3);
    expect(events.map((e) => [e.eventType, e.sequence, e.paymentStatus, e.failureCode])).toEqual([
      ['payment.pending', 1n, 'pending', ''],
      ['payment.failed', 2n, 'failed', 'PAYKASSMA_FAIL'],
      ['payment.succeeded', 3n, 'succeeded', ''],
    ]);
    // ...and it did take the one-statement path (a batch outbox row), which filled in the 3.
    const batchRows: OutboxRow[] = await db('outbox')
      .select('topic', 'message_key', 'headers', 'payload')
      .whereRaw('jsonb_exists(headers, ?)', [OUTBOX_BATCH_HEADER]);
    const batched = batchRows.flatMap(outboxMessagesOf).filter((m) => m.key === 'pay_f2');
    expect(batched.map((m) => PaymentEvent.decode(m.payload).sequence)).toEqual([3n]);
  });

  it('carries each payment’s livemode through its facts, both write paths and a later refund', async () => {
    // A test payment on the batch path (the one-statement write), a live one on the single path.
    await ledger.client.recordPaymentEvent(aFact('pay_lm_test', 'payment.pending'));
    const batch = await ledger.client.postPayments({ payments: [aPosting('pay_lm_test')] });
    expect(batch.results[0]?.result?.$case).toBe('posted');
    await ledger.client.recordPaymentEvent(
      aFact('pay_lm_live', 'payment.pending', { livemode: true }),
    );
    await ledger.client.postPayment({ ...aPosting('pay_lm_live'), livemode: true });
    // Refunds carry no mode: the ledger takes it from the payment's stored details.
    for (const paymentId of ['pay_lm_test', 'pay_lm_live']) {
      await ledger.client.refundPayment({
        refundId: `re_${paymentId}`,
        paymentId,
        amount: { amountMinor: 1_000n, currency: 'KGS' },
        reason: '',
        occurredAt: undefined,
      });
    }
    const modes = async (paymentId: string) =>
      (await waitForEvents(paymentId, 3)).map((e) => [e.eventType, e.livemode]);
    expect(await modes('pay_lm_test')).toEqual([
      ['payment.pending', false],
      ['payment.succeeded', false],
      ['refund.pending', false],
    ]);
    expect(await modes('pay_lm_live')).toEqual([
      ['payment.pending', true],
      ['payment.succeeded', true],
      ['refund.pending', true],
    ]);
    const row = await db('payments').where({ payment_id: 'pay_lm_live' }).first();
    expect(row.details).toMatchObject({ livemode: true });
  });

  it('records facts of a payment that never had a method (canceled before the payer chose)', async () => {
    const res = await ledger.client.recordPaymentEvent(
      aFact('pay_f3', 'payment.canceled', {
        method: PaymentMethod.PAYMENT_METHOD_UNSPECIFIED,
        provider: Provider.PROVIDER_UNSPECIFIED,
      }),
    );
    expect(res.sequence).toBe(1n);
    const [event] = await waitForEvents('pay_f3', 1);
    expect(event).toMatchObject({
      eventType: 'payment.canceled',
      paymentStatus: 'canceled',
      method: PaymentMethod.PAYMENT_METHOD_UNSPECIFIED,
    });
  });

  it('replays a key with the same fact and refuses it with another, naming the field', async () => {
    const first = await ledger.client.recordPaymentEvent(aFact('pay_f4', 'payment.pending'));
    const again = await ledger.client.recordPaymentEvent(aFact('pay_f4', 'payment.pending'));
    expect(again).toEqual({ ...first, alreadyExisted: true });
    const changed = await codeOf(
      ledger.client.recordPaymentEvent(
        aFact('pay_f4', 'payment.pending', { description: 'Coffee' }),
      ),
    );
    expect(changed).toMatchObject({ code: 'LEDGER_IDEMPOTENCY_CONFLICT', field: 'description' });
    const facts = await db('payment_facts').where({ payment_id: 'pay_f4' });
    expect(facts).toHaveLength(1);
  });

  it('refuses bad facts with stable codes and writes nothing', async () => {
    const cases: [Partial<RecordPaymentEventRequest>, string, string][] = [
      [{ eventType: 'payment.succeeded' }, 'LEDGER_INVALID_REQUEST', 'event_type'],
      [{ paymentStatus: 'succeeded' }, 'LEDGER_INVALID_REQUEST', 'payment_status'],
      [{ failureCode: 'X' }, 'LEDGER_INVALID_REQUEST', 'failure_code'],
      [{ amount: { amountMinor: 0n, currency: 'KGS' } }, 'MONEY_ZERO_AMOUNT', 'amount'],
      [{ amount: { amountMinor: 1n, currency: 'XXX1' } }, 'MONEY_UNKNOWN_CURRENCY', 'amount'],
      [{ merchantId: '' }, 'LEDGER_INVALID_REQUEST', 'merchant_id'],
    ];
    for (const [over, code, field] of cases) {
      const refused = await codeOf(
        ledger.client.recordPaymentEvent(aFact('pay_bad', 'payment.pending', over)),
      );
      expect(
        refused,
        JSON.stringify(over, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
      ).toMatchObject({ code, field });
    }
    // Another merchant's payment id is refused too, and leaves the owner's row alone.
    await ledger.client.recordPaymentEvent(aFact('pay_owned', 'payment.pending'));
    const foreign = await codeOf(
      ledger.client.recordPaymentEvent(
        aFact('pay_owned', 'payment.failed', { merchantId: 'mer_other' }),
      ),
    );
    expect(foreign).toMatchObject({ code: 'LEDGER_INVALID_REQUEST', field: 'merchant_id' });
    expect(await db('payments').where({ payment_id: 'pay_bad' })).toHaveLength(0);
    expect(await db('payment_facts').where({ payment_id: 'pay_bad' })).toHaveLength(0);
  });

  it('keeps every payment sequence gapless and unique when facts race postings', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `pay_race_${i}`);
    // Half the payments already have a pending fact, so postings both insert and take over rows.
    await Promise.all(
      ids
        .filter((_, i) => i % 2 === 0)
        .map((id) => ledger.client.recordPaymentEvent(aFact(id, 'payment.pending'))),
    );
    await Promise.all([
      ledger.client.postPayments({ payments: ids.slice(0, 20).map(aPosting) }),
      ...ids.slice(20).map((id) => ledger.client.postPayment(aPosting(id))),
      ...ids.map((id) =>
        ledger.client.recordPaymentEvent(
          aFact(id, 'payment.requires_review', { idempotencyKey: `${id}:review` }),
        ),
      ),
    ]);
    for (const id of ids) {
      const facts: { sequence: string | bigint }[] = await db('payment_facts').where({
        payment_id: id,
      });
      const written = facts.filter((f) => BigInt(f.sequence) > 0n).length;
      const events = await waitForEvents(id, written + 1);
      const sequences = events.map((e) => e.sequence);
      expect(sequences, id).toEqual(sequences.map((_, i) => BigInt(i + 1)));
      // Nothing after the money: a status fact that lost the race was superseded, not appended.
      expect(events.at(-1)?.eventType, id).toBe('payment.succeeded');
    }
    const integrity = await ledger.client.checkIntegrity({});
    expect(integrity.violations).toEqual([]);
    expect(integrity.ok).toBe(true);
    const cli = await runIntegrityCli({ DATABASE_URL: env.databaseUrl });
    expect(cli.stdout).toContain('result: OK');
    expect(cli.code).toBe(0);
  });
});
