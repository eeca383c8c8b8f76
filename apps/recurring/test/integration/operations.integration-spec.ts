import {
  BindingState,
  ListCardBindingsRequest,
  ListChargesRequest,
  ListScheduledOperationsRequest,
  OperationState,
  RecurringServiceClient,
  ScheduleInterval,
  SetScheduledOperationRequest,
} from '@tolem/contracts/recurring';
import { createKnex, type Knex } from '@tolem/db-kit';
import { createClient, type PromiseClient } from '@tolem/grpc-kit';
import {
  freePort,
  freshDatabase,
  grpcServing,
  type ServiceProcess,
  spawnService,
} from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('scheduled operations and bindings (real process, real PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let sql: Knex;
  let service: ServiceProcess;
  let client: PromiseClient<RecurringServiceClient>;

  beforeAll(async () => {
    db = await freshDatabase('recurring_ops_it');
    const port = await freePort();
    service = await spawnService({
      name: 'recurring',
      entry: 'apps/recurring/src/main.ts',
      env: {
        DATABASE_URL: db.url,
        GRPC_PORT: String(port),
        MIGRATE_ON_START: 'true',
        LOG_LEVEL: 'warn',
      },
      ready: () => grpcServing(`127.0.0.1:${port}`),
    });
    client = createClient(RecurringServiceClient, `127.0.0.1:${port}`);
    sql = createKnex({ url: db.url, applicationName: 'recurring-it' });
  });

  afterAll(async () => {
    client?.close();
    await sql?.destroy();
    await service?.stop();
    await db?.drop();
  });

  let seq = 0;
  async function bind(
    merchantId: string,
    patch: Partial<{
      state: BindingState;
      customerRef: string;
      currency: string;
      livemode: boolean;
    }> = {},
  ) {
    seq += 1;
    const res = await client.recordCardBinding({
      merchantId,
      paymentId: `pay_ops_${seq}`,
      providerBindingRef: patch.state === BindingState.BINDING_STATE_ERROR ? '' : `im-rec-${seq}`,
      state: patch.state ?? BindingState.BINDING_STATE_ACTIVATED,
      cardLast4: '4242',
      firstAmount: { amountMinor: 1000n, currency: patch.currency ?? 'RUB' },
      customerRef: patch.customerRef ?? 'cus_1',
      cardExpiry: '11/29',
      livemode: patch.livemode ?? false,
    });
    return res.binding!;
  }

  const startsAt = new Date('2030-01-01T00:00:00Z');

  function createRequest(
    merchantId: string,
    bindingId: string,
    patch: Partial<SetScheduledOperationRequest> = {},
  ): SetScheduledOperationRequest {
    return {
      merchantId,
      operationId: '',
      idempotencyKey: `key-${(seq += 1)}`,
      bindingId,
      amount: { amountMinor: 50_000n, currency: 'RUB' },
      description: 'Gym membership',
      schedule: {
        cron: '',
        timeZone: 'Asia/Bishkek',
        interval: ScheduleInterval.SCHEDULE_INTERVAL_MONTHLY,
        day: 31,
        timeOfDay: '09:00',
      },
      startsAt,
      clearEndsAt: false,
      receiptCustomer: { email: 'payer@example.com', phone: '', fullName: '', inn: '' },
      metadata: { plan: 'gold' },
      ...patch,
    };
  }

  async function factsOf(operationId: string) {
    return (await sql('recurring_facts')
      .whereRaw(`body->>'operationId' = ?`, [operationId])
      .select('idempotency_key', 'event_type', 'payment_id', 'merchant_id', 'body')) as {
      idempotency_key: string;
      event_type: string;
      payment_id: string;
      merchant_id: string;
      body: { cancelReason?: string; amount: { amountMinor: string; currency: string } };
    }[];
  }

  describe('card bindings', () => {
    it('records the customer, expiry and mode, and an ERROR binding tells the merchant to contact support', async () => {
      const ok = await bind('mer_b1', { customerRef: 'cus_b1' });
      expect(ok).toMatchObject({
        customerRef: 'cus_b1',
        cardExpiry: '11/29',
        livemode: false,
        failureMessage: '',
      });
      const failed = await bind('mer_b1', { state: BindingState.BINDING_STATE_ERROR });
      expect(failed.state).toBe(BindingState.BINDING_STATE_ERROR);
      expect(failed.failureMessage).toMatch(/contact support/);
      await expect(
        client.revokeCardBinding({ merchantId: 'mer_b1', bindingId: failed.id }),
      ).rejects.toMatchObject({ code: 'RECURRING_BINDING_NOT_ACTIVE', kind: 'precondition' });
      const got = await client.getCardBinding({ merchantId: 'mer_b1', bindingId: ok.id });
      expect(got.binding?.id).toBe(ok.id);
    });

    it('pages newest first with has_more both ways and filters by customer and state', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++)
        ids.push((await bind('mer_page', { customerRef: i % 2 ? 'odd' : 'even' })).id);
      const newestFirst = [...ids].reverse();
      const page1 = await client.listCardBindings({
        merchantId: 'mer_page',
        limit: 2,
        startingAfter: '',
        endingBefore: '',
        customerRef: '',
        state: 0,
      });
      expect(page1.bindings.map((b) => b.id)).toEqual(newestFirst.slice(0, 2));
      expect(page1.hasMore).toBe(true);
      const page2 = await client.listCardBindings({
        merchantId: 'mer_page',
        limit: 2,
        startingAfter: newestFirst[1]!,
        endingBefore: '',
        customerRef: '',
        state: 0,
      });
      expect(page2.bindings.map((b) => b.id)).toEqual(newestFirst.slice(2, 4));
      expect(page2.hasMore).toBe(true);
      const page3 = await client.listCardBindings({
        merchantId: 'mer_page',
        limit: 2,
        startingAfter: newestFirst[3]!,
        endingBefore: '',
        customerRef: '',
        state: 0,
      });
      expect(page3.bindings.map((b) => b.id)).toEqual(newestFirst.slice(4));
      expect(page3.hasMore).toBe(false);
      const back = await client.listCardBindings({
        merchantId: 'mer_page',
        limit: 2,
        startingAfter: '',
        endingBefore: newestFirst[4]!,
        customerRef: '',
        state: 0,
      });
      expect(back.bindings.map((b) => b.id)).toEqual(newestFirst.slice(2, 4));
      expect(back.hasMore).toBe(true);
      const odd = await client.listCardBindings({
        merchantId: 'mer_page',
        limit: 10,
        startingAfter: '',
        endingBefore: '',
        customerRef: 'odd',
        state: BindingState.BINDING_STATE_ACTIVATED,
      });
      expect(odd.bindings.map((b) => b.id)).toEqual([ids[3], ids[1]]);
      const revoked = await client.listCardBindings({
        merchantId: 'mer_page',
        limit: 10,
        startingAfter: '',
        endingBefore: '',
        customerRef: '',
        state: BindingState.BINDING_STATE_REVOKED,
      });
      expect(revoked.bindings).toEqual([]);
    });

    it('refuses a bad limit, both cursors, and another merchant’s cursor', async () => {
      const base = {
        merchantId: 'mer_page',
        startingAfter: '',
        endingBefore: '',
        customerRef: '',
        state: 0,
      };
      await expect(client.listCardBindings({ ...base, limit: 0 })).rejects.toMatchObject({
        kind: 'invalid',
        details: { field: 'limit' },
      });
      await expect(client.listCardBindings({ ...base, limit: 101 })).rejects.toMatchObject({
        kind: 'invalid',
        details: { field: 'limit' },
      });
      const other = await bind('mer_other_page');
      await expect(
        client.listCardBindings({ ...base, limit: 10, startingAfter: other.id }),
      ).rejects.toMatchObject({
        code: 'RECURRING_INVALID_REQUEST',
        details: { field: 'starting_after' },
      });
      await expect(
        client.listCardBindings({
          ...base,
          limit: 10,
          startingAfter: other.id,
          endingBefore: other.id,
        }),
      ).rejects.toMatchObject({
        details: { field: 'ending_before' },
      });
    });

    it('hides another merchant’s binding as NOT_FOUND', async () => {
      const mine = await bind('mer_scope_a');
      await expect(
        client.getCardBinding({ merchantId: 'mer_scope_b', bindingId: mine.id }),
      ).rejects.toMatchObject({
        code: 'RECURRING_BINDING_NOT_FOUND',
        kind: 'not_found',
      });
      await expect(
        client.revokeCardBinding({ merchantId: 'mer_scope_b', bindingId: mine.id }),
      ).rejects.toMatchObject({
        code: 'RECURRING_BINDING_NOT_FOUND',
      });
      expect(
        (await client.getCardBinding({ merchantId: 'mer_scope_a', bindingId: mine.id })).binding
          ?.state,
      ).toBe(BindingState.BINDING_STATE_ACTIVATED);
    });

    it('revokes once: its active and paused operations are canceled with one fact each, and a replay answers the same', async () => {
      const binding = await bind('mer_rev');
      const a = (await client.setScheduledOperation(createRequest('mer_rev', binding.id)))
        .operation!;
      const b = (await client.setScheduledOperation(createRequest('mer_rev', binding.id)))
        .operation!;
      const c = (await client.setScheduledOperation(createRequest('mer_rev', binding.id)))
        .operation!;
      await client.pauseScheduledOperation({ merchantId: 'mer_rev', operationId: b.id });
      await client.cancelScheduledOperation({ merchantId: 'mer_rev', operationId: c.id });

      const revoked = await client.revokeCardBinding({
        merchantId: 'mer_rev',
        bindingId: binding.id,
      });
      expect(revoked.binding?.state).toBe(BindingState.BINDING_STATE_REVOKED);
      expect(revoked.binding?.revokedAt).toBeInstanceOf(Date);
      expect([...revoked.canceledOperationIds].sort()).toEqual([a.id, b.id].sort());
      for (const id of [a.id, b.id]) {
        const op = (await client.getScheduledOperation({ merchantId: 'mer_rev', operationId: id }))
          .operation!;
        expect(op).toMatchObject({
          state: OperationState.OPERATION_STATE_CANCELED,
          cancelReason: 'binding_revoked',
        });
        expect(op.nextChargeAt).toBeUndefined();
        const facts = await factsOf(id);
        expect(facts).toEqual([
          expect.objectContaining({
            idempotency_key: `${id}:canceled`,
            event_type: 'recurring.operation.canceled',
            payment_id: binding.paymentId,
            merchant_id: 'mer_rev',
            body: expect.objectContaining({ cancelReason: 'binding_revoked' }),
          }),
        ]);
      }
      // The operation the merchant canceled before keeps its reason and its single fact.
      expect((await factsOf(c.id)).map((f) => f.body.cancelReason)).toEqual(['merchant']);

      const again = await client.revokeCardBinding({
        merchantId: 'mer_rev',
        bindingId: binding.id,
      });
      expect(again.binding?.revokedAt?.getTime()).toBe(revoked.binding?.revokedAt?.getTime());
      expect([...again.canceledOperationIds].sort()).toEqual([a.id, b.id].sort());
      expect(await factsOf(a.id)).toHaveLength(1);

      await expect(
        client.setScheduledOperation(createRequest('mer_rev', binding.id)),
      ).rejects.toMatchObject({
        code: 'RECURRING_BINDING_NOT_ACTIVE',
        kind: 'precondition',
      });
    });
  });

  describe('SetScheduledOperation', () => {
    it('creates an operation whose first charge is the first occurrence at or after starts_at', async () => {
      const binding = await bind('mer_c', { customerRef: 'cus_c' });
      const res = await client.setScheduledOperation(createRequest('mer_c', binding.id));
      expect(res).toMatchObject({ created: true, replayed: false });
      const op = res.operation!;
      expect(op.id).toMatch(/^sop_/);
      expect(op).toMatchObject({
        bindingId: binding.id,
        state: OperationState.OPERATION_STATE_ACTIVE,
        amount: { amountMinor: 50_000n, currency: 'RUB' },
        description: 'Gym membership',
        customerRef: 'cus_c',
        version: 1,
        metadata: { plan: 'gold' },
        receiptCustomer: { email: 'payer@example.com' },
      });
      // 31 January 2030 09:00 in Bishkek (UTC+6).
      expect(op.nextChargeAt?.toISOString()).toBe('2030-01-31T03:00:00.000Z');
      expect(op.endsAt).toBeUndefined();
      const got = await client.getScheduledOperation({ merchantId: 'mer_c', operationId: op.id });
      expect(got.operation).toEqual(op);
    });

    it('replays the same key and request, and refuses the key with another request naming the field', async () => {
      const binding = await bind('mer_idem');
      const request = createRequest('mer_idem', binding.id);
      const first = await client.setScheduledOperation(request);
      const again = await client.setScheduledOperation(request);
      expect(again).toMatchObject({ created: false, replayed: true });
      expect(again.operation?.id).toBe(first.operation?.id);
      await expect(
        client.setScheduledOperation({
          ...request,
          amount: { amountMinor: 60_000n, currency: 'RUB' },
        }),
      ).rejects.toMatchObject({
        code: 'RECURRING_IDEMPOTENCY_CONFLICT',
        kind: 'conflict',
        details: { field: 'amount' },
      });
      await expect(
        client.setScheduledOperation({ ...request, description: 'Other' }),
      ).rejects.toMatchObject({
        code: 'RECURRING_IDEMPOTENCY_CONFLICT',
        details: { field: 'description' },
      });
      // The same key of another merchant is another key.
      const otherBinding = await bind('mer_idem_2');
      const other = await client.setScheduledOperation({
        ...request,
        merchantId: 'mer_idem_2',
        bindingId: otherBinding.id,
      });
      expect(other.created).toBe(true);
      const count = await sql('scheduled_operations')
        .where({ idempotency_key: request.idempotencyKey })
        .count<{ count: string }[]>('* as count');
      expect(Number(count[0]?.count)).toBe(2);
    });

    it('races of one key create one operation', async () => {
      const binding = await bind('mer_race');
      const request = createRequest('mer_race', binding.id);
      const results = await Promise.all(
        Array.from({ length: 6 }, () => client.setScheduledOperation(request)),
      );
      expect(new Set(results.map((r) => r.operation?.id)).size).toBe(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
    });

    it.each<[string, (bindingId: string) => Partial<SetScheduledOperationRequest>, string, string]>(
      [
        [
          'no idempotency key',
          () => ({ idempotencyKey: '' }),
          'RECURRING_IDEMPOTENCY_KEY_REQUIRED',
          'idempotency_key',
        ],
        ['no amount', () => ({ amount: undefined }), 'RECURRING_INVALID_AMOUNT', 'amount'],
        [
          'a zero amount',
          () => ({ amount: { amountMinor: 0n, currency: 'RUB' } }),
          'RECURRING_INVALID_AMOUNT',
          'amount.amount_minor',
        ],
        [
          'another currency than the binding',
          () => ({ amount: { amountMinor: 100n, currency: 'KGS' } }),
          'RECURRING_INVALID_AMOUNT',
          'amount.currency',
        ],
        [
          'an empty description',
          () => ({ description: '  ' }),
          'RECURRING_INVALID_DESCRIPTION',
          'description',
        ],
        [
          'a 129-character description',
          () => ({ description: 'x'.repeat(129) }),
          'RECURRING_INVALID_DESCRIPTION',
          'description',
        ],
        [
          'an unknown time zone',
          () => ({
            schedule: {
              cron: '0 9 1 * *',
              timeZone: 'Europe/Atlantis',
              interval: 0,
              day: 0,
              timeOfDay: '',
            },
          }),
          'RECURRING_INVALID_TIME_ZONE',
          'schedule.time_zone',
        ],
        [
          'a malformed cron',
          () => ({
            schedule: { cron: '0 9 1 *', timeZone: 'UTC', interval: 0, day: 0, timeOfDay: '' },
          }),
          'RECURRING_INVALID_SCHEDULE',
          'schedule.cron',
        ],
        ['no starts_at', () => ({ startsAt: undefined }), 'RECURRING_INVALID_DATES', 'starts_at'],
        [
          'ends_at before starts_at',
          () => ({ endsAt: new Date('2029-12-31T00:00:00Z') }),
          'RECURRING_INVALID_DATES',
          'ends_at',
        ],
        [
          'no receipt contact',
          () => ({ receiptCustomer: undefined }),
          'RECURRING_INVALID_RECEIPT_CUSTOMER',
          'receipt_customer',
        ],
        [
          'a malformed phone',
          () => ({ receiptCustomer: { email: '', phone: '+7 999', fullName: '', inn: '' } }),
          'RECURRING_INVALID_RECEIPT_CUSTOMER',
          'receipt_customer.phone',
        ],
        [
          'an unknown binding',
          () => ({ bindingId: 'cbd_unknown' }),
          'RECURRING_BINDING_NOT_FOUND',
          'binding_id',
        ],
      ],
    )(
      'refuses %s with a stable code naming the field and writes nothing',
      async (_name, patch, code, field) => {
        const binding = await bind('mer_invalid');
        const request = createRequest('mer_invalid', binding.id, patch(binding.id));
        await expect(client.setScheduledOperation(request)).rejects.toMatchObject({
          code,
          details: { field },
        });
        const rows = await sql('scheduled_operations').where({ merchant_id: 'mer_invalid' });
        expect(rows).toHaveLength(0);
      },
    );

    it('refuses an ERROR binding and another merchant’s binding', async () => {
      const failed = await bind('mer_state', { state: BindingState.BINDING_STATE_ERROR });
      await expect(
        client.setScheduledOperation(createRequest('mer_state', failed.id)),
      ).rejects.toMatchObject({
        code: 'RECURRING_BINDING_NOT_ACTIVE',
        kind: 'precondition',
        details: { field: 'binding_id' },
      });
      const foreign = await bind('mer_state_other');
      await expect(
        client.setScheduledOperation(createRequest('mer_state', foreign.id)),
      ).rejects.toMatchObject({
        code: 'RECURRING_BINDING_NOT_FOUND',
        kind: 'not_found',
      });
    });

    it('completes at once an operation whose end comes before its first occurrence', async () => {
      const binding = await bind('mer_done');
      const res = await client.setScheduledOperation(
        createRequest('mer_done', binding.id, { endsAt: new Date('2030-01-15T00:00:00Z') }),
      );
      expect(res.operation?.state).toBe(OperationState.OPERATION_STATE_COMPLETED);
      expect(res.operation?.nextChargeAt).toBeUndefined();
    });

    it('edits future charges only: sent fields replace, others stay, version bumps, next charge recomputed', async () => {
      const binding = await bind('mer_edit');
      const created = (await client.setScheduledOperation(createRequest('mer_edit', binding.id)))
        .operation!;
      const edited = await client.setScheduledOperation({
        merchantId: 'mer_edit',
        operationId: created.id,
        idempotencyKey: '',
        bindingId: '',
        amount: { amountMinor: 75_000n, currency: 'RUB' },
        schedule: {
          cron: '',
          timeZone: 'Europe/Berlin',
          interval: ScheduleInterval.SCHEDULE_INTERVAL_WEEKLY,
          day: 1,
          timeOfDay: '10:00',
        },
        endsAt: new Date('2030-06-01T00:00:00Z'),
        clearEndsAt: false,
        metadata: {},
      });
      expect(edited).toMatchObject({ created: false, replayed: false });
      const op = edited.operation!;
      expect(op).toMatchObject({
        id: created.id,
        version: 2,
        amount: { amountMinor: 75_000n, currency: 'RUB' },
        description: 'Gym membership',
        metadata: { plan: 'gold' },
        receiptCustomer: { email: 'payer@example.com' },
        state: OperationState.OPERATION_STATE_ACTIVE,
      });
      expect(op.startsAt?.toISOString()).toBe(startsAt.toISOString());
      // Monday 7 January 2030 10:00 CET.
      expect(op.nextChargeAt?.toISOString()).toBe('2030-01-07T09:00:00.000Z');
      expect(op.createdAt?.getTime()).toBe(created.createdAt?.getTime());

      const cleared = await client.setScheduledOperation({
        merchantId: 'mer_edit',
        operationId: created.id,
        idempotencyKey: '',
        bindingId: '',
        clearEndsAt: true,
        description: 'Gym membership, gold',
        metadata: {},
      });
      expect(cleared.operation).toMatchObject({ version: 3, description: 'Gym membership, gold' });
      expect(cleared.operation?.endsAt).toBeUndefined();

      await expect(
        client.setScheduledOperation({
          merchantId: 'mer_edit',
          operationId: created.id,
          idempotencyKey: '',
          bindingId: 'cbd_other',
          clearEndsAt: false,
          metadata: {},
        }),
      ).rejects.toMatchObject({
        code: 'RECURRING_INVALID_REQUEST',
        details: { field: 'binding_id' },
      });
      await expect(
        client.setScheduledOperation({
          merchantId: 'mer_edit',
          operationId: created.id,
          idempotencyKey: '',
          bindingId: '',
          startsAt: new Date('2031-01-01T00:00:00Z'),
          endsAt: new Date('2030-12-01T00:00:00Z'),
          clearEndsAt: false,
          metadata: {},
        }),
      ).rejects.toMatchObject({ code: 'RECURRING_INVALID_DATES', details: { field: 'ends_at' } });
      expect(
        (await client.getScheduledOperation({ merchantId: 'mer_edit', operationId: created.id }))
          .operation?.version,
      ).toBe(3);

      await expect(
        client.setScheduledOperation({
          merchantId: 'mer_other',
          operationId: created.id,
          idempotencyKey: '',
          bindingId: '',
          description: 'mine now',
          clearEndsAt: false,
          metadata: {},
        }),
      ).rejects.toMatchObject({ code: 'RECURRING_OPERATION_NOT_FOUND', kind: 'not_found' });

      await client.cancelScheduledOperation({ merchantId: 'mer_edit', operationId: created.id });
      await expect(
        client.setScheduledOperation({
          merchantId: 'mer_edit',
          operationId: created.id,
          idempotencyKey: '',
          bindingId: '',
          description: 'again',
          clearEndsAt: false,
          metadata: {},
        }),
      ).rejects.toMatchObject({ code: 'RECURRING_OPERATION_FINISHED', kind: 'precondition' });
    });

    it('recomputes the next charge from now when an edit leaves starts_at in the past', async () => {
      const binding = await bind('mer_now');
      const created = (
        await client.setScheduledOperation(
          createRequest('mer_now', binding.id, {
            startsAt: new Date('2020-01-01T00:00:00Z'),
            schedule: {
              cron: '',
              timeZone: 'UTC',
              interval: ScheduleInterval.SCHEDULE_INTERVAL_DAILY,
              day: 0,
              timeOfDay: '00:00',
            },
          }),
        )
      ).operation!;
      const before = Date.now();
      expect(created.nextChargeAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(created.nextChargeAt!.getTime()).toBeLessThanOrEqual(before + 86_400_000);
      const edited = (
        await client.setScheduledOperation({
          merchantId: 'mer_now',
          operationId: created.id,
          idempotencyKey: '',
          bindingId: '',
          amount: { amountMinor: 1n, currency: 'RUB' },
          clearEndsAt: false,
          metadata: {},
        })
      ).operation!;
      expect(edited.nextChargeAt!.getTime()).toBeGreaterThan(Date.now() - 1000);
      expect(edited.nextChargeAt!.getTime()).toBeLessThanOrEqual(Date.now() + 86_400_000);
    });
  });

  describe('pause, resume, cancel', () => {
    it('pauses, resumes from the next occurrence, cancels for good with one fact; repeats answer changed=false', async () => {
      const binding = await bind('mer_life');
      const created = (
        await client.setScheduledOperation(
          createRequest('mer_life', binding.id, {
            startsAt: new Date('2020-01-01T00:00:00Z'),
            schedule: {
              cron: '*/5 * * * *',
              timeZone: 'America/New_York',
              interval: 0,
              day: 0,
              timeOfDay: '',
            },
          }),
        )
      ).operation!;
      const ids = { merchantId: 'mer_life', operationId: created.id };

      const paused = await client.pauseScheduledOperation(ids);
      expect(paused.changed).toBe(true);
      expect(paused.operation?.state).toBe(OperationState.OPERATION_STATE_PAUSED);
      expect(paused.operation?.nextChargeAt).toBeUndefined();
      expect((await client.pauseScheduledOperation(ids)).changed).toBe(false);

      const resumedAt = Date.now();
      const resumed = await client.resumeScheduledOperation(ids);
      expect(resumed.changed).toBe(true);
      expect(resumed.operation?.state).toBe(OperationState.OPERATION_STATE_ACTIVE);
      const next = resumed.operation!.nextChargeAt!.getTime();
      expect(next).toBeGreaterThan(resumedAt - 1000);
      expect(next).toBeLessThanOrEqual(resumedAt + 5 * 60_000);
      expect(next % (5 * 60_000)).toBe(0);
      expect((await client.resumeScheduledOperation(ids)).changed).toBe(false);

      const canceled = await client.cancelScheduledOperation(ids);
      expect(canceled.changed).toBe(true);
      expect(canceled.operation).toMatchObject({
        state: OperationState.OPERATION_STATE_CANCELED,
        cancelReason: 'merchant',
      });
      expect((await client.cancelScheduledOperation(ids)).changed).toBe(false);
      const facts = await factsOf(created.id);
      expect(facts).toEqual([
        expect.objectContaining({
          idempotency_key: `${created.id}:canceled`,
          event_type: 'recurring.operation.canceled',
          payment_id: binding.paymentId,
          body: expect.objectContaining({
            cancelReason: 'merchant',
            amount: { amountMinor: '50000', currency: 'RUB' },
          }),
        }),
      ]);

      await expect(client.resumeScheduledOperation(ids)).rejects.toMatchObject({
        code: 'RECURRING_OPERATION_FINISHED',
      });
      await expect(client.pauseScheduledOperation(ids)).rejects.toMatchObject({
        code: 'RECURRING_OPERATION_FINISHED',
      });
      await expect(
        client.cancelScheduledOperation({ merchantId: 'mer_elsewhere', operationId: created.id }),
      ).rejects.toMatchObject({
        code: 'RECURRING_OPERATION_NOT_FOUND',
      });
    });
  });

  describe('ListScheduledOperations', () => {
    it('pages newest first and filters by binding, state, customer and next charge range', async () => {
      const b1 = await bind('mer_list', { customerRef: 'alice' });
      const b2 = await bind('mer_list', { customerRef: 'bob' });
      const month = (m: number) => new Date(Date.UTC(2030, m, 1));
      const ops: string[] = [];
      for (const [binding, m] of [
        [b1, 0],
        [b1, 1],
        [b2, 2],
        [b2, 3],
      ] as const) {
        const res = await client.setScheduledOperation(
          createRequest('mer_list', binding.id, {
            startsAt: month(m),
            schedule: { cron: '0 12 * * *', timeZone: 'UTC', interval: 0, day: 0, timeOfDay: '' },
          }),
        );
        ops.push(res.operation!.id);
      }
      await client.pauseScheduledOperation({ merchantId: 'mer_list', operationId: ops[1]! });
      const base = {
        merchantId: 'mer_list',
        limit: 10,
        startingAfter: '',
        endingBefore: '',
        bindingId: '',
        state: 0,
        customerRef: '',
      };

      const all = await client.listScheduledOperations({ ...base, limit: 3 });
      expect(all.operations.map((o) => o.id)).toEqual([ops[3], ops[2], ops[1]]);
      expect(all.hasMore).toBe(true);
      const rest = await client.listScheduledOperations({
        ...base,
        limit: 3,
        startingAfter: ops[1]!,
      });
      expect(rest.operations.map((o) => o.id)).toEqual([ops[0]]);
      expect(rest.hasMore).toBe(false);

      expect(
        (await client.listScheduledOperations({ ...base, bindingId: b1.id })).operations.map(
          (o) => o.id,
        ),
      ).toEqual([ops[1], ops[0]]);
      expect(
        (await client.listScheduledOperations({ ...base, customerRef: 'bob' })).operations.map(
          (o) => o.id,
        ),
      ).toEqual([ops[3], ops[2]]);
      expect(
        (
          await client.listScheduledOperations({
            ...base,
            state: OperationState.OPERATION_STATE_PAUSED,
          })
        ).operations.map((o) => o.id),
      ).toEqual([ops[1]]);
      expect(
        (
          await client.listScheduledOperations({
            ...base,
            nextChargeGte: month(2),
            nextChargeLt: month(3),
          })
        ).operations.map((o) => o.id),
      ).toEqual([ops[2]]);
      expect(
        (await client.listScheduledOperations({ ...base, merchantId: 'mer_list_other' }))
          .operations,
      ).toEqual([]);
    });
  });
  it("keeps a test key's requests to test objects: a live binding and its operations are not found", async () => {
    const merchantId = 'mer_modes';
    const live = await bind(merchantId, { livemode: true, customerRef: 'cus_live' });
    const test = await bind(merchantId, { livemode: false, customerRef: 'cus_test' });
    const notFound = { code: 'RECURRING_BINDING_NOT_FOUND' };

    // A test key cannot schedule charges of a live card, nor read or revoke it.
    await expect(
      client.setScheduledOperation({ ...createRequest(merchantId, live.id), livemode: false }),
    ).rejects.toMatchObject(notFound);
    await expect(
      client.getCardBinding({ merchantId, bindingId: live.id, livemode: false }),
    ).rejects.toMatchObject(notFound);
    await expect(
      client.revokeCardBinding({ merchantId, bindingId: live.id, livemode: false }),
    ).rejects.toMatchObject(notFound);
    const testList = await client.listCardBindings(
      ListCardBindingsRequest.fromPartial({ merchantId, limit: 10, livemode: false }),
    );
    expect(testList.bindings.map((b) => b.id)).toEqual([test.id]);

    // The live key's operation is invisible and untouchable to the test key.
    const { operation } = await client.setScheduledOperation({
      ...createRequest(merchantId, live.id),
      livemode: true,
    });
    const operationId = operation!.id;
    expect(operation!.livemode).toBe(true);
    const opNotFound = { code: 'RECURRING_OPERATION_NOT_FOUND' };
    for (const call of [
      () => client.getScheduledOperation({ merchantId, operationId, livemode: false }),
      () => client.pauseScheduledOperation({ merchantId, operationId, livemode: false }),
      () => client.cancelScheduledOperation({ merchantId, operationId, livemode: false }),
      () =>
        client.setScheduledOperation(
          SetScheduledOperationRequest.fromPartial({
            merchantId,
            operationId,
            description: 'Edited by a test key',
            livemode: false,
          }),
        ),
      () =>
        client.listCharges(
          ListChargesRequest.fromPartial({ merchantId, operationId, limit: 10, livemode: false }),
        ),
    ]) {
      await expect(call()).rejects.toMatchObject(opNotFound);
    }
    const testOps = await client.listScheduledOperations(
      ListScheduledOperationsRequest.fromPartial({ merchantId, limit: 10, livemode: false }),
    );
    expect(testOps.operations).toEqual([]);
    const liveOps = await client.listScheduledOperations(
      ListScheduledOperationsRequest.fromPartial({ merchantId, limit: 10, livemode: true }),
    );
    expect(liveOps.operations.map((o) => o.id)).toEqual([operationId]);
    // A live id as a test key's cursor is refused like an unknown one: nothing learned of it.
    for (const list of [
      () =>
        client.listCardBindings(
          ListCardBindingsRequest.fromPartial({
            merchantId,
            limit: 10,
            livemode: false,
            startingAfter: live.id,
          }),
        ),
      () =>
        client.listScheduledOperations(
          ListScheduledOperationsRequest.fromPartial({
            merchantId,
            limit: 10,
            livemode: false,
            startingAfter: operationId,
          }),
        ),
    ]) {
      await expect(list()).rejects.toMatchObject({ code: 'RECURRING_INVALID_REQUEST' });
    }
    // Unchanged by the refused calls; operators (no mode named) see it.
    const got = await client.getScheduledOperation({ merchantId, operationId });
    expect(got.operation).toMatchObject({
      state: OperationState.OPERATION_STATE_ACTIVE,
      version: 1,
    });
  });
});
