import { DomainError } from '@tolem/errors';
import { describe, expect, it } from 'vitest';

import { world } from '../../test/fakes/world';
import type { CreateQrPaymentInput } from './create-qr-payment';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

async function qrMerchant(enabledMethods: ('qr' | 'card' | 'webmoney_purse')[] = ['card', 'qr']) {
  const w = world();
  const { merchant } = await w.merchant({ idempotencyKey: 'mer-qr', enabledMethods });
  w.provider.nextStart = {
    provider: 'qr_acquirer',
    action: { kind: 'instructions', title: 'Pay by QR code', values: { amount: '1500.00' } },
    providerReference: 'qr-ref',
  };
  const input = (
    overrides: Partial<CreateQrPaymentInput['payment']> = {},
    expiresInMs = 15 * MINUTE,
  ) => ({
    payment: w.paymentInput(merchant.id, {
      idempotencyKey: 'order-qr-1',
      currency: 'KGS',
      amountMinor: 150_000n,
      description: 'Plov, two portions',
      ...overrides,
    }),
    expiresAt: new Date(w.clock.now().getTime() + expiresInMs),
  });
  return { w, merchant, input };
}

describe('createQrPayment', () => {
  it('creates the payment with the code’s expiry and starts it with qr: qr-platform issues the code for it', async () => {
    const { w, merchant, input } = await qrMerchant();
    const request = input({}, 20 * MINUTE);
    const out = await w.createQrPayment(request);

    expect(out.replayed).toBe(false);
    const payment = out.view.payment;
    expect(payment).toMatchObject({
      merchantId: merchant.id,
      status: 'pending',
      method: 'qr',
      provider: 'qr_acquirer',
      expiresAt: request.expiresAt,
      amount: { amountMinor: 150_000n, currency: 'KGS' },
      providerAttributes: { qr_code_id: out.qrCodeId },
    });
    expect(out.qrCodeId).toMatch(/^qr_/);
    expect(w.qr.calls).toEqual([
      {
        merchantId: merchant.id,
        idempotencyKey: `payment:${payment.id}`,
        amount: { amountMinor: 150_000n, currency: 'KGS' },
        description: 'Plov, two portions',
        livemode: false,
        expiresAt: request.expiresAt,
        paymentId: payment.id,
        // The payer's bank app shows the shop, not the platform.
        merchantName: merchant.name,
      },
    ]);
    expect(w.provider.starts).toHaveLength(1);
    expect(w.provider.starts[0]).toMatchObject({
      paymentId: payment.id,
      method: 'qr',
      payer: { qr_code_id: out.qrCodeId },
    });
  });

  it('answers a replay with the same payment and code, even once it is paid', async () => {
    const { w, input } = await qrMerchant();
    const first = await w.createQrPayment(input());
    // A retry of an `expires_in` request computes another instant: still the same payment.
    const again = await w.createQrPayment(input({}, 16 * MINUTE));
    expect(again).toMatchObject({ replayed: true, qrCodeId: first.qrCodeId });
    expect(again.view.payment.id).toBe(first.view.payment.id);
    expect(again.view.payment.expiresAt).toEqual(first.view.payment.expiresAt);
    expect(w.qr.codes.size).toBe(1);

    await w.payments.update(
      { ...again.view.payment, status: 'succeeded' },
      again.view.payment.version,
      null,
    );
    const paid = await w.createQrPayment(input());
    expect(paid).toMatchObject({ replayed: true, qrCodeId: first.qrCodeId });
    expect(paid.view.payment.status).toBe('succeeded');
    // A started payment's replay asks neither qr-platform nor the adapters again.
    expect(w.provider.starts).toHaveLength(1);
    expect(w.qr.calls).toHaveLength(1);
  });

  it('finishes on a replay a start that qr-platform could not serve the first time', async () => {
    const { w, input } = await qrMerchant();
    w.qr.fail = new DomainError('QR_UNAVAILABLE', 'unavailable', 'down');
    await expect(w.createQrPayment(input())).rejects.toMatchObject({ code: 'QR_UNAVAILABLE' });
    const [stored] = [...w.payments.rows.values()];
    expect(stored?.status).toBe('created');

    w.qr.fail = null;
    const again = await w.createQrPayment(input());
    expect(again).toMatchObject({ replayed: true });
    expect(again.view.payment).toMatchObject({ id: stored?.id, status: 'pending', method: 'qr' });
    expect(again.qrCodeId).toMatch(/^qr_/);
  });

  it('refuses another request under the same key, and a key CreatePayment used, writing nothing', async () => {
    const { w, merchant, input } = await qrMerchant();
    await w.createQrPayment(input());
    await expect(w.createQrPayment(input({ amountMinor: 150_001n }))).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      details: { field: 'amount' },
    });
    await w.createPayment(
      w.paymentInput(merchant.id, {
        idempotencyKey: 'hosted-1',
        currency: 'KGS',
        amountMinor: 150_000n,
      }),
    );
    await expect(
      w.createQrPayment(input({ idempotencyKey: 'hosted-1', description: 'Two books' })),
    ).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', details: { field: 'kind' } });
    expect(w.payments.rows.size).toBe(2);
    expect(w.qr.calls).toHaveLength(1);
  });

  it.each([
    ['missing', null],
    ['less than a minute ahead', MINUTE - 1_000],
    ['in the past', -MINUTE],
    ['more than 30 days ahead', 30 * DAY + 1_000],
  ])(
    'refuses an expires_at %s with PAYMENT_EXPIRES_AT_INVALID, writing nothing',
    async (_name, ms) => {
      const { w, input } = await qrMerchant();
      const request = ms === null ? { ...input(), expiresAt: null } : input({}, ms);
      await expect(w.createQrPayment(request)).rejects.toMatchObject({
        code: 'PAYMENT_EXPIRES_AT_INVALID',
        details: { field: 'expires_at', min_seconds: '60', max_seconds: '2592000' },
      });
      expect(w.payments.rows.size).toBe(0);
      expect(w.qr.calls).toHaveLength(0);
    },
  );

  it('accepts exactly 1 minute and exactly 30 days ahead', async () => {
    const { w, input } = await qrMerchant();
    await w.createQrPayment(input({ idempotencyKey: 'a' }, MINUTE));
    await w.createQrPayment(input({ idempotencyKey: 'b' }, 30 * DAY));
    expect(w.payments.rows.size).toBe(2);
  });

  it('takes the configured shortest expiry instead of a minute', async () => {
    const { w, input } = await qrMerchant();
    const create = w.createQrPaymentWithMinExpiry(5_000);
    await expect(create(input({ idempotencyKey: 'short' }, 4_000))).rejects.toMatchObject({
      code: 'PAYMENT_EXPIRES_AT_INVALID',
      details: { min_seconds: '5' },
    });
    await create(input({ idempotencyKey: 'ok' }, 5_000));
    expect(w.payments.rows.size).toBe(1);
  });

  it('refuses a merchant without qr, and a currency qr cannot take, before writing anything', async () => {
    const noQr = await qrMerchant(['card', 'webmoney_purse']);
    await expect(noQr.w.createQrPayment(noQr.input())).rejects.toMatchObject({
      code: 'PAYMENT_METHOD_NOT_ENABLED',
    });
    expect(noQr.w.payments.rows.size).toBe(0);

    const { w, input } = await qrMerchant();
    await expect(w.createQrPayment(input({ currency: 'USD' }))).rejects.toMatchObject({
      code: 'PAYMENT_METHOD_UNAVAILABLE',
      details: { currency: 'USD' },
    });
    expect(w.payments.rows.size).toBe(0);
  });
});
