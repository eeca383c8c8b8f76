import { newId } from '@tolem/ids';
import { describe, expect, it } from 'vitest';

import { inMemoryCodes } from '../../test/fakes/in-memory';
import { buildElqrPayload, parseElqrPayload } from '../domain/elqr';
import type { QrCodeRequest, QrIssuer } from '../domain/qr-code';
import { visibleFieldsOf } from '../domain/resolve';
import { makeCreateQrCode } from './create-qr-code';
import { makeListQrCodes } from './list-qr-codes';
import { makeResolveQrPayload } from './resolve-qr-payload';

const NOW = new Date('2026-12-07T10:00:00.000Z');
const issuer: QrIssuer = {
  providerId: 'tolem.kg',
  serviceCode: undefined,
  mcc: '4829',
  displayName: 'Tolem Магазин',
  linkBaseUrl: 'https://pay.payqr.kg/',
};
const dynamic: QrCodeRequest = {
  merchantId: 'mer_01jshop',
  idempotencyKey: 'order-1',
  kind: 'dynamic',
  amount: { amountMinor: 10_050n, currency: 'KGS' },
  description: 'Заказ: №1',
  livemode: true,
  expiresAt: undefined,
  paymentId: 'pay_01jorder',
  label: '',
};
const stat: QrCodeRequest = {
  ...dynamic,
  idempotencyKey: 'desk-1',
  kind: 'static',
  amount: undefined,
  paymentId: '',
  label: 'Касса 1',
};

function setup() {
  let tick = 0;
  // Each code one millisecond later, so newest-first is well defined.
  const clock = { now: () => new Date(NOW.getTime() + tick++) };
  const codes = inMemoryCodes(clock);
  return {
    codes,
    create: makeCreateQrCode({ codes, issuer, clock, newQrId: () => newId('qr') }),
    resolve: makeResolveQrPayload({ codes }),
    list: makeListQrCodes({ codes }),
  };
}

