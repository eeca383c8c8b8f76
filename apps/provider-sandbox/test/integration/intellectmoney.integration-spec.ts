import { createHash } from 'node:crypto';

import { freePort, httpAnswers, type ServiceProcess, spawnService, waitFor } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  pause,
  type Received,
  type RecordingMerchant,
  startRecordingMerchant,
} from './recording-merchant';

const ESHOP = '450123';
const SECRET = 'im_integration_secret';
const BEARER = 'im_integration_bearer';
const SIGN_SECRET = 'im_integration_sign_secret';
const PAN = '4111111111111111';

// The test's own IntellectMoney formulas (protocols.md §3.3-§3.5), independent of the sandbox's.
const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const fieldsOf = (r: Received) => Object.fromEntries(new URLSearchParams(r.body));
const legacyHash = (f: Record<string, string>) =>
  md5(
    [
      f['eshopId'],
      f['orderId'],
      f['serviceName'],
      f['eshopAccount'],
      f['recipientAmount'],
      f['recipientCurrency'],
      f['paymentStatus'],
      f['userName'],
      f['userEmail'],
      f['paymentData'],
      SECRET,
    ]
      .map((v) => v ?? '')
      .join('::'),
  );

describe('provider-sandbox IntellectMoney (real process, real HTTP)', () => {
  let sandbox: ServiceProcess;
  let merchant: RecordingMerchant;
  let base: string;
  let n = Math.floor(Math.random() * 1_000_000);
  const orderId = () => `ORD-${n++}`;

  beforeAll(async () => {
    const merchantPort = await freePort();
    merchant = startRecordingMerchant(merchantPort, () => ({ status: 200, body: 'OK' }));
    await merchant.listen();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    sandbox = await spawnService({
      name: 'provider-sandbox',
      entry: 'apps/provider-sandbox/src/main.ts',
      env: {
        HTTP_PORT: String(port),
        PUBLIC_BASE_URL: base,
        LOG_LEVEL: 'info',
        SANDBOX_WEBMONEY_SECRET_KEY: 'wm',
        SANDBOX_CALLBACK_ATTEMPTS: '3',
        SANDBOX_CALLBACK_BACKOFF_MS: '50',
        SANDBOX_INTELLECTMONEY_ESHOP_ID: ESHOP,
        SANDBOX_INTELLECTMONEY_SECRET_KEY: SECRET,
        SANDBOX_INTELLECTMONEY_RESULT_URL: merchant.url('/callbacks/intellectmoney'),
        SANDBOX_INTELLECTMONEY_BEARER_TOKEN: BEARER,
        SANDBOX_INTELLECTMONEY_SIGN_SECRET: SIGN_SECRET,
      },
      ready: () => httpAnswers(`${base}/healthz`),
    });
  });

  afterAll(async () => {
    await sandbox?.stop();
    await merchant?.close();
  });

  const of = (order: string) => merchant.received.filter((r) => fieldsOf(r)['orderId'] === order);
  const statusesOf = (order: string) => of(order).map((r) => fieldsOf(r)['paymentStatus']);

  const paymentForm = (order: string, extra: Record<string, string> = {}, recurring = false) => {
    const fields: Record<string, string> = {
      eshopId: ESHOP,
      orderId: order,
      serviceName: 'Подписка / monthly',
      recipientAmount: '199.00',
      recipientCurrency: 'TST',
      userName: 'Ivan',
      email: 'ivan@example.com',
      successUrl: `https://shop.example/ok?order=${order}`,
      failUrl: 'https://shop.example/fail',
      ...(recurring ? { recurringType: 'Activate' } : {}),
      ...extra,
    };
    const parts = [
      fields['eshopId'],
      fields['orderId'],
      fields['serviceName'],
      fields['recipientAmount'],
      fields['recipientCurrency'],
    ];
    if (recurring) parts.push('Activate');
    return { hash: md5([...parts, SECRET].join('::')), ...fields };
  };

  const post = (path: string, fields: Record<string, string>) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    });

  const openInvoice = async (
    order: string,
    recurring = false,
    extra: Record<string, string> = {},
  ) => {
    const res = await post('/intellectmoney/ru/', paymentForm(order, extra, recurring));
    expect(res.status).toBe(303);
    const location = res.headers.get('location') ?? '';
    const paymentId = /^\/intellectmoney\/invoices\/(3\d{9})$/.exec(location)?.[1];
    if (paymentId === undefined) throw new Error(`unexpected location ${location}`);
    return paymentId;
  };

  const control = async (path: string, body: unknown = {}) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  const personal = async (
    path: string,
    body: Record<string, unknown>,
    sign: string,
    bearer = BEARER,
  ) => {
    const res = await fetch(`${base}/intellectmoney/personal/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}`, sign },
      body: JSON.stringify(body),
    });
    return {
      status: res.status,
      json: (await res.json()) as {
        OperationState: { Code: number };
        Result: Record<string, unknown> | null;
      },
    };
  };

  /** Pays an invoice with remember ticked and returns the binding id from the notification. */
  const bindCard = async (order: string, pan = PAN) => {
    const paymentId = await openInvoice(order, true);
    const res = await post(`/intellectmoney/invoices/${paymentId}/pay`, {
      pan,
      expiry: '12/35',
      cvv: '123',
      remember: '1',
    });
    expect(res.status).toBe(303);
    const paid = await waitFor(() => of(order).find((r) => fieldsOf(r)['paymentStatus'] === '5'));
    return fieldsOf(paid)['recurringBindingId'] as string;
  };

  it('lists IntellectMoney with its test cards on the index page', async () => {
    const index = await (await fetch(`${base}/`)).text();
    expect(index).toContain('IntellectMoney');
    expect(index).toContain('4000 0000 0000 0515');
    expect(index).toContain('/intellectmoney/personal/scheduler/setScheduledOperationData');
  });

  it('pays by card with "remember card": created (3) then paid (5) with recurringState, hashes verify, browser back to successUrl', async () => {
    const order = orderId();
    const paymentId = await openInvoice(order, true);
    const created = await waitFor(() => of(order)[0]);
    expect(created.path).toBe('/callbacks/intellectmoney');
    expect(created.headers['content-type']).toContain('application/x-www-form-urlencoded');
    expect(fieldsOf(created)).toMatchObject({
      paymentStatus: '3',
      paymentId,
      eshopId: ESHOP,
      recipientAmount: '199.00',
    });

    const page = await (await fetch(`${base}/intellectmoney/invoices/${paymentId}`)).text();
    expect(page).toContain('<form id="card-form" method="post"');
    expect(page).toContain('name="remember"');
    expect(page).toContain('199.00 TST');

    const res = await post(`/intellectmoney/invoices/${paymentId}/pay`, {
      pan: '4111 1111 1111 1111',
      expiry: '12/35',
      cvv: '321',
      remember: '1',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`https://shop.example/ok?order=${order}`);

    const [first, paid] = of(order) as [Received, Received];
    const f = fieldsOf(paid);
    expect(Object.keys(f)).toEqual([
      'eshopId',
      'paymentId',
      'orderId',
      'eshopAccount',
      'serviceName',
      'recipientAmount',
      'recipientOriginalAmount',
      'recipientCurrency',
      'paymentStatus',
      'userName',
      'userEmail',
      'paymentData',
      'cardMask',
      'recurringState',
      'recurringBindingId',
      'hash',
    ]);
    expect(f).toMatchObject({
      paymentId,
      orderId: order,
      serviceName: 'Подписка / monthly',
      paymentStatus: '5',
      userName: 'Ivan',
      userEmail: 'ivan@example.com',
      recurringState: 'Activated',
      recurringBindingId: paymentId,
      cardMask: '**** 1111',
    });
    expect(f['paymentData']).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(f['hash']).toBe(legacyHash(f));
    expect(fieldsOf(first)['hash']).toBe(legacyHash(fieldsOf(first)));
    expect(legacyHash({ ...f, recipientAmount: '199.01' })).not.toBe(f['hash']);

    const after = await (await fetch(`${base}/intellectmoney/invoices/${paymentId}`)).text();
    expect(after).toContain('**** 1111');
    expect(after).not.toContain('411111');
    expect(after).not.toContain(PAN);
    const binding = await (
      await fetch(`${base}/_sandbox/intellectmoney/bindings/${paymentId}`)
    ).json();
    expect(binding).toMatchObject({ state: 'active', card_mask: '**** 1111' });
    expect(sandbox.output()).not.toContain(PAN);
    expect(sandbox.output()).not.toContain('4111 1111 1111 1111');
  });

  it('refuses a form whose hash does not match, and one that added recurringType to a plain hash', async () => {
    const order = orderId();
    const bad = await post('/intellectmoney/ru/', {
      ...paymentForm(order),
      recipientAmount: '1.00',
    });
    expect(bad.status).toBe(403);
    expect(await bad.text()).toContain('INTELLECTMONEY_FORM_HASH_INVALID');
    const added = await post('/intellectmoney/ru/', {
      ...paymentForm(order),
      recurringType: 'Activate',
    });
    expect(added.status).toBe(403);
    await pause(150);
    expect(of(order)).toHaveLength(0);
  });

  it('declines test cards with their code, notifies nothing, and lets another card pay', async () => {
    const order = orderId();
    const paymentId = await openInvoice(order);
    for (const [pan, code] of [
      ['4000000000000051', '05'],
      ['4000000000000515', '51'],
      ['4000000000000614', '61'],
      ['4000000000000655', '65'],
      ['4000000000000143', '14'],
      ['4000000000000549', '54'],
      ['4000000000000572', '57'],
    ] as const) {
      const res = await post(`/intellectmoney/invoices/${paymentId}/pay`, {
        pan,
        expiry: '12/35',
        cvv: '123',
      });
      expect(res.status).toBe(200);
      const page = await res.text();
      expect(page).toContain(`<span id="response-code">${code}</span>`);
      expect(page).not.toContain(pan);
    }
    const expired = await post(`/intellectmoney/invoices/${paymentId}/pay`, {
      pan: PAN,
      expiry: '01/20',
      cvv: '123',
    });
    expect(await expired.text()).toContain('<span id="response-code">54</span>');
    await pause(150);
    expect(statusesOf(order)).toEqual(['3']);
    const ok = await post(`/intellectmoney/invoices/${paymentId}/pay`, {
      pan: '5555555555554444',
      expiry: '12/35',
      cvv: '123',
    });
    expect(ok.status).toBe(303);
    await waitFor(() => statusesOf(order).length === 2);
    expect(statusesOf(order)).toEqual(['3', '5']);
    // Not asked by the shop: no binding, no recurring fields.
    expect(fieldsOf(of(order)[1] as Received)['recurringState']).toBeUndefined();
    expect((await fetch(`${base}/_sandbox/intellectmoney/bindings/${paymentId}`)).status).toBe(404);
  });

  it('reports recurringState=Error when binding fails, and holds with holdMode (status 6)', async () => {
    const order = orderId();
    const paymentId = await openInvoice(order, true);
    await post(`/intellectmoney/invoices/${paymentId}/pay`, {
      pan: '4000000000020000',
      expiry: '12/35',
      cvv: '123',
      remember: '1',
    });
    const paid = await waitFor(() => of(order).find((r) => fieldsOf(r)['paymentStatus'] === '5'));
    expect(fieldsOf(paid)).toMatchObject({ recurringState: 'Error' });
    expect(fieldsOf(paid)['recurringBindingId']).toBeUndefined();

    const held = orderId();
    const heldId = await openInvoice(held, false, { holdMode: '1' });
    const { json } = await control(`/_sandbox/intellectmoney/invoices/${heldId}/pay`, {});
    expect(json['outcome']).toBe('held');
    expect(statusesOf(held)).toEqual(['3', '6']);
  });

  it('retries a notification until the body is exactly OK', async () => {
    const order = orderId();
    const paymentId = await openInvoice(order);
    await waitFor(() => of(order).length === 1);
    let calls = 0;
    merchant.script((r) => {
      if (fieldsOf(r)['orderId'] !== order) return undefined;
      calls += 1;
      return calls === 1
        ? { status: 200, body: 'ok' }
        : calls === 2
          ? { status: 503, body: 'OK' }
          : { status: 200, body: 'OK' };
    });
    try {
      await control(`/_sandbox/intellectmoney/invoices/${paymentId}/pay`, {});
      await waitFor(() => of(order).length === 4);
      const paid = of(order).slice(1);
      expect(new Set(paid.map((r) => r.body)).size).toBe(1);
      type State = {
        notifications: Array<{ state: string; attempts: Array<{ status: number; body: string }> }>;
      };
      const state = await waitFor(async () => {
        const s = (await (
          await fetch(`${base}/_sandbox/intellectmoney/invoices/${paymentId}`)
        ).json()) as State;
        return s.notifications[1]?.state === 'delivered' ? s : undefined;
      });
      expect(state.notifications[1]?.attempts.map((a) => [a.status, a.body])).toEqual([
        [200, 'ok'],
        [503, 'OK'],
        [200, 'OK'],
      ]);
    } finally {
      merchant.script(undefined);
    }
  });

  it('sends out-of-order, tampered, duplicate and delayed notifications on request', async () => {
    const order = orderId();
    const paymentId = await openInvoice(order);
    await control(`/_sandbox/intellectmoney/invoices/${paymentId}/pay`, {});
    // A paid (5), then an older "created" (3) arriving late.
    const older = await control(`/_sandbox/intellectmoney/invoices/${paymentId}/notify`, {
      payment_status: '3',
    });
    expect(older.status).toBe(200);
    expect(statusesOf(order)).toEqual(['3', '5', '3']);
    const late = of(order)[2] as Received;
    expect(fieldsOf(late)['hash']).toBe(legacyHash(fieldsOf(late)));

    await control(`/_sandbox/intellectmoney/invoices/${paymentId}/notify`, {
      payment_status: '5',
      tamper: 'hash',
    });
    const forged = fieldsOf(of(order)[3] as Received);
    expect(forged['hash']).not.toBe(legacyHash(forged));

    await control(`/_sandbox/intellectmoney/invoices/${paymentId}/notify`, {
      payment_status: '5',
      tamper: 'amount',
    });
    const otherAmount = fieldsOf(of(order)[4] as Received);
    expect(otherAmount['recipientAmount']).toBe('198.99');
    expect(otherAmount['hash']).toBe(legacyHash(otherAmount));

    const dup = await control(`/_sandbox/intellectmoney/invoices/${paymentId}/resend`, {
      index: 1,
    });
    expect(dup.status).toBe(200);
    expect(of(order)[5]?.body).toBe(of(order)[1]?.body);

    const sentAt = Date.now();
    const delayed = await control(`/_sandbox/intellectmoney/invoices/${paymentId}/resend`, {
      delay_ms: 400,
    });
    expect((delayed.json['notification'] as { state: string }).state).toBe('scheduled');
    expect(of(order)).toHaveLength(6);
    const arrived = await waitFor(() => of(order)[6]);
    expect(arrived.at - sentAt).toBeGreaterThanOrEqual(350);
  });

  describe('Personal API', () => {
    const setSign = (b: Record<string, string | number>, key = SIGN_SECRET) =>
      sha256(
        [
          b['UserToken'],
          '',
          '',
          b['Operation'],
          b['ObjectId'],
          b['ObjectTypeVal'],
          b['ParamsJson'],
          b['RepeatPlan'],
          b['RetryOnFailPlan'],
          b['RetryOnFailCount'],
          b['IsSingle'],
          b['FireOnSkip'],
          b['State'],
          '',
          '',
          b['EndExecDate'],
          key,
        ]
          .map((v) => (v === undefined ? '' : String(v)))
          .join('::'),
      );

    it('refuses a wrong bearer (401) and a wrong Sign (403)', async () => {
      const body = { UserToken: 'u', Skip: 0, Take: 10 };
      const sign = sha256(`u::0::10${'::'.repeat(14)}${SIGN_SECRET}`);
      expect(
        (await personal('scheduler/getScheduledOperationData', body, sign, 'wrong')).status,
      ).toBe(401);
      const wrongSign = await personal(
        'scheduler/getScheduledOperationData',
        body,
        sign.replace(/.$/, (c) => (c === '0' ? '1' : '0')),
      );
      expect(wrongSign.status).toBe(403);
      expect(wrongSign.json.OperationState.Code).toBe(403);
      const ok = await personal('scheduler/getScheduledOperationData', body, sign);
      expect(ok.status).toBe(200);
      expect(ok.json.Result).toMatchObject({ State: { Code: 0 } });
    });

    it('creates a single scheduled operation that fires on its own and notifies with cronOperationId', async () => {
      const bindingId = await bindCard(orderId());
      const body = {
        UserToken: 'user-token',
        ObjectId: bindingId,
        ObjectTypeVal: 1,
        ParamsJson: '{"Amount":"49.90"}',
        RepeatPlan: JSON.stringify({
          StartAt: new Date().toISOString(),
          PeriodLength: 1,
          PeriodType: 'Month',
        }),
        RetryOnFailPlan: '{"PeriodLength":5,"PeriodType":"Minute"}',
        RetryOnFailCount: 2,
        IsSingle: 1,
        FireOnSkip: 0,
        State: 0,
        EndExecDate: '01.01.2030',
      };
      const created = await personal('scheduler/setScheduledOperationData', body, setSign(body));
      expect(created.status).toBe(200);
      const operation = created.json.Result?.['Operation'] as string;
      expect(operation).toMatch(/^[0-9a-f-]{36}$/);
      expect(created.json.Result?.['CronOperationId']).toBe(operation);

      const charge = await waitFor(
        () => merchant.received.find((r) => fieldsOf(r)['cronOperationId'] === operation),
        {
          timeoutMs: 10_000,
        },
      );
      const f = fieldsOf(charge);
      expect(f).toMatchObject({
        paymentStatus: '5',
        recipientAmount: '49.90',
        recurringBindingId: bindingId,
        orderId: `${operation}-1`,
      });
      expect(f['hash']).toBe(legacyHash(f));

      const listBody = { UserToken: 'user-token', Skip: 0, Take: 10, ObjectId: bindingId };
      const listSign = sha256(
        [
          'user-token',
          '0',
          '10',
          '',
          bindingId,
          '',
          '',
          '',
          '',
          '',
          '',
          '',
          '',
          '',
          '',
          '',
          SIGN_SECRET,
        ].join('::'),
      );
      const list = await personal('scheduler/getScheduledOperationData', listBody, listSign);
      expect(list.json.Result).toMatchObject({
        TotalCount: 1,
        Operations: [
          { Operation: operation, IsSingle: 1, NextExecDate: null, Executions: [{ RcCode: '00' }] },
        ],
      });
    });

    it('edits an operation by its id and fires a cron one through the test API', async () => {
      const bindingId = await bindCard(orderId());
      const body = {
        UserToken: 'u',
        ObjectId: bindingId,
        ObjectTypeVal: 1,
        ParamsJson: '{"Amount":"10"}',
        RepeatPlan: '0 0 12 1/4 * ? *',
      };
      const created = await personal('scheduler/setScheduledOperationData', body, setSign(body));
      const operation = created.json.Result?.['Operation'] as string;
      const edit = { ...body, Operation: operation, ParamsJson: '{"Amount":"10.51"}' };
      const edited = await personal('scheduler/setScheduledOperationData', edit, setSign(edit));
      expect(edited.json.Result).toMatchObject({ State: { Code: 0 }, Operation: operation });
      const fired = await control(`/_sandbox/intellectmoney/operations/${operation}/fire`);
      expect(fired.json).toMatchObject({ Executions: [{ RcCode: '51' }] });
      const declined = await waitFor(() =>
        merchant.received.find((r) => fieldsOf(r)['cronOperationId'] === operation),
      );
      expect(fieldsOf(declined)).toMatchObject({ paymentStatus: '4', recipientAmount: '10.51' });
    });

    it('charges a bound card: approved (5), declined by amount (4), idempotent per OrderId', async () => {
      const bindingId = await bindCard(orderId());
      const chargeSign = (b: Record<string, string>) =>
        sha256(
          [
            b['UserToken'],
            b['ObjectId'],
            b['OrderId'],
            b['Amount'],
            b['ServiceName'] ?? '',
            SIGN_SECRET,
          ].join('::'),
        );
      const charge = (orderIdValue: string, amount: string) => {
        const b = {
          UserToken: 'u',
          ObjectId: bindingId,
          OrderId: orderIdValue,
          Amount: amount,
          ServiceName: 'Month 2',
        };
        return personal('recurring/chargeBoundCard', b, chargeSign(b));
      };
      const okOrder = orderId();
      const ok = await charge(okOrder, '300.00');
      expect(ok.json.Result).toMatchObject({
        State: { Code: 0 },
        PaymentStep: 0,
        RcCode: '00',
        RecipientAmount: '300.00',
        Replayed: false,
      });
      expect(statusesOf(okOrder)).toEqual(['5']);
      const again = await charge(okOrder, '300.00');
      expect(again.json.Result).toMatchObject({
        RcCode: '00',
        Replayed: true,
        PaymentId: ok.json.Result?.['PaymentId'],
      });
      expect(statusesOf(okOrder)).toEqual(['5']);

      const softOrder = orderId();
      const soft = await charge(softOrder, '300.65');
      expect(soft.json.Result).toMatchObject({ PaymentStep: 10, RcCode: '65' });
      expect(statusesOf(softOrder)).toEqual(['4']);

      const hardOrder = orderId();
      expect((await charge(hardOrder, '300.57')).json.Result).toMatchObject({ RcCode: '57' });
      expect((await charge(orderId(), '300.00')).json.Result).toMatchObject({ State: { Code: 4 } });
    });

    it('declines every charge of a card whose binding declines (4000 0000 0001 0514 -> 51)', async () => {
      const bindingId = await bindCard(orderId(), '4000000000010514');
      const { json } = await control(`/_sandbox/intellectmoney/bindings/${bindingId}/charge`, {
        order_id: orderId(),
        amount: '100.00',
      });
      expect(json).toMatchObject({ outcome: 'declined', response_code: '51' });
    });
  });

  it('stops cleanly on SIGTERM without printing secrets', async () => {
    expect(sandbox.output()).not.toContain(SECRET);
    expect(sandbox.output()).not.toContain(SIGN_SECRET);
    expect(sandbox.output()).not.toContain(BEARER);
    expect(await sandbox.stop()).toBe(0);
  });
});
