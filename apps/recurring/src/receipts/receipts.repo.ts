import type { Knex } from '@tolem/db-kit';
import { money } from '@tolem/money';

import type {
  PaymentMode,
  PaymentSubject,
  Receipt,
  ReceiptCustomer,
  ReceiptItem,
  ReceiptStatus,
  VatCode,
} from './receipt';
import type { RegisteredReceipt } from './wire';

type Db = Knex | Knex.Transaction;

interface ItemJson {
  description: string;
  quantity: string;
  /** A string: JSON has no bigint. */
  amount_minor: string;
  currency: string;
  vat_code: number;
  payment_subject: string;
  payment_mode: string;
}

interface ReceiptRow {
  id: string;
  merchant_id: string;
  type: 'payment';
  payment_id: string;
  operation_id: string;
  charge_id: string;
  customer: { email?: string; phone?: string; full_name?: string; inn?: string };
  items: ItemJson[];
  tax_system_code: number;
  settlement_minor: bigint;
  currency: string;
  status: ReceiptStatus;
  register_receipt_id: string;
  fiscal_document_number: string;
  fiscal_storage_number: string;
  fiscal_attribute: string;
  registered_at: Date | null;
  send_attempts: number;
  refusals: number;
  last_error: string;
  next_attempt_at: Date | null;
  livemode: boolean;
  created_at: Date;
  updated_at: Date;
}

function itemToJson(i: ReceiptItem): ItemJson {
  return {
    description: i.description,
    quantity: i.quantity,
    amount_minor: i.amount.amountMinor.toString(),
    currency: i.amount.currency,
    vat_code: i.vatCode,
    payment_subject: i.paymentSubject,
    payment_mode: i.paymentMode,
  };
}

function toDomain(row: ReceiptRow): Receipt {
  const customer: ReceiptCustomer = {
    email: row.customer.email ?? '',
    phone: row.customer.phone ?? '',
    fullName: row.customer.full_name ?? '',
    inn: row.customer.inn ?? '',
  };
  return {
    id: row.id,
    merchantId: row.merchant_id,
    type: row.type,
    paymentId: row.payment_id,
    operationId: row.operation_id,
    chargeId: row.charge_id,
    customer,
    items: row.items.map((i) => ({
      description: i.description,
      quantity: i.quantity,
      amount: money(BigInt(i.amount_minor), i.currency),
      vatCode: i.vat_code as VatCode,
      paymentSubject: i.payment_subject as PaymentSubject,
      paymentMode: i.payment_mode as PaymentMode,
    })),
    taxSystemCode: row.tax_system_code,
    settlement: money(row.settlement_minor, row.currency),
    status: row.status,
    registerReceiptId: row.register_receipt_id,
    fiscalDocumentNumber: row.fiscal_document_number,
    fiscalStorageNumber: row.fiscal_storage_number,
    fiscalAttribute: row.fiscal_attribute,
    registeredAt: row.registered_at ?? undefined,
    sendAttempts: row.send_attempts,
    lastError: row.last_error,
    livemode: row.livemode,
    createdAt: row.created_at,
  };
}

export interface ListReceiptsFilter {
  merchantId: string;
  /** Rows to fetch (the caller asks one more than it shows, to know has_more). */
  limit: number;
  startingAfter: string;
  endingBefore: string;
  operationId: string;
  paymentId: string;
  status: string;
  /** The API key's mode; undefined: either. */
  livemode?: boolean | undefined;
}

/**
 * Inserts a receipt unless its charge already has one; the stored receipt either way. The
 * unique charge_id makes a second issue for one charge (a retried scheduler transaction, a
 * racing instance) return the first receipt: never issued twice.
 */
export async function insertReceiptOnce(
  db: Db,
  r: Receipt,
  nextAttemptAt: Date | undefined,
): Promise<{ receipt: Receipt; inserted: boolean }> {
  const inserted = (await db('receipts')
    .insert({
      id: r.id,
      merchant_id: r.merchantId,
      type: r.type,
      payment_id: r.paymentId,
      operation_id: r.operationId,
      charge_id: r.chargeId,
      customer: JSON.stringify({
        email: r.customer.email,
        phone: r.customer.phone,
        full_name: r.customer.fullName,
        inn: r.customer.inn,
      }),
      items: JSON.stringify(r.items.map(itemToJson)),
      tax_system_code: r.taxSystemCode,
      settlement_minor: r.settlement.amountMinor,
      currency: r.settlement.currency,
      status: r.status,
      last_error: r.lastError,
      next_attempt_at: nextAttemptAt ?? null,
      livemode: r.livemode,
      created_at: r.createdAt,
      updated_at: r.createdAt,
    })
    .onConflict('charge_id')
    .ignore()
    .returning('*')) as ReceiptRow[];
  if (inserted[0]) return { receipt: toDomain(inserted[0]), inserted: true };
  const existing = (await db('receipts').where({ charge_id: r.chargeId }).first()) as
    | ReceiptRow
    | undefined;
  if (!existing) throw new Error('receipt vanished after a conflicting insert');
  return { receipt: toDomain(existing), inserted: false };
}

