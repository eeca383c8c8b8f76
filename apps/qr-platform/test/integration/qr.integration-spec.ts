import { QrCodeStatus, QrKind, type QrServiceClient } from '@tolem/contracts/qr';
import type { PromiseClient } from '@tolem/grpc-kit';
import { freshDatabase } from '@tolem/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  elqrPayloadFromLink,
  parseElqrLink,
  parseElqrPayload,
  verifyElqrChecksum,
} from '../../src/domain/elqr';
import { paymentsTopic, type QrPlatform, startQrPlatform } from './harness';

describe('qr-platform service (real process, real PostgreSQL and Kafka)', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let topic: Awaited<ReturnType<typeof paymentsTopic>>;
  let platform: QrPlatform;
  let client: PromiseClient<QrServiceClient>;

  async function storedRows(): Promise<number> {
    const conn = new pg.Client({ connectionString: db.url });
    await conn.connect();
    try {
      const result = await conn.query<{ n: string }>('select count(*)::text as n from qr_codes');
      return Number(result.rows[0]?.n);
    } finally {
      await conn.end();
    }
  }

  beforeAll(async () => {
    db = await freshDatabase('qr_platform_it');
    topic = await paymentsTopic('payments.events.qr');
    platform = await startQrPlatform({
      databaseUrl: db.url,
      topic: topic.topic,
      groupId: topic.groupId,
    });
    client = platform.client;
  });

  afterAll(async () => {
    await platform?.stop();
    await topic?.close();
    await db?.drop();
  });

  const dynamicRequest = {
    merchantId: 'mer_it',
    idempotencyKey: 'order-1',
    kind: QrKind.QR_KIND_DYNAMIC,
    amount: { amountMinor: 1_241_200n, currency: 'KGS' },
    description: 'Заказ №1',
    livemode: false,
    expiresAt: undefined,
    paymentId: '',
    label: '',
    // Empty: the issuer's name (QR_MERCHANT_DISPLAY_NAME) goes into tag 59.
    merchantDisplayName: '',
  };

  /** A live counter's static code (no amount, no expiry). */
  const staticRequest = {
    ...dynamicRequest,
    idempotencyKey: 'counter-1',
    kind: QrKind.QR_KIND_STATIC,
    amount: undefined,
    description: '',
    livemode: true,
    label: 'Касса №1',
  };

  it('creates a dynamic code whose payload verifies and carries the amount in tyiyn', async () => {
    const { qrCode, replayed } = await client.createQrCode(dynamicRequest);
    expect(replayed).toBe(false);
    expect(qrCode?.id).toMatch(/^qr_[0-9a-z]{26}$/);
    expect(qrCode?.kind).toBe(QrKind.QR_KIND_DYNAMIC);
    expect(qrCode?.amount).toEqual({ amountMinor: 1_241_200n, currency: 'KGS' });
    const payload = qrCode?.payload ?? '';
    expect(verifyElqrChecksum(payload)).toBe(true);
    const { payment } = parseElqrPayload(payload);
    expect(payment.type).toBe('dynamic');
    expect(payment.amountTyiyn).toBe(1_241_200n);
    expect(payment.currency).toBe('417');
    expect(payment.mcc).toBe('4829');
    expect(payment.name).toBe('Tolem QR');
    expect(payment.comment).toBe('Заказ №1');
    expect(payment.merchant).toEqual({ merchantId: 'mer_it' });
    expect(payment.service).toMatchObject({
      providerId: 'qr.tolem.kg',
      serviceCode: 'merchant',
      transactionId: qrCode?.id,
      amountEditable: false,
    });
    expect(qrCode?.link.startsWith('https://pay.payqr.kg/#')).toBe(true);
    expect(parseElqrLink(qrCode?.link ?? '').payment).toEqual(payment);

    expect(qrCode?.status).toBe(QrCodeStatus.QR_CODE_STATUS_ACTIVE);
    const fetched = await client.getQrCode({ qrCodeId: qrCode?.id ?? '', merchantId: '' });
    expect(fetched.qrCode).toEqual(qrCode);
    const scoped = await client.getQrCode({ qrCodeId: qrCode?.id ?? '', merchantId: 'mer_it' });
    expect(scoped.qrCode).toEqual(qrCode);
    await expect(
      client.getQrCode({ qrCodeId: qrCode?.id ?? '', merchantId: 'mer_other' }),
    ).rejects.toMatchObject({ code: 'QR_CODE_NOT_FOUND', kind: 'not_found' });
  });

  it('creates a static code without an amount', async () => {
    const { qrCode } = await client.createQrCode(staticRequest);
    expect(qrCode?.amount).toBeUndefined();
    expect(qrCode).toMatchObject({
      label: 'Касса №1',
      livemode: true,
      status: QrCodeStatus.QR_CODE_STATUS_ACTIVE,
      expiresAt: undefined,
      paymentId: '',
    });
    const parsed = parseElqrPayload(qrCode?.payload ?? '');
    expect(parsed.checksumValid).toBe(true);
    expect(parsed.payment.type).toBe('static');
    expect(parsed.payment.amountTyiyn).toBeUndefined();
    expect(parsed.payment.service.recipientId).toBe(qrCode?.id);
    // The display name's space is percent-encoded in the link; the fragment decodes to the payload.
    expect(qrCode?.link).toBe(`https://pay.payqr.kg/#${qrCode?.payload.replace(' ', '%20')}`);
    expect(elqrPayloadFromLink(qrCode?.link ?? '')).toBe(qrCode?.payload);
  });

  it('names the merchant in tag 59, and the link still decodes to the payload', async () => {
    const { qrCode } = await client.createQrCode({
      ...staticRequest,
      idempotencyKey: 'counter-named',
      merchantDisplayName: 'Кафе «Ош»,\nБишкек центр, 2 этаж',
    });
    const parsed = parseElqrPayload(qrCode?.payload ?? '');
    expect(parsed.checksumValid).toBe(true);
    expect(parsed.payment.name).toBe('Кафе «Ош», Бишкек центр,');
    expect(elqrPayloadFromLink(qrCode?.link ?? '')).toBe(qrCode?.payload);
  });

  it("refuses another mode's code as a list cursor, like an unknown one", async () => {
    const { qrCode } = await client.createQrCode({
      ...staticRequest,
      idempotencyKey: 'counter-live-cursor',
      label: 'Live counter',
    });
    const list = (livemode: boolean) =>
      client.listQrCodes({
        merchantId: 'mer_it',
        limit: 10,
        startingAfter: qrCode?.id ?? '',
        kind: QrKind.QR_KIND_UNSPECIFIED,
        livemode,
      });
    await expect(list(true)).resolves.toMatchObject({ hasMore: expect.any(Boolean) as unknown });
    await expect(list(false)).rejects.toMatchObject({
      code: 'QR_INVALID_REQUEST',
      details: { field: 'starting_after' },
    });
  });

  it('replays the same request under the same key', async () => {
    const before = await storedRows();
    const first = await client.createQrCode({ ...dynamicRequest, idempotencyKey: 'order-2' });
    const again = await client.createQrCode({ ...dynamicRequest, idempotencyKey: 'order-2' });
    expect(first.replayed).toBe(false);
    expect(again.replayed).toBe(true);
    expect(again.qrCode).toEqual(first.qrCode);
    expect(await storedRows()).toBe(before + 1);
  });

  it('refuses the same key with a different request as a conflict naming the field', async () => {
    const before = await storedRows();
    await expect(
      client.createQrCode({
        ...dynamicRequest,
        amount: { amountMinor: 1_241_201n, currency: 'KGS' },
      }),
    ).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      kind: 'conflict',
      details: { field: 'amount' },
    });
    await expect(
      client.createQrCode({ ...dynamicRequest, description: 'Заказ №2' }),
    ).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      details: { field: 'description' },
    });
    expect(await storedRows()).toBe(before);
  });

  it.each([
    [{ merchantId: '' }, 'QR_INVALID_REQUEST'],
    [{ idempotencyKey: '' }, 'IDEMPOTENCY_KEY_REQUIRED'],
    [{ kind: QrKind.QR_KIND_UNSPECIFIED }, 'QR_INVALID_REQUEST'],
    [{ amount: undefined }, 'QR_AMOUNT_REQUIRED'],
    [{ amount: { amountMinor: 0n, currency: 'KGS' } }, 'MONEY_ZERO_AMOUNT'],
    [{ amount: { amountMinor: -5n, currency: 'KGS' } }, 'MONEY_NEGATIVE_AMOUNT'],
    [{ amount: { amountMinor: 100n, currency: 'USD' } }, 'QR_CURRENCY_UNSUPPORTED'],
    [{ amount: { amountMinor: 10_000_000_000_000n, currency: 'KGS' } }, 'QR_FIELD_TOO_LONG'],
    [{ kind: QrKind.QR_KIND_STATIC }, 'QR_AMOUNT_NOT_ALLOWED'],
    [{ description: 'x'.repeat(33) }, 'QR_FIELD_TOO_LONG'],
    [{ description: 'pay 🙂' }, 'QR_FIELD_INVALID_CHARACTERS'],
    [{ merchantId: 'm'.repeat(33) }, 'QR_FIELD_TOO_LONG'],
    [{ expiresAt: new Date(Date.now() - 1_000) }, 'QR_EXPIRES_AT_IN_PAST'],
    [{ label: 'desk' }, 'QR_LABEL_NOT_ALLOWED'],
    [
      { kind: QrKind.QR_KIND_STATIC, amount: undefined, paymentId: 'pay_1' },
      'QR_PAYMENT_ID_NOT_ALLOWED',
    ],
    [
      { kind: QrKind.QR_KIND_STATIC, amount: undefined, expiresAt: new Date(Date.now() + 60_000) },
      'QR_EXPIRES_AT_NOT_ALLOWED',
    ],
    [
      { kind: QrKind.QR_KIND_STATIC, amount: undefined, label: 'l'.repeat(65) },
      'QR_FIELD_TOO_LONG',
    ],
  ])('refuses %o with INVALID_ARGUMENT %s and writes nothing', async (changes, code) => {
    const before = await storedRows();
    await expect(
      client.createQrCode({ ...dynamicRequest, idempotencyKey: `bad-${code}`, ...changes }),
    ).rejects.toMatchObject({ code, kind: 'invalid' });
    expect(await storedRows()).toBe(before);
  });

  it('answers NOT_FOUND for an unknown code', async () => {
    await expect(
      client.getQrCode({ qrCodeId: 'qr_01jzzzzzzzzzzzzzzzzzzzzzzz', merchantId: '' }),
    ).rejects.toMatchObject({
      code: 'QR_CODE_NOT_FOUND',
      kind: 'not_found',
    });
  });
});
