import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { type HandleCallbackResponse, Outcome } from '@tolem/contracts/provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type Exchange, type Rig, startRig } from './harness';

interface PayAnswer {
  outcome: string;
  prerequest: { status: number; body: string };
  notification: { status: number; body: string; fields: Record<string, string> } | null;
}

const text = (reply: HandleCallbackResponse['reply']) => Buffer.from(reply?.body ?? []).toString();

/**
 * WebMoney adapter against the sandbox's WebMoney Merchant Interface (protocols.md §1): the form
 * Tolem builds opens an invoice there, the sandbox sends the pre-request and the notification it
 * signs with its own code. The test API's `hold_days` makes that notification an authorization
 * hold (LMI_HOLD), which the adapter must refuse.
 */
describe('WebMoney adapter x provider-sandbox (contract)', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig('webmoney');
  });

  afterAll(async () => {
    await rig?.close();
  });

  /** Starts the payment and posts Tolem's form to the sandbox like the payer's browser. */
  async function openInvoice(paymentId: string, cents: bigint): Promise<string> {
    const started = await rig.client.startPayment({
      paymentId,
      merchantId: 'mer_contract',
      method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
      amount: { amountMinor: cents, currency: 'USD' },
      description: 'Contract order',
      successUrl: '',
      failUrl: '',
      payer: {},
      providerShopId: '4711',
    });
    expect(started.provider).toBe(Provider.PROVIDER_WEBMONEY);
    const action = started.action?.action;
    if (action?.$case !== 'formPost') throw new Error('expected a form post');
    const page = await fetch(action.value.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(
        action.value.fields.map((f): [string, string] => [f.name, f.value]),
      ).toString(),
    });
    expect(page.status).toBe(200);
    const found = (await rig.sandboxJson(
      'GET',
      `/_sandbox/webmoney/invoices?payment_no=${started.providerReference}`,
    )) as { invoices: { id: string }[] };
    const invoice = found.invoices[0];
    if (!invoice) throw new Error(`no sandbox invoice for ${paymentId}`);
    return invoice.id;
  }

  const pay = async (invoiceId: string, extra: Record<string, unknown> = {}) =>
    (await rig.sandboxJson('POST', `/_sandbox/webmoney/invoices/${invoiceId}/pay`, {
      method: 'purse',
      ...extra,
    })) as PayAnswer;

  const notificationsOf = (paymentId: string) => (e: Exchange) =>
    e.provider === 'webmoney' &&
    e.response?.paymentId === paymentId &&
    !e.body.includes('LMI_PREREQUEST');

  it('answers YES to the pre-request and the notification, settling the payment once', async () => {
    const invoice = await openInvoice('pay_wm_ok', 1208n);
    const paid = await pay(invoice);
    expect(paid.prerequest).toEqual({ status: 200, body: 'YES' });
    expect(paid.notification).toMatchObject({ status: 200, body: 'YES' });

    const exchange = await rig.exchange(notificationsOf('pay_wm_ok'));
    expect(exchange.response).toMatchObject({
      outcome: Outcome.OUTCOME_SUCCEEDED,
      amount: { amountMinor: 1208n, currency: 'USD' },
    });
    // The other two answers travel with it, rendered by the adapter for WebMoney.
    expect(exchange.response?.retryReply?.statusCode).toBe(503);
    expect(text(exchange.response?.retryReply)).not.toContain('YES');
    expect(exchange.response?.refusalReply?.statusCode).toBe(400);
    expect((await rig.transaction('pay_wm_ok', 'webmoney'))?.['status']).toBe('succeeded');
  });

  it('refuses a validly signed notification carrying LMI_HOLD; nothing is settled', async () => {
    const invoice = await openInvoice('pay_wm_hold', 1500n);
    const since = rig.exchanges.length;
    const paid = await pay(invoice, { hold_days: 3 });
    expect(paid.prerequest).toEqual({ status: 200, body: 'YES' });
    expect(paid.notification?.fields['LMI_HOLD']).toBe('3');
    expect(paid.notification).toMatchObject({ status: 400, body: 'PROVIDER_HOLD_NOT_SUPPORTED' });

    const refused = await rig.exchange(notificationsOf('pay_wm_hold'), { since });
    expect(refused.response).toMatchObject({
      outcome: Outcome.OUTCOME_REJECTED,
      reasonCode: 'PROVIDER_HOLD_NOT_SUPPORTED',
      paymentId: 'pay_wm_hold',
    });
    expect(refused.response?.amount).toBeUndefined();
    expect(await rig.transaction('pay_wm_hold', 'webmoney')).toMatchObject({
      status: 'created',
      provider_payment_id: null,
    });

    // The raw notification is kept for audit with the verdict, and the refusal is logged.
    const stored = (await rig
      .db('provider_callbacks')
      .where({ payment_id: 'pay_wm_hold', reason_code: 'PROVIDER_HOLD_NOT_SUPPORTED' })
      .first()) as { verdict: string; body: Buffer } | undefined;
    expect(stored?.verdict).toBe('rejected');
    expect(stored?.body.toString('utf8')).toContain('LMI_HOLD=3');
    expect(rig.adapters.output()).toContain('PROVIDER_HOLD_NOT_SUPPORTED');

    // WebMoney repeating the held notification changes nothing either.
    await rig.sandboxJson('POST', `/_sandbox/webmoney/invoices/${invoice}/resend`, {});
    const status = await rig.client.queryPaymentStatus({
      paymentId: 'pay_wm_hold',
      provider: Provider.PROVIDER_WEBMONEY,
    });
    expect(status.outcome).toBe(Outcome.OUTCOME_PENDING);
    expect((await rig.transaction('pay_wm_hold', 'webmoney'))?.['status']).toBe('created');
  });
});
