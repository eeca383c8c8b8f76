import {
  BindingState,
  CardBinding,
  Charge,
  ChargeState,
  OperationState,
  Receipt,
  ScheduledOperation,
  ScheduleInterval,
  type SetScheduledOperationRequest,
} from '@tolem/contracts/recurring';
import { DomainError } from '@tolem/errors';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  authenticateByKeys,
  capturingLogger,
  gatewayDeps,
} from '../../../test/fakes/gateway-deps.fake';
import { buildGateway } from '../server';
import type { RecurringClient } from './recurring.route';

const at = new Date('2026-12-08T10:00:00.000Z');
const later = new Date('2026-12-09T09:00:00.000Z');
const PHONE = '996555123456';

const binding = CardBinding.fromPartial({
  id: 'cbd_1',
  merchantId: 'mer_1',
  paymentId: 'pay_1',
  providerBindingRef: 'im-recurring-ref-1',
  state: BindingState.BINDING_STATE_ACTIVATED,
  cardLast4: '4242',
  createdAt: at,
  firstAmount: { amountMinor: 15_000n, currency: 'RUB' },
  customerRef: 'cus_77',
  cardExpiry: '12/29',
  livemode: false,
});

const charge = Charge.fromPartial({
  id: 'chg_1',
  operationId: 'sop_1',
  merchantId: 'mer_1',
  scheduledAt: at,
  state: ChargeState.CHARGE_STATE_RETRYING,
  amount: { amountMinor: 9_900n, currency: 'RUB' },
  attempts: [
    {
      number: 1,
      paymentId: 'pay_c1',
      attemptedAt: at,
      outcome: 'failed',
      declineCode: '51',
      declineKind: 'soft',
      reasonCode: 'PROVIDER_CARD_DECLINED',
    },
  ],
  nextAttemptAt: later,
  operationVersion: 2,
});

const receipt = Receipt.fromPartial({
  id: 'rct_1',
  merchantId: 'mer_1',
  type: 'payment',
  paymentId: 'pay_c2',
  operationId: 'sop_1',
  chargeId: 'chg_2',
  customer: { email: 'ann@example.com', phone: PHONE, fullName: 'Ann', inn: '' },
  items: [
    {
      description: 'Gym, monthly',
      quantity: '1',
      amount: { amountMinor: 9_900n, currency: 'RUB' },
      vatCode: 11,
      paymentSubject: 'service',
      paymentMode: 'full_payment',
    },
  ],
  taxSystemCode: 1,
  status: 'succeeded',
  fiscalDocumentNumber: '3986',
  fiscalStorageNumber: '9288000100115785',
  fiscalAttribute: '2617603921',
  registeredAt: later,
  sendAttempts: 2,
  lastError: '',
  createdAt: at,
  registerReceiptId: 'reg_1',
  settlement: { amountMinor: 9_900n, currency: 'RUB' },
  livemode: false,
});

/**
 * A recurring service double that keeps operations per merchant and, like the service, answers
 * not-found for another merchant's ids: the routes must always send the API key's merchant.
 * `failWith` makes the next call throw that error, as a gRPC failure reaches the gateway.
 */
