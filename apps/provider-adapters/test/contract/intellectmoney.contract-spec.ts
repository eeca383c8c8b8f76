import { Secret } from '@tolem/config';
import { PaymentMethod, Provider } from '@tolem/contracts/common';
import {
  CardBindingState,
  DeclineKind,
  Outcome,
  type StartPaymentResponse,
} from '@tolem/contracts/provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createPersonalApi } from '../../src/providers/intellectmoney/personal-api';
import { createFetchHttp } from '../../src/providers/shared/fetch-http';
import { type Exchange, type Rig, SECRETS, startRig, submitForm } from './harness';

/**
 * IntellectMoney adapter against the sandbox's IntellectMoney (protocols.md §3): the payment form
 * and its hash, Result URL notifications, card binding, and bound-card charges through the
 * Personal API's scheduled operations.
 */
describe('IntellectMoney adapter x provider-sandbox (contract)', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig('intellectmoney');
  });

  afterAll(async () => {
    await rig?.close();
  });

  const formOf = (res: StartPaymentResponse) => {
    const action = res.action?.action;
    if (action?.$case !== 'formPost') throw new Error('expected a form post');
    return action.value;
  };

  const forPayment = (paymentId: string, outcome?: Outcome) => (e: Exchange) =>
    e.provider === 'intellectmoney' &&
    e.response?.paymentId === paymentId &&
    (outcome === undefined || e.response.outcome === outcome);

  /** Starts a card payment and posts its form to the sandbox as the browser would. */
  async function openInvoice(paymentId: string, amountMinor: bigint, remember: boolean) {
    const started = await rig.client.startPayment({
      paymentId,
      merchantId: 'mer_contract',
      method: PaymentMethod.PAYMENT_METHOD_CARD,
      amount: { amountMinor, currency: 'RUB' },
      description: 'Подписка Tolem',
      successUrl: 'http://127.0.0.1:8080/pay/return',
      failUrl: '',
      payer: remember ? { remember_card: 'true' } : {},
      providerShopId: '',
    });
    const form = formOf(started);
    const posted = await submitForm(form.url, form.fields);
    // The sandbox only accepts a form whose MD5 hash matches (else an error page, not a redirect).
    expect(posted.status, posted.body.slice(0, 300)).toBe(303);
    const invoiceId = posted.location.split('/').pop() ?? '';
    expect(invoiceId).toMatch(/^3\d{9}$/);
    // paymentStatus 3 (invoice created) arrives first and leaves the payment pending.
    const created = await rig.exchange(forPayment(paymentId, Outcome.OUTCOME_PENDING), {
      what: `paymentStatus 3 for ${paymentId}`,
    });
    expect(created.replyBody).toBe('OK');
    return { started, invoiceId };
  }

  async function pay(invoiceId: string, pan: string) {
    return (await rig.sandboxJson('POST', `/_sandbox/intellectmoney/invoices/${invoiceId}/pay`, {
      pan,
      remember: true,
    })) as { outcome: string; response_code: string };
  }

  /** A card bound on a paid first payment; returns the binding reference. */
  async function bindCard(paymentId: string, pan: string): Promise<string> {
    const { invoiceId } = await openInvoice(paymentId, 10000n, true);
    expect((await pay(invoiceId, pan)).outcome).toBe('paid');
    const paid = await rig.exchange(forPayment(paymentId, Outcome.OUTCOME_SUCCEEDED));
    return paid.response?.cardBinding?.bindingRef ?? '';
  }

  let bindingRef = '';

  it('accepts the signed form, reports pending on status 3, then succeeded with the card binding on status 5', async () => {
    const { started, invoiceId } = await openInvoice('pay_im_1', 10050n, true);
    expect(started.provider).toBe(Provider.PROVIDER_INTELLECTMONEY);
    const fields = Object.fromEntries(formOf(started).fields.map((f) => [f.name, f.value]));
    expect(fields).toMatchObject({ recurringType: 'Activate', recipientAmount: '100.50' });

    expect(await pay(invoiceId, '4111111111111111')).toMatchObject({
      outcome: 'paid',
      response_code: '00',
    });
    const paid = await rig.exchange(forPayment('pay_im_1', Outcome.OUTCOME_SUCCEEDED));
    expect(paid.status).toBe(200);
    expect(paid.replyBody).toBe('OK');
    expect(paid.response).toMatchObject({
      providerPaymentId: invoiceId,
      amount: { amountMinor: 10050n, currency: 'RUB' },
      method: PaymentMethod.PAYMENT_METHOD_CARD,
      cardBinding: { bindingRef: invoiceId, state: CardBindingState.CARD_BINDING_STATE_ACTIVATED },
    });
    bindingRef = invoiceId;
    expect(await rig.transaction('pay_im_1', 'intellectmoney')).toMatchObject({
      status: 'succeeded',
      provider_payment_id: invoiceId,
      attributes: { recurring_state: 'activated', binding_ref: invoiceId },
    });
    const invoice = (await rig.sandboxJson(
      'GET',
      `/_sandbox/intellectmoney/invoices/${invoiceId}`,
    )) as {
      notifications: { state: string }[];
    };
    // The sandbox saw `OK` for both notifications (3 and 5): delivered, no retries.
    expect(invoice.notifications.map((n) => n.state)).toEqual(['delivered', 'delivered']);
    // The reconciler's listing carries the binding too, for a callback checkout missed.
    const settled = await rig.client.listSettledTransactions({
      cursor: '',
      settledBefore: undefined,
      limit: 500,
      extraTransfers: false,
    });
    expect(settled.transactions.find((t) => t.paymentId === 'pay_im_1')).toMatchObject({
      cardBinding: { bindingRef: invoiceId, state: CardBindingState.CARD_BINDING_STATE_ACTIVATED },
    });
  });

  it('answers a repeated notification and late or out-of-order ones with OK, changing nothing', async () => {
    const since = rig.exchanges.length;
    await rig.sandboxJson('POST', `/_sandbox/intellectmoney/invoices/${bindingRef}/resend`, {});
    const repeat = await rig.exchange(forPayment('pay_im_1'), { since });
    expect(repeat).toMatchObject({ status: 200, replyBody: 'OK' });
    expect(repeat.response?.outcome).toBe(Outcome.OUTCOME_SUCCEEDED);

    for (const status of ['3', '4', '6']) {
      const before = rig.exchanges.length;
      await rig.sandboxJson('POST', `/_sandbox/intellectmoney/invoices/${bindingRef}/notify`, {
        payment_status: status,
      });
      const late = await rig.exchange(forPayment('pay_im_1'), { since: before });
      expect(late.replyBody).toBe('OK');
      expect(late.response?.outcome).toBe(Outcome.OUTCOME_SUCCEEDED);
    }
    expect(await rig.transaction('pay_im_1', 'intellectmoney')).toMatchObject({
      status: 'succeeded',
      provider_payment_id: bindingRef,
    });
    const verdicts = await rig
      .db('provider_callbacks')
      .where({ provider: 'intellectmoney', payment_id: 'pay_im_1' })
      .orderBy('received_at')
      .pluck('verdict');
    expect(verdicts).toEqual([
      'accepted',
      'accepted',
      'duplicate',
      'duplicate',
      'duplicate',
      'duplicate',
    ]);
  });

  it('refuses a forged hash, reports a validly signed wrong amount as received, then settles on the genuine one', async () => {
    const { invoiceId } = await openInvoice('pay_im_2', 25000n, false);
    let since = rig.exchanges.length;
    await rig.sandboxJson('POST', `/_sandbox/intellectmoney/invoices/${invoiceId}/notify`, {
      payment_status: '5',
      tamper: 'hash',
    });
    const forged = await rig.exchange((e) => e.provider === 'intellectmoney', { since });
    expect(forged.status).toBe(400);
    expect(forged.replyBody).not.toBe('OK');
    expect(forged.response).toMatchObject({
      outcome: Outcome.OUTCOME_REJECTED,
      reasonCode: 'PROVIDER_SIGNATURE_INVALID',
    });

    // Signed by IntellectMoney, so money it moved: reported with the sum it names (one kopek
    // less), for checkout to hold in a case; the order itself stays unpaid.
    since = rig.exchanges.length;
    await rig.sandboxJson('POST', `/_sandbox/intellectmoney/invoices/${invoiceId}/notify`, {
      payment_status: '5',
      tamper: 'amount',
    });
    const odd = await rig.exchange((e) => e.provider === 'intellectmoney', { since });
    expect(odd.status).toBe(200);
    expect(odd.replyBody).toBe('OK');
    expect(odd.response).toMatchObject({
      outcome: Outcome.OUTCOME_SUCCEEDED,
      paymentId: 'pay_im_2',
      providerPaymentId: invoiceId,
      amount: { amountMinor: 24999n, currency: 'RUB' },
      attributes: { intellectmoney_amount_differs: 'true' },
    });
    const open = await rig.transaction('pay_im_2', 'intellectmoney');
    expect(open?.['status']).toBe('created');
    expect(open?.['extra_transfers']).toMatchObject([
      { provider_payment_id: invoiceId, amount_minor: '24999', reason: 'amount_differs' },
    ]);

    since = rig.exchanges.length;
    await pay(invoiceId, '5555555555554444');
    const paid = await rig.exchange(forPayment('pay_im_2', Outcome.OUTCOME_SUCCEEDED), { since });
    expect(paid.response?.amount).toMatchObject({ amountMinor: 25000n, currency: 'RUB' });
    // The form did not ask to remember the card: no binding is reported.
    expect(paid.response?.cardBinding).toBeUndefined();
    expect((await rig.transaction('pay_im_2', 'intellectmoney'))?.['status']).toBe('succeeded');
  });

  it('leaves a declined card payment open (IntellectMoney notifies nothing)', async () => {
    const { invoiceId } = await openInvoice('pay_im_3', 5000n, false);
    const since = rig.exchanges.length;
    for (const [pan, code] of [
      ['4000000000000051', '05'],
      ['4000000000000515', '51'],
      ['4000000000000143', '14'],
    ] as const) {
      expect(await pay(invoiceId, pan)).toMatchObject({ outcome: 'declined', response_code: code });
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(rig.exchanges.slice(since).filter(forPayment('pay_im_3'))).toHaveLength(0);
    expect((await rig.transaction('pay_im_3', 'intellectmoney'))?.['status']).toBe('created');
  });

  const charge = (n: number, amountMinor: bigint, ref = bindingRef) =>
    rig.client.chargeBoundCard({
      idempotencyKey: `rc:${ref}:${n}`,
      merchantId: 'mer_contract',
      bindingRef: ref,
      amount: { amountMinor, currency: 'RUB' },
      description: 'Monthly',
      paymentId: `pay_rc_${ref}_${n}`,
      provider: Provider.PROVIDER_INTELLECTMONEY,
    });

  it('charges the bound card through a scheduled operation, idempotently', async () => {
    const first = await charge(1, 20000n);
    expect(first).toMatchObject({
      outcome: Outcome.OUTCOME_SUCCEEDED,
      declineCode: '',
      replayed: false,
      amount: { amountMinor: 20000n, currency: 'RUB' },
    });
    expect(first.providerOperationId).not.toBe('');
    expect(first.providerPaymentId).toMatch(/^3\d{9}$/);

    const again = await charge(1, 20000n);
    expect(again).toMatchObject({ outcome: Outcome.OUTCOME_SUCCEEDED, replayed: true });
    expect(again.providerPaymentId).toBe(first.providerPaymentId);
    const ops = (await rig.sandboxJson(
      'GET',
      `/_sandbox/intellectmoney/operations?object_id=${bindingRef}`,
    )) as { operations: unknown[] };
    expect(ops.operations).toHaveLength(1);
    await expect(charge(1, 20001n)).rejects.toMatchObject({
      code: 'PROVIDER_IDEMPOTENCY_CONFLICT',
      details: { field: 'amount' },
    });

    // The charge's own invoice notification is matched by its scheduled operation.
    const notified = await rig.exchange(forPayment(`pay_rc_${bindingRef}_1`));
    expect(notified).toMatchObject({ status: 200, replyBody: 'OK' });
    const status = await rig.client.queryPaymentStatus({
      paymentId: `pay_rc_${bindingRef}_1`,
      provider: Provider.PROVIDER_UNSPECIFIED,
    });
    expect(status).toMatchObject({
      outcome: Outcome.OUTCOME_SUCCEEDED,
      providerPaymentId: first.providerPaymentId,
      providerReference: first.providerOperationId,
    });
  });

  it('reports each soft decline with its code, then stops after four within 16 days', async () => {
    let n = 2;
    for (const code of ['05', '51', '61', '65']) {
      const result = await charge(n++, 10000n + BigInt(code));
      expect(result, code).toMatchObject({
        outcome: Outcome.OUTCOME_FAILED,
        declineCode: code,
        declineKind: DeclineKind.DECLINE_KIND_SOFT,
        reasonCode: 'PROVIDER_CARD_DECLINED',
      });
    }
    const stopped = await charge(n, 10000n);
    expect(stopped).toMatchObject({
      outcome: Outcome.OUTCOME_FAILED,
      reasonCode: 'PROVIDER_REQUEST_REFUSED',
      declineCode: '',
    });
  });

  it('reports each hard decline once and refuses to charge the cancelled binding again', async () => {
    for (const [pan, code] of [
      ['4000000000010142', '14'],
      ['4000000000010548', '54'],
      ['4000000000010571', '57'],
    ] as const) {
      const ref = await bindCard(`pay_im_hard_${code}`, pan);
      const declined = await charge(1, 30000n, ref);
      expect(declined, code).toMatchObject({
        outcome: Outcome.OUTCOME_FAILED,
        declineCode: code,
        declineKind: DeclineKind.DECLINE_KIND_HARD,
      });
      const after = await charge(2, 30000n, ref);
      expect(after).toMatchObject({
        outcome: Outcome.OUTCOME_FAILED,
        reasonCode: 'PROVIDER_BINDING_INACTIVE',
      });
    }
  });

  it('reports recurringState Error as a failed binding and never charges it', async () => {
    const { invoiceId } = await openInvoice('pay_im_err', 10000n, true);
    await pay(invoiceId, '4000000000020000');
    const paid = await rig.exchange(forPayment('pay_im_err', Outcome.OUTCOME_SUCCEEDED));
    expect(paid.response?.cardBinding).toMatchObject({
      state: CardBindingState.CARD_BINDING_STATE_ERROR,
    });
    await expect(charge(1, 10000n, invoiceId)).rejects.toMatchObject({
      code: 'PROVIDER_BINDING_INACTIVE',
    });
  });

  it("finds a charge's operation by its card, amount and StartAt, as a charge whose answer was lost does", async () => {
    const api = createPersonalApi(
      {
        apiUrl: `${rig.sandboxUrl}/intellectmoney`,
        bearerToken: new Secret(SECRETS.imBearer),
        signSecret: new Secret(SECRETS.imSign),
        userToken: new Secret(SECRETS.imUserToken),
      },
      createFetchHttp({ timeoutMs: 10_000 }),
    );
    // A StartAt no other charge of this card has (the contract's charges start now).
    const startAt = new Date(Math.floor(Date.now() / 1000) * 1000 + 3600_000);
    const wanted = { objectId: bindingRef, amountText: '123.00', startAt };
    const id = await api.createSingleCharge(wanted);
    expect(await api.findSingleCharges(wanted)).toEqual([id]);
    expect(await api.findSingleCharges({ ...wanted, amountText: '124.00' })).toEqual([]);
    expect(
      await api.findSingleCharges({ ...wanted, startAt: new Date(startAt.getTime() + 1000) }),
    ).toEqual([]);
  });

  it('logs refusals without the shop secret, the tokens or the hashes', () => {
    const output = rig.adapters.output();
    expect(output).toContain('PROVIDER_SIGNATURE_INVALID');
    for (const secret of [
      'contract-im-secret',
      'contract-im-bearer',
      'contract-im-sign',
      'contract-im-user',
    ]) {
      expect(output).not.toContain(secret);
    }
  });
});
