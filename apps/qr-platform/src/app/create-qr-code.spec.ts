import { newId } from '@tolem/ids';
import { describe, expect, it } from 'vitest';

import { inMemoryCodes } from '../../test/fakes/in-memory';
import { parseElqrLink, parseElqrPayload, verifyElqrChecksum } from '../domain/elqr';
import { type QrCodeRequest, qrCodeStatus, type QrIssuer } from '../domain/qr-code';
import { makeCreateQrCode } from './create-qr-code';
import { makeGetQrCode } from './get-qr-code';

const issuer: QrIssuer = {
  providerId: 'tolem.kg',
  serviceCode: 'merchant',
  mcc: '4829',
  displayName: 'Tolem',
  linkBaseUrl: 'https://pay.payqr.kg/',
};

const NOW = new Date('2026-12-07T10:00:00.000Z');

function setup(overrides: Partial<QrIssuer> = {}) {
  const clock = { at: NOW, now: () => clock.at };
  const codes = inMemoryCodes(clock);
  const create = makeCreateQrCode({
    codes,
    issuer: { ...issuer, ...overrides },
    clock,
    newQrId: () => newId('qr'),
  });
  return { codes, create, clock, get: makeGetQrCode({ codes }) };
}

const dynamicRequest: QrCodeRequest = {
  merchantId: 'mer_01jdemo',
  idempotencyKey: 'order-17',
  kind: 'dynamic',
  amount: { amountMinor: 150_050n, currency: 'KGS' },
  description: 'Заказ 17',
  livemode: false,
  expiresAt: undefined,
  paymentId: '',
  label: '',
};

