import { createKnex, type Knex, migrateLatest } from '@tolem/db-kit';
import { money } from '@tolem/money';
import { freshDatabase } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { migrations } from '../../migrations';
import { createProviderTransactionsRepo } from '../../src/db/provider-transactions.repo';
import type { ProviderTransactionRepository } from '../../src/domain/ports';

/** The knex repository against real PostgreSQL: the guarantees the adapters rely on. */
describe('provider transactions repository (real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Knex;
  let repo: ProviderTransactionRepository;

  beforeAll(async () => {
    database = await freshDatabase('provider_adapters_repo_it');
    db = createKnex({ url: database.url, applicationName: 'provider-adapters-repo-it' });
    await migrateLatest(db, migrations);
    repo = createProviderTransactionsRepo(db);
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  const base = {
    merchantId: 'mer_1',
    provider: 'intellectmoney' as const,
    method: 'card' as const,
    amount: money(20000n, 'RUB'),
    amountText: '200.00',
    payeePurse: null,
  };

  it('migrates down and up again (the round-2 migration is reversible)', async () => {
    await migrations['20261123200000_extend_provider_transactions']?.down(db);
    await migrations['20261123200000_extend_provider_transactions']?.up(db);
    const columns = await db('information_schema.columns')
      .where({ table_name: 'provider_transactions' })
      .pluck('column_name');
    expect(columns).toEqual(
      expect.arrayContaining([
        'kind',
        'external_ref',
        'idempotency_key',
        'decline_code',
        'reason_code',
      ]),
    );
  });

  it('returns the holder of an idempotency key or external reference instead of a second row', async () => {
    const first = await repo.createOnce({
      ...base,
      paymentId: 'pay_c1',
      kind: 'bound_card_charge',
      idempotencyKey: 'key-1',
      externalRef: 'op-1',
      attributes: { binding_ref: '3000000001' },
    });
    expect(first).toMatchObject({ created: true, transaction: { kind: 'bound_card_charge' } });
    const sameKey = await repo.createOnce({
      ...base,
      paymentId: 'pay_c2',
      idempotencyKey: 'key-1',
    });
    expect(sameKey).toMatchObject({ created: false, transaction: { paymentId: 'pay_c1' } });
    const sameRef = await repo.createOnce({ ...base, paymentId: 'pay_c3', externalRef: 'op-1' });
    expect(sameRef).toMatchObject({ created: false, transaction: { paymentId: 'pay_c1' } });
    expect(await db('provider_transactions').count({ n: '*' })).toEqual([{ n: 1n }]);
    expect(await repo.findByIdempotencyKey('intellectmoney', 'key-1')).toMatchObject({
      attributes: { binding_ref: '3000000001' },
    });
  });

  it('merges attributes, moves only open transactions, and keeps final ones final', async () => {
    const { transaction } = await repo.createOnce({ ...base, paymentId: 'pay_u1' });
    const review = await repo.update(transaction.id, {
      status: 'manual_review',
      reasonCode: 'PROVIDER_POSSIBLE_TRANSACTION',
      attributes: { a: '1' },
    });
    expect(review).toMatchObject({ changed: true, transaction: { status: 'manual_review' } });
    const settled = await repo.markSucceeded(transaction.id, {
      providerPaymentId: '3000000777',
      method: 'card',
      attributes: { b: '2' },
    });
    expect(settled.transaction).toMatchObject({
      status: 'succeeded',
      reasonCode: null,
      attributes: { a: '1', b: '2' },
    });
    const late = await repo.update(transaction.id, { status: 'failed' });
    expect(late).toMatchObject({ changed: false, transaction: { status: 'succeeded' } });
    const merged = await repo.update(transaction.id, { attributes: { c: '3' } }, ['succeeded']);
    expect(merged.transaction.attributes).toEqual({ a: '1', b: '2', c: '3' });
  });

  it('reports a provider payment id or external reference that belongs to another transaction', async () => {
    const { transaction } = await repo.createOnce({ ...base, paymentId: 'pay_u2' });
    expect(await repo.update(transaction.id, { providerPaymentId: '3000000777' })).toMatchObject({
      changed: false,
      conflict: true,
    });
    expect(await repo.update(transaction.id, { externalRef: 'op-1' })).toMatchObject({
      conflict: true,
    });
    expect((await repo.findByPaymentId('intellectmoney', 'pay_u2'))?.status).toBe('created');
  });

  it('finds the latest transaction of a payment across providers', async () => {
    await repo.createOnce({ ...base, paymentId: 'pay_l1' });
    await new Promise((r) => setTimeout(r, 5));
    await repo.createOnce({
      ...base,
      paymentId: 'pay_l1',
      provider: 'paykassma',
      method: 'wavepay',
      amount: money(50000n, 'MMK'),
      amountText: '500',
    });
    expect((await repo.findLatestForPayment('pay_l1'))?.provider).toBe('paykassma');
  });

  it('records an extra transfer once per transfer id, beside the settlement, also when raced', async () => {
    const { transaction } = await repo.createOnce({ ...base, paymentId: 'pay_x1' });
    await repo.markSucceeded(transaction.id, {
      providerPaymentId: '3000000901',
      method: 'card',
      attributes: {},
    });
    const transfer = {
      providerPaymentId: '3000000902',
      amount: money(20001n, 'RUB'),
      method: 'card' as const,
      reason: 'second_transfer' as const,
      attributes: { intellectmoney_second_transfer: 'true' },
    };
    const results = await Promise.all([
      repo.recordExtraTransfer(transaction.id, transfer),
      repo.recordExtraTransfer(transaction.id, transfer),
      repo.recordExtraTransfer(transaction.id, { ...transfer, amount: money(1n, 'RUB') }),
    ]);
    expect(results.filter((r) => r.recorded)).toHaveLength(1);
    const first = results.find((r) => r.recorded)?.transfer;
    for (const r of results) expect(r.transfer).toEqual(first);
    const stored = await repo.findByPaymentId('intellectmoney', 'pay_x1');
    expect(stored).toMatchObject({ status: 'succeeded', providerPaymentId: '3000000901' });
    expect(stored?.extraTransfers).toEqual([
      {
        ...transfer,
        amount: first?.amount,
        receivedAt: expect.any(Date) as Date,
      },
    ]);
    expect(first?.amount.currency).toBe('RUB');
    const other = await repo.recordExtraTransfer(transaction.id, {
      ...transfer,
      providerPaymentId: '3000000903',
      amount: money(5n, 'USD'),
      reason: 'second_transfer',
    });
    expect(other).toMatchObject({ recorded: true, transfer: { amount: money(5n, 'USD') } });
    expect(other.transaction.extraTransfers.map((t) => t.providerPaymentId)).toEqual([
      '3000000902',
      '3000000903',
    ]);
  });

  it('lists transactions with extra transfers in the order the latest was recorded, again when another comes', async () => {
    const extra = (providerPaymentId: string) => ({
      providerPaymentId,
      amount: money(700n, 'RUB'),
      method: 'card' as const,
      reason: 'after_failure' as const,
      attributes: {},
    });
    const failed = (await repo.createOnce({ ...base, paymentId: 'pay_e_failed' })).transaction;
    await repo.update(failed.id, { status: 'failed' });
    const paid = (await repo.createOnce({ ...base, paymentId: 'pay_e_paid' })).transaction;
    await repo.recordExtraTransfer(failed.id, extra('3000000951'));
    await repo.recordExtraTransfer(paid.id, extra('3000000952'));
    const mine = (page: { transaction: { id: string } }[]) =>
      page.map((p) => p.transaction.id).filter((id) => [failed.id, paid.id].includes(id));
    const all = await repo.listWithExtraTransfers({
      after: null,
      recordedBefore: new Date(Date.now() + 60_000),
      limit: 100,
    });
    expect(mine(all)).toEqual([failed.id, paid.id]);
    // Another transfer for the failed payment lists it again, after where the reader stopped.
    await repo.recordExtraTransfer(failed.id, extra('3000000953'));
    const later = await repo.listWithExtraTransfers({
      after: all.at(-1)?.position ?? null,
      recordedBefore: new Date(Date.now() + 60_000),
      limit: 100,
    });
    expect(mine(later)).toEqual([failed.id]);
    expect(later[0]?.transaction.extraTransfers.map((t) => t.providerPaymentId)).toEqual([
      '3000000951',
      '3000000953',
    ]);
  });

  it('migrates the extra transfers down and up again', async () => {
    const migration = migrations['20261206170000_provider_extra_transfers'];
    await migration?.down(db);
    await migration?.up(db);
    expect((await repo.findByPaymentId('intellectmoney', 'pay_x1'))?.extraTransfers).toEqual([]);
  });

  it('lists settled payer payments in settlement order, page by page, without bound-card charges', async () => {
    const settle = async (paymentId: string, kind: 'payment' | 'bound_card_charge') => {
      const { transaction } = await repo.createOnce({
        ...base,
        paymentId,
        kind,
        ...(kind === 'bound_card_charge' ? { idempotencyKey: `key-${paymentId}` } : {}),
      });
      await repo.markSucceeded(transaction.id, {
        providerPaymentId: `inv-${paymentId}`,
        method: 'card',
        attributes: {},
      });
      return transaction.id;
    };
    await repo.createOnce({ ...base, paymentId: 'pay_s_open' });
    const first = await settle('pay_s_1', 'payment');
    await settle('pay_s_charge', 'bound_card_charge');
    const second = await settle('pay_s_2', 'payment');
    const third = await settle('pay_s_3', 'payment');

    const seen: string[] = [];
    let after = null;
    for (;;) {
      const page = await repo.listSettled({ after, settledBefore: new Date(), limit: 2 });
      if (page.length === 0) break;
      seen.push(...page.map((p) => p.transaction.id));
      after = page.at(-1)?.position ?? null;
    }
    expect(seen.filter((id) => [first, second, third].includes(id))).toEqual([
      first,
      second,
      third,
    ]);
    expect(new Set(seen).size).toBe(seen.length);
    const ids = await db('provider_transactions')
      .whereIn('payment_id', ['pay_s_charge', 'pay_s_open'])
      .pluck('id');
    expect(seen.some((id) => ids.includes(id))).toBe(false);
    expect(await repo.listSettled({ after: null, settledBefore: new Date(0), limit: 10 })).toEqual(
      [],
    );
  });
});
