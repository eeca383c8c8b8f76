import { createKnex, type Knex, migrateLatest } from '@tolem/db-kit';
import { freshDatabase } from '@tolem/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { migrations } from '../../migrations';
import { makeCreatePayment } from '../../src/app/create-payment';
import { createMerchantsRepo } from '../../src/db/merchants.repo';
import { createPaymentsRepo } from '../../src/db/payments.repo';
import { createStatusEventsRepo } from '../../src/db/status-events.repo';
import type { Merchant } from '../../src/domain/merchant';
import { statusEventOf } from '../../src/domain/payment';
import type { CreatePaymentInput } from '../../src/domain/payment-request';
import type { MerchantRepository } from '../../src/domain/ports';
import { createRepoMerchant } from './repo-merchant';

const clock = { now: () => new Date() };

/**
 * Payment creates are group-committed (one statement per batch of concurrent creates). These
 * run many creates at once against real PostgreSQL and check what idempotency promises: one
 * payment per (merchant, key) however the creates are batched, replays of the same request,
 * conflicts for another request, and no partial writes.
 */
describe('payment creates with group commit (real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Knex;
  /** A second pool: another checkout replica writing to the same database. */
  let replicaDb: Knex;
  let merchant: Merchant;
  beforeAll(async () => {
    database = await freshDatabase('checkout_it_creates');
    db = createKnex({ url: database.url, applicationName: 'checkout-it' });
    replicaDb = createKnex({ url: database.url, applicationName: 'checkout-it-replica' });
    await migrateLatest(db, migrations);
    merchant = await createRepoMerchant(db, 'bench-shop');
  });

  afterAll(async () => {
    await db?.destroy();
    await replicaDb?.destroy();
    await database?.drop();
  });

  beforeEach(async () => {
    await db.raw('truncate payment_transitions, idempotency_keys, payments cascade');
  });

  const createWith = (
    conn: Knex,
    merchants: Pick<MerchantRepository, 'findById'> = createMerchantsRepo(conn),
  ) =>
    makeCreatePayment({
      merchants,
      payments: createPaymentsRepo(conn),
      clock,
      paymentTtlMs: 60_000,
    });

  const input = (key: string, overrides: Partial<CreatePaymentInput> = {}): CreatePaymentInput => ({
    merchantId: merchant.id,
    idempotencyKey: key,
    amountMinor: 1_999n,
    currency: 'USD',
    orderId: `order-${key}`,
    description: 'A mug',
    successUrl: '',
    failUrl: '',
    metadata: { cart: key },
    ...overrides,
  });

  const count = async (sql: string, bindings: string[] = []) =>
    Number(((await db.raw(sql, bindings)) as { rows: { n: number }[] }).rows[0]?.n);

  it('writes concurrent creates in fewer transactions than creates, each with its key and transition', async () => {
    const create = createWith(db);
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => create(input(`k-${i}`))),
    );
    expect(results.every((r) => !r.replayed)).toBe(true);
    expect(new Set(results.map((r) => r.view.payment.id)).size).toBe(60);
    // Rows written by one transaction share its xmin: fewer transactions than creates.
    expect(await count('select count(distinct xmin::text)::int as n from payments')).toBeLessThan(
      60,
    );
    expect(await count('select count(*)::int as n from payments')).toBe(60);
    expect(
      await count(
        `select count(*)::int as n from idempotency_keys k join payments p on p.id = k.payment_id
          where p.merchant_id = k.merchant_id and p.order_id = 'order-' || k.key`,
      ),
    ).toBe(60);
    expect(
      await count(
        `select count(*)::int as n from payment_transitions
          where from_status is null and to_status = 'created' and ledger_event is null`,
      ),
    ).toBe(60);
    // What the create answered is what a read returns.
    const first = results[0]?.view.payment;
    const stored = await createPaymentsRepo(db).findById(first?.id ?? '');
    expect(stored).toEqual(first);
  });

  it('creates exactly one payment for a key sent many times at once, replaying it to the rest', async () => {
    const create = createWith(db);
    const results = await Promise.all(Array.from({ length: 40 }, () => create(input('same'))));
    const ids = new Set(results.map((r) => r.view.payment.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(await count('select count(*)::int as n from payments')).toBe(1);
    expect(await count('select count(*)::int as n from payment_transitions')).toBe(1);
  });

  it('refuses, naming the field, every concurrent create that reuses a key with another request', async () => {
    const create = createWith(db);
    const settled = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        create(input('contested', { amountMinor: i % 2 === 0 ? 1_000n : 2_000n })),
      ),
    );
    const winners = settled.filter(
      (s): s is PromiseFulfilledResult<Awaited<ReturnType<typeof create>>> =>
        s.status === 'fulfilled',
    );
    const refused = settled.filter((s) => s.status === 'rejected');
    expect(new Set(winners.map((w) => w.value.view.payment.id)).size).toBe(1);
    expect(winners.filter((w) => !w.value.replayed)).toHaveLength(1);
    // Half asked for the winning amount (created or replayed), the other half were refused.
    expect(winners).toHaveLength(15);
    expect(refused).toHaveLength(15);
    for (const r of refused) {
      expect(r.reason).toMatchObject({
        code: 'IDEMPOTENCY_KEY_REUSED',
        details: { field: 'amount' },
      });
    }
    expect(await count('select count(*)::int as n from payments')).toBe(1);
  });

  it('keeps one payment per key when two replicas race on the same keys in opposite orders', async () => {
    const here = createWith(db);
    const there = createWith(replicaDb);
    const keys = Array.from({ length: 50 }, (_, i) => `race-${i}`);
    const results = await Promise.all([
      ...keys.map((k) => here(input(k))),
      ...[...keys].reverse().map((k) => there(input(k))),
    ]);
    const byKey = new Map<string, Set<string>>();
    for (const r of results) {
      const key = r.view.payment.orderId;
      byKey.set(key, (byKey.get(key) ?? new Set()).add(r.view.payment.id));
    }
    expect([...byKey.values()].every((ids) => ids.size === 1)).toBe(true);
    expect(results.filter((r) => !r.replayed)).toHaveLength(50);
    expect(await count('select count(*)::int as n from payments')).toBe(50);
    expect(await count('select count(*)::int as n from idempotency_keys')).toBe(50);
  });

  it('creates one payment for a key that arrives in consecutive ticks, in statements in flight together', async () => {
    const create = createWith(db);
    const pending: ReturnType<typeof create>[] = [];
    for (let i = 0; i < 8; i += 1) {
      pending.push(create(input('ticks')));
      // The next create is submitted in the next macrotask: another lane, another statement.
      await new Promise((r) => setImmediate(r));
    }
    const results = await Promise.all(pending);
    expect(new Set(results.map((r) => r.view.payment.id)).size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(await count('select count(*)::int as n from payments')).toBe(1);
  });

  it('replays a key committed by an earlier batch', async () => {
    const create = createWith(db);
    const first = await create(input('earlier'));
    const again = await Promise.all([create(input('earlier')), create(input('later'))]);
    expect(again[0]).toMatchObject({ replayed: true });
    expect(again[0]?.view.payment).toEqual(first.view.payment);
    expect(again[1]).toMatchObject({ replayed: false });
  });

  it('fails only the create whose row the database refuses; its batch-mates are written', async () => {
    // A merchant the cache still knows but the database does not: its payment breaks the
    // payments -> merchants foreign key, and with it the whole batch statement.
    const ghost: Merchant = { ...merchant, id: 'mer_ghost' };
    const merchants = createMerchantsRepo(db);
    const create = createWith(db, {
      findById: async (id) => (id === ghost.id ? ghost : merchants.findById(id)),
    });
    const settled = await Promise.allSettled([
      ...Array.from({ length: 10 }, (_, i) => create(input(`ok-${i}`))),
      create(input('ghost', { merchantId: ghost.id })),
    ]);
    expect(settled.slice(0, 10).every((s) => s.status === 'fulfilled')).toBe(true);
    expect(settled[10]?.status).toBe('rejected');
    expect(await count('select count(*)::int as n from payments')).toBe(10);
    expect(
      await count(
        "select count(*)::int as n from idempotency_keys where merchant_id = 'mer_ghost'",
      ),
    ).toBe(0);
  });
  it('updates a payment with its transition in one statement; a stale version writes neither', async () => {
    const repo = createPaymentsRepo(db);
    const created = (await createWith(db)(input('moved'))).view.payment;
    const at = new Date('2026-12-07T10:00:00.000Z');
    const next = {
      ...created,
      status: 'pending' as const,
      method: 'card' as const,
      provider: 'intellectmoney' as const,
      providerPaymentId: 'im-1',
      providerAttributes: { recurringState: 'Activated' },
      updatedAt: at,
    };
    const transition = {
      paymentId: created.id,
      from: created.status,
      to: next.status,
      reason: 'provider: pending',
      at,
      event: statusEventOf(next, at),
    };
    const saved = await repo.update(next, created.version, transition);
    expect(saved).toMatchObject({
      status: 'pending',
      providerPaymentId: 'im-1',
      providerAttributes: { recurringState: 'Activated' },
      version: created.version + 1,
    });
    expect(await repo.findById(created.id)).toEqual(saved);
    const rows = (
      (await db.raw(
        `select from_status, to_status, reason, at, ledger_event->>'event_type' as event_type
           from payment_transitions where payment_id = ? order by id`,
        [created.id],
      )) as { rows: Record<string, unknown>[] }
    ).rows;
    expect(rows).toEqual([
      expect.objectContaining({ from_status: null, to_status: 'created' }),
      {
        from_status: 'created',
        to_status: 'pending',
        reason: 'provider: pending',
        at,
        event_type: 'payment.pending',
      },
    ]);

    // The same change again from the version it was read at: someone else already moved it.
    const stale = await repo.update({ ...next, status: 'failed' }, created.version, {
      ...transition,
      to: 'failed',
    });
    expect(stale).toBeUndefined();
    expect(await repo.findById(created.id)).toEqual(saved);
    expect(
      await count('select count(*)::int as n from payment_transitions where payment_id = ?', [
        created.id,
      ]),
    ).toBe(2);

    // A change without a transition row (none is owed) updates the payment alone.
    const quiet = await repo.update(
      { ...saved!, updatedAt: new Date(at.getTime() + 1) },
      saved!.version,
      null,
    );
    expect(quiet?.version).toBe(created.version + 2);
    expect(
      await count('select count(*)::int as n from payment_transitions where payment_id = ?', [
        created.id,
      ]),
    ).toBe(2);
  });
  it('leaves out of the owed list a payment whose refused status event waits, until its time', async () => {
    const repo = createPaymentsRepo(db);
    const statusEvents = createStatusEventsRepo(db);
    const at = new Date('2026-12-07T10:00:00.000Z');
    const pend = async (key: string) => {
      const created = (await createWith(db)(input(key))).view.payment;
      const next = { ...created, status: 'pending' as const, updatedAt: at };
      await repo.update(next, created.version, {
        paymentId: created.id,
        from: created.status,
        to: 'pending',
        reason: 'started',
        at,
        event: statusEventOf(next, at),
      });
      return created.id;
    };
    const first = await pend('owed-1');
    const second = await pend('owed-2');
    const later = new Date(at.getTime() + 1_000);
    expect(await statusEvents.listPaymentsOwing(later, 10, later)).toEqual([first, second]);

    const [owed] = await statusEvents.listOwed(first);
    const owing = (now: Date) => statusEvents.listPaymentsOwing(later, 10, now);
    await statusEvents.markRefused(owed!.transitionId, at);
    expect(await owing(later)).toEqual([second]);
    expect(await owing(new Date(at.getTime() + 10_000))).toEqual([first, second]);
    // A second refusal waits twice as long.
    await statusEvents.markRefused(owed!.transitionId, at);
    expect(await owing(new Date(at.getTime() + 19_999))).toEqual([second]);
    expect(await owing(new Date(at.getTime() + 20_000))).toEqual([first, second]);
  });
  it('leaves a refused posting out of the sweep for 10 s, doubling per refusal up to an hour', async () => {
    const repo = createPaymentsRepo(db);
    const created = (await createWith(db)(input('refused-post'))).view.payment;
    const at = new Date('2026-12-07T10:00:00.000Z');
    const succeeded = { ...created, status: 'succeeded' as const, succeededAt: at, updatedAt: at };
    await repo.update(succeeded, created.version, null);
    const unposted = async (now: Date, due = true) =>
      (await repo.listUnposted(new Date(now.getTime() + 1), 10, due ? now : undefined)).map(
        (p) => p.id,
      );
    expect(await unposted(at)).toEqual([created.id]);

    await repo.deferPost(created.id, at);
    expect(await unposted(at)).toEqual([]);
    // Counted all the same where nothing is sent (the reconciler's report).
    expect(await unposted(at, false)).toEqual([created.id]);
    expect(await unposted(new Date(at.getTime() + 10_000))).toEqual([created.id]);
    await repo.deferPost(created.id, at);
    expect(await unposted(new Date(at.getTime() + 19_999))).toEqual([]);
    expect(await unposted(new Date(at.getTime() + 20_000))).toEqual([created.id]);

    // However often it is refused, never more than an hour (and no interval overflows).
    for (let i = 0; i < 60; i += 1) await repo.deferPost(created.id, at);
    expect(await unposted(new Date(at.getTime() + 3_599_999))).toEqual([]);
    expect(await unposted(new Date(at.getTime() + 3_600_000))).toEqual([created.id]);
  });
});
