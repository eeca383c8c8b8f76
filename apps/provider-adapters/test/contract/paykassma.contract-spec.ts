import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { Outcome, type StartPaymentResponse } from '@tolem/contracts/provider';
import { waitFor } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type Exchange, type Rig, startRig } from './harness';

/**
 * Paykassma adapter against the sandbox's Paykassma (protocols.md §4, seed 004): create,
 * the payer's Wavepay transfer, activate with key1, signed postbacks. The sandbox decides by the
 * amount the payer sent: …01 pending (postback later), …02 possible_transaction_created,
 * …03 fail, …04 ok without deposit_amount (postback only on request), anything else ok.
 */
describe('Paykassma adapter x provider-sandbox (contract)', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig('paykassma');
  });

  afterAll(async () => {
    await rig?.close();
  });

  const instructionsOf = (res: StartPaymentResponse) => {
    const action = res.action?.action;
    if (action?.$case !== 'instructions') throw new Error('expected instructions');
    return action.value.values;
  };

  const forPayment = (paymentId: string) => (e: Exchange) =>
    e.provider === 'paykassma' && e.response?.paymentId === paymentId;

  async function start(paymentId: string, kyat: bigint) {
    const res = await rig.client.startPayment({
      paymentId,
      merchantId: 'mer_contract',
      method: PaymentMethod.PAYMENT_METHOD_WAVEPAY,
      amount: { amountMinor: kyat * 100n, currency: 'MMK' },
      description: 'Top-up',
      successUrl: '',
      failUrl: '',
      payer: { customer_ref: `customer-${paymentId}` },
      providerShopId: '',
    });
    expect(res.provider).toBe(Provider.PROVIDER_PAYKASSMA);
    return instructionsOf(res);
  }

  /** The payer pays in the Wavepay app and gets the transaction number (key1). */
  async function walletPay(to: string, kyat: bigint): Promise<string> {
    const transfer = (await rig.sandboxJson('POST', '/_sandbox/paykassma/wallet/transfers', {
      amount: Number(kyat),
      to,
    })) as { key1: string };
    return transfer.key1;
  }

  const submit = (paymentId: string, key1: string) =>
    rig.client.submitPayerInput({
      paymentId,
      fields: { key1 },
      method: PaymentMethod.PAYMENT_METHOD_WAVEPAY,
    });

  async function depositOf(paymentId: string) {
    const found = (await rig.sandboxJson(
      'GET',
      `/_sandbox/paykassma/deposits?custom_transaction_id=${paymentId}`,
    )) as { deposits: { id: string }[] };
    const deposit = found.deposits[0];
    if (!deposit) throw new Error(`no deposit for ${paymentId}`);
    return deposit.id;
  }

  it('creates the transaction, shows the wallet and the plugin window, and settles on activate ok', async () => {
    const values = await start('pay_pk_ok', 500n);
    expect(values).toMatchObject({ wallet_type: 'wavepay', amount: '500', currency: 'MMK' });
    expect(values['wallet_identifier']).toMatch(/^\d{9,11}$/);
    const plugin = await fetch(values['plugin_url'] ?? '');
    expect(plugin.status).toBe(200);

    const key1 = await walletPay(values['wallet_identifier'] ?? '', 500n);
    const activated = await submit('pay_pk_ok', key1);
    expect(activated).toMatchObject({
      outcome: Outcome.OUTCOME_SUCCEEDED,
      providerPaymentId: `key1:${key1}`,
      attributes: { wavepay_transaction_no: key1 },
    });
    // The success postback that follows is the same deposit: answered ok, nothing changes.
    const postback = await rig.exchange(forPayment('pay_pk_ok'));
    expect(postback.status).toBe(200);
    expect(JSON.parse(postback.replyBody)).toEqual({ status: 'ok' });
    expect(postback.response?.outcome).toBe(Outcome.OUTCOME_SUCCEEDED);
    // What would make Paykassma re-send it, rendered by the adapter (§4.3).
    expect(postback.response?.retryReply?.statusCode).toBe(503);
    expect(Buffer.from(postback.response?.retryReply?.body ?? []).toString()).not.toBe(
      '{"status":"ok"}',
    );
    expect(activated.amount).toEqual({ amountMinor: 50_000n, currency: 'MMK' });
    expect(await rig.transaction('pay_pk_ok', 'paykassma')).toMatchObject({
      status: 'succeeded',
      provider_payment_id: `key1:${key1}`,
    });
  });

  it('is pending after activation, then settled by the postback', async () => {
    const values = await start('pay_pk_pending', 501n);
    const key1 = await walletPay(values['wallet_identifier'] ?? '', 501n);
    const activated = await submit('pay_pk_pending', key1);
    expect(activated.outcome).toBe(Outcome.OUTCOME_PENDING);
    expect(activated.nextAction?.action?.$case).toBe('instructions');
    expect((await rig.transaction('pay_pk_pending', 'paykassma'))?.['status']).toBe('pending');

    const postback = await rig.exchange(forPayment('pay_pk_pending'), {
      what: 'the delayed postback',
    });
    expect(postback.response).toMatchObject({
      outcome: Outcome.OUTCOME_SUCCEEDED,
      attributes: { wavepay_transaction_no: key1 },
    });
    expect(JSON.parse(postback.replyBody)).toEqual({ status: 'ok' });
    const status = await rig.client.queryPaymentStatus({
      paymentId: 'pay_pk_pending',
      provider: Provider.PROVIDER_PAYKASSMA,
    });
    expect(status.outcome).toBe(Outcome.OUTCOME_SUCCEEDED);
  });

  it('keeps possible_transaction_created for manual review, then settles when Paykassma does', async () => {
    const values = await start('pay_pk_review', 502n);
    const key1 = await walletPay(values['wallet_identifier'] ?? '', 502n);
    const activated = await submit('pay_pk_review', key1);
    expect(activated).toMatchObject({
      outcome: Outcome.OUTCOME_MANUAL_REVIEW,
      reasonCode: 'PROVIDER_POSSIBLE_TRANSACTION',
    });
    expect(await rig.transaction('pay_pk_review', 'paykassma')).toMatchObject({
      status: 'manual_review',
      reason_code: 'PROVIDER_POSSIBLE_TRANSACTION',
    });
    const review = await rig.client.queryPaymentStatus({
      paymentId: 'pay_pk_review',
      provider: Provider.PROVIDER_UNSPECIFIED,
    });
    expect(review.outcome).toBe(Outcome.OUTCOME_MANUAL_REVIEW);

    await rig.sandboxJson(
      'POST',
      `/_sandbox/paykassma/deposits/${await depositOf('pay_pk_review')}/postback`,
      {
        status: 'success',
      },
    );
    const settled = await rig.exchange(forPayment('pay_pk_review'));
    expect(settled.response?.outcome).toBe(Outcome.OUTCOME_SUCCEEDED);
  });

  it('settles an ok without deposit_amount with no amount at all, until the postback names it', async () => {
    const values = await start('pay_pk_noamount', 504n);
    const key1 = await walletPay(values['wallet_identifier'] ?? '', 504n);
    const activated = await submit('pay_pk_noamount', key1);
    expect(activated).toMatchObject({
      outcome: Outcome.OUTCOME_SUCCEEDED,
      reasonCode: 'PROVIDER_AMOUNT_NOT_REPORTED',
      attributes: { paykassma_amount_reported: 'false' },
    });
    // Absent on the wire, not the payment's amount.
    expect(activated.amount).toBeUndefined();
    expect(await rig.transaction('pay_pk_noamount', 'paykassma')).toMatchObject({
      status: 'succeeded',
      attributes: { paykassma_amount_reported: 'false' },
    });
    expect((await submit('pay_pk_noamount', key1)).amount).toBeUndefined();

    await rig.sandboxJson(
      'POST',
      `/_sandbox/paykassma/deposits/${await depositOf('pay_pk_noamount')}/postback`,
      {},
    );
    const postback = await rig.exchange(forPayment('pay_pk_noamount'));
    expect(postback.status).toBe(200);
    expect(postback.response).toMatchObject({
      outcome: Outcome.OUTCOME_SUCCEEDED,
      amount: { amountMinor: 50_400n, currency: 'MMK' },
    });
    const known = await submit('pay_pk_noamount', key1);
    expect(known.amount).toEqual({ amountMinor: 50_400n, currency: 'MMK' });
    expect(known.reasonCode).toBe('');
  });

  it('lets the payer retry after fail, with another transaction number', async () => {
    const values = await start('pay_pk_fail', 700n);
    const unknown = await submit('pay_pk_fail', '9999999999');
    expect(unknown).toMatchObject({
      outcome: Outcome.OUTCOME_FAILED,
      payerMayRetry: true,
      reasonCode: 'PROVIDER_ACTIVATION_FAILED',
    });
    expect(unknown.message).not.toBe('');
    const refusedAmount = await walletPay(values['wallet_identifier'] ?? '', 603n);
    expect((await submit('pay_pk_fail', refusedAmount)).outcome).toBe(Outcome.OUTCOME_FAILED);
    expect((await rig.transaction('pay_pk_fail', 'paykassma'))?.['status']).toBe('created');

    const key1 = await walletPay(values['wallet_identifier'] ?? '', 700n);
    expect((await submit('pay_pk_fail', key1)).outcome).toBe(Outcome.OUTCOME_SUCCEEDED);
    await expect(submit('pay_pk_fail', 'bad key!')).resolves.toMatchObject({
      outcome: Outcome.OUTCOME_SUCCEEDED,
    });
  });

  it('answers duplicate and out-of-order postbacks ok without changing anything', async () => {
    const deposit = await depositOf('pay_pk_ok');
    const since = rig.exchanges.length;
    await rig.sandboxJson('POST', `/_sandbox/paykassma/deposits/${deposit}/resend`, {});
    await rig.sandboxJson('POST', `/_sandbox/paykassma/deposits/${deposit}/postback`, {
      status: 'fail',
    });
    await waitFor(() => rig.exchanges.slice(since).filter(forPayment('pay_pk_ok')).length >= 2, {
      what: 'two more postbacks',
    });
    for (const e of rig.exchanges.slice(since).filter(forPayment('pay_pk_ok'))) {
      expect(e.status).toBe(200);
      expect(JSON.parse(e.replyBody)).toEqual({ status: 'ok' });
      expect(e.response?.outcome).toBe(Outcome.OUTCOME_SUCCEEDED);
    }
    expect((await rig.transaction('pay_pk_ok', 'paykassma'))?.['status']).toBe('succeeded');
  });

  it('refuses a forged postback, and reports a signed one of another amount as received', async () => {
    const values = await start('pay_pk_forged', 800n);
    const key1 = await walletPay(values['wallet_identifier'] ?? '', 801n);
    expect((await submit('pay_pk_forged', key1)).outcome).toBe(Outcome.OUTCOME_PENDING);
    const deposit = await depositOf('pay_pk_forged');
    let since = rig.exchanges.length;
    await rig.sandboxJson('POST', `/_sandbox/paykassma/deposits/${deposit}/postback`, {
      tamper: 'signature',
    });
    const forged = await rig.exchange(
      (e) => e.provider === 'paykassma' && e.response?.reasonCode === 'PROVIDER_SIGNATURE_INVALID',
      { since },
    );
    expect(forged.status).toBe(400);
    expect(forged.response?.outcome).toBe(Outcome.OUTCOME_REJECTED);
    expect((await rig.transaction('pay_pk_forged', 'paykassma'))?.['status']).toBe('pending');

    // Signed by Paykassma: money it credited, reported with the sum it names (one kyat more)
    // for checkout to hold in a case; Paykassma gets its ok, the payment stays open.
    since = rig.exchanges.length;
    await rig.sandboxJson('POST', `/_sandbox/paykassma/deposits/${deposit}/postback`, {
      tamper: 'amount',
    });
    const odd = await rig.exchange((e) => e.provider === 'paykassma' && e.body.includes(key1), {
      since,
    });
    expect(odd.status).toBe(200);
    expect(JSON.parse(odd.replyBody)).toEqual({ status: 'ok' });
    expect(odd.response).toMatchObject({
      outcome: Outcome.OUTCOME_SUCCEEDED,
      paymentId: 'pay_pk_forged',
      providerPaymentId: `key1:${key1}`,
      amount: { amountMinor: 80200n, currency: 'MMK' },
      attributes: { paykassma_amount_differs: 'true' },
    });
    expect(await rig.transaction('pay_pk_forged', 'paykassma')).toMatchObject({
      status: 'pending',
      provider_payment_id: null,
    });
  });

  it('sends a deposit of another amount to manual review and reports its postback as received', async () => {
    const values = await start('pay_pk_other', 900n);
    const key1 = await walletPay(values['wallet_identifier'] ?? '', 950n);
    const activated = await submit('pay_pk_other', key1);
    expect(activated).toMatchObject({
      outcome: Outcome.OUTCOME_MANUAL_REVIEW,
      reasonCode: 'PROVIDER_AMOUNT_MISMATCH',
    });
    const postback = await rig.exchange(
      (e) => e.provider === 'paykassma' && e.body.includes(key1) && e.response !== undefined,
    );
    expect(postback.status).toBe(200);
    expect(postback.response).toMatchObject({
      outcome: Outcome.OUTCOME_SUCCEEDED,
      amount: { amountMinor: 95000n, currency: 'MMK' },
      attributes: { paykassma_amount_differs: 'true' },
    });
    expect(await rig.transaction('pay_pk_other', 'paykassma')).toMatchObject({
      status: 'manual_review',
      attributes: { paykassma_deposit_amount: '950' },
    });
  });

  it('never logs the plugin-API secret or the postback keys', () => {
    const output = rig.adapters.output();
    expect(output).toContain('PROVIDER_SIGNATURE_INVALID');
    for (const secret of ['contract-pk-plugin', 'contract-pk-access', 'contract-pk-private']) {
      expect(output).not.toContain(secret);
    }
  });
});
