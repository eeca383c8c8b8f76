import { randomUUID } from 'node:crypto';

import { LedgerServiceClient } from '@tolem/contracts/ledger';
import { RecurringServiceClient } from '@tolem/contracts/recurring';
import { createClient, type PromiseClient } from '@tolem/grpc-kit';
import { waitFor } from '@tolem/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { submit } from './html-forms';
import { openShop, type PaymentJson, type Shop } from './shop';

const DAY_MS = 24 * 60 * 60 * 1000;
const CARD_FEE_BPS = 290;

interface BindingJson {
  id: string;
  state: string;
  payment: string;
  customer_ref: string | null;
  card_last4: string | null;
}

interface OperationJson {
  id: string;
  state: string;
  next_charge_at: string | null;
  cancel_reason: string | null;
  cancel_code: string | null;
}

interface ChargeJson {
  id: string;
  state: string;
  scheduled_at: string;
  payment: string | null;
  receipt: string | null;
  next_attempt_at: string | null;
  attempts: { number: number; payment: string; outcome: string; decline_code: string | null }[];
}

interface NotificationData {
  payment_id?: string;
  recurring_operation_id?: string;
  recurring_charge_id?: string;
  recurring_attempt?: number;
  receipt_id?: string;
  failure_code?: string;
  cancel_reason?: string;
}

/**
 * Recurring through real processes: a card bound on the hosted page at the sandbox, an operation
 * created through /v1, the recurring service's clock moved forward (RECURRING_TEST_CLOCK), and the
 * charges seen in the ledger, at the sandbox's cash register and in the merchant's notifications.
 */
