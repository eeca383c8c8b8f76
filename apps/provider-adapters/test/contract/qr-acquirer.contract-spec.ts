import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { Outcome } from '@tolem/contracts/provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { elqrLink, type Exchange, type Rig, startRig } from './harness';

/**
 * QR acquirer adapter against the sandbox's payer bank: the bank decodes an ELQR link, pays it
 * and confirms to Tolem with the signed callback of provider.proto QrAcquirerConfirmation.
 */
describe('QR acquirer adapter x provider-sandbox payer bank (contract)', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig('qr');
  });

  afterAll(async () => {
    await rig?.close();
  });

  const QR_DYNAMIC = 'qr_01jdq3aaaaaaaaaaaaaaaaaaaa';
  const QR_STATIC = 'qr_01jdq3bbbbbbbbbbbbbbbbbbbb';

  const forQr = (qrId: string) => (e: Exchange) => e.provider === 'qr' && e.body.includes(qrId);

  async function start(paymentId: string, tyiyn: bigint, qrCodeId: string) {
    const res = await rig.client.startPayment({
      paymentId,
      merchantId: 'mer_contract',
      method: PaymentMethod.PAYMENT_METHOD_QR,
      amount: { amountMinor: tyiyn, currency: 'KGS' },
      description: 'Coffee',
      successUrl: '',
      failUrl: '',
      payer: { qr_code_id: qrCodeId },
      providerShopId: '',
    });
    expect(res.provider).toBe(Provider.PROVIDER_QR_ACQUIRER);
    const action = res.action?.action;
    if (action?.$case !== 'instructions') throw new Error('expected instructions');
    return action.value.values;
  }

  const bankPay = (link: string, extra: Record<string, unknown> = {}) =>
    rig.sandboxJson('POST', '/_sandbox/qrbank/pay', { link, ...extra }) as Promise<{
      acquirer_reference: string;
    }>;

  let reference = '';

  it('confirms a paid dynamic code with a signed callback and answers ok', async () => {
    const values = await start('pay_qr_1', 150000n, QR_DYNAMIC);
    expect(values).toMatchObject({ qr_id: QR_DYNAMIC, amount_tyiyn: '150000', currency: 'KGS' });
    const payment = await bankPay(elqrLink(QR_DYNAMIC, 150000n, 'dynamic'), {
      payer_bank: 'bakai',
    });
    reference = payment.acquirer_reference;
    const confirmed = await rig.exchange(forQr(QR_DYNAMIC));
    expect(confirmed.headers['x-tolem-acquirer']).toBe('mbank');
    expect(confirmed.status).toBe(200);
    expect(JSON.parse(confirmed.replyBody)).toMatchObject({ status: 'ok', payment_id: 'pay_qr_1' });
    expect(confirmed.response).toMatchObject({
      outcome: Outcome.OUTCOME_SUCCEEDED,
      paymentId: 'pay_qr_1',
      amount: { amountMinor: 150000n, currency: 'KGS' },
      method: PaymentMethod.PAYMENT_METHOD_QR,
      providerPaymentId: `mbank:${reference}`,
      attributes: { qr_acquirer_reference: reference, qr_payer_bank: 'bakai' },
    });
    expect((await rig.transaction('pay_qr_1', 'qr_acquirer'))?.['status']).toBe('succeeded');
  });

  it('answers the same confirmation again (byte for byte, or re-signed later) as the first time', async () => {
    for (const path of ['resend', 'confirm'] as const) {
      const since = rig.exchanges.length;
      await rig.sandboxJson('POST', `/_sandbox/qrbank/payments/${reference}/${path}`, {});
      const again = await rig.exchange(forQr(QR_DYNAMIC), { since });
      expect(again.status).toBe(200);
      expect(again.response?.outcome).toBe(Outcome.OUTCOME_SUCCEEDED);
    }
    const verdicts = await rig
      .db('provider_callbacks')
      .where({ provider: 'qr_acquirer', payment_id: 'pay_qr_1' })
      .orderBy('received_at')
      .pluck('verdict');
    expect(verdicts).toEqual(['accepted', 'duplicate', 'duplicate']);
  });

  it('answers the paying reference confirmed again with another amount as settled, changing nothing', async () => {
    const since = rig.exchanges.length;
    await rig.sandboxJson('POST', `/_sandbox/qrbank/payments/${reference}/confirm`, {
      tamper: 'amount',
    });
    const again = await rig.exchange(forQr(QR_DYNAMIC), { since });
    expect(again.status).toBe(200);
    expect(again.response).toMatchObject({
      outcome: Outcome.OUTCOME_SUCCEEDED,
      providerPaymentId: `mbank:${reference}`,
      amount: { amountMinor: 150000n, currency: 'KGS' },
    });
    expect(await rig.transaction('pay_qr_1', 'qr_acquirer')).toMatchObject({
      status: 'succeeded',
      provider_payment_id: `mbank:${reference}`,
      extra_transfers: [],
    });
  });

  it.each([
    ['signature', 401, 'PROVIDER_SIGNATURE_INVALID'],
    ['stale_timestamp', 401, 'PROVIDER_TIMESTAMP_SKEW'],
  ] as const)('refuses a confirmation with a tampered %s', async (tamper, status, code) => {
    const since = rig.exchanges.length;
    await rig.sandboxJson('POST', `/_sandbox/qrbank/payments/${reference}/confirm`, { tamper });
    const refused = await rig.exchange(forQr(QR_DYNAMIC), { since });
    expect(refused.status).toBe(status);
    expect(JSON.parse(refused.replyBody)).toMatchObject({ status: 'rejected', code });
    expect(refused.response?.outcome).toBe(Outcome.OUTCOME_REJECTED);
    expect(await rig.transaction('pay_qr_1', 'qr_acquirer')).toMatchObject({
      status: 'succeeded',
      provider_payment_id: `mbank:${reference}`,
    });
  });

  it('refuses a code nobody registered, and reports a wrong amount on a fresh payment as received', async () => {
    const unknown = 'qr_01jdq3cccccccccccccccccccc';
    await bankPay(elqrLink(unknown, 5000n, 'dynamic'));
    const refused = await rig.exchange(forQr(unknown));
    // Verified, but for no registered payment: checkout decides (a static code's scan, or the
    // refusal); answered alone, it is the 404 of an unknown order.
    expect(refused.status).toBe(404);
    expect(refused.response).toMatchObject({
      outcome: Outcome.OUTCOME_UNREGISTERED_QR,
      qrCodeId: unknown,
      paymentId: '',
    });
    expect(JSON.parse(Buffer.from(refused.response?.refusalReply?.body ?? []).toString())).toEqual({
      status: 'rejected',
      code: 'PROVIDER_UNKNOWN_ORDER',
      payment_id: '',
    });

    await start('pay_qr_2', 20000n, QR_STATIC);
    // A static code: the payer types the amount, and types the wrong one.
    await bankPay(elqrLink(QR_STATIC, undefined, 'static'), { amount: 19900 });
    const wrong = await rig.exchange(forQr(QR_STATIC));
    expect(wrong.status).toBe(200);
    expect(wrong.response).toMatchObject({
      outcome: Outcome.OUTCOME_SUCCEEDED,
      paymentId: 'pay_qr_2',
      amount: { amountMinor: 19900n, currency: 'KGS' },
      attributes: { qr_acquirer_amount_differs: 'true' },
    });
    expect((await rig.transaction('pay_qr_2', 'qr_acquirer'))?.['status']).toBe('created');
  });

  it('settles the static code once, and reports a second payment of it as a second transfer', async () => {
    const since = rig.exchanges.length;
    await bankPay(elqrLink(QR_STATIC, undefined, 'static'), { amount: 20000 });
    const paid = await rig.exchange(forQr(QR_STATIC), { since });
    expect(paid.response?.outcome).toBe(Outcome.OUTCOME_SUCCEEDED);

    const second = rig.exchanges.length;
    await bankPay(elqrLink(QR_STATIC, undefined, 'static'), { amount: 20000 });
    const twice = await rig.exchange(forQr(QR_STATIC), { since: second });
    expect(twice.status).toBe(200);
    expect(twice.response).toMatchObject({
      outcome: Outcome.OUTCOME_SUCCEEDED,
      paymentId: 'pay_qr_2',
      amount: { amountMinor: 20000n, currency: 'KGS' },
      attributes: { qr_acquirer_second_transfer: 'true' },
    });
    expect(twice.response?.providerPaymentId).not.toBe(paid.response?.providerPaymentId);
  });

  it('registers each scan of a static code under the bank reference and settles it on the resend', async () => {
    const desk = 'qr_01jdq3dddddddddddddddddddd';
    const paymentIds: string[] = [];
    for (const [n, amount] of [
      [1, 12000],
      [2, 34000],
    ] as const) {
      const since = rig.exchanges.length;
      const paid = await bankPay(elqrLink(desk, undefined, 'static'), { amount });
      const first = await rig.exchange(forQr(desk), { since });
      expect(first.response).toMatchObject({
        outcome: Outcome.OUTCOME_UNREGISTERED_QR,
        qrCodeId: desk,
        amount: { amountMinor: BigInt(amount), currency: 'KGS' },
        providerPaymentId: `mbank:${paid.acquirer_reference}`,
        attributes: { qr_code_id: desk },
      });
      // What checkout does for the scan: register its payment under the reference, then ask again.
      const paymentId = `pay_scan_${n}`;
      paymentIds.push(paymentId);
      await rig.client.startPayment({
        paymentId,
        merchantId: 'mer_contract',
        method: PaymentMethod.PAYMENT_METHOD_QR,
        amount: { amountMinor: BigInt(amount), currency: 'KGS' },
        description: 'Desk',
        successUrl: '',
        failUrl: '',
        payer: { qr_code_id: desk, qr_scan_reference: `mbank:${paid.acquirer_reference}` },
        providerShopId: '',
      });
      const resendFrom = rig.exchanges.length;
      await rig.sandboxJson(
        'POST',
        `/_sandbox/qrbank/payments/${paid.acquirer_reference}/resend`,
        {},
      );
      const settled = await rig.exchange(forQr(desk), { since: resendFrom });
      expect(settled.status).toBe(200);
      expect(settled.response).toMatchObject({
        outcome: Outcome.OUTCOME_SUCCEEDED,
        paymentId,
        attributes: { qr_code_id: desk, qr_acquirer_reference: paid.acquirer_reference },
      });
    }
    for (const id of paymentIds) {
      expect((await rig.transaction(id, 'qr_acquirer'))?.['status']).toBe('succeeded');
    }
    const verdicts = await rig
      .db('provider_callbacks')
      .where({ provider: 'qr_acquirer' })
      .whereRaw("convert_from(body, 'UTF8') like ?", [`%${desk}%`])
      .orderBy('received_at')
      .pluck('verdict');
    expect(verdicts).toEqual(['unregistered_qr', 'accepted', 'unregistered_qr', 'accepted']);
  });

  it('never logs the acquirer secret', () => {
    const output = rig.adapters.output();
    expect(output).toContain('PROVIDER_TIMESTAMP_SKEW');
    expect(output).not.toContain('contract-qr-secret-mbank');
  });
});