describe('resolveQrPayload', () => {
  it('resolves an issued payload, its link and its percent-encoded fragment to the code', async () => {
    const t = setup();
    const { qrCode } = await t.create(dynamic);
    const encoded = qrCode.link.slice(qrCode.link.indexOf('#') + 1);
    expect(encoded).not.toBe(qrCode.payload); // Cyrillic and spaces are percent-encoded in links
    for (const input of [qrCode.payload, qrCode.link, encoded, `  ${qrCode.payload}\n`]) {
      const resolved = await t.resolve(input);
      expect(resolved.qrCode).toEqual(qrCode);
      expect(resolved.visibleFields).toEqual([]);
    }
    const { qrCode: desk } = await t.create(stat);
    expect((await t.resolve(desk.link)).qrCode.id).toBe(desk.id);
  });

  it('resolves a code whose description holds "#" from its payload, its link and its checksum in capitals', async () => {
    const t = setup();
    // Ids are random: a code whose checksum has a letter, so its capitals differ.
    const hashed = async (key: string) =>
      (await t.create({ ...dynamic, idempotencyKey: key, description: 'Заказ #42' })).qrCode;
    let qrCode = await hashed('h0');
    for (let i = 1; !/[a-f]/.test(qrCode.payload.slice(-4)); i += 1) qrCode = await hashed(`h${i}`);
    expect(qrCode.payload).toContain('Заказ #42');
    // The link's fragment holds no second "#": it is escaped.
    expect(qrCode.link.split('#')).toHaveLength(2);
    const upper = qrCode.payload.slice(0, -4) + qrCode.payload.slice(-4).toUpperCase();
    expect(upper).not.toBe(qrCode.payload);
    for (const input of [qrCode.payload, qrCode.link, `${qrCode.payload}\n`, upper]) {
      expect((await t.resolve(input)).qrCode.id, input).toBe(qrCode.id);
    }
  });

  it('refuses a forged payload with a valid checksum as QR_CODE_NOT_FOUND', async () => {
    const t = setup();
    const { qrCode } = await t.create(dynamic);
    const { payment } = parseElqrPayload(qrCode.payload);
    const forgeries = [
      buildElqrPayload({ ...payment, amountTyiyn: 1n }),
      buildElqrPayload({ ...payment, merchant: { merchantId: 'mer_01jthief' } }),
      buildElqrPayload({
        ...payment,
        service: { ...payment.service, transactionId: 'qr_unknown' },
      }),
      buildElqrPayload({ ...payment, name: 'Evil' }),
    ];
    for (const forged of forgeries) {
      await expect(t.resolve(forged)).rejects.toMatchObject({
        code: 'QR_CODE_NOT_FOUND',
        kind: 'not_found',
      });
    }
  });

  it('refuses malformed input with the codec’s ELQR_* code as invalid', async () => {
    const t = setup();
    const { qrCode } = await t.create(dynamic);
    const last = qrCode.payload.at(-1) === '0' ? '1' : '0';
    await expect(t.resolve(qrCode.payload.slice(0, -1) + last)).rejects.toMatchObject({
      code: 'ELQR_CHECKSUM_MISMATCH',
      kind: 'invalid',
      details: { field: 'payload' },
    });
    await expect(t.resolve('hello')).rejects.toMatchObject({ kind: 'invalid' });
    await expect(t.resolve('https://pay.payqr.kg/#%E0%A4%A')).rejects.toMatchObject({
      code: 'ELQR_MALFORMED',
    });
    await expect(t.resolve('   ')).rejects.toMatchObject({ code: 'QR_INVALID_REQUEST' });
    await expect(t.resolve('0'.repeat(5000))).rejects.toMatchObject({ code: 'QR_FIELD_TOO_LONG' });
  });

  it('shows the payer only the additional fields marked visible', () => {
    const payload = buildElqrPayload({
      version: '01',
      type: 'static',
      service: { providerId: 'tolem.kg', recipientId: 'qr_x' },
      merchant: { merchantId: 'mer_x' },
      additional: [
        { key: 'acc', label: 'Лицевой счёт', value: '12345', title: 'Счёт', visible: true },
        { key: 'int', label: 'internal', value: 'x', title: '', visible: false },
      ],
    });
    expect(visibleFieldsOf(parseElqrPayload(payload).payment)).toEqual([
      { key: 'acc', label: 'Лицевой счёт', value: '12345', title: 'Счёт' },
    ]);
  });
});

describe('listQrCodes', () => {
  it('pages a merchant’s codes newest first, filtered by kind and mode', async () => {
    const t = setup();
    const made = [];
    for (let i = 0; i < 5; i++) {
      const req = i % 2 === 0 ? stat : dynamic;
      made.push((await t.create({ ...req, idempotencyKey: `k${i}`, livemode: i < 3 })).qrCode.id);
    }
    await t.create({ ...stat, merchantId: 'mer_other', idempotencyKey: 'x' });
    const q = {
      merchantId: 'mer_01jshop',
      limit: 0,
      startingAfter: '',
      kind: undefined,
      livemode: undefined,
    };
    const all = await t.list(q);
    expect(all.items.map((c) => c.id)).toEqual([...made].reverse());
    expect(all.hasMore).toBe(false);
    const first = await t.list({ ...q, limit: 2 });
    expect(first).toMatchObject({ hasMore: true });
    const second = await t.list({ ...q, limit: 2, startingAfter: first.items[1]?.id ?? '' });
    expect(second.items.map((c) => c.id)).toEqual([made[2], made[1]]);
    expect((await t.list({ ...q, kind: 'static' })).items.map((c) => c.id)).toEqual([
      made[4],
      made[2],
      made[0],
    ]);
    expect((await t.list({ ...q, livemode: false })).items.map((c) => c.id)).toEqual([
      made[4],
      made[3],
    ]);
    await expect(t.list({ ...q, limit: -1 })).rejects.toMatchObject({
      code: 'QR_INVALID_REQUEST',
      details: { field: 'limit' },
    });
    await expect(t.list({ ...q, startingAfter: 'qr_of_someone_else' })).rejects.toMatchObject({
      details: { field: 'starting_after' },
    });
    await expect(t.list({ ...q, merchantId: '' })).rejects.toMatchObject({
      details: { field: 'merchant_id' },
    });
  });
});