function fakeRecurring() {
  const calls: { method: string; request: Record<string, unknown> }[] = [];
  /** The API key mode each call named (kept apart so the request checks read as before). */
  const modes: (boolean | undefined)[] = [];
  const operations = new Map<string, ScheduledOperation>();
  const byKey = new Map<string, string>();
  const state: { failWith: Error | null } = { failWith: null };
  const record = (method: string, request: object) => {
    const { livemode, ...rest } = request as Record<string, unknown> & { livemode?: boolean };
    calls.push({ method, request: rest });
    modes.push(livemode);
    const failure = state.failWith;
    if (failure) {
      state.failWith = null;
      throw failure;
    }
  };
  const ownOperation = (merchantId: string, id: string) => {
    const o = operations.get(id);
    if (!o || o.merchantId !== merchantId) {
      throw new DomainError('RECURRING_OPERATION_NOT_FOUND', 'not_found', 'no such operation');
    }
    return o;
  };
  const ownBinding = (merchantId: string, id: string) => {
    if (id !== binding.id || merchantId !== binding.merchantId) {
      throw new DomainError('RECURRING_BINDING_NOT_FOUND', 'not_found', 'no such binding');
    }
    return binding;
  };
  let n = 0;
  const set = (req: SetScheduledOperationRequest) => {
    if (req.operationId === '') {
      const known = byKey.get(`${req.merchantId}:${req.idempotencyKey}`);
      if (known) return { operation: operations.get(known), created: false, replayed: true };
      ownBinding(req.merchantId, req.bindingId);
      n += 1;
      const o = ScheduledOperation.fromPartial({
        id: `sop_${n}`,
        merchantId: req.merchantId,
        bindingId: req.bindingId,
        amount: req.amount,
        description: req.description ?? '',
        schedule: req.schedule,
        startsAt: req.startsAt ?? at,
        endsAt: req.endsAt,
        state: OperationState.OPERATION_STATE_ACTIVE,
        nextChargeAt: later,
        fireOnSkip: req.fireOnSkip ?? false,
        receiptCustomer: req.receiptCustomer,
        metadata: req.metadata,
        version: 1,
        createdAt: at,
        updatedAt: at,
        customerRef: binding.customerRef,
        livemode: false,
      });
      operations.set(o.id, o);
      byKey.set(`${req.merchantId}:${req.idempotencyKey}`, o.id);
      return { operation: o, created: true, replayed: false };
    }
    const o = ownOperation(req.merchantId, req.operationId);
    const edited: ScheduledOperation = {
      ...o,
      amount: req.amount ?? o.amount,
      description: req.description ?? o.description,
      schedule: req.schedule ?? o.schedule,
      endsAt: req.clearEndsAt ? undefined : (req.endsAt ?? o.endsAt),
      version: o.version + 1,
    };
    operations.set(o.id, edited);
    return { operation: edited, created: false, replayed: false };
  };
  const toState = (merchantId: string, id: string, s: OperationState) => {
    const o = ownOperation(merchantId, id);
    const changed = o.state !== s;
    const next = { ...o, state: s, cancelReason: s === 3 ? 'merchant' : o.cancelReason };
    operations.set(id, next);
    return { operation: next, changed };
  };
  const client: RecurringClient = {
    listCardBindings: async (req) => {
      record('listCardBindings', req);
      return { bindings: req.merchantId === 'mer_1' ? [binding] : [], hasMore: true };
    },
    getCardBinding: async (req) => {
      record('getCardBinding', req);
      return { binding: ownBinding(req.merchantId, req.bindingId) };
    },
    revokeCardBinding: async (req) => {
      record('revokeCardBinding', req);
      const b = ownBinding(req.merchantId, req.bindingId);
      return {
        binding: { ...b, state: BindingState.BINDING_STATE_REVOKED, revokedAt: later },
        canceledOperationIds: ['sop_1', 'sop_2'],
      };
    },
    setScheduledOperation: async (req) => {
      record('setScheduledOperation', req);
      return set(req);
    },
    getScheduledOperation: async (req) => {
      record('getScheduledOperation', req);
      return { operation: ownOperation(req.merchantId, req.operationId) };
    },
    listScheduledOperations: async (req) => {
      record('listScheduledOperations', req);
      return {
        operations: [...operations.values()].filter((o) => o.merchantId === req.merchantId),
        hasMore: false,
      };
    },
    pauseScheduledOperation: async (req) => {
      record('pauseScheduledOperation', req);
      return toState(req.merchantId, req.operationId, OperationState.OPERATION_STATE_PAUSED);
    },
    resumeScheduledOperation: async (req) => {
      record('resumeScheduledOperation', req);
      return toState(req.merchantId, req.operationId, OperationState.OPERATION_STATE_ACTIVE);
    },
    cancelScheduledOperation: async (req) => {
      record('cancelScheduledOperation', req);
      return toState(req.merchantId, req.operationId, OperationState.OPERATION_STATE_CANCELED);
    },
    listCharges: async (req) => {
      record('listCharges', req);
      ownOperation(req.merchantId, req.operationId);
      return { charges: [charge], hasMore: true };
    },
    getReceipt: async (req) => {
      record('getReceipt', req);
      if (req.receiptId !== receipt.id || req.merchantId !== receipt.merchantId) {
        throw new DomainError('RECURRING_RECEIPT_NOT_FOUND', 'not_found', 'no such receipt');
      }
      return { receipt };
    },
    listReceipts: async (req) => {
      record('listReceipts', req);
      return { receipts: [receipt], hasMore: false };
    },
  };
  return { client, calls, modes, state };
}

function setup(options: { recurring?: boolean } = {}) {
  const recurring = fakeRecurring();
  const { log, lines } = capturingLogger('debug');
  const deps = gatewayDeps({
    merchants: {
      authenticateApiKey: authenticateByKeys({
        sk_test_one: 'mer_1',
        sk_test_two: 'mer_2',
        sk_live_one: 'mer_1',
      }),
    },
    ...(options.recurring === false ? {} : { recurring: recurring.client }),
    log,
  });
  return { app: buildGateway(deps), ...recurring, lines };
}

const one = { authorization: 'Bearer sk_test_one' };
const two = { authorization: 'Bearer sk_test_two' };

const createBody = {
  binding: 'cbd_1',
  amount: 9_900,
  currency: 'RUB',
  description: 'Gym, monthly',
  schedule: { cron: '0 9 1 * *', time_zone: 'Asia/Bishkek' },
  starts_at: '2026-12-10T00:00:00+06:00',
  ends_at: '2027-12-10T00:00:00Z',
  fire_on_skip: true,
  receipt_customer: {
    email: 'ann@example.com',
    phone: PHONE,
    full_name: 'Ann',
    inn: '123456789012',
  },
  metadata: { plan: 'gold' },
};

