import type { Knex } from '@tolem/db-kit';
import { isCurrencyCode, money } from '@tolem/money';

import type { QrCodeRepository } from '../domain/ports';
import type { NewQrCode, QrCloseReason, QrCode, QrKind } from '../domain/qr-code';

interface QrCodeRow {
  id: string;
  merchant_id: string;
  kind: QrKind;
  amount_minor: bigint | null;
  currency: string;
  description: string;
  payload: string;
  link: string;
  idempotency_key: string;
  request_fingerprint: string;
  created_at: Date;
  livemode: boolean;
  expires_at: Date | null;
  payment_id: string | null;
  label: string;
  paid_at: Date | null;
  paid_payment_id: string | null;
  closed_at: Date | null;
  closed_reason: QrCloseReason | null;
}

function toDomain(row: QrCodeRow): QrCode {
  const currency = row.currency;
  if (!isCurrencyCode(currency))
    throw new Error(`qr code ${row.id} has unknown currency ${currency}`);
  return {
    id: row.id,
    merchantId: row.merchant_id,
    kind: row.kind,
    amount: row.amount_minor === null ? undefined : money(row.amount_minor, row.currency),
    currency,
    description: row.description,
    payload: row.payload,
    link: row.link,
    idempotencyKey: row.idempotency_key,
    requestFingerprint: row.request_fingerprint,
    createdAt: row.created_at,
    livemode: row.livemode,
    expiresAt: row.expires_at ?? undefined,
    paymentId: row.payment_id ?? '',
    label: row.label,
    paidAt: row.paid_at ?? undefined,
    paidPaymentId: row.paid_payment_id ?? '',
    closedAt: row.closed_at ?? undefined,
    closedReason: row.closed_reason ?? '',
  };
}

function toRow(
  code: NewQrCode,
): Omit<QrCodeRow, 'created_at' | 'paid_at' | 'paid_payment_id' | 'closed_at' | 'closed_reason'> {
  return {
    id: code.id,
    merchant_id: code.merchantId,
    kind: code.kind,
    amount_minor: code.amount ? code.amount.amountMinor : null,
    currency: code.currency,
    description: code.description,
    payload: code.payload,
    link: code.link,
    idempotency_key: code.idempotencyKey,
    request_fingerprint: code.requestFingerprint,
    livemode: code.livemode,
    expires_at: code.expiresAt ?? null,
    payment_id: code.paymentId || null,
    label: code.label,
  };
}

export function createQrCodesRepo(db: Knex): QrCodeRepository {
  const byKey = async (merchantId: string, idempotencyKey: string) => {
    const row = await db<QrCodeRow>('qr_codes')
      .where({ merchant_id: merchantId, idempotency_key: idempotencyKey })
      .first();
    return row ? toDomain(row as QrCodeRow) : undefined;
  };
  return {
    async insertOnce(code) {
      // One statement: concurrent retries with the same key cannot both insert.
      const inserted = await db<QrCodeRow>('qr_codes')
        .insert(toRow(code))
        .onConflict(['merchant_id', 'idempotency_key'])
        .ignore()
        .returning('*');
      if (inserted[0]) return { qrCode: toDomain(inserted[0] as QrCodeRow), inserted: true };
      const existing = await byKey(code.merchantId, code.idempotencyKey);
      if (!existing) throw new Error('qr code vanished after a conflicting insert');
      return { qrCode: existing, inserted: false };
    },
    async findById(id) {
      const row = await db<QrCodeRow>('qr_codes').where({ id }).first();
      return row ? toDomain(row as QrCodeRow) : undefined;
    },
    findByIdempotencyKey: byKey,
    async findByPaymentId(paymentId) {
      const row = await db<QrCodeRow>('qr_codes')
        .where({ payment_id: paymentId, kind: 'dynamic' })
        .orderBy('created_at', 'asc')
        .first();
      return row ? toDomain(row as QrCodeRow) : undefined;
    },
    async list(filter, page) {
      const query = db<QrCodeRow>('qr_codes').where({ merchant_id: filter.merchantId });
      if (filter.kind) void query.andWhere({ kind: filter.kind });
      if (filter.livemode !== undefined) void query.andWhere({ livemode: filter.livemode });
      if (page.startingAfter) {
        // Of the mode listed too: another mode's id is refused like an unknown one.
        const cursor = await db<QrCodeRow>('qr_codes')
          .where({ id: page.startingAfter, merchant_id: filter.merchantId })
          .modify((q) => {
            if (filter.livemode !== undefined) void q.andWhere({ livemode: filter.livemode });
          })
          .first('id');
        if (!cursor) return undefined;
        // Compared in SQL: created_at has microseconds, a JS Date read back only milliseconds, so
        // a code made in the same millisecond as the cursor would be skipped.
        void query.andWhereRaw(
          '(created_at, id) < (select c.created_at, c.id from qr_codes c where c.id = ?)',
          [cursor.id],
        );
      }
      const rows = (await query
        .orderBy([
          { column: 'created_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .limit(page.limit + 1)) as QrCodeRow[];
      return {
        items: rows.slice(0, page.limit).map(toDomain),
        hasMore: rows.length > page.limit,
      };
    },
    async markPaid(id, paymentId, at) {
      const changed = await db<QrCodeRow>('qr_codes')
        .where({ id, kind: 'dynamic' })
        .whereNull('paid_at')
        .update({ paid_at: at, paid_payment_id: paymentId });
      return changed > 0;
    },
    async markClosed(id, reason, at) {
      const changed = await db<QrCodeRow>('qr_codes')
        .where({ id, kind: 'dynamic' })
        .whereNull('paid_at')
        .whereNull('closed_at')
        .update({ closed_at: at, closed_reason: reason });
      return changed > 0;
    },
  };
}
