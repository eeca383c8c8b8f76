import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { type Knex, migrateLatest } from '@tolem/db-kit';
import { freshDatabase } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { migrations } from '../../migrations';
import { openDb, type RunningLedger, startLedger } from './helpers';

const ROUND_ONE = Object.fromEntries(
  Object.entries(migrations).filter(([name]) => name < '20261123020000'),
);

describe('migrating a round-1 ledger database', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Knex;
  let ledger: RunningLedger | undefined;

  beforeAll(async () => {
    database = await freshDatabase('ledger_it_migrate');
    db = openDb(database.url);
    await migrateLatest(db, ROUND_ONE);
    // A payment exactly as round 1 wrote it: transaction, postings, balances, counter, outbox.
    await db.raw(`
      insert into accounts (id, owner_type, owner_id, purpose, currency, type, normal_side) values
        ('acc_clearing', 'provider', 'webmoney', 'clearing', 'KGS', 'asset', 'debit'),
        ('acc_merchant', 'merchant', 'mer_old', 'available', 'KGS', 'liability', 'credit'),
        ('acc_fee', 'platform', 'tolem', 'fee_revenue', 'KGS', 'revenue', 'credit');
      insert into transactions (id, idempotency_key, kind, payment_id, fingerprint) values
        ('txn_old', 'payment:pay_old:succeeded', 'payment', 'pay_old', '{
          "payment_id": "pay_old", "merchant_id": "mer_old",
          "gross": {"amount_minor": "10000", "currency": "KGS"},
          "fee": {"amount_minor": "250", "currency": "KGS"},
          "method": "webmoney_purse", "provider": "webmoney", "provider_payment_id": "wm-1",
          "provider_attributes": {"payer_purse": "Z1"}, "order_id": "o-1", "description": "Tea",
          "occurred_at": "2026-11-20T10:00:00.000Z"}');
      insert into postings (transaction_id, account_id, amount_minor, currency) values
        ('txn_old', 'acc_clearing', 10000, 'KGS'), ('txn_old', 'acc_merchant', -9750, 'KGS'),
        ('txn_old', 'acc_fee', -250, 'KGS');
      insert into balances (account_id, debits_posted, credits_posted) values
        ('acc_clearing', 10000, 0), ('acc_merchant', 0, 9750), ('acc_fee', 0, 250);
      insert into payment_event_sequences (payment_id, last_sequence) values ('pay_old', 1);
    `);
  });

  afterAll(async () => {
    await ledger?.stop();
    await db?.destroy();
    await database?.drop();
  });

  it('keeps old payments refundable, their events in sequence, and the journal intact', async () => {
    ledger = await startLedger({
      DATABASE_URL: database.url,
      // No Kafka needed here: events wait in the outbox.
      KAFKA_BROKERS: '127.0.0.1:1',
    });
    const row = await db('payments').where({ payment_id: 'pay_old' }).first();
    expect(row).toMatchObject({
      merchant_id: 'mer_old',
      status: 'posted',
      gross_minor: 10_000n,
      fee_minor: 250n,
      last_sequence: 1n,
      shard: 0,
    });
    const refund = await ledger.client.refundPayment({
      refundId: 'refund:pay_old:1',
      paymentId: 'pay_old',
      amount: { amountMinor: 1_000n, currency: 'KGS' },
      reason: '',
      occurredAt: undefined,
    });
    // The refund debits the payment's own merchant account, into refunds payable.
    expect(refund.transaction?.postings.map((p) => p.accountId)[0]).toBe('acc_merchant');
    // Accounts from before modes are live; the old payment (livemode false, as rows from before
    // modes read) keeps its money there, so its refund stays in live accounts too.
    expect(await db('accounts').where({ id: 'acc_merchant' }).first('livemode')).toEqual({
      livemode: true,
    });
    expect(new Set(await db('accounts').pluck('livemode'))).toEqual(new Set([true]));
    const { details } = await db('payments').where({ payment_id: 'pay_old' }).first();
    expect(details).toMatchObject({ accounts_livemode: true });
    expect(details).not.toHaveProperty('livemode');
    const outbox: { message_key: string; headers: Record<string, string> }[] = await db('outbox');
    expect(outbox.map((o) => [o.message_key, o.headers['event-type']])).toEqual([
      ['pay_old', 'refund.pending'],
    ]);
    expect((await db('payments').where({ payment_id: 'pay_old' }).first()).last_sequence).toBe(2n);
    // A second posting of the old payment is still refused.
    await expect(
      ledger.client.postPayment({
        idempotencyKey: 'another-key',
        paymentId: 'pay_old',
        merchantId: 'mer_old',
        gross: { amountMinor: 10_000n, currency: 'KGS' },
        method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
        provider: Provider.PROVIDER_WEBMONEY,
        providerPaymentId: 'wm-1',
        providerAttributes: {},
        orderId: 'o-1',
        livemode: false,
        description: 'Tea',
        occurredAt: undefined,
      }),
    ).rejects.toMatchObject({ code: 'LEDGER_PAYMENT_ALREADY_POSTED' });
    // Its retry under the original key, now without the fee requests used to carry, is a replay:
    // the stored fingerprint's `fee` is not compared, and the answer keeps the fee applied then.
    const replay = await ledger.client.postPayment({
      idempotencyKey: 'payment:pay_old:succeeded',
      paymentId: 'pay_old',
      merchantId: 'mer_old',
      gross: { amountMinor: 10_000n, currency: 'KGS' },
      method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
      provider: Provider.PROVIDER_WEBMONEY,
      providerPaymentId: 'wm-1',
      providerAttributes: { payer_purse: 'Z1' },
      orderId: 'o-1',
      livemode: false,
      description: 'Tea',
      occurredAt: new Date('2026-11-20T10:00:00.000Z'),
    });
    expect(replay).toMatchObject({
      alreadyExisted: true,
      fee: { amountMinor: 250n, currency: 'KGS' },
      net: { amountMinor: 9_750n, currency: 'KGS' },
    });
    expect(replay.transaction?.id).toBe('txn_old');
    const report = await ledger.client.checkIntegrity({});
    expect(report.violations).toEqual([]);
  });

  it('reports postings without their transaction or in another currency than their account', async () => {
    // Postings carry no foreign keys (the writes guarantee them); the check is what notices.
    await db.raw(`insert into postings (transaction_id, account_id, amount_minor, currency)
                  values ('txn_ghost', 'acc_merchant', 5, 'USD')`);
    const report = await ledger!.client.checkIntegrity({});
    expect(report.ok).toBe(false);
    expect(report.violations.filter((v) => v.check === 'postings_consistent')).toEqual([
      {
        check: 'postings_consistent',
        detail: expect.stringMatching(
          /^posting \d+ of txn_ghost on acc_merchant: no such transaction$/,
        ),
      },
    ]);
  });
});
