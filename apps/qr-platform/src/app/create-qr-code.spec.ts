import { newId } from '@tolem/ids';
import { describe, expect, it } from 'vitest';

import { parseElqrLink, parseElqrPayload, verifyElqrChecksum } from '../domain/elqr';
import type { QrCodeRepository } from '../domain/ports';
import type { NewQrCode, QrCode, QrCodeRequest, QrIssuer } from '../domain/qr-code';
import { makeCreateQrCode } from './create-qr-code';
import { makeGetQrCode } from './get-qr-code';

function inMemoryCodes(): QrCodeRepository & { rows: Map<string, QrCode> } {
  const rows = new Map<string, QrCode>();
  return {
    rows,
    async insertOnce(code: NewQrCode) {
      const existing = [...rows.values()].find(
        (r) => r.merchantId === code.merchantId && r.idempotencyKey === code.idempotencyKey,
      );
      if (existing) return { qrCode: existing, inserted: false };
      const stored = { ...code, createdAt: new Date() };
      rows.set(code.id, stored);
      return { qrCode: stored, inserted: true };
    },
    async findById(id) {
      return rows.get(id);
    },
  };
}

const issuer: QrIssuer = {
  providerId: 'tolem.kg',
  serviceCode: 'merchant',
  mcc: '4829',
  displayName: 'Tolem',
  linkBaseUrl: 'https://pay.payqr.kg/',
};

function setup(overrides: Partial<QrIssuer> = {}) {
  const codes = inMemoryCodes();
  const create = makeCreateQrCode({
    codes,
    issuer: { ...issuer, ...overrides },
    newQrId: () => newId('qr'),
  });
  return { codes, create, get: makeGetQrCode({ codes }) };
}

const dynamicRequest: QrCodeRequest = {
  merchantId: 'mer_01jdemo',
  idempotencyKey: 'order-17',
  kind: 'dynamic',
  amount: { amountMinor: 150_050n, currency: 'KGS' },
  description: 'Заказ 17',
};

const staticRequest: QrCodeRequest = {
  merchantId: 'mer_01jdemo',
  idempotencyKey: 'counter-1',
  kind: 'static',
  amount: undefined,
  description: '',
};

