import { newId } from '@tolem/ids';
import { money } from '@tolem/money';
import { describe, expect, it } from 'vitest';

import type { QrCodeRepository, QrPaymentRepository } from '../../src/domain/ports';
import type { NewQrCode } from '../../src/domain/qr-code';
import type { QrCodePayment } from '../../src/domain/qr-payment';

export interface Repositories {
  codes: QrCodeRepository;
  payments: QrPaymentRepository;
}

const T0 = new Date('2026-12-07T10:00:00.000Z');
const at = (s: number) => new Date(T0.getTime() + s * 1_000);

function aCode(overrides: Partial<NewQrCode> = {}): NewQrCode {
  const dynamic = (overrides.kind ?? 'dynamic') === 'dynamic';
  return {
    id: newId('qr'),
    merchantId: 'mer_contract',
    kind: 'dynamic',
    amount: dynamic ? money(10_000n, 'KGS') : undefined,
    currency: 'KGS',
    description: 'd',
    payload: 'payload',
    link: 'link',
    idempotencyKey: newId('idk'),
    requestFingerprint: 'f',
    livemode: false,
    expiresAt: dynamic ? at(900) : undefined,
    paymentId: dynamic ? newId('pay') : '',
    label: dynamic ? '' : 'Desk',
    ...overrides,
  };
}

