import type { Knex } from '@tolem/db-kit';
import { isCurrencyCode, money } from '@tolem/money';

import type { QrPaymentRepository } from '../domain/ports';
import type { QrCodePayment } from '../domain/qr-payment';

interface QrPaymentRow {
  payment_id: string;
  qr_code_id: string;
  status: string;
  amount_minor: bigint;
  currency: string;
  payer_bank: string;
  event_id: string;
  sequence: bigint;
  created_at: Date;
  updated_at: Date;
}

function toDomain(row: QrPaymentRow): QrCodePayment {
  if (!isCurrencyCode(row.currency)) {
    throw new Error(`qr payment ${row.payment_id} has unknown currency ${row.currency}`);
  }
  return {
    qrCodeId: row.qr_code_id,
    paymentId: row.payment_id,
    status: row.status,
    amount: money(row.amount_minor, row.currency),
    payerBank: row.payer_bank,
    eventId: row.event_id,
    sequence: row.sequence,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const TABLE = 'qr_code_payments';

export function createQrPaymentsRepo(db: Knex): QrPaymentRepository {
  return {
    async findByPaymentId(paymentId) {
      const row = await db<QrPaymentRow>(TABLE).where({ payment_id: paymentId }).first();
      return row ? toDomain(row as QrPaymentRow) : undefined;
    },
    async upsertForward(p, keepAmount) {
      // One statement: the WHERE of the conflict update is what makes a row only move forward,
      // also between two consumers racing after a rebalance. A payer bank once known stays.
      const result = await db.raw<{ rows: QrPaymentRow[] }>(
        `insert into ${TABLE} as t (payment_id, qr_code_id, status, amount_minor, currency,
           payer_bank, event_id, sequence, created_at, updated_at)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         on conflict (payment_id) do update set
           status = excluded.status,
           amount_minor = case when ? then t.amount_minor else excluded.amount_minor end,
           currency = case when ? then t.currency else excluded.currency end,
           payer_bank = coalesce(nullif(excluded.payer_bank, ''), t.payer_bank),
           event_id = excluded.event_id,
           sequence = excluded.sequence,
           updated_at = excluded.updated_at
         where t.sequence < excluded.sequence
         returning *`,
        [
          p.paymentId,
          p.qrCodeId,
          p.status,
          p.amount.amountMinor.toString(),
          p.amount.currency,
          p.payerBank,
          p.eventId,
          p.sequence.toString(),
          p.createdAt,
          p.updatedAt,
          keepAmount,
          keepAmount,
        ],
      );
      const row = result.rows[0];
      return row ? toDomain(row) : undefined;
    },
    async listByCode(qrCodeId, page) {
      const query = db<QrPaymentRow>(TABLE).where({ qr_code_id: qrCodeId });
      if (page.startingAfter) {
        const cursor = await db<QrPaymentRow>(TABLE)
          .where({ payment_id: page.startingAfter, qr_code_id: qrCodeId })
          .first('payment_id');
        if (!cursor) return undefined;
        // Compared in SQL, not through a JS Date that keeps milliseconds only (as in qr-codes.repo).
        void query.andWhereRaw(
          `(created_at, payment_id) < (select p.created_at, p.payment_id from ${TABLE} p where p.payment_id = ?)`,
          [cursor.payment_id],
        );
      }
      const rows = (await query
        .orderBy([
          { column: 'created_at', order: 'desc' },
          { column: 'payment_id', order: 'desc' },
        ])
        .limit(page.limit + 1)) as QrPaymentRow[];
      return {
        items: rows.slice(0, page.limit).map(toDomain),
        hasMore: rows.length > page.limit,
      };
    },
    async allOfCode(qrCodeId) {
      const rows = (await db<QrPaymentRow>(TABLE)
        .where({ qr_code_id: qrCodeId })
        .orderBy([
          { column: 'created_at', order: 'asc' },
          { column: 'payment_id', order: 'asc' },
        ])) as QrPaymentRow[];
      return rows.map(toDomain);
    },
  };
}