describe('createQrCode', () => {
  it('issues a dynamic code whose payload carries the amount in tyiyn and the code id', async () => {
    const { create } = setup();
    const { qrCode, replayed } = await create(dynamicRequest);
    expect(replayed).toBe(false);
    expect(qrCode.id).toMatch(/^qr_[0-9a-z]{26}$/);
    expect(qrCode.amount).toEqual({ amountMinor: 150_050n, currency: 'KGS' });
    expect(verifyElqrChecksum(qrCode.payload)).toBe(true);
    const { payment } = parseElqrPayload(qrCode.payload);
    expect(payment).toEqual({
      version: '01',
      type: 'dynamic',
      service: {
        providerId: 'tolem.kg',
        serviceCode: 'merchant',
        transactionId: qrCode.id,
        amountEditable: false,
        recipientIdEditable: false,
      },
      merchant: { merchantId: 'mer_01jdemo' },
      comment: 'Заказ 17',
      mcc: '4829',
      currency: '417',
      amountTyiyn: 150_050n,
      name: 'Tolem',
    });
    expect(qrCode.link.startsWith('https://pay.payqr.kg/#00020101021232')).toBe(true);
    expect(parseElqrLink(qrCode.link).payment).toEqual(payment);
  });

  it('issues a static code without an amount, identified by 32/10', async () => {
    const { create } = setup({ serviceCode: undefined });
    const { qrCode } = await create(staticRequest);
    expect(qrCode.amount).toBeUndefined();
    const { payment, checksumValid } = parseElqrPayload(qrCode.payload);
    expect(checksumValid).toBe(true);
    expect(payment.type).toBe('static');
    expect(payment.amountTyiyn).toBeUndefined();
    expect(payment.comment).toBeUndefined();
    expect(payment.service).toEqual({
      providerId: 'tolem.kg',
      recipientId: qrCode.id,
      recipientIdEditable: false,
    });
    expect(qrCode.link).toBe(`https://pay.payqr.kg/#${qrCode.payload}`); // ASCII payload: verbatim
  });

  it('replays the same request under the same key and writes nothing new', async () => {
    const { create, codes } = setup();
    const first = await create(dynamicRequest);
    const again = await create({ ...dynamicRequest });
    expect(again.replayed).toBe(true);
    expect(again.qrCode).toEqual(first.qrCode);
    expect(codes.rows.size).toBe(1);
    // The key is scoped to the merchant.
    const other = await create({ ...dynamicRequest, merchantId: 'mer_other' });
    expect(other.replayed).toBe(false);
    expect(codes.rows.size).toBe(2);
  });

  it('refuses a reused key with a different request, naming the field', async () => {
    const { create, codes } = setup();
    await create(dynamicRequest);
    const reuse = (changes: Partial<QrCodeRequest>) => create({ ...dynamicRequest, ...changes });
    await expect(
      reuse({ amount: { amountMinor: 150_051n, currency: 'KGS' } }),
    ).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      kind: 'conflict',
      details: { field: 'amount' },
    });
    await expect(reuse({ kind: 'static', amount: undefined })).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      details: { field: 'kind' },
    });
    await expect(reuse({ description: 'Заказ 18' })).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      details: { field: 'description' },
    });
    expect(codes.rows.size).toBe(1);
  });

  it.each([
    [{ merchantId: '' }, 'QR_INVALID_REQUEST', 'merchant_id'],
    [{ merchantId: 'm'.repeat(33) }, 'QR_FIELD_TOO_LONG', 'merchant_id'],
    [{ idempotencyKey: '' }, 'IDEMPOTENCY_KEY_REQUIRED', 'idempotency_key'],
    [{ idempotencyKey: 'k'.repeat(256) }, 'QR_FIELD_TOO_LONG', 'idempotency_key'],
    [{ description: 'я'.repeat(33) }, 'QR_FIELD_TOO_LONG', 'description'],
    [{ description: 'thanks 🙂' }, 'QR_FIELD_INVALID_CHARACTERS', 'description'],
    [{ description: 'line\nbreak' }, 'QR_FIELD_INVALID_CHARACTERS', 'description'],
    [{ amount: undefined }, 'QR_AMOUNT_REQUIRED', 'amount'],
    [
      { amount: { amountMinor: 100n, currency: 'USD' } },
      'QR_CURRENCY_UNSUPPORTED',
      'amount.currency',
    ],
    [
      { amount: { amountMinor: 100n, currency: 'XXX' } },
      'QR_CURRENCY_UNSUPPORTED',
      'amount.currency',
    ],
    [{ amount: { amountMinor: 10n ** 13n, currency: 'KGS' } }, 'QR_FIELD_TOO_LONG', 'amount'],
    [{ kind: 'static' as const }, 'QR_AMOUNT_NOT_ALLOWED', 'amount'],
  ])('refuses %o with %s and writes nothing', async (changes, code, field) => {
    const { create, codes } = setup();
    await expect(create({ ...dynamicRequest, ...changes })).rejects.toMatchObject({
      code,
      kind: 'invalid',
      details: { field },
    });
    expect(codes.rows.size).toBe(0);
  });

  it.each([
    [0n, 'MONEY_ZERO_AMOUNT'],
    [-100n, 'MONEY_NEGATIVE_AMOUNT'],
  ])('refuses a dynamic amount of %s with %s', async (amountMinor, code) => {
    const { create, codes } = setup();
    await expect(
      create({ ...dynamicRequest, amount: { amountMinor, currency: 'KGS' } }),
    ).rejects.toMatchObject({
      code,
      kind: 'invalid',
    });
    expect(codes.rows.size).toBe(0);
  });

  it('accepts the largest amount ELQR can carry (13 digits)', async () => {
    const { create } = setup();
    const { qrCode } = await create({
      ...dynamicRequest,
      amount: { amountMinor: 10n ** 13n - 1n, currency: 'KGS' },
    });
    expect(parseElqrPayload(qrCode.payload).payment.amountTyiyn).toBe(9_999_999_999_999n);
  });

  it('refuses issuer settings that cannot fit ELQR at construction', () => {
    expect(() => setup({ providerId: 'p'.repeat(32), serviceCode: 's'.repeat(32) })).toThrow(
      /do not fit/,
    );
    expect(() => setup({ displayName: 'n'.repeat(26) })).toThrow(/do not fit/);
  });
});

describe('getQrCode', () => {
  it('returns a stored code and refuses unknown or empty ids', async () => {
    const { create, get } = setup();
    const { qrCode } = await create(staticRequest);
    expect(await get(qrCode.id)).toEqual(qrCode);
    await expect(get('qr_01jnotthere')).rejects.toMatchObject({
      code: 'QR_CODE_NOT_FOUND',
      kind: 'not_found',
    });
    await expect(get('')).rejects.toMatchObject({
      code: 'QR_INVALID_REQUEST',
      details: { field: 'qr_code_id' },
    });
  });
});
