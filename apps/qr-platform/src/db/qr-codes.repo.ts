import type { Knex } from '@tolem/db-kit';
import { isCurrencyCode, money } from '@tolem/money';

import type { QrCodeRepository } from '../domain/ports';
import type { NewQrCode, QrCode, QrKind } from '../domain/qr-code';

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
  };
}

function toRow(code: NewQrCode): Omit<QrCodeRow, 'created_at'> {
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
  };
}

export function createQrCodesRepo(db: Knex): QrCodeRepository {
  return {
    async insertOnce(code) {
      // One statement: concurrent retries with the same key cannot both insert.
      const inserted = await db<QrCodeRow>('qr_codes')
        .insert(toRow(code))
        .onConflict(['merchant_id', 'idempotency_key'])
        .ignore()
        .returning('*');
      if (inserted[0]) return { qrCode: toDomain(inserted[0] as QrCodeRow), inserted: true };
      const existing = await db<QrCodeRow>('qr_codes')
        .where({ merchant_id: code.merchantId, idempotency_key: code.idempotencyKey })
        .first();
      if (!existing) throw new Error('qr code vanished after a conflicting insert');
      return { qrCode: toDomain(existing as QrCodeRow), inserted: false };
    },
    async findById(id) {
      const row = await db<QrCodeRow>('qr_codes').where({ id }).first();
      return row ? toDomain(row as QrCodeRow) : undefined;
    },
  };
}