describe('recurring charges end to end: bind, schedule, charge, receipt, notify', () => {
  let shop: Shop;
  let recurring: PromiseClient<RecurringServiceClient>;
  let ledger: PromiseClient<LedgerServiceClient>;

  beforeAll(async () => {
    shop = await openShop({
      name: 'E2E subscriptions',
      methods: ['card'],
      feeRules: [{ method: 'card', percent_bps: CARD_FEE_BPS }],
      stack: { extraEnv: { RECURRING_TEST_CLOCK: 'true' } },
    });
    // Receipts carry the merchant's VAT rate: 22/122 since 1 January 2026 (vat_code 12).
    const updated = await fetch(`${shop.stack.gatewayUrl}/admin/v1/merchants/${shop.merchantId}`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${shop.stack.secrets.adminToken}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      body: JSON.stringify({ vat_rate: 'vat22_122' }),
    });
    expect(updated.status, await updated.clone().text()).toBe(200);
    recurring = createClient(RecurringServiceClient, shop.stack.addresses.recurring);
    ledger = createClient(LedgerServiceClient, shop.stack.addresses.ledger);
  });

  // A failure shows what the services on the charge path warned about.
  afterEach((ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    for (const name of ['recurring', 'checkout', 'provider-adapters', 'ledger'] as const) {
      const lines = (shop.stack.processes.get(name)?.output() ?? '')
        .split('\n')
        .filter((l) => /"level":(40|50|60)/.test(l));
      console.error(`--- ${name}\n${lines.slice(-8).join('\n')}`);
    }
  });

  afterAll(async () => {
    recurring?.close();
    ledger?.close();
    await shop?.close();
  });

  const api = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${shop.stack.gatewayUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${shop.apiKey}`,
        ...(body === undefined
          ? {}
          : { 'content-type': 'application/json', 'idempotency-key': randomUUID() }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    expect(res.status, `${method} ${path}: ${text}`).toBeLessThan(300);
    return JSON.parse(text) as T;
  };

  /** Pays a RUB payment on the hosted page with "remember this card" and returns its binding. */
  async function bindCard(pan: string, customerRef: string): Promise<BindingJson> {
    const payment = await api<PaymentJson>('POST', '/v1/payments', {
      amount: 10_000,
      currency: 'RUB',
      order_id: `bind-${customerRef}`,
      description: 'First month',
      customer_ref: customerRef,
    });
    // The hosted page's card form carries remember_card=true; the sandbox's card page asks again.
    const { form } = await shop.openCardPage(payment);
    const paid = await submit(form, { pan, expiry: '12/30', cvv: '123', remember: '1' });
    expect([200, 302, 303]).toContain(paid.status);
    return waitFor(
      async () => {
        const list = await api<{ data: BindingJson[] }>(
          'GET',
          `/v1/card_bindings?customer_ref=${encodeURIComponent(customerRef)}&limit=10`,
        );
        return list.data.find((b) => b.payment === payment.id && b.state === 'activated');
      },
      { timeoutMs: 30_000, what: `the activated binding of ${customerRef}` },
    );
  }

  const DAILY = { interval: 'daily', time_of_day: '09:00', time_zone: 'Europe/Moscow' };
  /** Retries (days 1, 4 and 11 after a decline) all come before the next occurrence. */
  const MONTHLY = { interval: 'monthly', day: 1, time_of_day: '09:00', time_zone: 'Asia/Bishkek' };

  async function createOperation(
    binding: BindingJson,
    amount: number,
    schedule: Record<string, unknown>,
  ): Promise<OperationJson> {
    return api<OperationJson>('POST', '/v1/recurring_operations', {
      binding: binding.id,
      amount,
      currency: 'RUB',
      description: 'Monthly plan «Pro»',
      schedule,
      starts_at: new Date().toISOString(),
      receipt_customer: { email: 'payer@example.com' },
    });
  }

  /** Moves the recurring service's clock to `at` (+1 s) and runs its scheduler once. */
  async function advanceTo(at: string | Date): Promise<void> {
    const { now } = await recurring.advanceTestClock({ advanceMs: 1n });
    const ms = new Date(at).getTime() - (now ?? new Date()).getTime() + 1_000;
    if (ms > 0) await recurring.advanceTestClock({ advanceMs: BigInt(ms) });
  }

  const chargesOf = async (operationId: string) =>
    (
      await api<{ data: ChargeJson[] }>(
        'GET',
        `/v1/recurring_operations/${operationId}/charges?limit=100`,
      )
    ).data;

  /** Runs scheduler passes (a second each) until the operation's latest charge is in `states`. */
  async function chargeIn(operationId: string, states: string[]): Promise<ChargeJson> {
    return waitFor(
      async () => {
        const latest = (await chargesOf(operationId))[0];
        if (latest && states.includes(latest.state)) return latest;
        await recurring.advanceTestClock({ advanceMs: 1_000n });
        return undefined;
      },
      { timeoutMs: 60_000, what: `a charge of ${operationId} in ${states.join('/')}` },
    );
  }

  const notified = (type: string, match: (d: NotificationData) => boolean) =>
    shop.merchant.notifications.filter((n) => {
      const event = n.json as { type?: string; data?: NotificationData };
      return event.type === type && event.data !== undefined && match(event.data);
    });

  it('charges a bound card on its date: payment in the ledger, receipt at the register, notifications', async () => {
    const binding = await bindCard('4111 1111 1111 1111', 'cust-ok');
    expect(binding).toMatchObject({ customer_ref: 'cust-ok', card_last4: '1111' });
    const operation = await createOperation(binding, 19_900, DAILY);
    expect(operation.state).toBe('active');
    expect(operation.next_charge_at).not.toBeNull();

    await advanceTo(operation.next_charge_at as string);
    const charge = await chargeIn(operation.id, ['succeeded']);
    expect(charge.scheduled_at).toBe(operation.next_charge_at);
    expect(charge.attempts).toHaveLength(1);
    const paymentId = charge.payment as string;
    expect(charge.receipt).toMatch(/^rct_/);

    // A payment object like any other, posted once to the ledger with the card fee.
    const payment = await shop.getPayment(paymentId);
    expect(payment).toMatchObject({ status: 'succeeded', amount: 19_900, currency: 'RUB' });
    const txns = await ledger.listPaymentTransactions({ paymentId });
    expect(txns.transactions).toHaveLength(1);

    // The receipt reached the sandbox's cash register once: one line, the amount, 22/122.
    const registered = await waitFor(
      async () => {
        const res = await fetch(
          `${shop.stack.sandboxUrl}/_sandbox/cashbox/receipts?payment_id=${paymentId}`,
        );
        const body = (await res.json()) as { receipts: Record<string, unknown>[] };
        return body.receipts[0];
      },
      { timeoutMs: 30_000, what: 'the receipt at the sandbox cash register' },
    );
    expect(registered).toMatchObject({
      type: 'payment',
      payment_id: paymentId,
      customer: { email: 'payer@example.com' },
      items: [
        {
          description: 'Monthly plan «Pro»',
          quantity: expect.stringMatching(/^1(\.0+)?$/) as unknown,
          amount: { value: '199.00', currency: 'RUB' },
          vat_code: 12,
          payment_subject: 'service',
          payment_mode: 'full_payment',
        },
      ],
      requests: 1,
    });
    const receipt = await waitFor(
      async () => {
        const r = await api<{ status: string; fiscal_document_number: string | null }>(
          'GET',
          `/v1/receipts/${charge.receipt as string}`,
        );
        return r.status === 'succeeded' ? r : undefined;
      },
      { timeoutMs: 30_000, what: 'the receipt registered' },
    );
    expect(receipt.fiscal_document_number).not.toBeNull();

    // The merchant hears of the payment and of the recurring charge, naming its receipt.
    await waitFor(() => notified('payment.succeeded', (d) => d.payment_id === paymentId)[0], {
      timeoutMs: 60_000,
      what: 'payment.succeeded of the charge',
    });
    const succeeded = await waitFor(
      () => notified('recurring.charge.succeeded', (d) => d.payment_id === paymentId)[0],
      { timeoutMs: 60_000, what: 'recurring.charge.succeeded' },
    );
    expect(succeeded.signatureValid).toBe(true);
    expect((succeeded.json as { data: NotificationData }).data).toMatchObject({
      recurring_operation_id: operation.id,
      recurring_charge_id: charge.id,
      receipt_id: charge.receipt,
    });

    // The next day's charge is the next occurrence, once.
    const after = await api<OperationJson>('GET', `/v1/recurring_operations/${operation.id}`);
    expect(new Date(after.next_charge_at as string).getTime()).toBe(
      new Date(operation.next_charge_at as string).getTime() + DAY_MS,
    );
    await advanceTo(after.next_charge_at as string);
    await chargeIn(operation.id, ['succeeded']);
    const charges = await chargesOf(operation.id);
    expect(charges.map((c) => c.state)).toEqual(['succeeded', 'succeeded']);
    expect(new Set(charges.map((c) => c.payment)).size).toBe(2);
  });

  it('a soft decline (51) is retried and the charge abandoned after the 4th failure', async () => {
    const binding = await bindCard('4000 0000 0001 0514', 'cust-soft');
    const operation = await createOperation(binding, 5_000, MONTHLY);
    await advanceTo(operation.next_charge_at as string);
    let charge = await chargeIn(operation.id, ['retrying', 'abandoned']);
    for (let attempt = 2; charge.state === 'retrying'; attempt += 1) {
      expect(charge.attempts).toHaveLength(attempt - 1);
      await advanceTo(charge.next_attempt_at as string);
      charge = await waitFor(
        async () => {
          const latest = (await chargesOf(operation.id)).find((c) => c.id === charge.id);
          if (latest && latest.attempts.length >= attempt) return latest;
          await recurring.advanceTestClock({ advanceMs: 1_000n });
          return undefined;
        },
        { timeoutMs: 60_000, what: `attempt ${attempt} of ${charge.id}` },
      );
    }
    expect(charge.state).toBe('abandoned');
    expect(charge.attempts.map((a) => [a.outcome, a.decline_code])).toEqual([
      ['failed', '51'],
      ['failed', '51'],
      ['failed', '51'],
      ['failed', '51'],
    ]);
    // Four failed payments, each its own payment object; the operation itself goes on.
    expect(new Set(charge.attempts.map((a) => a.payment)).size).toBe(4);
    const op = await api<OperationJson>('GET', `/v1/recurring_operations/${operation.id}`);
    expect(op.state).toBe('active');

    await waitFor(
      () => notified('recurring.charge.abandoned', (d) => d.recurring_charge_id === charge.id)[0],
      { timeoutMs: 60_000, what: 'recurring.charge.abandoned' },
    );
    const failures = await waitFor(
      () => {
        const found = notified(
          'recurring.charge.failed',
          (d) => d.recurring_charge_id === charge.id,
        );
        return found.length === 4 ? found : undefined;
      },
      { timeoutMs: 60_000, what: 'four recurring.charge.failed' },
    );
    expect(failures.map((n) => (n.json as { data: NotificationData }).data.failure_code)).toEqual([
      '51',
      '51',
      '51',
      '51',
    ]);
  });

  it('a hard decline (54) is never retried and cancels the operation', async () => {
    const binding = await bindCard('4000 0000 0001 0548', 'cust-hard');
    const operation = await createOperation(binding, 5_000, MONTHLY);
    await advanceTo(operation.next_charge_at as string);
    const charge = await chargeIn(operation.id, ['failed']);
    expect(charge.attempts.map((a) => a.decline_code)).toEqual(['54']);
    const op = await api<OperationJson>('GET', `/v1/recurring_operations/${operation.id}`);
    expect(op).toMatchObject({
      state: 'canceled',
      cancel_reason: 'hard_decline',
      cancel_code: '54',
      next_charge_at: null,
    });
    const canceled = await waitFor(
      () =>
        notified(
          'recurring.operation.canceled',
          (d) => d.recurring_operation_id === operation.id,
        )[0],
      { timeoutMs: 60_000, what: 'recurring.operation.canceled' },
    );
    expect((canceled.json as { data: NotificationData }).data.cancel_reason).toBe('hard_decline');

    // Days later nothing more is charged.
    await advanceTo(new Date(Date.now() + 40 * DAY_MS));
    expect(await chargesOf(operation.id)).toHaveLength(1);
  });
});
