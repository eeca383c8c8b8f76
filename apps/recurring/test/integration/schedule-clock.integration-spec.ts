import { createKnex, type Knex, migrateLatest } from '@tolem/db-kit';
import { newId } from '@tolem/ids';
import { createLogger } from '@tolem/observability';
import { freshDatabase } from '@tolem/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { migrations } from '../../migrations';
import { makeSetScheduledOperation } from '../../src/app/scheduled-operations';
import { createCheckoutClient } from '../../src/clients/checkout.client';
import { createScheduledOperationsRepo } from '../../src/db/scheduled-operations.repo';
import type { SetOperationInput } from '../../src/domain/operation-terms';
import type { ScheduleInput } from '../../src/domain/schedule';
import { nextOccurrence } from '../../src/domain/schedule';
import { createScheduler, type Scheduler } from '../../src/scheduler/scheduler';
import { createTestClock, type TestClock } from '../../src/scheduler/test-clock';
import { startFakeCheckout } from './scheduler-peers';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const log = createLogger({ service: 'recurring-it', level: 'silent' });

/**
 * The scheduler with the real schedule reader (domain/schedule.ts) on operations created through
 * SetScheduledOperation's use case and stored by the real repository: the clock moves an hour at a
 * time and every charge must be made at the first pass after its local time, exactly once.
 */
