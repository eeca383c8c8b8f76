import { createHash } from 'node:crypto';

import { Secret } from '@tolem/config';
import { describe, expect, it } from 'vitest';

import type { CallbackDispatcher } from '../../callbacks';
import { recordingDispatcher, silentLog } from '../../testing/fakes';
import { parseCardInput } from './cards';
import { createInvoiceNumbers, createInvoiceStore } from './invoices';
import { makeIntellectmoneyPayments } from './payments';
import { authenticate, makePersonalApi, readPersonalValues } from './personal-api';
import { createOperationStore } from './scheduler';
import { LEGACY_HASH_ORDER } from './signing';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const CREDS = { bearerToken: 'bearer-1', signSecretKey: 'ssk' };

async function setup(options: { dispatcher?: CallbackDispatcher } = {}) {
  const now = new Date('2025-06-15T12:00:00Z');
  const clock = () => now;
  const dispatcher = options.dispatcher ?? recordingDispatcher().dispatcher;
  const invoices = createInvoiceStore(createInvoiceNumbers(clock));
  const operations = createOperationStore(() => 'op-guid');
  const payments = makeIntellectmoneyPayments({
    config: {
      eshopId: '450000',
      secretKey: new Secret('k'),
      resultUrl: 'http://tolem.test/cb',
      hashOrder: LEGACY_HASH_ORDER,
    },
    invoices,
    dispatcher,
    clock,
    log: silentLog,
  });
  const api = makePersonalApi({ invoices, operations, payments, clock });
  const { invoice } = payments.openInvoice({
    eshopId: '450000',
    orderId: 'first',
    serviceName: 'Plan',
    recipientAmount: '100.00',
    amountMinor: 10000n,
    recipientCurrency: 'TST',
    userName: '',
    userEmail: '',
    holdMode: false,
    recurringRequested: true,
    userFields: [],
  });
  await payments.payWithCard(
    invoice.paymentId,
    parseCardInput({ pan: '4111111111111111', expiry: '12/30', cvv: '123' }),
    true,
  );
  return { api, operations, bindingId: invoice.paymentId };
}

const values = (o: Record<string, unknown>) => {
  const v = readPersonalValues(o);
  if (v === undefined) throw new Error('values');
  return v;
};

describe('Personal API authentication', () => {
  const body = values({ UserToken: 'u', Skip: 0, Take: 10 });
  // 17 segments: u, 0, 10, thirteen empty ones (Operation … EndExecDate), the key.
  const sign = sha256(`u::0::10${'::'.repeat(14)}ssk`);

  it('accepts the right Bearer and Sign (JSON numbers signed as their text)', () => {
    expect(
      authenticate(
        'getScheduledOperationData',
        { authorization: 'Bearer bearer-1', sign },
        body,
        CREDS,
      ),
    ).toBeUndefined();
    expect(
      authenticate(
        'getScheduledOperationData',
        { authorization: 'bearer bearer-1', sign: sign.toUpperCase() },
        body,
        CREDS,
      ),
    ).toBeUndefined();
  });

  it('answers 401 for a wrong bearer and 403 for a wrong or missing Sign', () => {
    expect(
      authenticate('getScheduledOperationData', { authorization: 'Bearer nope', sign }, body, CREDS)
        ?.httpStatus,
    ).toBe(401);
    expect(authenticate('getScheduledOperationData', { sign }, body, CREDS)?.httpStatus).toBe(401);
    const wrong = sha256(`u::0::10${'::'.repeat(14)}other`);
    expect(
      authenticate(
        'getScheduledOperationData',
        { authorization: 'Bearer bearer-1', sign: wrong },
        body,
        CREDS,
      )?.httpStatus,
    ).toBe(403);
    expect(
      authenticate('getScheduledOperationData', { authorization: 'Bearer bearer-1' }, body, CREDS)
        ?.httpStatus,
    ).toBe(403);
    // Signed for another method's pattern.
    expect(
      authenticate(
        'setScheduledOperationData',
        { authorization: 'Bearer bearer-1', sign },
        body,
        CREDS,
      )?.httpStatus,
    ).toBe(403);
  });

  it('reads JSON values as text and forms as given', () => {
    const v = values({
      IsSingle: true,
      FireOnSkip: false,
      ParamsJson: { Amount: '100' },
      State: null,
      X: 1,
    });
    expect([...v.entries()]).toEqual([
      ['issingle', '1'],
      ['fireonskip', ''],
      ['paramsjson', '{"Amount":"100"}'],
      ['state', ''],
      ['x', '1'],
    ]);
    expect(readPersonalValues(Buffer.from('UserToken=a%20b&Take=5'))?.get('usertoken')).toBe('a b');
    expect(readPersonalValues([1, 2])).toBeUndefined();
  });
});

