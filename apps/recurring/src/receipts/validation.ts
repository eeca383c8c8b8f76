import { equals, isCurrencyCode, type Money, money } from '@tolem/money';

import { receiptErrors } from './errors';
import {
  isVatCode,
  MAX_DESCRIPTION_LENGTH,
  PAYMENT_MODES,
  PAYMENT_SUBJECTS,
  RECEIPT_CURRENCY,
  type ReceiptCustomer,
  type ReceiptItem,
} from './receipt';

/** What a receipt must satisfy before it goes to the cash register. */
export interface ReceiptDraft {
  customer: ReceiptCustomer;
  items: readonly ReceiptItem[];
  taxSystemCode: number;
  settlement: Money;
}

const EMAIL = /^[^\s@"<>(),;:]+@[^\s@"<>(),;:]+\.[^\s@"<>(),;:.]{2,}$/;
const PHONE = /^\d{7,15}$/;
const INN = /^(\d{10}|\d{12})$/;
/** A positive decimal with at most 3 fraction digits (FFD's quantity precision). */
const QUANTITY = /^(?:0|[1-9]\d{0,8})(?:\.\d{1,3})?$/;
const MAX_ITEMS = 100;

function invalid(
  code: Parameters<typeof receiptErrors.create>[0],
  field: string,
  message: string,
): never {
  throw receiptErrors.create(code, message, { details: { field } });
}

/**
 * Digits of a phone as people write it ("+7 (912) 345-67-89" → "79123456789"); the result still
 * has to pass validation.
 */
export function normalizePhone(phone: string): string {
  return phone.replace(/[\s()+-]/g, '');
}

/**
 * The customer part alone: usable when a scheduled operation is created, so a bad contact is
 * refused then rather than discovered at the first charge.
 */
export function validateReceiptCustomer(customer: ReceiptCustomer): void {
  if (customer.email === '' && customer.phone === '') {
    invalid(
      'RECEIPT_CUSTOMER_CONTACT_REQUIRED',
      'customer',
      'receipt customer needs an email or a phone',
    );
  }
  if (customer.email !== '' && (customer.email.length > 254 || !EMAIL.test(customer.email))) {
    invalid(
      'RECEIPT_CUSTOMER_EMAIL_INVALID',
      'customer.email',
      'customer email is not a valid address',
    );
  }
  // The phone itself is never put into the message: it is personal data.
  if (customer.phone !== '' && !PHONE.test(customer.phone)) {
    invalid(
      'RECEIPT_CUSTOMER_PHONE_INVALID',
      'customer.phone',
      'customer phone must be 7..15 digits (E.164 without +)',
    );
  }
  if (customer.inn !== '' && !INN.test(customer.inn)) {
    invalid(
      'RECEIPT_CUSTOMER_INN_INVALID',
      'customer.inn',
      'customer INN must have 10 or 12 digits',
    );
  }
  if (customer.fullName.length > 256) {
    invalid(
      'RECEIPT_CUSTOMER_NAME_INVALID',
      'customer.full_name',
      'customer full name is longer than 256 characters',
    );
  }
}

/** Parses a quantity into a scaled integer: "1.5" → {units: 1500n, scale: 1000n}. */
export function parseQuantity(quantity: string): { units: bigint; scale: bigint } | undefined {
  if (!QUANTITY.test(quantity)) return undefined;
  const [whole = '0', frac = ''] = quantity.split('.');
  const units = BigInt(whole + frac.padEnd(3, '0'));
  return units > 0n ? { units, scale: 1000n } : undefined;
}

/**
 * The unit price of a line (YooKassa's item amount is per unit), exactly: a line whose amount
 * does not divide into whole minor units per unit cannot be sent, so it is refused.
 */
export function unitPrice(item: ReceiptItem): Money {
  const q = parseQuantity(item.quantity);
  if (!q)
    invalid(
      'RECEIPT_ITEM_QUANTITY_INVALID',
      'items.quantity',
      'quantity must be a positive decimal with at most 3 fraction digits',
    );
  const scaled = item.amount.amountMinor * q.scale;
  if (scaled % q.units !== 0n) {
    invalid(
      'RECEIPT_ITEM_QUANTITY_INVALID',
      'items.quantity',
      'the line amount is not a whole number of minor units per unit',
    );
  }
  return money(scaled / q.units, item.amount.currency);
}

/**
 * Everything a 54-FZ register would refuse, checked before sending, each with a stable code:
 * contact, items (1..100; description 1..128; quantity > 0; amount > 0; RUB; vat_code 1..12;
 * subject and mode known), tax system 0..6, and the items adding up to the settlement.
 */
export function validateReceipt(draft: ReceiptDraft): void {
  validateReceiptCustomer(draft.customer);
  if (
    !isCurrencyCode(draft.settlement.currency) ||
    draft.settlement.currency !== RECEIPT_CURRENCY
  ) {
    invalid(
      'RECEIPT_CURRENCY_UNSUPPORTED',
      'settlement.currency',
      `a 54-FZ receipt is in ${RECEIPT_CURRENCY} only`,
    );
  }
  if (
    !Number.isInteger(draft.taxSystemCode) ||
    draft.taxSystemCode < 0 ||
    draft.taxSystemCode > 6
  ) {
    invalid(
      'RECEIPT_TAX_SYSTEM_INVALID',
      'tax_system_code',
      'tax_system_code must be 1..6 (0: the register default)',
    );
  }
  if (draft.items.length < 1 || draft.items.length > MAX_ITEMS) {
    invalid('RECEIPT_ITEMS_INVALID', 'items', `a receipt has 1..${MAX_ITEMS} items`);
  }
  let total = money(0n, draft.settlement.currency);
  for (const item of draft.items) {
    const length = [...item.description].length;
    if (item.description.trim() === '' || length > MAX_DESCRIPTION_LENGTH) {
      invalid(
        'RECEIPT_ITEM_DESCRIPTION_INVALID',
        'items.description',
        `item description must be 1..${MAX_DESCRIPTION_LENGTH} characters`,
      );
    }
    if (item.amount.currency !== RECEIPT_CURRENCY) {
      invalid(
        'RECEIPT_CURRENCY_UNSUPPORTED',
        'items.amount.currency',
        `a 54-FZ receipt is in ${RECEIPT_CURRENCY} only`,
      );
    }
    if (item.amount.amountMinor <= 0n) {
      invalid(
        'RECEIPT_ITEM_AMOUNT_INVALID',
        'items.amount',
        'item amount must be greater than zero',
      );
    }
    unitPrice(item);
    if (!isVatCode(item.vatCode)) {
      invalid('RECEIPT_VAT_CODE_INVALID', 'items.vat_code', 'vat_code must be 1..12');
    }
    if (!(PAYMENT_SUBJECTS as readonly string[]).includes(item.paymentSubject)) {
      invalid(
        'RECEIPT_PAYMENT_SUBJECT_INVALID',
        'items.payment_subject',
        'unknown payment_subject',
      );
    }
    if (!(PAYMENT_MODES as readonly string[]).includes(item.paymentMode)) {
      invalid('RECEIPT_PAYMENT_MODE_INVALID', 'items.payment_mode', 'unknown payment_mode');
    }
    total = money(total.amountMinor + item.amount.amountMinor, total.currency);
  }
  if (draft.settlement.amountMinor <= 0n || !equals(total, draft.settlement)) {
    invalid(
      'RECEIPT_SETTLEMENT_MISMATCH',
      'settlements',
      'the items do not add up to the cashless settlement',
    );
  }
}
