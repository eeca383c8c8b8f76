import { randomUUID } from 'node:crypto';

import { LedgerServiceClient } from '@tolem/contracts/ledger';
import { createClient, type PromiseClient } from '@tolem/grpc-kit';
import type { Stack } from '@tolem/stack';
import { waitFor } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { formById, submit } from './html-forms';
import { openShop, type PaymentJson, type Shop } from './shop';

interface RefundJson {
  id: string;
  object: 'refund';
  payment: string;
  amount: number;
  currency: string;
  status: 'pending' | 'succeeded' | 'failed';
  execution: 'provider' | 'payout_queue' | null;
  failure_code: string | null;
}

interface ErrorJson {
  error: { code: string; details?: Record<string, string> };
}

interface NotificationJson {
  type: string;
  data: Record<string, unknown>;
}

/**
 * Refunds end to end through real processes: a payment paid with a WebMoney purse in the
 * sandbox, refunded through the merchant API. No integrated provider publishes a refund API
 * (protocols.md), so every refund waits in the payout-to-payer queue until an operator pays the
 * payer's purse and completes it (or fails it: the money goes back to the merchant). The ledger
 * takes the money from the merchant at once, and the merchant hears every refund state.
 */
describe('refunds: merchant API, payout-to-payer queue, ledger, notifications', () => {
  let shop: Shop;
  let stack: Stack;
  let apiKey: string;
  let merchantId: string;
  let ledger: PromiseClient<LedgerServiceClient>;

  beforeAll(async () => {
    shop = await openShop({
      name: 'E2E shop, refunds',
      methods: ['webmoney_purse'],
      feeRules: [{ method: 'webmoney_purse', percent_bps: 0 }],
      // The refund sweeper takes an interrupted step again after half a second, not 20.
      stack: { extraEnv: { REFUND_SWEEP_GRACE_MS: '500' } },
    });
    ({ stack, apiKey, merchantId } = shop);
    ledger = createClient(LedgerServiceClient, stack.addresses.ledger);
  });

  afterAll(async () => {
    ledger?.close();
    await shop?.close();
  });

  const balance = async () =>
    (await ledger.getBalance({ merchantId, currency: 'USD', asOf: undefined, livemode: false }))
      .available?.amountMinor ?? 0n;

  async function paidWithPurse(amount: number): Promise<PaymentJson> {
    const payment = await shop.createPayment(amount, 'USD');
    const started = await submit(await shop.methodForm(payment, 'webmoney_purse'));
    const wmForm = formById(await started.text(), payment.payment_url, 'provider-form');
    const wmPage = await submit(wmForm);
    const paid = await submit(formById(await wmPage.text(), wmForm.action, 'pay-purse'));
    expect([200, 302, 303]).toContain(paid.status);
    await waitFor(async () => (await shop.getPayment(payment.id)).status === 'succeeded', {
      timeoutMs: 60_000,
      what: 'the payment to succeed',
    });
    // Refundable once the ledger posted it (checkout learns that right after the callback).
    await waitFor(
      () =>
        shop
          .notificationsOf(payment.id)
          .some((n) => (n.json as NotificationJson).type === 'payment.succeeded'),
      { timeoutMs: 60_000, what: 'payment.succeeded' },
    );
    return payment;
  }

  async function refund(body: Record<string, unknown>, key: string = randomUUID()) {
    const res = await fetch(`${stack.gatewayUrl}/v1/refunds`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${apiKey}`,
        'content-type': 'application/json',
        'idempotency-key': key,
      },
      body: JSON.stringify(body),
    });
    return {
      status: res.status,
      replayed: res.headers.get('idempotent-replayed'),
      json: (await res.json()) as RefundJson & ErrorJson,
    };
  }

  async function admin(path: string, body?: Record<string, unknown>) {
    const res = await fetch(`${stack.gatewayUrl}/admin/v1/refund_payouts${path}`, {
      method: body ? 'POST' : 'GET',
      headers: {
        authorization: `Bearer ${stack.secrets.adminToken}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  const refundNotifications = (paymentId: string) =>
    shop
      .notificationsOf(paymentId)
      .map((n) => ({ ...(n.json as NotificationJson), signatureValid: n.signatureValid }))
      .filter((n) => n.type.startsWith('refund.'));

  it('two partial refunds, an over-refund refused, both paid out by an operator: partially_refunded, then refunded, every state notified', async () => {
    const payment = await paidWithPurse(5_000);
    const before = await balance();

    const first = await refund({ payment: payment.id, amount: 2_000, reason: 'one item back' });
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({
      object: 'refund',
      payment: payment.id,
      amount: 2_000,
      currency: 'USD',
      status: 'pending',
      execution: 'payout_queue',
    });
    // The money left the merchant's balance at once.
    expect(await balance()).toBe(before - 2_000n);

    const second = await refund({ payment: payment.id, amount: 3_000 });
    expect(second.status).toBe(201);
    const over = await refund({ payment: payment.id, amount: 1 });
    expect(over.status).toBe(422);
    expect(over.json.error).toMatchObject({
      code: 'REFUND_EXCEEDS_PAYMENT',
      details: { field: 'amount', refundable: '0' },
    });
    expect(await balance()).toBe(before - 5_000n);

    // The operator sees where to pay the payer back.
    const queue = await admin('');
    expect(queue.status).toBe(200);
    const queued = (queue.json['data'] as { refund: RefundJson; payer_account: string }[]).filter(
      (p) => p.refund.payment === payment.id,
    );
    expect(queued.map((p) => p.refund.id).sort()).toEqual([first.json.id, second.json.id].sort());
    expect(queued[0]).toMatchObject({ payer_account_kind: 'webmoney_purse' });
    expect(queued[0]?.payer_account).toMatch(/^Z\d{12}$/);

    const done = await admin(`/${first.json.id}/complete`, {
      reference: 'WM-TRANSFER-1',
      operator: 'e2e-ops',
    });
    expect(done.status).toBe(200);
    expect(done.json['status']).toBe('succeeded');
    expect((await shop.getPayment(payment.id)).status).toBe('partially_refunded');
    await admin(`/${second.json.id}/complete`, { reference: 'WM-TRANSFER-2', operator: 'e2e-ops' });
    const refunded = (await shop.getPayment(payment.id)) as PaymentJson & {
      amount_refunded: number;
    };
    expect(refunded).toMatchObject({ status: 'refunded', amount_refunded: 5_000 });
    expect(await balance()).toBe(before - 5_000n);

    const got = await fetch(`${stack.gatewayUrl}/v1/refunds/${first.json.id}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(await got.json()).toMatchObject({ id: first.json.id, status: 'succeeded' });
    const listed = await fetch(`${stack.gatewayUrl}/v1/refunds?payment=${payment.id}&limit=1`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(await listed.json()).toMatchObject({
      object: 'list',
      has_more: true,
      data: [{ id: second.json.id }],
    });

    // Each refund state reached the merchant, signed, naming its refund.
    const notified = await waitFor(
      () => {
        const mine = refundNotifications(payment.id);
        return mine.length >= 4 && mine;
      },
      { timeoutMs: 60_000, what: 'the refund notifications' },
    );
    expect(notified.every((n) => n.signatureValid)).toBe(true);
    expect(notified.map((n) => [n.type, n.data['refund_id'], n.data['amount']])).toEqual([
      ['refund.pending', first.json.id, 2_000],
      ['refund.pending', second.json.id, 3_000],
      ['refund.succeeded', first.json.id, 2_000],
      ['refund.succeeded', second.json.id, 3_000],
    ]);
    expect(notified.map((n) => n.data['status'])).toEqual([
      undefined,
      undefined,
      'partially_refunded',
      'refunded',
    ]);
    expect((await ledger.checkIntegrity({})).violations).toEqual([]);
  });

  it('a refund the operator cannot pay out fails: the money returns to the merchant, who is told', async () => {
    const payment = await paidWithPurse(1_500);
    const before = await balance();
    const key = randomUUID();
    const created = await refund({ payment: payment.id }, key);
    expect(created.json).toMatchObject({ amount: 1_500, status: 'pending' });
    // The same request again is the gateway's stored first answer; another body with the key is
    // a conflict.
    const replay = await refund({ payment: payment.id }, key);
    expect(replay).toMatchObject({ status: 201, replayed: 'true', json: { id: created.json.id } });
    const conflict = await refund({ payment: payment.id, amount: 1 }, key);
    expect(conflict.status).toBe(409);
    expect(conflict.json.error).toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      details: { field: 'amount' },
    });
    expect(await balance()).toBe(before - 1_500n);

    const failed = await admin(`/${created.json.id}/fail`, {
      reason: 'purse closed',
      operator: 'e2e-ops',
    });
    expect(failed.json).toMatchObject({ status: 'failed', failure_code: 'payout_failed' });
    expect(await balance()).toBe(before);
    expect((await shop.getPayment(payment.id)).status).toBe('succeeded');
    const notified = await waitFor(
      () => {
        const mine = refundNotifications(payment.id);
        return mine.length >= 2 && mine;
      },
      { timeoutMs: 60_000, what: 'refund.failed' },
    );
    expect(notified.map((n) => [n.type, n.data['failure_code']])).toEqual([
      ['refund.pending', undefined],
      ['refund.failed', 'payout_failed'],
    ]);
    // Refundable again in full.
    expect((await refund({ payment: payment.id })).json).toMatchObject({ amount: 1_500 });
  });

  it('a refund interrupted by a ledger crash and a checkout restart is finished by the sweeper, once', async () => {
    const payment = await paidWithPurse(2_500);
    const before = await balance();
    await stack.processes.get('ledger')?.kill();
    const created = await refund({ payment: payment.id, amount: 1_000 });
    expect(created.status).toBe(201);
    expect(created.json.status).toBe('pending');
    await stack.processes.get('checkout')?.kill();
    await stack.restart('checkout');
    // The ledger comes back after checkout did: only the persisted step remembers the refund.
    await stack.restart('ledger');
    const queued = await waitFor(
      async () => {
        const res = await fetch(`${stack.gatewayUrl}/v1/refunds/${created.json.id}`, {
          headers: { authorization: `Bearer ${apiKey}` },
        });
        const json = (await res.json()) as RefundJson;
        return json.execution === 'payout_queue' && json;
      },
      { timeoutMs: 90_000, what: 'the sweeper to take the refund to the payout queue' },
    );
    expect(queued.status).toBe('pending');
    expect(await balance()).toBe(before - 1_000n);
    await admin(`/${created.json.id}/complete`, {
      reference: 'WM-TRANSFER-3',
      operator: 'e2e-ops',
    });
    const notified = await waitFor(
      () => {
        const mine = refundNotifications(payment.id);
        return mine.length >= 2 && mine;
      },
      { timeoutMs: 60_000, what: 'the refund notifications' },
    );
    await new Promise((r) => setTimeout(r, 1_000));
    expect(refundNotifications(payment.id).map((n) => n.type)).toEqual([
      'refund.pending',
      'refund.succeeded',
    ]);
    expect(notified[1]?.data['status']).toBe('partially_refunded');
    expect(await balance()).toBe(before - 1_000n);
    expect((await ledger.checkIntegrity({})).violations).toEqual([]);
  });
});