function aRow(qrCodeId: string, overrides: Partial<QrCodePayment> = {}): QrCodePayment {
  return {
    qrCodeId,
    paymentId: newId('pay'),
    status: 'pending',
    amount: money(10_000n, 'KGS'),
    payerBank: '',
    eventId: newId('evt'),
    sequence: 1n,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

/**
 * What every QrCodeRepository and QrPaymentRepository must do, run against the in-memory fakes
 * and the PostgreSQL repositories alike, so the fakes the unit tests use cannot drift.
 */
export function repositoryContract(make: () => Promise<Repositories>): void {
  describe('QrCodeRepository', () => {
    it('stores a code once per (merchant, key) and finds it by id, key and payment', async () => {
      const { codes } = await make();
      const code = aCode();
      const first = await codes.insertOnce(code);
      expect(first.inserted).toBe(true);
      expect(first.qrCode).toMatchObject({
        ...code,
        paidAt: undefined,
        paidPaymentId: '',
        closedAt: undefined,
        closedReason: '',
      });
      const again = await codes.insertOnce({ ...code, id: newId('qr') });
      expect(again).toEqual({ qrCode: first.qrCode, inserted: false });
      expect(await codes.findById(code.id)).toEqual(first.qrCode);
      expect(await codes.findByIdempotencyKey(code.merchantId, code.idempotencyKey)).toEqual(
        first.qrCode,
      );
      expect(await codes.findByIdempotencyKey('mer_other', code.idempotencyKey)).toBeUndefined();
      expect(await codes.findByPaymentId(code.paymentId)).toEqual(first.qrCode);
      expect(await codes.findByPaymentId('pay_none')).toBeUndefined();
    });

    it('marks a dynamic code paid once, never a static one', async () => {
      const { codes } = await make();
      const dynamic = aCode();
      const stat = aCode({ kind: 'static' });
      await codes.insertOnce(dynamic);
      await codes.insertOnce(stat);
      expect(await codes.markPaid(dynamic.id, 'pay_a', at(1))).toBe(true);
      expect(await codes.markPaid(dynamic.id, 'pay_b', at(2))).toBe(false);
      expect(await codes.findById(dynamic.id)).toMatchObject({
        paidAt: at(1),
        paidPaymentId: 'pay_a',
      });
      expect(await codes.markPaid(stat.id, 'pay_c', at(1))).toBe(false);
      expect((await codes.findById(stat.id))?.paidAt).toBeUndefined();
    });

    it('closes an open, unpaid dynamic code once, never a paid or a static one', async () => {
      const { codes } = await make();
      const open = aCode();
      const paid = aCode();
      const stat = aCode({ kind: 'static' });
      for (const c of [open, paid, stat]) await codes.insertOnce(c);
      await codes.markPaid(paid.id, 'pay_p', at(1));
      expect(await codes.markClosed(open.id, 'canceled', at(2))).toBe(true);
      expect(await codes.markClosed(open.id, 'expired', at(3))).toBe(false);
      expect(await codes.findById(open.id)).toMatchObject({
        closedAt: at(2),
        closedReason: 'canceled',
      });
      expect(await codes.markClosed(paid.id, 'failed', at(2))).toBe(false);
      expect(await codes.markClosed(stat.id, 'failed', at(2))).toBe(false);
      expect((await codes.findById(stat.id))?.closedReason).toBe('');
    });

    it('lists a merchant’s codes newest first, filtered, paged after a cursor of its own', async () => {
      const { codes } = await make();
      const merchantId = newId('mer');
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const code = aCode({
          merchantId,
          ...(i % 2 === 0
            ? { kind: 'static', amount: undefined, expiresAt: undefined, paymentId: '', label: 'D' }
            : {}),
          livemode: i >= 2,
        });
        await codes.insertOnce(code);
        ids.push(code.id);
      }
      const other = aCode();
      await codes.insertOnce(other);
      const filter = { merchantId, kind: undefined, livemode: undefined };
      const page1 = await codes.list(filter, { limit: 3, startingAfter: undefined });
      expect(page1?.items.map((c) => c.id)).toEqual([ids[3], ids[2], ids[1]]);
      expect(page1?.hasMore).toBe(true);
      const page2 = await codes.list(filter, { limit: 3, startingAfter: ids[1] });
      expect(page2).toMatchObject({ items: [{ id: ids[0] }], hasMore: false });
      const statics = await codes.list(
        { ...filter, kind: 'static' },
        { limit: 10, startingAfter: undefined },
      );
      expect(statics?.items.map((c) => c.id)).toEqual([ids[2], ids[0]]);
      const live = await codes.list(
        { ...filter, livemode: true },
        { limit: 10, startingAfter: undefined },
      );
      expect(live?.items.map((c) => c.id)).toEqual([ids[3], ids[2]]);
      expect(await codes.list(filter, { limit: 10, startingAfter: other.id })).toBeUndefined();
      expect(await codes.list(filter, { limit: 10, startingAfter: 'qr_none' })).toBeUndefined();
    });
  });

  describe('QrPaymentRepository', () => {
    it('moves a row only forward by sequence, keeping its creation, payer bank and (for refunds) amount', async () => {
      const { codes, payments } = await make();
      const code = aCode();
      await codes.insertOnce(code);
      const first = aRow(code.id, { paymentId: code.paymentId });
      expect(await payments.upsertForward(first, false)).toEqual(first);
      expect(await payments.upsertForward({ ...first, status: 'failed' }, false)).toBeUndefined();
      const succeeded = {
        ...first,
        status: 'succeeded',
        payerBank: 'mbank',
        eventId: newId('evt'),
        sequence: 3n,
        createdAt: at(5),
        updatedAt: at(5),
      };
      expect(await payments.upsertForward(succeeded, false)).toEqual({
        ...succeeded,
        createdAt: T0,
      });
      expect(await payments.upsertForward({ ...first, sequence: 2n }, false)).toBeUndefined();
      const refunded = {
        ...succeeded,
        status: 'partially_refunded',
        amount: money(100n, 'KGS'),
        payerBank: '',
        sequence: 4n,
        updatedAt: at(9),
      };
      expect(await payments.upsertForward(refunded, true)).toEqual({
        ...refunded,
        amount: money(10_000n, 'KGS'),
        payerBank: 'mbank',
        createdAt: T0,
      });
      expect((await payments.findByPaymentId(code.paymentId))?.sequence).toBe(4n);
      expect(await payments.findByPaymentId('pay_none')).toBeUndefined();
    });

    it('pages a code’s payments newest first and returns them all oldest first', async () => {
      const { codes, payments } = await make();
      const code = aCode({
        kind: 'static',
        amount: undefined,
        expiresAt: undefined,
        paymentId: '',
      });
      await codes.insertOnce(code);
      const rows = [1, 2, 3].map((s) => aRow(code.id, { createdAt: at(s), updatedAt: at(s) }));
      for (const row of rows) await payments.upsertForward(row, false);
      const ids = rows.map((r) => r.paymentId);
      const page1 = await payments.listByCode(code.id, { limit: 2, startingAfter: undefined });
      expect(page1?.items.map((p) => p.paymentId)).toEqual([ids[2], ids[1]]);
      expect(page1?.hasMore).toBe(true);
      const page2 = await payments.listByCode(code.id, { limit: 2, startingAfter: ids[1] });
      expect(page2?.items.map((p) => p.paymentId)).toEqual([ids[0]]);
      expect(page2?.hasMore).toBe(false);
      expect(
        await payments.listByCode(code.id, { limit: 2, startingAfter: 'pay_none' }),
      ).toBeUndefined();
      expect((await payments.allOfCode(code.id)).map((p) => p.paymentId)).toEqual(ids);
      expect(await payments.allOfCode('qr_none')).toEqual([]);
    });
  });
}
