import { ChargeState as PbChargeState } from '@tolem/contracts/recurring';
import { createKnex, type Knex, migrateLatest } from '@tolem/db-kit';
import { newId } from '@tolem/ids';
import { sumSamples } from '@tolem/metrics';
import { createLogger } from '@tolem/observability';
import { freshDatabase, waitFor } from '@tolem/testing';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { migrations } from '../../migrations';
import { makeRevokeCardBinding } from '../../src/app/card-bindings';
import { makeOperationTransition } from '../../src/app/scheduled-operations';
import { createCheckoutClient } from '../../src/clients/checkout.client';
import { createLedgerClient } from '../../src/clients/ledger.client';
import { loadConfig } from '../../src/config';
import { createCardBindingsRepo } from '../../src/db/card-bindings.repo';
import { createScheduledOperationsRepo } from '../../src/db/scheduled-operations.repo';
import type { Schedule } from '../../src/domain/operation';
import { chargesHandlers } from '../../src/grpc/charges.grpc';
import { recurringMetrics } from '../../src/metrics';
import { createChargesReader } from '../../src/scheduler/charges.repo';
import { createFactsRelay } from '../../src/scheduler/facts-relay';
import type { ChargeSucceededPort, NextOccurrence } from '../../src/scheduler/ports';
import { createScheduler, type SchedulerOptions } from '../../src/scheduler/scheduler';
import { createTestClock, type TestClock } from '../../src/scheduler/test-clock';
import { startScheduling } from '../../src/scheduler/wiring';
import { startFakeCheckout, startFakeLedger } from './scheduler-peers';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const T0 = new Date('2027-01-10T09:00:00.000Z');
const log = createLogger({ service: 'recurring-it', level: 'silent' });

/**
 * A fixed-interval stand-in for domain/schedule.ts (the real one is wired in main.ts): daily is
 * +1 day, weekly +7 days, monthly +30 days after the previous occurrence.
 */
const fixedInterval: NextOccurrence = (schedule: Schedule, after: Date) => {
  const step =
    schedule.kind === 'interval'
      ? { daily: DAY, weekly: 7 * DAY, monthly: 30 * DAY }[schedule.interval]
      : DAY;
  return new Date(after.getTime() + step);
};