describe('recurring schedules in the scheduler, real nextOccurrence, moving clock (real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Knex;
  let checkout: Awaited<ReturnType<typeof startFakeCheckout>>;
  let checkoutClient: ReturnType<typeof createCheckoutClient>;
  let clock: TestClock;
  let scheduler: Scheduler;
  let set: ReturnType<typeof makeSetScheduledOperation>;
  let merchantId: string;

  beforeAll(async () => {
    database = await freshDatabase('recurring_clock_it');
    db = createKnex({ url: database.url, poolMax: 10 });
    await migrateLatest(db, migrations);
    checkout = await startFakeCheckout();
    checkoutClient = createCheckoutClient(checkout.address, { deadlineMs: 5_000 });
  });

  afterAll(async () => {
    checkoutClient?.close();
    await checkout?.close();
    await db?.destroy();
    await database?.drop();
  });

  beforeEach(() => {
    checkout.calls.length = 0;
    checkout.payments.clear();
    checkout.state.script = () => ({ status: 'succeeded' });
  });

  /** Starts the service clock at `now` and creates an operation through the use case. */
  async function operation(input: {
    now: string;
    schedule: Partial<ScheduleInput>;
    startsAt: string;
    endsAt?: string;
  }): Promise<string> {
    clock = createTestClock(new Date(input.now));
    scheduler = createScheduler({ db, clock, checkout: checkoutClient, nextOccurrence, log });
    merchantId = newId('mer');
    const bindingId = newId('cbd');
    await db('card_bindings').insert({
      id: bindingId,
      merchant_id: merchantId,
      payment_id: newId('pay'),
      provider_binding_ref: `im-ref-${bindingId}`,
      state: 'activated',
      card_last4: '4242',
      first_amount_minor: 1000n,
      currency: 'EUR',
      customer_ref: 'cust_dst',
    });
    set = makeSetScheduledOperation({
      operations: createScheduledOperationsRepo(db),
      clock,
    });
    const { operation: op } = await set({
      merchantId,
      operationId: '',
      idempotencyKey: newId('key'),
      bindingId,
      amount: { amountMinor: 990n, currency: 'EUR' },
      description: 'Nightly backup',
      schedule: {
        cron: '',
        timeZone: 'UTC',
        interval: null,
        day: 0,
        timeOfDay: '',
        ...input.schedule,
      },
      startsAt: new Date(input.startsAt),
      ...(input.endsAt ? { endsAt: new Date(input.endsAt) } : {}),
      clearEndsAt: false,
      receiptCustomer: { email: 'payer@example.com' },
      metadata: {},
    });
    return op.id;
  }

  /**
   * Moves the clock `step` at a time until `until`, running a pass after each step; answers the
   * charges made as [scheduled_at, the pass's time] pairs.
   */
  async function runUntil(until: string, step = HOUR): Promise<[string, string][]> {
    const made: [string, string][] = [];
    while (clock.now().getTime() < new Date(until).getTime()) {
      clock.advance(step);
      const before = checkout.calls.length;
      await scheduler.runPass();
      for (const call of checkout.calls.slice(before)) {
        made.push([call.metadata['scheduled_at'] ?? '', clock.now().toISOString()]);
      }
    }
    return made;
  }

  async function stateOf(operationId: string) {
    return (await db('scheduled_operations')
      .where({ id: operationId })
      .first('state', 'next_charge_at')) as { state: string; next_charge_at: Date | null };
  }

  async function scheduledAts(operationId: string): Promise<string[]> {
    const rows = (await db('charges')
      .where({ operation_id: operationId })
      .orderBy('scheduled_at')
      .select('scheduled_at', 'state')) as { scheduled_at: Date; state: string }[];
    expect(rows.every((r) => r.state === 'succeeded')).toBe(true);
    return rows.map((r) => r.scheduled_at.toISOString());
  }

  it('charges Berlin daily 02:30 across spring-forward at 03:00 CEST (the first valid time) and stops at its end date', async () => {
    // 28 March 2027 02:00 CET becomes 03:00 CEST: 02:30 does not exist that day.
    const op = await operation({
      now: '2027-03-26T12:00:00Z',
      schedule: { interval: 'daily', timeOfDay: '02:30', timeZone: 'Europe/Berlin' },
      startsAt: '2027-03-27T00:00:00Z',
      endsAt: '2027-03-30T00:00:00Z',
    });
    expect(await runUntil('2027-04-02T00:00:00Z')).toEqual([
      ['2027-03-27T01:30:00.000Z', '2027-03-27T02:00:00.000Z'], // 02:30 CET (UTC+1)
      ['2027-03-28T01:00:00.000Z', '2027-03-28T01:00:00.000Z'], // 03:00 CEST, right after the gap
      ['2027-03-29T00:30:00.000Z', '2027-03-29T01:00:00.000Z'], // 02:30 CEST (UTC+2)
    ]);
    expect(await scheduledAts(op)).toEqual([
      '2027-03-27T01:30:00.000Z',
      '2027-03-28T01:00:00.000Z',
      '2027-03-29T00:30:00.000Z',
    ]);
    expect(await stateOf(op)).toEqual({ state: 'completed', next_charge_at: null });
  });

  it('charges Berlin daily 02:30 once on the fall-back day, when 02:30 happens twice', async () => {
    // 31 October 2027 03:00 CEST becomes 02:00 CET: 02:30 is 00:30Z and again 01:30Z.
    const op = await operation({
      now: '2027-10-29T12:00:00Z',
      schedule: { interval: 'daily', timeOfDay: '02:30', timeZone: 'Europe/Berlin' },
      startsAt: '2027-10-30T00:00:00Z',
      endsAt: '2027-11-01T01:30:00Z',
    });
    expect(await runUntil('2027-11-03T00:00:00Z')).toEqual([
      ['2027-10-30T00:30:00.000Z', '2027-10-30T01:00:00.000Z'], // 02:30 CEST
      ['2027-10-31T00:30:00.000Z', '2027-10-31T01:00:00.000Z'], // the first 02:30; not again at 01:30Z
      ['2027-11-01T01:30:00.000Z', '2027-11-01T02:00:00.000Z'], // 02:30 CET; ends_at is inclusive
    ]);
    expect(await scheduledAts(op)).toHaveLength(3);
    expect(await stateOf(op)).toEqual({ state: 'completed', next_charge_at: null });
  });

  it('charges New York across spring-forward (02:30 skipped → 03:00 EDT) and fall-back (01:30 once)', async () => {
    const spring = await operation({
      now: '2027-03-12T12:00:00Z',
      schedule: { interval: 'daily', timeOfDay: '02:30', timeZone: 'America/New_York' },
      startsAt: '2027-03-13T00:00:00Z',
      endsAt: '2027-03-15T12:00:00Z',
    });
    expect((await runUntil('2027-03-17T00:00:00Z')).map(([at]) => at)).toEqual([
      '2027-03-13T07:30:00.000Z', // 02:30 EST (UTC-5)
      '2027-03-14T07:00:00.000Z', // 03:00 EDT: 14 March 2027 02:00 EST becomes 03:00 EDT
      '2027-03-15T06:30:00.000Z', // 02:30 EDT (UTC-4)
    ]);
    expect(await stateOf(spring)).toMatchObject({ state: 'completed' });

    checkout.calls.length = 0;
    const fall = await operation({
      now: '2027-11-05T12:00:00Z',
      schedule: { cron: '30 1 * * *', timeZone: 'America/New_York' },
      startsAt: '2027-11-06T00:00:00Z',
      endsAt: '2027-11-08T12:00:00Z',
    });
    expect((await runUntil('2027-11-10T00:00:00Z')).map(([at]) => at)).toEqual([
      '2027-11-06T05:30:00.000Z', // 01:30 EDT
      '2027-11-07T05:30:00.000Z', // 7 November 2027 02:00 EDT becomes 01:00 EST: the first 01:30 only
      '2027-11-08T06:30:00.000Z', // 01:30 EST (UTC-5)
    ]);
    expect(await stateOf(fall)).toMatchObject({ state: 'completed' });
  });

  it('charges monthly on the 31st on the last day of shorter months, February included, across the DST change', async () => {
    const op = await operation({
      now: '2027-01-20T00:00:00Z',
      schedule: { interval: 'monthly', day: 31, timeOfDay: '09:00', timeZone: 'Europe/Berlin' },
      startsAt: '2027-01-20T00:00:00Z',
      endsAt: '2027-05-15T00:00:00Z',
    });
    const made = await runUntil('2027-06-05T00:00:00Z', 6 * HOUR);
    expect(made.map(([at]) => at)).toEqual([
      '2027-01-31T08:00:00.000Z', // 09:00 CET
      '2027-02-28T08:00:00.000Z', // 2027 is not a leap year
      '2027-03-31T07:00:00.000Z', // 09:00 CEST
      '2027-04-30T07:00:00.000Z',
    ]);
    // Each at the first pass after it, never before.
    for (const [at, passAt] of made) {
      const late = new Date(passAt).getTime() - new Date(at).getTime();
      expect(late >= 0 && late < 6 * HOUR).toBe(true);
    }
    expect(new Set(checkout.calls.map((c) => c.idempotencyKey)).size).toBe(4);
    expect(await stateOf(op)).toEqual({ state: 'completed', next_charge_at: null });
  });

  it('keeps the local time after a restart across the DST change: the missed occurrences are caught up once', async () => {
    const op = await operation({
      now: '2027-03-26T12:00:00Z',
      schedule: { interval: 'daily', timeOfDay: '02:30', timeZone: 'Europe/Berlin' },
      startsAt: '2027-03-27T00:00:00Z',
    });
    // Down from before the first occurrence until 30 March 04:00 CEST: one pass then.
    clock.advance(3 * DAY + 14 * HOUR);
    expect((await scheduler.runPass()).attempted).toBe(1);
    expect((await scheduler.runPass()).attempted).toBe(0);
    const rows = (await db('charges')
      .where({ operation_id: op })
      .orderBy('scheduled_at')
      .select('scheduled_at', 'state')) as { scheduled_at: Date; state: string }[];
    expect(rows.map((r) => [r.scheduled_at.toISOString(), r.state])).toEqual([
      ['2027-03-27T01:30:00.000Z', 'skipped'],
      ['2027-03-28T01:00:00.000Z', 'skipped'],
      ['2027-03-29T00:30:00.000Z', 'skipped'],
      ['2027-03-30T00:30:00.000Z', 'succeeded'],
    ]);
    expect((await stateOf(op)).next_charge_at?.toISOString()).toBe('2027-03-31T00:30:00.000Z');
  });

  /** An edit through SetScheduledOperation: only the fields given are sent. */
  function edit(operationId: string, patch: Partial<SetOperationInput>) {
    return set({
      merchantId,
      operationId,
      idempotencyKey: '',
      bindingId: '',
      clearEndsAt: false,
      metadata: {},
      ...patch,
    });
  }

  it('charges an occurrence that came due before an edit under the old terms, when the scheduler had not reached it yet', async () => {
    const op = await operation({
      now: '2027-03-26T12:00:00Z',
      schedule: { interval: 'daily', timeOfDay: '02:30', timeZone: 'Europe/Berlin' },
      startsAt: '2027-03-27T00:00:00Z',
    });
    await runUntil('2027-03-27T12:00:00Z');
    // 28 March 01:00Z (03:00 CEST) is due, but no pass ran since: the merchant edits first.
    clock.advance(DAY);
    const { operation: edited } = await edit(op, {
      amount: { amountMinor: 2500n, currency: 'EUR' },
      description: 'Nightly backup, bigger',
    });
    expect(edited).toMatchObject({ version: 2 });
    expect(edited.nextChargeAt?.toISOString()).toBe('2027-03-29T00:30:00.000Z');
    await scheduler.runPass();
    await runUntil('2027-03-29T12:00:00Z');
    expect(
      checkout.calls.map((c) => [c.metadata['scheduled_at'], c.amount?.amountMinor, c.description]),
    ).toEqual([
      ['2027-03-27T01:30:00.000Z', 990n, 'Nightly backup'],
      ['2027-03-28T01:00:00.000Z', 990n, 'Nightly backup'],
      ['2027-03-29T00:30:00.000Z', 2500n, 'Nightly backup, bigger'],
    ]);
    const versions = (await db('charges')
      .where({ operation_id: op })
      .orderBy('scheduled_at')
      .select('operation_version', 'state')) as { operation_version: number; state: string }[];
    expect(versions).toEqual([
      { operation_version: 1, state: 'succeeded' },
      { operation_version: 1, state: 'succeeded' },
      { operation_version: 2, state: 'succeeded' },
    ]);
  });

  it('takes an edit that changes nothing (a retried request) as no change: same version, same next charge', async () => {
    const op = await operation({
      now: '2027-03-26T12:00:00Z',
      schedule: { interval: 'daily', timeOfDay: '02:30', timeZone: 'Europe/Berlin' },
      startsAt: '2027-03-27T00:00:00Z',
      endsAt: '2027-04-30T00:00:00Z',
    });
    const before = (await db('scheduled_operations').where({ id: op }).first()) as {
      version: number;
      updated_at: Date;
      next_charge_at: Date;
    };
    clock.advance(HOUR);
    const same = {
      amount: { amountMinor: 990n, currency: 'EUR' },
      description: 'Nightly backup',
      schedule: {
        cron: '',
        timeZone: 'Europe/Berlin',
        interval: 'daily' as const,
        day: 0,
        timeOfDay: '02:30',
      },
      startsAt: new Date('2027-03-27T00:00:00Z'),
      endsAt: new Date('2027-04-30T00:00:00Z'),
      receiptCustomer: { email: 'payer@example.com' },
    };
    expect((await edit(op, same)).operation.version).toBe(1);
    expect((await edit(op, { description: 'Nightly backup' })).operation.version).toBe(1);
    const after = (await db('scheduled_operations').where({ id: op }).first()) as typeof before;
    expect(after).toEqual(before);

    const changed = await edit(op, { ...same, description: 'Weekly backup' });
    expect(changed.operation.version).toBe(2);
    expect((await edit(op, { ...same, description: 'Weekly backup' })).operation.version).toBe(2);
  });
});