describe('recurring routes', () => {
  let s: ReturnType<typeof setup>;
  let app: FastifyInstance;
  beforeEach(() => {
    s = setup();
    app = s.app;
  });
  afterEach(async () => {
    await app.close();
  });

  const create = (payload: object, headers: Record<string, string> = { 'idempotency-key': 'k1' }) =>
    app.inject({
      method: 'POST',
      url: '/v1/recurring_operations',
      headers: { ...one, ...headers },
      payload,
    });

  it("names the API key's mode on every call, so a test key reaches only test objects", async () => {
    const live = { authorization: 'Bearer sk_live_one' };
    const requests: [string, string][] = [
      ['GET', '/v1/card_bindings'],
      ['GET', '/v1/card_bindings/cbd_1'],
      ['POST', '/v1/card_bindings/cbd_1/revoke'],
      ['GET', '/v1/recurring_operations'],
      ['GET', '/v1/recurring_operations/sop_x'],
      ['POST', '/v1/recurring_operations/sop_x/pause'],
      ['GET', '/v1/recurring_operations/sop_x/charges'],
      ['GET', '/v1/receipts'],
      ['GET', '/v1/receipts/rct_1'],
    ];
    for (const [headers, mode] of [
      [one, false],
      [live, true],
    ] as const) {
      s.modes.length = 0;
      for (const [method, url] of requests) await app.inject({ method, url, headers });
      expect(s.modes).toHaveLength(requests.length);
      expect(new Set(s.modes)).toEqual(new Set([mode]));
    }
  });

  describe('POST /v1/recurring_operations', () => {
    it('creates an operation: every field reaches SetScheduledOperation, 201 with Location and the Stripe-like object', async () => {
      const res = await create(createBody);
      expect(res.statusCode).toBe(201);
      expect(res.headers['location']).toBe('/v1/recurring_operations/sop_1');
      expect(s.calls).toEqual([
        {
          method: 'setScheduledOperation',
          request: {
            merchantId: 'mer_1',
            operationId: '',
            idempotencyKey: 'k1',
            bindingId: 'cbd_1',
            amount: { amountMinor: 9_900n, currency: 'RUB' },
            description: 'Gym, monthly',
            schedule: {
              cron: '0 9 1 * *',
              timeZone: 'Asia/Bishkek',
              interval: ScheduleInterval.SCHEDULE_INTERVAL_UNSPECIFIED,
              day: 0,
              timeOfDay: '',
            },
            startsAt: new Date('2026-12-09T18:00:00.000Z'),
            endsAt: new Date('2027-12-10T00:00:00.000Z'),
            clearEndsAt: false,
            fireOnSkip: true,
            receiptCustomer: {
              email: 'ann@example.com',
              phone: PHONE,
              fullName: 'Ann',
              inn: '123456789012',
            },
            metadata: { plan: 'gold' },
          },
        },
      ]);
      expect(res.json()).toEqual({
        id: 'sop_1',
        object: 'recurring_operation',
        livemode: false,
        binding: 'cbd_1',
        customer_ref: 'cus_77',
        amount: 9900,
        currency: 'RUB',
        description: 'Gym, monthly',
        schedule: { cron: '0 9 1 * *', time_zone: 'Asia/Bishkek' },
        starts_at: '2026-12-09T18:00:00.000Z',
        ends_at: '2027-12-10T00:00:00.000Z',
        state: 'active',
        next_charge_at: later.toISOString(),
        fire_on_skip: true,
        receipt_customer: {
          email: 'ann@example.com',
          phone: PHONE,
          full_name: 'Ann',
          inn: '123456789012',
        },
        cancel_reason: null,
        cancel_code: null,
        metadata: { plan: 'gold' },
        version: 1,
        created_at: at.toISOString(),
        updated_at: at.toISOString(),
      });
    });

    it('sends an interval schedule as interval, day and time of day, and leaves unsent options unset', async () => {
      const res = await create({
        binding: 'cbd_1',
        amount: '9900',
        currency: 'RUB',
        description: 'Gym',
        schedule: { interval: 'weekly', day: 1, time_of_day: '09:30', time_zone: 'Europe/Moscow' },
      });
      expect(res.statusCode).toBe(201);
      expect(s.calls[0]?.request).toMatchObject({
        amount: { amountMinor: 9_900n, currency: 'RUB' },
        schedule: {
          cron: '',
          timeZone: 'Europe/Moscow',
          interval: ScheduleInterval.SCHEDULE_INTERVAL_WEEKLY,
          day: 1,
          timeOfDay: '09:30',
        },
        startsAt: undefined,
        endsAt: undefined,
        fireOnSkip: undefined,
        receiptCustomer: undefined,
        metadata: {},
      });
      expect(res.json()).toMatchObject({
        schedule: { interval: 'weekly', day: 1, time_of_day: '09:30', time_zone: 'Europe/Moscow' },
        ends_at: null,
        receipt_customer: null,
        metadata: {},
      });
      const daily = await create(
        { ...createBody, schedule: { interval: 'daily', time_zone: 'UTC' } },
        { 'idempotency-key': 'k-daily' },
      );
      expect(daily.json().schedule).toEqual({
        interval: 'daily',
        day: null,
        time_of_day: '00:00',
        time_zone: 'UTC',
      });
    });

    it('replays a retried create from the idempotency store and refuses the key with another body', async () => {
      const first = await create(createBody);
      const again = await create(createBody);
      expect(again.statusCode).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.json()).toEqual(first.json());
      expect(s.calls).toHaveLength(1);
      const other = await create({ ...createBody, amount: 10_000 });
      expect(other.statusCode).toBe(409);
      expect(other.json().error).toMatchObject({
        code: 'IDEMPOTENCY_KEY_REUSED',
        details: { field: 'amount' },
      });
      // Another merchant's same key is its own.
      const theirs = await app.inject({
        method: 'POST',
        url: '/v1/recurring_operations',
        headers: { ...two, 'idempotency-key': 'k1' },
        payload: createBody,
      });
      expect(theirs.statusCode).toBe(404);
      expect(s.calls[1]?.request).toMatchObject({ merchantId: 'mer_2', idempotencyKey: 'k1' });
    });

    it('answers 200 Idempotent-Replayed when the recurring service recognised the key itself', async () => {
      const first = await create(createBody, { 'idempotence-key': 'yk-1' });
      expect(s.calls[0]?.request).toMatchObject({ idempotencyKey: 'yk-1' });
      // A retry that reached the service past this gateway's store (another replica, or after
      // 24 hours): the service answers the operation the key made.
      s.client.setScheduledOperation = async () => ({
        operation: ScheduledOperation.fromPartial({
          id: 'sop_1',
          merchantId: 'mer_1',
          amount: { amountMinor: 9_900n, currency: 'RUB' },
        }),
        created: false,
        replayed: true,
      });
      const res = await create(createBody, { 'idempotency-key': 'yk-2' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['idempotent-replayed']).toBe('true');
      expect(res.headers['location']).toBeUndefined();
      expect(res.json().id).toBe(first.json().id);
    });

    it.each([
      ['no Idempotency-Key', {}, createBody, 'IDEMPOTENCY_KEY_REQUIRED', undefined],
      [
        'no binding',
        undefined,
        { ...createBody, binding: undefined },
        'VALIDATION_FAILED',
        'binding',
      ],
      [
        'no schedule',
        undefined,
        { ...createBody, schedule: undefined },
        'VALIDATION_FAILED',
        'schedule',
      ],
      [
        'no description',
        undefined,
        { ...createBody, description: undefined },
        'VALIDATION_FAILED',
        'description',
      ],
      [
        'an unknown field',
        undefined,
        { ...createBody, cron: '* * * * *' },
        'VALIDATION_FAILED',
        'cron',
      ],
      [
        'a float amount',
        undefined,
        { ...createBody, amount: 99.5 },
        'MONEY_NOT_AN_INTEGER',
        undefined,
      ],
      ['a zero amount', undefined, { ...createBody, amount: 0 }, 'MONEY_ZERO_AMOUNT', undefined],
      [
        'an unknown currency',
        undefined,
        { ...createBody, currency: 'XXY' },
        'VALIDATION_FAILED',
        'currency',
      ],
      [
        'a cron schedule with an interval too',
        undefined,
        { ...createBody, schedule: { cron: '0 9 1 * *', interval: 'daily', time_zone: 'UTC' } },
        'VALIDATION_FAILED',
        'schedule.interval',
      ],
      [
        'a cron expression of three fields',
        undefined,
        { ...createBody, schedule: { cron: '0 9 1', time_zone: 'UTC' } },
        'VALIDATION_FAILED',
        'schedule.cron',
      ],
      [
        'a schedule with neither cron nor interval',
        undefined,
        { ...createBody, schedule: { time_zone: 'UTC' } },
        'VALIDATION_FAILED',
        'schedule.interval',
      ],
      [
        'an interval schedule without a time zone',
        undefined,
        { ...createBody, schedule: { interval: 'monthly', day: 31 } },
        'VALIDATION_FAILED',
        'schedule.time_zone',
      ],
      [
        'an unknown interval',
        undefined,
        { ...createBody, schedule: { interval: 'yearly', time_zone: 'UTC' } },
        'VALIDATION_FAILED',
        'schedule.interval',
      ],
      [
        'a day past 31',
        undefined,
        { ...createBody, schedule: { interval: 'monthly', day: 32, time_zone: 'UTC' } },
        'VALIDATION_FAILED',
        'schedule.day',
      ],
      [
        'a time of day past 23:59',
        undefined,
        { ...createBody, schedule: { interval: 'daily', time_of_day: '24:00', time_zone: 'UTC' } },
        'VALIDATION_FAILED',
        'schedule.time_of_day',
      ],
      [
        'a start without an offset',
        undefined,
        { ...createBody, starts_at: '2026-12-10 09:00' },
        'VALIDATION_FAILED',
        'starts_at',
      ],
      [
        'a null end on create',
        undefined,
        { ...createBody, ends_at: null },
        'VALIDATION_FAILED',
        'ends_at',
      ],
      [
        'a phone with a plus',
        undefined,
        { ...createBody, receipt_customer: { phone: `+${PHONE}` } },
        'VALIDATION_FAILED',
        'receipt_customer.phone',
      ],
      [
        'an INN of 11 digits',
        undefined,
        { ...createBody, receipt_customer: { email: 'a@b.co', inn: '12345678901' } },
        'VALIDATION_FAILED',
        'receipt_customer.inn',
      ],
      [
        'an email without a domain',
        undefined,
        { ...createBody, receipt_customer: { email: 'ann' } },
        'VALIDATION_FAILED',
        'receipt_customer.email',
      ],
    ])(
      'refuses %s with 400 and a stable code, before the recurring service is asked',
      async (_name, headers, payload, code, field) => {
        const res = await create(payload, headers);
        expect(res.statusCode).toBe(400);
        expect(res.json().error.code).toBe(code);
        if (field !== undefined) expect(res.json().error.details).toEqual({ field });
        expect(s.calls).toEqual([]);
      },
    );

    it.each([
      ['invalid', 'RECURRING_INVALID_SCHEDULE', 400, { field: 'schedule.cron' }],
      ['not_found', 'RECURRING_BINDING_NOT_FOUND', 404, {}],
      ['precondition', 'RECURRING_BINDING_NOT_ACTIVE', 422, {}],
      ['conflict', 'RECURRING_IDEMPOTENCY_CONFLICT', 409, {}],
      ['unavailable', 'UPSTREAM_UNAVAILABLE', 503, {}],
      ['rate_limited', 'RECURRING_RATE_LIMITED', 429, {}],
    ] as const)(
      'maps the recurring service’s %s error to %s / HTTP status',
      async (kind, code, status, details) => {
        s.state.failWith = new DomainError(code, kind, `${code} happened`, { details });
        const res = await create(createBody);
        expect(res.statusCode).toBe(status);
        expect(res.json()).toEqual({
          error: {
            code,
            message: `${code} happened`,
            request_id: expect.any(String),
            ...(Object.keys(details).length > 0 ? { details } : {}),
          },
        });
      },
    );

    it('scrubs an internal failure to `internal error`', async () => {
      s.state.failWith = new DomainError(
        'RECURRING_DB',
        'internal',
        'pg: relation x does not exist',
      );
      const res = await create(createBody);
      expect(res.statusCode).toBe(500);
      expect(res.json().error).toMatchObject({ code: 'RECURRING_DB', message: 'internal error' });
    });

    it('needs an API key before anything else', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/recurring_operations',
        headers: { 'idempotency-key': 'k' },
        payload: createBody,
      });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHENTICATED');
      expect(s.calls).toEqual([]);
    });

    it('never writes the receipt phone number to the logs, whatever the answer', async () => {
      await create(createBody);
      await create({ ...createBody, amount: 1 }, { 'idempotency-key': 'k1' });
      await create({ ...createBody, receipt_customer: { phone: `${PHONE}0000` } });
      s.state.failWith = new DomainError('RECURRING_INVALID_RECEIPT', 'invalid', 'bad receipt');
      await create(createBody, { 'idempotency-key': 'k9' });
      // A peer's internal failure whose message names the phone: scrubbed, and never logged.
      s.state.failWith = new DomainError('RECURRING_DB', 'internal', `insert ${PHONE} failed`);
      const failed = await create(createBody, { 'idempotency-key': 'k10' });
      expect(failed.body).not.toContain(PHONE);
      const log = s.lines.join('\n');
      expect(log).toContain('request completed');
      expect(log).not.toContain(PHONE);
      expect(log).not.toContain(PHONE.slice(3));
    });
  });

  describe('POST /v1/recurring_operations/{id} (edit)', () => {
    beforeEach(async () => {
      await create(createBody);
      s.calls.length = 0;
    });
    const edit = (payload: unknown, headers: Record<string, string> = {}) =>
      app.inject({
        method: 'POST',
        url: '/v1/recurring_operations/sop_1',
        headers: { ...one, ...headers },
        payload: payload as object,
      });

    it('sends only what changed: the rest stays unset for the service to keep', async () => {
      const res = await edit({ description: 'Gym, gold' });
      expect(res.statusCode).toBe(200);
      expect(s.calls[0]?.request).toEqual({
        merchantId: 'mer_1',
        operationId: 'sop_1',
        idempotencyKey: '',
        bindingId: '',
        amount: undefined,
        description: 'Gym, gold',
        schedule: undefined,
        startsAt: undefined,
        endsAt: undefined,
        clearEndsAt: false,
        fireOnSkip: undefined,
        receiptCustomer: undefined,
        metadata: {},
      });
      expect(res.json()).toMatchObject({ description: 'Gym, gold', version: 2 });
    });

    it('clears the end date with ends_at: null and changes the amount with its currency', async () => {
      const res = await edit(
        { ends_at: null, amount: 12_000, currency: 'RUB', fire_on_skip: false },
        { 'idempotency-key': 'e1' },
      );
      expect(res.statusCode).toBe(200);
      expect(s.calls[0]?.request).toMatchObject({
        idempotencyKey: 'e1',
        endsAt: undefined,
        clearEndsAt: true,
        amount: { amountMinor: 12_000n, currency: 'RUB' },
        fireOnSkip: false,
      });
      expect(res.json()).toMatchObject({ ends_at: null, amount: 12000 });
      const moved = await edit({ ends_at: '2027-06-01T00:00:00Z' });
      expect(s.calls[1]?.request).toMatchObject({
        endsAt: new Date('2027-06-01T00:00:00Z'),
        clearEndsAt: false,
      });
      expect(moved.json().ends_at).toBe('2027-06-01T00:00:00.000Z');
    });

    it.each([
      ['an empty body', {}, undefined],
      ['a binding (create only)', { binding: 'cbd_2' }, 'binding'],
      ['an amount without its currency', { amount: 100 }, 'currency'],
      ['a currency without an amount', { currency: 'RUB' }, 'amount'],
      ['an empty description', { description: '' }, 'description'],
    ])('refuses %s with 400', async (_name, payload, field) => {
      const res = await edit(payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
      if (field !== undefined) expect(res.json().error.details).toEqual({ field });
      expect(s.calls).toEqual([]);
    });

    it("answers 404 for another merchant's operation, naming that merchant to the service", async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/recurring_operations/sop_1',
        headers: two,
        payload: { description: 'mine now' },
      });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('RECURRING_OPERATION_NOT_FOUND');
      expect(s.calls[0]?.request).toMatchObject({ merchantId: 'mer_2', operationId: 'sop_1' });
    });
  });

  describe('reading and changing the state of operations', () => {
    beforeEach(async () => {
      await create(createBody);
      s.calls.length = 0;
    });

    it('gets an operation of the merchant, 404 for another merchant', async () => {
      const ok = await app.inject({
        method: 'GET',
        url: '/v1/recurring_operations/sop_1',
        headers: one,
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ id: 'sop_1', object: 'recurring_operation' });
      const theirs = await app.inject({
        method: 'GET',
        url: '/v1/recurring_operations/sop_1',
        headers: two,
      });
      expect(theirs.statusCode).toBe(404);
      expect(s.calls.map((c) => c.request)).toEqual([
        { merchantId: 'mer_1', operationId: 'sop_1' },
        { merchantId: 'mer_2', operationId: 'sop_1' },
      ]);
    });

    it('lists with every filter and page parameter, as a Stripe list', async () => {
      const res = await app.inject({
        method: 'GET',
        url:
          '/v1/recurring_operations?limit=5&starting_after=sop_9&binding=cbd_1&state=paused' +
          '&customer_ref=cus_77&next_charge_at[gte]=2026-12-01T00:00:00Z' +
          '&next_charge_at[lt]=2026-12-31T00:00:00%2B06:00',
        headers: one,
      });
      expect(res.statusCode).toBe(200);
      expect(s.calls[0]?.request).toEqual({
        merchantId: 'mer_1',
        limit: 5,
        startingAfter: 'sop_9',
        endingBefore: '',
        bindingId: 'cbd_1',
        state: OperationState.OPERATION_STATE_PAUSED,
        customerRef: 'cus_77',
        nextChargeGte: new Date('2026-12-01T00:00:00Z'),
        nextChargeLt: new Date('2026-12-30T18:00:00Z'),
      });
      expect(res.json()).toMatchObject({
        object: 'list',
        url: '/v1/recurring_operations',
        has_more: false,
        data: [{ id: 'sop_1' }],
      });
      const defaults = await app.inject({
        method: 'GET',
        url: '/v1/recurring_operations?ending_before=sop_0',
        headers: one,
      });
      expect(defaults.statusCode).toBe(200);
      expect(s.calls[1]?.request).toMatchObject({
        limit: 10,
        startingAfter: '',
        endingBefore: 'sop_0',
        state: OperationState.OPERATION_STATE_UNSPECIFIED,
        nextChargeGte: undefined,
      });
    });

    it.each([
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['starting_after=sop_1&ending_before=sop_2', 'ending_before'],
      ['state=running', 'state'],
      ['next_charge_at[gte]=yesterday', 'next_charge_at[gte]'],
      ['page=2', 'page'],
    ])('refuses the list query %s naming the field', async (query, field) => {
      const res = await app.inject({
        method: 'GET',
        url: `/v1/recurring_operations?${query}`,
        headers: one,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field } });
    });

    it.each([
      ['pause', 'pauseScheduledOperation', 'paused'],
      ['resume', 'resumeScheduledOperation', 'active'],
      ['cancel', 'cancelScheduledOperation', 'canceled'],
    ])('%s calls %s for the merchant and answers the operation', async (action, method, st) => {
      const res = await app.inject({
        method: 'POST',
        url: `/v1/recurring_operations/sop_1/${action}`,
        headers: one,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: 'sop_1', state: st });
      expect(s.calls).toEqual([{ method, request: { merchantId: 'mer_1', operationId: 'sop_1' } }]);
      const withBody = await app.inject({
        method: 'POST',
        url: `/v1/recurring_operations/sop_1/${action}`,
        headers: { ...one, 'idempotency-key': `${action}-1` },
        payload: {},
      });
      expect(withBody.statusCode).toBe(200);
      const unknown = await app.inject({
        method: 'POST',
        url: `/v1/recurring_operations/sop_1/${action}`,
        headers: one,
        payload: { reason: 'x' },
      });
      expect(unknown.statusCode).toBe(400);
      const theirs = await app.inject({
        method: 'POST',
        url: `/v1/recurring_operations/sop_1/${action}`,
        headers: two,
      });
      expect(theirs.statusCode).toBe(404);
    });

    it('maps a canceled operation’s reason and code', async () => {
      await app.inject({
        method: 'POST',
        url: '/v1/recurring_operations/sop_1/cancel',
        headers: one,
      });
      const res = await app.inject({
        method: 'GET',
        url: '/v1/recurring_operations/sop_1',
        headers: one,
      });
      expect(res.json()).toMatchObject({
        state: 'canceled',
        cancel_reason: 'merchant',
        cancel_code: null,
      });
    });

    it('lists the charges of an operation with their attempts', async () => {
      const res = await app.inject({
        method: 'GET',
        url: '/v1/recurring_operations/sop_1/charges?state=retrying&limit=3&ending_before=chg_0',
        headers: one,
      });
      expect(res.statusCode).toBe(200);
      expect(s.calls[0]?.request).toEqual({
        merchantId: 'mer_1',
        operationId: 'sop_1',
        limit: 3,
        startingAfter: '',
        endingBefore: 'chg_0',
        state: ChargeState.CHARGE_STATE_RETRYING,
      });
      expect(res.json()).toEqual({
        object: 'list',
        url: '/v1/recurring_operations/sop_1/charges',
        has_more: true,
        data: [
          {
            id: 'chg_1',
            object: 'recurring_charge',
            operation: 'sop_1',
            scheduled_at: at.toISOString(),
            state: 'retrying',
            amount: 9900,
            currency: 'RUB',
            attempts: [
              {
                number: 1,
                payment: 'pay_c1',
                attempted_at: at.toISOString(),
                outcome: 'failed',
                decline_code: '51',
                decline_kind: 'soft',
                reason_code: 'PROVIDER_CARD_DECLINED',
              },
            ],
            next_attempt_at: later.toISOString(),
            payment: null,
            receipt: null,
            operation_version: 2,
          },
        ],
      });
      const theirs = await app.inject({
        method: 'GET',
        url: '/v1/recurring_operations/sop_1/charges',
        headers: two,
      });
      expect(theirs.statusCode).toBe(404);
    });
  });

  describe('card bindings', () => {
    it('lists the merchant’s bindings with filters and renders every field', async () => {
      const res = await app.inject({
        method: 'GET',
        url: '/v1/card_bindings?customer_ref=cus_77&state=activated&limit=2&starting_after=cbd_9',
        headers: one,
      });
      expect(res.statusCode).toBe(200);
      expect(s.calls[0]?.request).toEqual({
        merchantId: 'mer_1',
        limit: 2,
        startingAfter: 'cbd_9',
        endingBefore: '',
        customerRef: 'cus_77',
        state: BindingState.BINDING_STATE_ACTIVATED,
      });
      expect(res.json()).toEqual({
        object: 'list',
        url: '/v1/card_bindings',
        has_more: true,
        data: [
          {
            id: 'cbd_1',
            object: 'card_binding',
            livemode: false,
            state: 'activated',
            payment: 'pay_1',
            customer_ref: 'cus_77',
            card_last4: '4242',
            card_expiry: '12/29',
            amount: 15000,
            currency: 'RUB',
            failure_message: null,
            revoked_at: null,
            created_at: at.toISOString(),
          },
        ],
      });
      expect(JSON.stringify(res.json())).not.toContain('im-recurring-ref-1');
      const bad = await app.inject({
        method: 'GET',
        url: '/v1/card_bindings?state=on',
        headers: one,
      });
      expect(bad.statusCode).toBe(400);
    });

    it('gets a binding of the merchant, 404 for another merchant', async () => {
      const ok = await app.inject({ method: 'GET', url: '/v1/card_bindings/cbd_1', headers: one });
      expect(ok.json()).toMatchObject({ id: 'cbd_1', state: 'activated' });
      const theirs = await app.inject({
        method: 'GET',
        url: '/v1/card_bindings/cbd_1',
        headers: two,
      });
      expect(theirs.statusCode).toBe(404);
      expect(theirs.json().error.code).toBe('RECURRING_BINDING_NOT_FOUND');
      expect(s.calls.map((c) => c.request)).toEqual([
        { merchantId: 'mer_1', bindingId: 'cbd_1' },
        { merchantId: 'mer_2', bindingId: 'cbd_1' },
      ]);
    });

    it('revokes a binding and names the operations that were canceled with it', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/card_bindings/cbd_1/revoke',
        headers: { ...one, 'idempotency-key': 'rv1' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        id: 'cbd_1',
        state: 'revoked',
        revoked_at: later.toISOString(),
        canceled_operations: ['sop_1', 'sop_2'],
      });
      expect(s.calls).toEqual([
        { method: 'revokeCardBinding', request: { merchantId: 'mer_1', bindingId: 'cbd_1' } },
      ]);
      const replay = await app.inject({
        method: 'POST',
        url: '/v1/card_bindings/cbd_1/revoke',
        headers: { ...one, 'idempotency-key': 'rv1' },
      });
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(s.calls).toHaveLength(1);
    });

    it('renders a failed binding with its advice and no amount when the provider gave none', async () => {
      s.client.getCardBinding = async () => ({
        binding: {
          ...binding,
          state: BindingState.BINDING_STATE_ERROR,
          failureMessage: 'The card could not be bound; contact support.',
          firstAmount: undefined,
          cardExpiry: '',
          customerRef: '',
        },
      });
      const res = await app.inject({ method: 'GET', url: '/v1/card_bindings/cbd_1', headers: one });
      expect(res.json()).toMatchObject({
        state: 'error',
        failure_message: 'The card could not be bound; contact support.',
        amount: null,
        currency: null,
        card_expiry: null,
        customer_ref: null,
      });
    });
  });

  describe('receipts', () => {
    it('gets a receipt with every field, YooKassa’s shape in minor units', async () => {
      const res = await app.inject({ method: 'GET', url: '/v1/receipts/rct_1', headers: one });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        id: 'rct_1',
        object: 'receipt',
        livemode: false,
        type: 'payment',
        status: 'succeeded',
        payment: 'pay_c2',
        operation: 'sop_1',
        charge: 'chg_2',
        customer: { email: 'ann@example.com', phone: PHONE, full_name: 'Ann', inn: null },
        items: [
          {
            description: 'Gym, monthly',
            quantity: '1',
            amount: 9900,
            currency: 'RUB',
            vat_code: 11,
            payment_subject: 'service',
            payment_mode: 'full_payment',
          },
        ],
        settlements: [{ type: 'cashless', amount: 9900, currency: 'RUB' }],
        tax_system_code: 1,
        fiscal_document_number: '3986',
        fiscal_storage_number: '9288000100115785',
        fiscal_attribute: '2617603921',
        registered_at: later.toISOString(),
        register_receipt_id: 'reg_1',
        send_attempts: 2,
        last_error: null,
        created_at: at.toISOString(),
      });
      const theirs = await app.inject({ method: 'GET', url: '/v1/receipts/rct_1', headers: two });
      expect(theirs.statusCode).toBe(404);
      expect(s.calls[1]?.request).toEqual({ merchantId: 'mer_2', receiptId: 'rct_1' });
      expect(s.lines.join('\n')).not.toContain(PHONE);
    });

    it('lists receipts with their filters', async () => {
      const res = await app.inject({
        method: 'GET',
        url: '/v1/receipts?operation=sop_1&payment=pay_c2&status=pending&limit=1',
        headers: one,
      });
      expect(res.statusCode).toBe(200);
      expect(s.calls[0]?.request).toEqual({
        merchantId: 'mer_1',
        limit: 1,
        startingAfter: '',
        endingBefore: '',
        operationId: 'sop_1',
        paymentId: 'pay_c2',
        status: 'pending',
      });
      expect(res.json()).toMatchObject({ object: 'list', url: '/v1/receipts', has_more: false });
      const bad = await app.inject({
        method: 'GET',
        url: '/v1/receipts?status=sent',
        headers: one,
      });
      expect(bad.json().error).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: { field: 'status' },
      });
    });
  });

  it('serves none of these routes when the gateway has no recurring service', async () => {
    const bare = setup({ recurring: false });
    const res = await bare.app.inject({ method: 'GET', url: '/v1/card_bindings', headers: one });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('ROUTE_NOT_FOUND');
    await bare.app.close();
  });
});