describe('recurring scheduler (real PostgreSQL, fake checkout and ledger over gRPC)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Knex;
  let checkout: Awaited<ReturnType<typeof startFakeCheckout>>;
  let ledger: Awaited<ReturnType<typeof startFakeLedger>>;
  let checkoutClient: ReturnType<typeof createCheckoutClient>;
  let ledgerClient: ReturnType<typeof createLedgerClient>;
  let clock: TestClock;

  beforeAll(async () => {
    database = await freshDatabase('recurring_sched_it');
    db = createKnex({ url: database.url, poolMax: 20 });
    await migrateLatest(db, migrations);
    checkout = await startFakeCheckout();
    ledger = await startFakeLedger();
    checkoutClient = createCheckoutClient(checkout.address, { deadlineMs: 5_000 });
    ledgerClient = createLedgerClient(ledger.address, { deadlineMs: 5_000 });
  });

  afterAll(async () => {
    checkoutClient?.close();
    ledgerClient?.close();
    await checkout?.close();
    await ledger?.close();
    await db?.destroy();
    await database?.drop();
  });

  beforeEach(async () => {
    await db.raw(
      'truncate charge_attempts, charges, recurring_facts, scheduled_operations, card_bindings cascade',
    );
    checkout.calls.length = 0;
    checkout.payments.clear();
    checkout.state.script = () => ({ status: 'succeeded' });
    checkout.state.delayMs = 0;
    checkout.state.down = false;
    checkout.state.loseAnswer = false;
    checkout.state.meanwhile = undefined;
    ledger.events.clear();
    ledger.state.down = false;
    clock = createTestClock(new Date(T0.getTime() - HOUR));
  });

  function scheduler(options: Partial<SchedulerOptions> = {}, c: TestClock = clock) {
    return createScheduler({
      db,
      clock: c,
      checkout: checkoutClient,
      nextOccurrence: fixedInterval,
      log,
      options,
    });
  }

  async function operation(input: {
    interval?: 'daily' | 'weekly' | 'monthly';
    startsAt?: Date;
    endsAt?: Date | null;
    fireOnSkip?: boolean;
    amountMinor?: bigint;
    merchantId?: string;
  }): Promise<string> {
    const merchantId = input.merchantId ?? 'mer_sched';
    const bindingId = newId('cbd');
    await db('card_bindings').insert({
      id: bindingId,
      merchant_id: merchantId,
      payment_id: newId('pay'),
      provider_binding_ref: `im-ref-${bindingId}`,
      state: 'activated',
      card_last4: '4242',
      first_amount_minor: 1000n,
      currency: 'RUB',
      customer_ref: 'cust_1',
    });
    const id = newId('sop');
    const startsAt = input.startsAt ?? T0;
    await db('scheduled_operations').insert({
      id,
      merchant_id: merchantId,
      idempotency_key: id,
      request_fingerprint: 'f',
      binding_id: bindingId,
      amount_minor: input.amountMinor ?? 1000n,
      currency: 'RUB',
      description: 'Monthly plan',
      schedule_interval: input.interval ?? 'daily',
      time_zone: 'Europe/Moscow',
      starts_at: startsAt,
      ends_at: input.endsAt === undefined ? null : input.endsAt,
      fire_on_skip: input.fireOnSkip ?? false,
      customer_ref: 'cust_1',
      state: 'active',
      next_charge_at: startsAt,
      version: 1,
      created_at: T0,
      updated_at: T0,
    });
    return id;
  }

  async function charges(operationId: string) {
    return (await db('charges').where({ operation_id: operationId }).orderBy('scheduled_at')) as {
      id: string;
      scheduled_at: Date;
      state: string;
      amount_minor: bigint;
      operation_version: number;
      attempt: number;
      receipt_id: string;
    }[];
  }

  async function attempts(chargeId: string) {
    return (await db('charge_attempts').where({ charge_id: chargeId }).orderBy('number')) as {
      number: number;
      outcome: string;
      decline_code: string;
      decline_kind: string;
      payment_id: string;
    }[];
  }

  /** The occurrence's first attempt was asked of checkout twice, with its one key, and succeeded. */
  async function expectAskedTwiceThenSucceeded(op: string) {
    expect(checkout.calls.map((c) => c.idempotencyKey)).toEqual([
      `${op}:${T0.toISOString()}:1`,
      `${op}:${T0.toISOString()}:1`,
    ]);
    const [done] = await charges(op);
    expect(done?.state).toBe('succeeded');
  }

  async function factTypes(): Promise<string[]> {
    const rows = (await db('recurring_facts').orderBy('id').select('event_type')) as {
      event_type: string;
    }[];
    return rows.map((r) => r.event_type);
  }

  it('charges a schedule on its dates and stops after its end date', async () => {
    const op = await operation({ endsAt: new Date(T0.getTime() + 2 * DAY) });
    const s = scheduler();
    expect((await s.runPass()).attempted).toBe(0);

    const times: string[] = [];
    for (let day = 0; day < 5; day += 1) {
      clock.advance(day === 0 ? HOUR : DAY);
      await s.runPass();
    }
    for (const c of checkout.calls) times.push(c.metadata['scheduled_at'] ?? '');
    expect(times).toEqual([
      T0.toISOString(),
      new Date(T0.getTime() + DAY).toISOString(),
      new Date(T0.getTime() + 2 * DAY).toISOString(),
    ]);
    expect(checkout.calls.map((c) => c.idempotencyKey)).toEqual(times.map((t) => `${op}:${t}:1`));
    const rows = await charges(op);
    expect(rows.map((r) => r.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const stored = (await db('scheduled_operations').where({ id: op }).first()) as {
      state: string;
      next_charge_at: Date | null;
    };
    expect(stored).toMatchObject({ state: 'completed', next_charge_at: null });
    expect(await factTypes()).toEqual([
      'recurring.charge.succeeded',
      'recurring.charge.succeeded',
      'recurring.charge.succeeded',
    ]);
    const first = checkout.calls[0];
    expect(first).toMatchObject({
      merchantId: 'mer_sched',
      bindingRef: expect.stringMatching(/^im-ref-cbd_/) as unknown,
      amount: { amountMinor: 1000n, currency: 'RUB' },
      description: 'Monthly plan',
      orderId: rows[0]?.id,
      customerRef: 'cust_1',
      metadata: {
        recurring_operation_id: op,
        recurring_charge_id: rows[0]?.id,
        scheduled_at: T0.toISOString(),
      },
    });
  });

  it('reads what receipts need before the transaction, and a failure there records nothing and charges nothing twice', async () => {
    const op = await operation({});
    const order: string[] = [];
    let failPrepare = true;
    const receipts: ChargeSucceededPort = {
      async prepare(merchantIds) {
        order.push(`prepare ${merchantIds.join(',')}`);
        if (failPrepare) throw new Error('checkout did not tell the VAT rate');
      },
      async onChargeSucceeded(charge) {
        order.push(`receipt ${charge.id}`);
        return { receiptId: `rct_${charge.id}` };
      },
    };
    const s = createScheduler({
      db,
      clock,
      checkout: checkoutClient,
      nextOccurrence: fixedInterval,
      receipts,
      log,
      options: { leaseMs: 60_000 },
    });
    clock.advance(HOUR);
    await expect(s.runPass()).rejects.toThrow(/VAT rate/);
    // Nothing recorded: the charge is still pending and no receipt was asked for.
    expect((await charges(op)).map((r) => r.state)).toEqual(['pending']);
    expect(order).toEqual(['prepare mer_sched']);

    // The failed batch handed its charge back: the next pass retakes it without waiting for the lease.
    failPrepare = false;
    clock.advance(1_000);
    await s.runPass();
    const [charge] = await charges(op);
    expect(charge).toMatchObject({ state: 'succeeded', receipt_id: `rct_${charge?.id}` });
    expect(order).toEqual(['prepare mer_sched', 'prepare mer_sched', `receipt ${charge?.id}`]);
    // Asked again with the same key: one payment.
    expect(new Set(checkout.calls.map((c) => c.idempotencyKey)).size).toBe(1);
  });

  it('retries a soft decline on days 1, 4 and 11 and abandons the charge after the 4th failure', async () => {
    const op = await operation({ endsAt: T0 });
    checkout.state.script = () => ({ status: 'failed', declineCode: '51' });
    const s = scheduler();
    const days: number[] = [];
    for (let hour = 0; hour <= 20 * 24; hour += 6) {
      clock.advance(hour === 0 ? HOUR : 6 * HOUR);
      const before = checkout.calls.length;
      await s.runPass();
      if (checkout.calls.length > before) days.push((clock.now().getTime() - T0.getTime()) / DAY);
    }
    expect(days).toEqual([0, 1, 4, 11]);
    const [charge] = await charges(op);
    expect(charge?.state).toBe('abandoned');
    const tries = await attempts(charge?.id ?? '');
    expect(tries.map((a) => [a.number, a.outcome, a.decline_code, a.decline_kind])).toEqual([
      [1, 'failed', '51', 'soft'],
      [2, 'failed', '51', 'soft'],
      [3, 'failed', '51', 'soft'],
      [4, 'failed', '51', 'soft'],
    ]);
    expect(new Set(checkout.calls.map((c) => c.idempotencyKey)).size).toBe(4);
    expect(await factTypes()).toEqual([
      'recurring.charge.failed',
      'recurring.charge.failed',
      'recurring.charge.failed',
      'recurring.charge.failed',
      'recurring.charge.abandoned',
    ]);
  });

  it('abandons a soft-declined charge when the next retry would fall after 16 days, before 4 failures', async () => {
    const op = await operation({ endsAt: T0 });
    checkout.state.script = () => ({ status: 'failed', declineCode: '05' });
    const s = scheduler({
      retryPolicy: { maxFailedAttempts: 4, windowMs: 16 * DAY, delaysMs: [DAY, 10 * DAY] },
    });
    for (let day = 0; day <= 30; day += 1) {
      clock.advance(day === 0 ? HOUR : DAY);
      await s.runPass();
    }
    const [charge] = await charges(op);
    expect(charge?.state).toBe('abandoned');
    expect((await attempts(charge?.id ?? '')).map((a) => a.number)).toEqual([1, 2, 3]);
    expect(checkout.calls).toHaveLength(3);
  });

  it('abandons a retry that the scheduler reaches more than 16 days after the first attempt (downtime), without charging', async () => {
    const op = await operation({ endsAt: T0 });
    checkout.state.script = () => ({ status: 'failed', declineCode: '61' });
    const s = scheduler();
    clock.advance(HOUR);
    await s.runPass();
    clock.advance(17 * DAY);
    await s.runPass();
    const [charge] = await charges(op);
    expect(charge?.state).toBe('abandoned');
    expect(checkout.calls).toHaveLength(1);
    expect(await factTypes()).toEqual(['recurring.charge.failed', 'recurring.charge.abandoned']);
  });

  it('cancels the operation at once on a hard decline and never charges it again', async () => {
    const op = await operation({});
    checkout.state.script = () => ({ status: 'failed', declineCode: '54' });
    const s = scheduler();
    clock.advance(HOUR);
    await s.runPass();
    for (let day = 0; day < 5; day += 1) {
      clock.advance(DAY);
      await s.runPass();
    }
    expect(checkout.calls).toHaveLength(1);
    const [charge] = await charges(op);
    expect(charge?.state).toBe('failed');
    expect((await attempts(charge?.id ?? ''))[0]).toMatchObject({
      decline_code: '54',
      decline_kind: 'hard',
    });
    const stored = (await db('scheduled_operations').where({ id: op }).first()) as Record<
      string,
      unknown
    >;
    expect(stored).toMatchObject({
      state: 'canceled',
      cancel_reason: 'hard_decline',
      cancel_code: '54',
      next_charge_at: null,
    });
    expect(await factTypes()).toEqual(['recurring.charge.failed', 'recurring.operation.canceled']);
  });

  it('treats a binding the provider no longer honours as a hard decline', async () => {
    const op = await operation({});
    checkout.state.script = () => ({ status: 'failed', reasonCode: 'PROVIDER_BINDING_INACTIVE' });
    clock.advance(HOUR);
    await scheduler().runPass();
    const stored = (await db('scheduled_operations').where({ id: op }).first()) as Record<
      string,
      unknown
    >;
    expect(stored).toMatchObject({ state: 'canceled', cancel_code: 'PROVIDER_BINDING_INACTIVE' });
  });

  it('retries a charge the provider refused without asking the issuer (PROVIDER_REQUEST_REFUSED) within its budget and keeps the operation', async () => {
    // IntellectMoney refuses a binding's charges after 4 soft declines within 16 days (any
    // charges); its window rolls, so a later retry can be accepted.
    const op = await operation({ endsAt: new Date(T0.getTime() + 10 * DAY) });
    checkout.state.script = (req) =>
      req.metadata['scheduled_at'] === T0.toISOString() && !req.idempotencyKey.endsWith(':3')
        ? { status: 'failed', reasonCode: 'PROVIDER_REQUEST_REFUSED' }
        : { status: 'succeeded' };
    const s = scheduler();
    const days: number[] = [];
    for (let day = 0; day <= 5; day += 1) {
      clock.advance(day === 0 ? HOUR : DAY);
      const before = checkout.calls.length;
      await s.runPass();
      for (const c of checkout.calls.slice(before)) {
        if (c.metadata['scheduled_at'] === T0.toISOString()) days.push(day);
      }
    }
    expect(days).toEqual([0, 1, 4]);
    const [first] = await charges(op);
    expect(first?.state).toBe('succeeded');
    const tries = (await db('charge_attempts')
      .where({ charge_id: first?.id })
      .orderBy('number')) as { outcome: string; decline_kind: string; reason_code: string }[];
    expect(tries.map((a) => [a.outcome, a.decline_kind, a.reason_code])).toEqual([
      ['failed', 'unknown', 'PROVIDER_REQUEST_REFUSED'],
      ['failed', 'unknown', 'PROVIDER_REQUEST_REFUSED'],
      ['succeeded', '', ''],
    ]);
    const stored = (await db('scheduled_operations').where({ id: op }).first()) as {
      state: string;
    };
    expect(stored.state).toBe('active');
    expect(await factTypes()).not.toContain('recurring.operation.canceled');
  });

  it('asks again about a pending payment with the same key and records its final answer', async () => {
    const op = await operation({ endsAt: T0 });
    let answers = 0;
    checkout.state.script = () =>
      ++answers === 1 ? { status: 'pending' } : { status: 'succeeded' };
    const s = scheduler();
    clock.advance(HOUR);
    await s.runPass();
    const [pending] = await charges(op);
    expect(pending?.state).toBe('pending');
    clock.advance(2 * 60_000);
    await s.runPass();
    expect(checkout.calls.map((c) => c.idempotencyKey)).toEqual([
      `${op}:${T0.toISOString()}:1`,
      `${op}:${T0.toISOString()}:1`,
    ]);
    expect(checkout.payments.size).toBe(1);
    const [done] = await charges(op);
    expect(done?.state).toBe('succeeded');
    expect((await attempts(done?.id ?? '')).map((a) => a.outcome)).toEqual(['succeeded']);
  });

  it('never charges an occurrence twice with two scheduler instances racing', async () => {
    const ops = await Promise.all(Array.from({ length: 25 }, () => operation({})));
    checkout.state.delayMs = 20;
    const db2 = createKnex({ url: database.url, poolMax: 20 });
    try {
      const a = scheduler({ batchSize: 7, concurrency: 4 });
      const b = createScheduler({
        db: db2,
        clock,
        checkout: checkoutClient,
        nextOccurrence: fixedInterval,
        log,
        options: { batchSize: 5, concurrency: 3 },
      });
      clock.advance(HOUR);
      for (let day = 0; day < 3; day += 1) {
        await Promise.all([a.runPass(), b.runPass(), a.runPass(), b.runPass()]);
        clock.advance(DAY);
      }
    } finally {
      await db2.destroy();
    }
    const keys = checkout.calls.map((c) => c.idempotencyKey);
    expect(keys).toHaveLength(75);
    expect(new Set(keys).size).toBe(75);
    const occurrences = new Set(keys.map((k) => k.slice(0, k.lastIndexOf(':'))));
    expect(occurrences.size).toBe(75);
    const rows = (await db('charges').whereIn('operation_id', ops)) as { state: string }[];
    expect(rows).toHaveLength(75);
    expect(rows.every((r) => r.state === 'succeeded')).toBe(true);
  });

  it('retakes a charge whose instance died mid-attempt after its lease, with the same key: one payment', async () => {
    const op = await operation({ endsAt: T0 });
    let release: (() => void) | undefined;
    const dying = createScheduler({
      db,
      clock,
      log,
      nextOccurrence: fixedInterval,
      options: { leaseMs: 60_000 },
      checkout: {
        // Charges, then never answers (the process died before writing the result).
        async chargeBoundCard(input) {
          const result = await checkoutClient.chargeBoundCard(input);
          await new Promise<void>((resolve) => (release = resolve));
          return result;
        },
      },
    });
    clock.advance(HOUR);
    const orphan = dying.runPass();
    await expect.poll(() => checkout.calls.length).toBe(1);
    await expect.poll(() => release !== undefined).toBe(true);

    const survivor = scheduler({ leaseMs: 60_000 });
    expect((await survivor.runPass()).attempted).toBe(0);
    clock.advance(61_000);
    expect((await survivor.runPass()).attempted).toBe(1);
    release?.();
    await orphan;

    expect(checkout.calls.map((c) => c.idempotencyKey)).toEqual([
      `${op}:${T0.toISOString()}:1`,
      `${op}:${T0.toISOString()}:1`,
    ]);
    expect(checkout.payments.size).toBe(1);
    const [charge] = await charges(op);
    expect(charge?.state).toBe('succeeded');
    expect(await factTypes()).toEqual(['recurring.charge.succeeded']);
  });

  it('catches up after downtime by charging only the most recent missed occurrence (fire_on_skip false), once', async () => {
    const op = await operation({});
    clock.advance(HOUR + 3 * DAY + 2 * HOUR);
    const s = scheduler();
    expect((await s.runPass()).attempted).toBe(1);
    expect((await scheduler().runPass()).attempted).toBe(0);
    const rows = await charges(op);
    expect(rows.map((r) => [r.scheduled_at.toISOString(), r.state])).toEqual([
      [T0.toISOString(), 'skipped'],
      [new Date(T0.getTime() + DAY).toISOString(), 'skipped'],
      [new Date(T0.getTime() + 2 * DAY).toISOString(), 'skipped'],
      [new Date(T0.getTime() + 3 * DAY).toISOString(), 'succeeded'],
    ]);
    expect(checkout.calls.map((c) => c.metadata['scheduled_at'])).toEqual([
      new Date(T0.getTime() + 3 * DAY).toISOString(),
    ]);
    const stored = (await db('scheduled_operations').where({ id: op }).first()) as {
      next_charge_at: Date;
    };
    expect(stored.next_charge_at.toISOString()).toBe(
      new Date(T0.getTime() + 4 * DAY).toISOString(),
    );
  });

  it('catches up after downtime by charging every missed occurrence (fire_on_skip true), once each', async () => {
    const op = await operation({ fireOnSkip: true });
    clock.advance(HOUR + 3 * DAY + 2 * HOUR);
    expect((await scheduler().runPass()).attempted).toBe(4);
    expect((await scheduler().runPass()).attempted).toBe(0);
    const rows = await charges(op);
    expect(rows.map((r) => r.state)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect(new Set(checkout.calls.map((c) => c.idempotencyKey)).size).toBe(4);
  });

  it('records the occurrences already due at a pause, a cancel or a revocation as skipped, and charges none', async () => {
    const transition = (t: 'pause' | 'cancel') =>
      makeOperationTransition({ operations: createScheduledOperationsRepo(db), clock }, t);
    const revoke = makeRevokeCardBinding({ bindings: createCardBindingsRepo(db), clock });
    const paused = await operation({ fireOnSkip: true });
    const canceled = await operation({});
    const revoked = await operation({});
    // Two occurrences came due while the scheduler was not running: T0 (where next_charge_at
    // starts) and then, under the real schedule the repositories plan with (daily, midnight in
    // Moscow: the fixture sets no time of day), 21:00 UTC the same day.
    clock.advance(HOUR + DAY + 2 * HOUR);
    await transition('pause')('mer_sched', paused);
    await transition('cancel')('mer_sched', canceled);
    const { binding_id: bindingId } = (await db('scheduled_operations')
      .where({ id: revoked })
      .first('binding_id')) as { binding_id: string };
    await revoke('mer_sched', bindingId);
    expect((await scheduler().runPass()).attempted).toBe(0);
    for (const op of [paused, canceled, revoked]) {
      expect(
        (await charges(op)).map((r) => [r.scheduled_at.toISOString(), r.state]),
        op,
      ).toEqual([
        [T0.toISOString(), 'skipped'],
        ['2027-01-10T21:00:00.000Z', 'skipped'],
      ]);
    }
    expect(checkout.calls).toEqual([]);
  });

  it('keeps a materialized charge at the version it was made under when the operation is edited', async () => {
    const op = await operation({ amountMinor: 1000n });
    let first = true;
    checkout.state.script = () => {
      if (first) {
        first = false;
        return { status: 'failed', declineCode: '51' };
      }
      return { status: 'succeeded' };
    };
    const s = scheduler();
    clock.advance(HOUR);
    await s.runPass();
    // The merchant's edit (SetScheduledOperation) after the first charge was made.
    await db('scheduled_operations')
      .where({ id: op })
      .update({ amount_minor: 2500n, description: 'New plan', version: 2 });
    clock.advance(DAY);
    await s.runPass();

    const byKey = checkout.calls.map((c) => [
      c.idempotencyKey.split(':').slice(-1)[0],
      c.amount?.amountMinor,
      c.description,
    ]);
    // The retry and the new occurrence are charged concurrently: in either order.
    expect(byKey[0]).toEqual(['1', 1000n, 'Monthly plan']);
    expect(byKey.slice(1)).toHaveLength(2);
    expect(byKey.slice(1)).toEqual(
      expect.arrayContaining([
        ['2', 1000n, 'Monthly plan'],
        ['1', 2500n, 'New plan'],
      ]),
    );
    const rows = await charges(op);
    expect(rows.map((r) => [r.amount_minor, r.operation_version, r.state])).toEqual([
      [1000n, 1, 'succeeded'],
      [2500n, 2, 'succeeded'],
    ]);
  });

  it('a stopping pass finishes the charges in hand and hands the rest of its batch back at once', async () => {
    const ops = await Promise.all(Array.from({ length: 6 }, () => operation({ endsAt: T0 })));
    checkout.state.delayMs = 200;
    clock.advance(HOUR);
    const stopping = new AbortController();
    const pass = scheduler({ concurrency: 1 }).runPass(stopping.signal);
    await waitFor(() => checkout.calls.length >= 1, { timeoutMs: 10_000, what: 'a charge asked' });
    stopping.abort();
    await pass;
    const asked = checkout.calls.length;
    expect(asked).toBeLessThan(6);
    const rows = (await db('charges').whereIn('operation_id', ops)) as {
      state: string;
      claimed_until: Date | null;
    }[];
    // What was asked is recorded; nothing stays claimed for the lease's 5 minutes.
    expect(rows.filter((r) => r.state === 'succeeded')).toHaveLength(asked);
    expect(rows.filter((r) => r.claimed_until !== null)).toEqual([]);

    // Another instance takes the rest now, each once.
    checkout.state.delayMs = 0;
    await scheduler().runPass();
    expect(checkout.calls).toHaveLength(6);
    expect(new Set(checkout.calls.map((c) => c.idempotencyKey)).size).toBe(6);
    const after = (await db('charges').whereIn('operation_id', ops)) as { state: string }[];
    expect(after.map((r) => r.state)).toEqual(Array(6).fill('succeeded'));
  });

  it('relays facts to the ledger and keeps them through a ledger outage', async () => {
    const op = await operation({ endsAt: T0 });
    checkout.state.script = () => ({ status: 'failed', declineCode: '14' });
    clock.advance(HOUR);
    await scheduler().runPass();
    const relay = createFactsRelay({ db, clock, ledger: ledgerClient, log });

    ledger.state.down = true;
    // The round throws, so the relay's loop backs off (the facts do not).
    await expect(relay.runOnce()).rejects.toThrow('ledger unreachable');
    expect(ledger.events.size).toBe(0);
    const kept = (await db('recurring_facts').orderBy('id')) as {
      attempts: number;
      last_error: string;
    }[];
    expect(kept).toHaveLength(2);
    expect(kept[0]).toMatchObject({
      attempts: 1,
      last_error: expect.stringContaining('LEDGER_DOWN') as unknown,
    });

    // Back: the next round sends them, without waiting out a backoff of their own.
    ledger.state.down = false;
    await relay.runOnce();
    expect(await db('recurring_facts').count({ n: '*' })).toEqual([{ n: 0n }]);

    const [charge] = await charges(op);
    const events = [...ledger.events.values()];
    expect(events.map((e) => e.eventType)).toEqual([
      'recurring.charge.failed',
      'recurring.operation.canceled',
    ]);
    expect(events[0]).toMatchObject({
      idempotencyKey: `${charge?.id}:1:failed`,
      paymentStatus: '',
      merchantId: 'mer_sched',
      amount: { amountMinor: 1000n, currency: 'RUB' },
      failureCode: '14',
      recurringOperationId: op,
      recurringChargeId: charge?.id,
      recurringAttempt: 1,
    });
    expect(events[1]).toMatchObject({
      idempotencyKey: `${op}:canceled`,
      cancelReason: 'hard_decline',
    });
  });

  it("leaves a payment's later facts while another instance holds its earlier one", async () => {
    await operation({ endsAt: T0 });
    checkout.state.script = () => ({ status: 'failed', declineCode: '14' });
    clock.advance(HOUR);
    await scheduler().runPass();
    const facts = (await db('recurring_facts').orderBy('id')) as {
      id: bigint;
      payment_id: string;
      event_type: string;
    }[];
    expect(facts.map((f) => f.event_type)).toEqual([
      'recurring.charge.failed',
      'recurring.operation.canceled',
    ]);
    expect(new Set(facts.map((f) => f.payment_id)).size).toBe(1);
    const relay = createFactsRelay({ db, clock, ledger: ledgerClient, log });

    // Another instance is sending the first fact: its row is locked until that send ends.
    const other = await db.transaction();
    try {
      await other('recurring_facts').where({ id: facts[0]?.id }).forUpdate().first();
      await relay.runOnce();
      expect(ledger.events.size).toBe(0);
    } finally {
      await other.rollback();
    }
    await relay.runOnce();
    expect([...ledger.events.values()].map((e) => e.eventType)).toEqual([
      'recurring.charge.failed',
      'recurring.operation.canceled',
    ]);
  });

  it('lists an operation’s charges with their attempts, newest first, and refuses another merchant', async () => {
    const op = await operation({});
    checkout.state.script = (req) =>
      req.idempotencyKey.endsWith(':1') && req.metadata['scheduled_at'] === T0.toISOString()
        ? { status: 'failed', declineCode: '51' }
        : { status: 'succeeded' };
    const s = scheduler();
    const handlers = chargesHandlers({
      charges: createChargesReader(db),
      scheduler: s,
      testClock: clock,
    });
    const ctx = {} as Parameters<typeof handlers.listCharges>[1];
    clock.advance(HOUR);
    await s.runPass();
    // Past any storable time the clock would break every later pass: refused, the clock unmoved.
    await expect(
      handlers.advanceTestClock({ advanceMs: 9_000_000_000_000_000n }, ctx),
    ).rejects.toMatchObject({
      code: 'RECURRING_INVALID_REQUEST',
      details: { field: 'advance_ms' },
    });
    const moved = await handlers.advanceTestClock({ advanceMs: BigInt(DAY) }, ctx);
    expect(moved.chargesAttempted).toBe(2);

    const page = await handlers.listCharges(
      {
        merchantId: 'mer_sched',
        operationId: op,
        limit: 1,
        startingAfter: '',
        endingBefore: '',
        state: 0,
      },
      ctx,
    );
    expect(page.hasMore).toBe(true);
    expect(page.charges[0]?.scheduledAt?.toISOString()).toBe(
      new Date(T0.getTime() + DAY).toISOString(),
    );
    const next = await handlers.listCharges(
      {
        merchantId: 'mer_sched',
        operationId: op,
        limit: 10,
        startingAfter: page.charges[0]?.id ?? '',
        endingBefore: '',
        state: 0,
      },
      ctx,
    );
    expect(next.hasMore).toBe(false);
    expect(next.charges[0]).toMatchObject({
      state: PbChargeState.CHARGE_STATE_SUCCEEDED,
      operationVersion: 1,
      attempts: [
        {
          number: 1,
          outcome: 'failed',
          declineCode: '51',
          declineKind: 'soft',
          reasonCode: 'PROVIDER_CARD_DECLINED',
        },
        { number: 2, outcome: 'succeeded' },
      ],
    });
    await expect(
      handlers.listCharges(
        {
          merchantId: 'mer_other',
          operationId: op,
          limit: 10,
          startingAfter: '',
          endingBefore: '',
          state: 0,
        },
        ctx,
      ),
    ).rejects.toMatchObject({ code: 'RECURRING_OPERATION_NOT_FOUND', kind: 'not_found' });

    const realClock = chargesHandlers({
      charges: createChargesReader(db),
      scheduler: s,
      testClock: null,
    });
    await expect(realClock.advanceTestClock({ advanceMs: 1000n }, ctx)).rejects.toMatchObject({
      code: 'RECURRING_TEST_CLOCK_DISABLED',
      kind: 'precondition',
    });
  });
  it('runs as the service wires it: AdvanceTestClock charges what came due and the relay hands the facts to the ledger', async () => {
    const op = await operation({ startsAt: new Date(Date.now() + 10 * DAY), endsAt: null });
    const wired = startScheduling({
      db,
      log,
      nextOccurrence: fixedInterval,
      config: loadConfig({
        DATABASE_URL: database.url,
        CHECKOUT_ADDR: checkout.address,
        LEDGER_ADDR: ledger.address,
        RECURRING_TEST_CLOCK: 'true',
        FACTS_RELAY_INTERVAL_MS: '50',
      }),
    });
    try {
      const ctx = {} as Parameters<typeof wired.handlers.advanceTestClock>[1];
      const early = await wired.handlers.advanceTestClock({ advanceMs: BigInt(9 * DAY) }, ctx);
      expect(early.chargesAttempted).toBe(0);
      const due = await wired.handlers.advanceTestClock({ advanceMs: BigInt(DAY + HOUR) }, ctx);
      expect(due.chargesAttempted).toBe(1);
      expect(checkout.calls.map((c) => c.idempotencyKey.startsWith(`${op}:`))).toEqual([true]);
      await expect
        .poll(() => [...ledger.events.values()].map((e) => e.eventType))
        .toEqual(['recurring.charge.succeeded']);
    } finally {
      await wired.stop();
    }
  });
  it('asks again with the same key when checkout is unreachable, without spending an attempt', async () => {
    const op = await operation({ endsAt: T0 });
    checkout.state.down = true;
    const s = scheduler();
    clock.advance(HOUR);
    expect((await s.runPass()).attempted).toBe(1);
    const [waiting] = await charges(op);
    expect(waiting).toMatchObject({ state: 'pending', attempt: 1 });
    // Sent without an answer: the one attempt is out, its outcome unknown.
    expect(await attempts(waiting?.id ?? '')).toMatchObject([
      { number: 1, outcome: 'pending', reason_code: 'RECURRING_CHARGE_UNANSWERED' },
    ]);

    checkout.state.down = false;
    expect((await s.runPass()).attempted).toBe(0);
    clock.advance(60_000);
    expect((await s.runPass()).attempted).toBe(1);
    await expectAskedTwiceThenSucceeded(op);
  });

  it('does not start a claimed charge whose operation was paused or canceled, or whose card was revoked, while its batch ran', async () => {
    const ops: string[] = [];
    for (let i = 0; i < 4; i += 1) ops.push(await operation({ endsAt: T0 }));
    // While the batch's first charge is in flight, the merchant stops the three others.
    let stopped: string[] = [];
    checkout.state.meanwhile = async (req) => {
      if (stopped.length > 0) return;
      stopped = ops.filter((id) => id !== req.metadata['recurring_operation_id']);
      const [paused, canceled, revoked] = stopped as [string, string, string];
      await db('scheduled_operations').where({ id: paused }).update({ state: 'paused' });
      await db('scheduled_operations').where({ id: canceled }).update({ state: 'canceled' });
      const { binding_id } = (await db('scheduled_operations')
        .where({ id: revoked })
        .first('binding_id')) as { binding_id: string };
      await db('card_bindings').where({ id: binding_id }).update({ state: 'revoked' });
    };
    const s = scheduler({ concurrency: 1 });
    clock.advance(HOUR);
    await s.runPass();
    expect(checkout.calls).toHaveLength(1);
    for (const op of stopped)
      expect(
        (await charges(op)).map((c) => c.state),
        op,
      ).toEqual(['skipped']);
  });

  it("never retries a completed operation's last charge on a card revoked since", async () => {
    const op = await operation({ endsAt: T0 });
    checkout.state.script = () => ({ status: 'failed', declineCode: '51' });
    const s = scheduler();
    clock.advance(HOUR);
    await s.runPass();
    expect(checkout.calls).toHaveLength(1);
    const { binding_id, state } = (await db('scheduled_operations')
      .where({ id: op })
      .first('binding_id', 'state')) as { binding_id: string; state: string };
    expect(state).toBe('completed');
    expect((await charges(op)).map((c) => c.state)).toEqual(['retrying']);
    // Revoking cancels active and paused operations; this one is completed, its charge retrying.
    await db('card_bindings').where({ id: binding_id }).update({ state: 'revoked' });
    clock.advance(DAY);
    await s.runPass();
    expect(checkout.calls).toHaveLength(1);
    expect((await charges(op)).map((c) => c.state)).toEqual(['skipped']);
  });

  it('follows a charge whose answer was lost to its end, though the operation was paused meanwhile', async () => {
    const op = await operation({ endsAt: T0 });
    checkout.state.loseAnswer = true;
    const s = scheduler();
    clock.advance(HOUR);
    await s.runPass();
    // The card was charged; the answer never came. Then the merchant pauses the operation.
    expect(checkout.payments.size).toBe(1);
    await db('scheduled_operations').where({ id: op }).update({ state: 'paused' });
    checkout.state.loseAnswer = false;
    clock.advance(60_000);
    expect((await s.runPass()).attempted).toBe(1);
    await expectAskedTwiceThenSucceeded(op);
    expect(await factTypes()).toEqual(['recurring.charge.succeeded']);
  });

  it('follows a pending charge to its end when a later one of the operation is hard-declined', async () => {
    const op = await operation({});
    const first = `${op}:${T0.toISOString()}:1`;
    let firstSettled = false;
    checkout.state.script = (req) =>
      req.idempotencyKey === first
        ? { status: firstSettled ? 'succeeded' : 'pending' }
        : { status: 'failed', declineCode: '54' };
    const s = scheduler();
    clock.advance(HOUR);
    await s.runPass();
    // The next day's charge is hard-declined while the first is still pending at the provider.
    clock.advance(DAY);
    await s.runPass();
    const stored = (await db('scheduled_operations').where({ id: op }).first()) as {
      state: string;
    };
    expect(stored.state).toBe('canceled');
    expect((await charges(op)).map((c) => c.state)).toEqual(['pending', 'failed']);
    firstSettled = true;
    clock.advance(10 * 60_000);
    await s.runPass();
    expect((await charges(op)).map((c) => c.state)).toEqual(['succeeded', 'failed']);
    expect(await factTypes()).toContain('recurring.charge.succeeded');
  });

  it('shows due occurrences and facts waiting for the ledger as gauges read on scrape', async () => {
    const registry = new Registry();
    recurringMetrics(db, clock, registry);
    const sample = async (name: string, labels: Record<string, string>) =>
      sumSamples(await registry.metrics(), name, labels);
    await operation({});
    expect(await sample('tolem_recurring_due_backlog', { stage: 'occurrence' })).toBe(0);

    clock.advance(2 * HOUR);
    expect(await sample('tolem_recurring_due_backlog', { stage: 'occurrence' })).toBe(1);
    expect(await sample('tolem_recurring_due_oldest_age_seconds', { stage: 'occurrence' })).toBe(
      HOUR / 1_000,
    );
    expect(await sample('tolem_outbox_backlog_messages', { relay: 'recurring-facts' })).toBe(0);

    await scheduler().runPass();
    expect(await sample('tolem_recurring_due_backlog', { stage: 'occurrence' })).toBe(0);
    expect(await sample('tolem_recurring_due_backlog', { stage: 'charge' })).toBe(0);
    expect(await sample('tolem_recurring_due_oldest_age_seconds', { stage: 'occurrence' })).toBe(0);
    // The charge's fact waits in recurring_facts until the relay hands it to the ledger.
    expect(await sample('tolem_outbox_backlog_messages', { relay: 'recurring-facts' })).toBe(1);
  });
});
