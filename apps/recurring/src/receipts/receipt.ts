import { VAT_CODE_OF_RATE } from '@tolem/catalog';
import type { Money } from '@tolem/money';

/**
 * A fiscal receipt (54-FZ) for one successful recurring charge: a superset of YooKassa's receipt
 * object (`POST /v3/receipts`), so the sender maps it onto that wire shape field by field.
 */
export interface ReceiptCustomer {
  email: string;
  /** Digits only, E.164 without "+". Never logged. */
  phone: string;
  fullName: string;
  inn: string;
}

export interface ReceiptItem {
  /** 1..128 characters (YooKassa's limit). */
  description: string;
  /** Decimal string; "1" for a recurring charge. */
  quantity: string;
  /** Price × quantity of the line. */
  amount: Money;
  vatCode: VatCode;
  paymentSubject: PaymentSubject;
  paymentMode: PaymentMode;
}

/**
 * `pending`: stored, not yet accepted by the cash register (the sender keeps trying).
 * `succeeded`: registered, fiscal data known. `canceled`: never to be registered, because its
 * content cannot be fiscalized (last_error names the stable code, e.g. no customer contact).
 */
export type ReceiptStatus = 'pending' | 'succeeded' | 'canceled';

export interface Receipt {
  /** `rct_…`; also the Idempotence-Key towards the cash register. */
  id: string;
  merchantId: string;
  type: 'payment';
  paymentId: string;
  operationId: string;
  chargeId: string;
  customer: ReceiptCustomer;
  items: ReceiptItem[];
  /** 1..6, or 0 for the register's default (the field is then left out of the request). */
  taxSystemCode: number;
  /** The one `cashless` settlement: the full charged amount. */
  settlement: Money;
  status: ReceiptStatus;
  registerReceiptId: string;
  fiscalDocumentNumber: string;
  fiscalStorageNumber: string;
  fiscalAttribute: string;
  registeredAt: Date | undefined;
  sendAttempts: number;
  lastError: string;
  livemode: boolean;
  createdAt: Date;
}

/** YooKassa's `vat_code` (https://yookassa.ru/developers/54fz/parameters-values). */
export type VatCode = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12;

/**
 * The merchant's `vat_rate` setting (checkout) → YooKassa's `vat_code`, from the catalog's one
 * table; rates without a 54-FZ code (`vat12`) are absent.
 */
export const VAT_CODES: Readonly<Record<string, VatCode>> = Object.freeze(
  Object.fromEntries(
    Object.entries(VAT_CODE_OF_RATE).filter((e): e is [string, VatCode] => e[1] !== null),
  ),
);

/**
 * The vat_code of a merchant's vat_rate; undefined for a rate no 54-FZ register knows. An empty
 * rate is checkout's default, `none`.
 */
export function vatCodeOf(vatRate: string): VatCode | undefined {
  const key = vatRate === '' ? 'none' : vatRate;
  return Object.prototype.hasOwnProperty.call(VAT_CODES, key) ? VAT_CODES[key] : undefined;
}

export function isVatCode(value: number): value is VatCode {
  return Number.isInteger(value) && value >= 1 && value <= 12;
}

/** YooKassa's payment_subject values (the subset of FFD 1.05 subjects it accepts). */
export const PAYMENT_SUBJECTS = [
  'commodity',
  'excise',
  'job',
  'service',
  'gambling_bet',
  'gambling_prize',
  'lottery',
  'lottery_prize',
  'intellectual_activity',
  'payment',
  'agent_commission',
  'composite',
  'another',
] as const;
export type PaymentSubject = (typeof PAYMENT_SUBJECTS)[number];

/** YooKassa's payment_mode values. */
export const PAYMENT_MODES = [
  'full_prepayment',
  'partial_prepayment',
  'advance',
  'full_payment',
  'partial_payment',
  'credit',
  'credit_payment',
] as const;
export type PaymentMode = (typeof PAYMENT_MODES)[number];

/** YooKassa's limit on an item's description. */
export const MAX_DESCRIPTION_LENGTH = 128;

/** Only roubles are fiscalized by a 54-FZ cash register. */
export const RECEIPT_CURRENCY = 'RUB';