export async function findReceipt(
  db: Db,
  merchantId: string,
  id: string,
): Promise<Receipt | undefined> {
  const row = (await db('receipts').where({ id, merchant_id: merchantId }).first()) as
    | ReceiptRow
    | undefined;
  return row ? toDomain(row) : undefined;
}

/** Newest first by id (ids sort by creation time); ending_before pages backwards. */
export async function listReceipts(db: Db, f: ListReceiptsFilter): Promise<Receipt[]> {
  const q = db('receipts').where({ merchant_id: f.merchantId });
  if (f.operationId !== '') void q.andWhere({ operation_id: f.operationId });
  if (f.paymentId !== '') void q.andWhere({ payment_id: f.paymentId });
  if (f.status !== '') void q.andWhere({ status: f.status });
  if (f.livemode !== undefined) void q.andWhere({ livemode: f.livemode });
  if (f.endingBefore !== '') {
    const rows = (await q
      .andWhere('id', '>', f.endingBefore)
      .orderBy('id', 'asc')
      .limit(f.limit)) as ReceiptRow[];
    return rows.reverse().map(toDomain);
  }
  if (f.startingAfter !== '') void q.andWhere('id', '<', f.startingAfter);
  const rows = (await q.orderBy('id', 'desc').limit(f.limit)) as ReceiptRow[];
  return rows.map(toDomain);
}

/**
 * Claims up to `limit` due pending receipts for one send each: their next attempt moves to
 * `leaseUntil` (past the send's timeout) and the attempt is counted, in one statement whose
 * FOR UPDATE SKIP LOCKED keeps instances apart. A sender that dies mid-send leaves the receipt
 * to be claimed again once the lease ends; the Idempotence-Key makes that resend harmless.
 */
export async function claimDueReceipts(
  db: Knex,
  now: Date,
  leaseUntil: Date,
  limit: number,
): Promise<Receipt[]> {
  const result = await db.raw<{ rows: ReceiptRow[] }>(
    `update receipts r
        set next_attempt_at = ?, send_attempts = r.send_attempts + 1, updated_at = ?
       from (select id from receipts
              where status = 'pending' and next_attempt_at <= ?
              order by next_attempt_at
              limit ?
              for update skip locked) due
      where r.id = due.id
  returning r.*`,
    [leaseUntil, now, now, limit],
  );
  return result.rows.map(toDomain);
}

/** Records the register's acceptance; only a pending receipt changes. */
export async function markReceiptSucceeded(
  db: Db,
  id: string,
  registered: RegisteredReceipt,
  now: Date,
): Promise<void> {
  await db('receipts')
    .where({ id, status: 'pending' })
    .update({
      status: 'succeeded',
      register_receipt_id: registered.id,
      fiscal_document_number: registered.fiscalDocumentNumber,
      fiscal_storage_number: registered.fiscalStorageNumber,
      fiscal_attribute: registered.fiscalAttribute,
      registered_at: registered.registeredAt ?? now,
      last_error: '',
      next_attempt_at: null,
      updated_at: now,
    });
}

/** A send that did not end in a registration: why, and when to try again. */
export async function markReceiptRetry(
  db: Db,
  id: string,
  change: { lastError: string; nextAttemptAt: Date; refused: boolean; registerReceiptId?: string },
  now: Date,
): Promise<void> {
  await db('receipts')
    .where({ id, status: 'pending' })
    .update({
      last_error: change.lastError.slice(0, 500),
      next_attempt_at: change.nextAttemptAt,
      refusals: change.refused ? db.raw('refusals + 1') : db.raw('refusals'),
      ...(change.registerReceiptId ? { register_receipt_id: change.registerReceiptId } : {}),
      updated_at: now,
    });
}