const staticRequest: QrCodeRequest = {
  merchantId: 'mer_01jdemo',
  idempotencyKey: 'counter-1',
  kind: 'static',
  amount: undefined,
  description: '',
  livemode: false,
  expiresAt: undefined,
  paymentId: '',
  label: '',
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

  it('names the merchant in tag 59, fitted to what ELQR carries, else the issuer', async () => {
    const { create } = setup();
    const nameOf = async (merchantDisplayName: string | undefined, key: string) =>
      parseElqrPayload(
        (await create({ ...dynamicRequest, idempotencyKey: key, merchantDisplayName })).qrCode
          .payload,
      ).payment.name;
    expect(await nameOf('Кофейня «Ала-Тоо»', 'n1')).toBe('Кофейня «Ала-Тоо»');
    // Controls become spaces, emoji go, whitespace collapses, 25 characters at most.
    expect(await nameOf('  Чайхана\n\tНавруз ☕🍵  ', 'n2')).toBe('Чайхана Навруз ☕');
    expect(await nameOf('Bishkek Central Market Store No. 7', 'n3')).toBe(
      'Bishkek Central Market St',
    );
    expect(await nameOf('🍵🍵', 'n4')).toBe('Tolem');
    expect(await nameOf(undefined, 'n5')).toBe('Tolem');
    // Invisible and direction-changing characters go; nothing visible left: the issuer's name.
    expect(await nameOf('Navat\u200b\u202eShop', 'n6')).toBe('NavatShop');
    expect(await nameOf('\u200b\u2060 ', 'n7')).toBe('Tolem');
    // Decomposed letters are composed first, and a cut never separates a letter from its mark.
    expect(await nameOf('Мой магазин \u0438\u0306', 'n8')).toBe('Мой магазин й');
    const marks = 'x'.repeat(24) + 'e\u0301\u0302';
    expect(await nameOf(marks, 'n9')).toBe('x'.repeat(24));
  });

  it('returns the stored code to a retry made after the merchant renamed', async () => {
    const { create } = setup();
    const first = await create({ ...dynamicRequest, merchantDisplayName: 'Old name' });
    const again = await create({ ...dynamicRequest, merchantDisplayName: 'New name' });
    expect(again).toEqual({ qrCode: first.qrCode, replayed: true });
    expect(parseElqrPayload(again.qrCode.payload).payment.name).toBe('Old name');
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
    [{ expiresAt: new Date(NOW.getTime() - 1) }, 'QR_EXPIRES_AT_IN_PAST', 'expires_at'],
    [{ expiresAt: NOW }, 'QR_EXPIRES_AT_IN_PAST', 'expires_at'],
    [{ label: 'Касса 1' }, 'QR_LABEL_NOT_ALLOWED', 'label'],
    [{ paymentId: 'ord_1' }, 'QR_INVALID_REQUEST', 'payment_id'],
    [
      { ...staticRequest, expiresAt: new Date(NOW.getTime() + 60_000) },
      'QR_EXPIRES_AT_NOT_ALLOWED',
      'expires_at',
    ],
    [{ ...staticRequest, paymentId: 'pay_01jabc' }, 'QR_PAYMENT_ID_NOT_ALLOWED', 'payment_id'],
    [{ ...staticRequest, label: 'k'.repeat(65) }, 'QR_FIELD_TOO_LONG', 'label'],
    [{ ...staticRequest, label: 'desk\t2' }, 'QR_FIELD_INVALID_CHARACTERS', 'label'],
    [{ ...staticRequest, label: 'desk \u0085' }, 'QR_FIELD_INVALID_CHARACTERS', 'label'],
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

describe('createQrCode: mode, expiry, payment and label', () => {
  it('stores a dynamic code with its payment, expiry and mode; it is active until expires_at', async () => {
    const { create, clock } = setup();
    const expiresAt = new Date(NOW.getTime() + 15 * 60_000);
    const { qrCode } = await create({
      ...dynamicRequest,
      livemode: true,
      expiresAt,
      paymentId: 'pay_01jdemo',
    });
    expect(qrCode).toMatchObject({
      livemode: true,
      expiresAt,
      paymentId: 'pay_01jdemo',
      label: '',
    });
    expect(qrCodeStatus(qrCode, clock.now())).toBe('active');
    expect(qrCodeStatus(qrCode, new Date(expiresAt.getTime() - 1))).toBe('active');
    expect(qrCodeStatus(qrCode, expiresAt)).toBe('expired');
    expect(qrCodeStatus({ ...qrCode, paidAt: NOW }, expiresAt)).toBe('paid');
  });

  it('stores a static code with a 64-character Cyrillic label; a static code is always active', async () => {
    const { create } = setup();
    const label = 'Касса'.repeat(12) + '№ 12';
    expect(label).toHaveLength(64);
    const { qrCode } = await create({ ...staticRequest, label });
    expect(qrCode.label).toBe(label);
    expect(qrCode.expiresAt).toBeUndefined();
    expect(qrCodeStatus(qrCode, new Date('2100-01-01T00:00:00Z'))).toBe('active');
  });

  it('replays a dynamic code after its expires_at passed, and names a changed field', async () => {
    const { create, clock, codes } = setup();
    const req = {
      ...dynamicRequest,
      expiresAt: new Date(NOW.getTime() + 60_000),
      paymentId: 'pay_01jx',
    };
    const first = await create(req);
    clock.at = new Date(NOW.getTime() + 120_000);
    const again = await create(req);
    expect(again).toEqual({ qrCode: first.qrCode, replayed: true });
    await expect(create({ ...req, livemode: true })).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      details: { field: 'livemode' },
    });
    await expect(
      create({ ...req, expiresAt: new Date(NOW.getTime() + 61_000) }),
    ).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', details: { field: 'expires_at' } });
    await expect(create({ ...req, paymentId: 'pay_01jy' })).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      details: { field: 'payment_id' },
    });
    expect(codes.rows.size).toBe(1);
  });

  it('names the label when a static code key is reused with another label', async () => {
    const { create } = setup();
    await create({ ...staticRequest, label: 'Desk 1' });
    await expect(create({ ...staticRequest, label: 'Desk 2' })).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      details: { field: 'label' },
    });
  });
});

describe('getQrCode', () => {
  it('scopes a code to its merchant when one is given', async () => {
    const { create, get } = setup();
    const { qrCode } = await create(staticRequest);
    expect(await get(qrCode.id, 'mer_01jdemo')).toEqual(qrCode);
    await expect(get(qrCode.id, 'mer_other')).rejects.toMatchObject({
      code: 'QR_CODE_NOT_FOUND',
      kind: 'not_found',
    });
  });

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