describe('Personal API methods', () => {
  it('creates, edits and lists a scheduled operation of an activated binding', async () => {
    const { api, bindingId } = await setup();
    const created = await api.setScheduledOperationData(
      values({
        UserToken: 'u',
        ObjectId: bindingId,
        ObjectTypeVal: 1,
        ParamsJson: '{"Amount":"250"}',
        RepeatPlan: '{"StartAt":"2025-07-01T00:00:00+00:00","PeriodLength":1,"PeriodType":"Month"}',
        RetryOnFailPlan: '{"PeriodLength":5,"PeriodType":"Minute"}',
        RetryOnFailCount: 3,
        IsSingle: 0,
        EndExecDate: '01.01.2030',
      }),
    );
    expect(created.body).toMatchObject({
      OperationState: { Code: 0 },
      Result: { State: { Code: 0 }, Operation: 'op-guid', CronOperationId: 'op-guid' },
    });
    const edited = await api.setScheduledOperationData(
      values({
        UserToken: 'u',
        Operation: 'op-guid',
        ObjectId: bindingId,
        ObjectTypeVal: 1,
        ParamsJson: '{"Amount":"300.50"}',
        RepeatPlan: '0 0 12 1/4 * ? *',
      }),
    );
    expect(edited.body.Result).toMatchObject({ State: { Code: 0 }, Operation: 'op-guid' });
    const list = await api.getScheduledOperationData(
      values({ UserToken: 'u', ObjectId: bindingId }),
    );
    expect(list.body.Result).toMatchObject({
      TotalCount: 1,
      Operations: [
        {
          Operation: 'op-guid',
          ParamsJson: '{"Amount":"300.50"}',
          RepeatPlan: '0 0 12 1/4 * ? *',
          NextExecDate: null,
        },
      ],
    });
  });

  it('answers State codes for a missing field, an unknown binding, an unknown operation', async () => {
    const { api, bindingId } = await setup();
    const missing = await api.setScheduledOperationData(
      values({ UserToken: 'u', ObjectId: bindingId, ObjectTypeVal: 1 }),
    );
    expect(missing.body.Result).toMatchObject({ State: { Code: 1 }, Field: 'ParamsJson' });
    const unknown = await api.setScheduledOperationData(
      values({
        UserToken: 'u',
        ObjectId: '3999999999',
        ObjectTypeVal: 1,
        ParamsJson: '{"Amount":"1"}',
        RepeatPlan: '0 0 12 * * ?',
      }),
    );
    expect(unknown.body.Result).toMatchObject({ State: { Code: 2 } });
    const noOp = await api.setScheduledOperationData(
      values({
        UserToken: 'u',
        Operation: 'nope',
        ObjectId: bindingId,
        ObjectTypeVal: 1,
        ParamsJson: '{"Amount":"1"}',
        RepeatPlan: '0 0 12 * * ?',
      }),
    );
    expect(noOp.body.Result).toMatchObject({ State: { Code: 3 } });
    const badPlan = await api.setScheduledOperationData(
      values({
        UserToken: 'u',
        ObjectId: bindingId,
        ObjectTypeVal: 1,
        ParamsJson: '{"Amount":"1"}',
        RepeatPlan: 'daily',
      }),
    );
    expect(badPlan.body.Result).toMatchObject({ State: { Code: 1 }, Field: 'RepeatPlan' });
  });

  it('charges a bound card, declines by amount, and refuses after a hard decline', async () => {
    const { api, bindingId } = await setup();
    const ok = await api.chargeBoundCard(
      values({ UserToken: 'u', ObjectId: bindingId, OrderId: 'c1', Amount: '10.00' }),
    );
    expect(ok.body.Result).toMatchObject({
      State: { Code: 0 },
      PaymentStep: 0,
      RcCode: '00',
      RecipientAmount: '10.00',
      Replayed: false,
    });
    const soft = await api.chargeBoundCard(
      values({ UserToken: 'u', ObjectId: bindingId, OrderId: 'c2', Amount: '10.61' }),
    );
    expect(soft.body.Result).toMatchObject({
      PaymentStep: 10,
      RcCode: '61',
      Message: 'Exceeds withdrawal amount limit',
    });
    const hard = await api.chargeBoundCard(
      values({ UserToken: 'u', ObjectId: bindingId, OrderId: 'c3', Amount: '10.14' }),
    );
    expect(hard.body.Result).toMatchObject({ RcCode: '14' });
    const after = await api.chargeBoundCard(
      values({ UserToken: 'u', ObjectId: bindingId, OrderId: 'c4', Amount: '10.00' }),
    );
    expect(after.body.Result).toMatchObject({ State: { Code: 4 } });
    const conflict = await api.chargeBoundCard(
      values({ UserToken: 'u', ObjectId: bindingId, OrderId: 'first', Amount: '10.00' }),
    );
    expect(conflict.body.Result).toMatchObject({ State: { Code: 6 } });
  });

  it('fires a scheduled operation as a charge with the operation id', async () => {
    const { api, operations, bindingId } = await setup();
    await api.setScheduledOperationData(
      values({
        UserToken: 'u',
        ObjectId: bindingId,
        ObjectTypeVal: 1,
        ParamsJson: '{"Amount":"99"}',
        RepeatPlan: '{"StartAt":"2025-06-15T12:00:00+00:00","PeriodLength":1,"PeriodType":"Day"}',
        IsSingle: 1,
      }),
    );
    const op = operations.get('op-guid');
    if (op === undefined) throw new Error('op');
    await api.fireOperation(op);
    expect(op.runs).toMatchObject([{ orderId: 'op-guid-1', responseCode: '00' }]);
    expect(op.nextRunAt).toBeUndefined();
  });

  it('records a scheduled execution without waiting for the shop to answer its notification', async () => {
    // A shop that never answers: the binding's own payment is notified before the test starts.
    const recording = recordingDispatcher().dispatcher;
    let silent = false;
    const dispatcher: CallbackDispatcher = {
      send(callback, options) {
        const sent = recording.send(callback, options);
        return silent ? { ...sent, firstAttempt: new Promise(() => undefined) } : sent;
      },
      stop() {},
    };
    const { api, operations, bindingId } = await setup({ dispatcher });
    silent = true;
    await api.setScheduledOperationData(
      values({
        UserToken: 'u',
        ObjectId: bindingId,
        ObjectTypeVal: 1,
        ParamsJson: '{"Amount":"99"}',
        RepeatPlan: '{"StartAt":"2025-06-15T12:00:00+00:00","PeriodLength":1,"PeriodType":"Day"}',
        IsSingle: 1,
      }),
    );
    const op = operations.get('op-guid');
    if (op === undefined) throw new Error('op');
    await api.fireOperation(op, { awaitNotification: false });
    expect(op.runs).toMatchObject([{ orderId: 'op-guid-1', responseCode: '00' }]);
    const read = await api.getScheduledOperationData(
      values({ UserToken: 'u', Skip: 0, Take: 1, Operation: 'op-guid' }),
    );
    expect(read.body.Result).toMatchObject({
      TotalCount: 1,
      Operations: [{ Operation: 'op-guid', Executions: [{ RcCode: '00' }] }],
    });
  });
});
