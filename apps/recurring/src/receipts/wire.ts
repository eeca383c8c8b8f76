import { toMajorString } from '@tolem/money';

import type { Receipt } from './receipt';
import { unitPrice } from './validation';

/** YooKassa's `POST /v3/receipts` body (https://yookassa.ru/developers/api#create_receipt). */
export interface RegisterReceiptRequest {
  type: 'payment';
  payment_id: string;
  customer: { full_name?: string; inn?: string; email?: string; phone?: string };
  items: Array<{
    description: string;
    quantity: string;
    amount: { value: string; currency: string };
    vat_code: number;
    payment_subject: string;
    payment_mode: string;
  }>;
  settlements: Array<{ type: 'cashless'; amount: { value: string; currency: string } }>;
  tax_system_code?: number;
  send: true;
  /** Not YooKassa's: lets the register's operator find Tolem's receipt. */
  metadata: { tolem_receipt_id: string; tolem_charge_id: string };
}

/** The facts Tolem keeps from the register's receipt object. */
export interface RegisteredReceipt {
  id: string;
  status: string;
  fiscalDocumentNumber: string;
  fiscalStorageNumber: string;
  fiscalAttribute: string;
  registeredAt: Date | undefined;
}

/**
 * The request body, with decimal `value` strings made from minor units by @tolem/money (never a
 * float); an item's amount is its unit price, as in YooKassa. Empty customer fields are left out.
 */
export function toRegisterRequest(r: Receipt): RegisterReceiptRequest {
  const customer: RegisterReceiptRequest['customer'] = {};
  if (r.customer.fullName !== '') customer.full_name = r.customer.fullName;
  if (r.customer.inn !== '') customer.inn = r.customer.inn;
  if (r.customer.email !== '') customer.email = r.customer.email;
  if (r.customer.phone !== '') customer.phone = r.customer.phone;
  const body: RegisterReceiptRequest = {
    type: r.type,
    payment_id: r.paymentId,
    customer,
    items: r.items.map((item) => {
      const price = unitPrice(item);
      return {
        description: item.description,
        quantity: item.quantity,
        amount: { value: toMajorString(price), currency: price.currency },
        vat_code: item.vatCode,
        payment_subject: item.paymentSubject,
        payment_mode: item.paymentMode,
      };
    }),
    settlements: [
      {
        type: 'cashless',
        amount: { value: toMajorString(r.settlement), currency: r.settlement.currency },
      },
    ],
    send: true,
    metadata: { tolem_receipt_id: r.id, tolem_charge_id: r.chargeId },
  };
  if (r.taxSystemCode !== 0) body.tax_system_code = r.taxSystemCode;
  return body;
}

const text = (v: unknown): string =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';

/** Reads the register's receipt object; undefined when it is not one (no id or status). */
export function readRegisteredReceipt(body: unknown): RegisteredReceipt | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const o = body as Record<string, unknown>;
  const id = text(o['id']);
  const status = text(o['status']);
  if (id === '' || status === '') return undefined;
  const at = text(o['registered_at']);
  const registeredAt = at === '' ? undefined : new Date(at);
  return {
    id,
    status,
    fiscalDocumentNumber: text(o['fiscal_document_number']),
    fiscalStorageNumber: text(o['fiscal_storage_number']),
    fiscalAttribute: text(o['fiscal_attribute']),
    registeredAt: registeredAt && !Number.isNaN(registeredAt.getTime()) ? registeredAt : undefined,
  };
}
