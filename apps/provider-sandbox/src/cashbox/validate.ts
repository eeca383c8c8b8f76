import { minorFromDecimal } from '../decimal';

/** YooKassa's error object (https://yookassa.ru/developers/using-api/response-handling/http-codes). */
export interface CashboxError {
  status: number;
  code: string;
  description: string;
  parameter?: string;
}

export class CashboxRefusal extends Error {
  constructor(readonly error: CashboxError) {
    super(error.description);
    this.name = 'CashboxRefusal';
  }
}

export function refuse(parameter: string, description: string): never {
  throw new CashboxRefusal({ status: 400, code: 'invalid_request', description, parameter });
}

const VAT_CODES = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
const SUBJECTS = new Set([
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
  'property_right',
  'non_operating_gain',
  'insurance_premium',
  'sales_tax',
  'resort_fee',
]);
const MODES = new Set([
  'full_prepayment',
  'partial_prepayment',
  'advance',
  'full_payment',
  'partial_payment',
  'credit',
  'credit_payment',
]);
const SETTLEMENTS = new Set(['cashless', 'prepayment', 'postpayment', 'consideration']);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A receipt request that passed validation, amounts in kopecks. */
export interface ValidReceiptRequest {
  type: 'payment' | 'refund';
  paymentId: string;
  refundId: string;
  customer: { email: string; phone: string; fullName: string; inn: string };
  items: Array<{
    description: string;
    quantity: string;
    unitMinor: bigint;
    lineMinor: bigint;
    vatCode: number;
    paymentSubject: string;
    paymentMode: string;
  }>;
  settlements: Array<{ type: string; amountMinor: bigint }>;
  taxSystemCode: number | undefined;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(o: Obj, key: string, parameter: string, required = true): string {
  const v = o[key];
  if (v === undefined || v === null) {
    if (required) refuse(parameter, `${parameter} is required`);
    return '';
  }
  if (typeof v !== 'string') refuse(parameter, `${parameter} must be a string`);
  return v;
}

/** `{value: "100.00", currency: "RUB"}` → kopecks; RUB only, as a Russian register fiscalizes. */
function amountOf(v: unknown, parameter: string): bigint {
  if (!isObj(v)) refuse(parameter, `${parameter} is required`);
  const value = typeof v['value'] === 'number' ? String(v['value']) : v['value'];
  if (typeof value !== 'string') refuse(`${parameter}.value`, `${parameter}.value is required`);
  const minor = minorFromDecimal(value, 2);
  if (minor === undefined)
    refuse(
      `${parameter}.value`,
      `${parameter}.value must be a decimal with at most 2 fraction digits`,
    );
  if (v['currency'] !== 'RUB') refuse(`${parameter}.currency`, `${parameter}.currency must be RUB`);
  return minor;
}

/** Quantity in thousandths (FFD's precision): "1" → 1000n. */
function quantityOf(v: unknown, parameter: string): { text: string; milli: bigint } {
  const text = typeof v === 'number' ? String(v) : v;
  if (typeof text !== 'string') refuse(parameter, `${parameter} is required`);
  const milli = minorFromDecimal(text, 3);
  if (milli === undefined || milli <= 0n)
    refuse(parameter, `${parameter} must be a positive decimal`);
  return { text, milli };
}

/**
 * What YooKassa checks on `POST /v3/receipts` that matters here: type and its payment/refund id,
 * a customer contact, 1..100 items (description 1..128, quantity > 0, amount > 0 in RUB,
 * vat_code 1..12, known subject and mode), settlements, tax_system_code 1..6, send = true, and
 * the items adding up to the settlements to the kopeck.
 */
export function validateReceiptRequest(body: unknown): ValidReceiptRequest {
  if (!isObj(body)) refuse('receipt', 'the body must be a JSON object');
  const type = str(body, 'type', 'type');
  if (type !== 'payment' && type !== 'refund') refuse('type', 'type must be payment or refund');
  const paymentId = str(body, 'payment_id', 'payment_id', type === 'payment');
  const refundId = str(body, 'refund_id', 'refund_id', type === 'refund');

  const c = body['customer'];
  if (!isObj(c)) refuse('customer', 'customer is required');
  const customer = {
    email: str(c, 'email', 'customer.email', false),
    phone: str(c, 'phone', 'customer.phone', false),
    fullName: str(c, 'full_name', 'customer.full_name', false),
    inn: str(c, 'inn', 'customer.inn', false),
  };
  if (customer.email === '' && customer.phone === '') {
    refuse('customer', 'customer.email or customer.phone is required');
  }
  if (customer.email !== '' && !EMAIL.test(customer.email))
    refuse('customer.email', 'customer.email is invalid');
  if (customer.phone !== '' && !/^\+?\d{7,15}$/.test(customer.phone))
    refuse('customer.phone', 'customer.phone is invalid');
  if (customer.inn !== '' && !/^(\d{10}|\d{12})$/.test(customer.inn))
    refuse('customer.inn', 'customer.inn is invalid');

  const rawItems = body['items'];
  if (!Array.isArray(rawItems) || rawItems.length < 1 || rawItems.length > 100) {
    refuse('items', 'items must hold 1..100 items');
  }
  const items = rawItems.map((raw, i) => {
    const p = `items[${i}]`;
    if (!isObj(raw)) refuse(p, `${p} must be an object`);
    const description = str(raw, 'description', `${p}.description`);
    if (description.trim() === '' || [...description].length > 128) {
      refuse(`${p}.description`, `${p}.description must be 1..128 characters`);
    }
    const quantity = quantityOf(raw['quantity'], `${p}.quantity`);
    const unitMinor = amountOf(raw['amount'], `${p}.amount`);
    if (unitMinor <= 0n) refuse(`${p}.amount.value`, `${p}.amount.value must be greater than 0`);
    const vatCode = raw['vat_code'];
    if (typeof vatCode !== 'number' || !VAT_CODES.has(vatCode))
      refuse(`${p}.vat_code`, `${p}.vat_code must be 1..12`);
    const paymentSubject = str(raw, 'payment_subject', `${p}.payment_subject`);
    if (!SUBJECTS.has(paymentSubject))
      refuse(`${p}.payment_subject`, `${p}.payment_subject is unknown`);
    const paymentMode = str(raw, 'payment_mode', `${p}.payment_mode`);
    if (!MODES.has(paymentMode)) refuse(`${p}.payment_mode`, `${p}.payment_mode is unknown`);
    // Line total in kopecks, rounded half up as a register prints it.
    const lineMinor = (unitMinor * quantity.milli + 500n) / 1000n;
    return {
      description,
      quantity: quantity.text,
      unitMinor,
      lineMinor,
      vatCode,
      paymentSubject,
      paymentMode,
    };
  });

  const rawSettlements = body['settlements'];
  if (!Array.isArray(rawSettlements) || rawSettlements.length < 1)
    refuse('settlements', 'settlements are required');
  const settlements = rawSettlements.map((raw, i) => {
    const p = `settlements[${i}]`;
    if (!isObj(raw)) refuse(p, `${p} must be an object`);
    const t = str(raw, 'type', `${p}.type`);
    if (!SETTLEMENTS.has(t)) refuse(`${p}.type`, `${p}.type is unknown`);
    return { type: t, amountMinor: amountOf(raw['amount'], `${p}.amount`) };
  });

  const tax = body['tax_system_code'];
  if (
    tax !== undefined &&
    (typeof tax !== 'number' || !Number.isInteger(tax) || tax < 1 || tax > 6)
  ) {
    refuse('tax_system_code', 'tax_system_code must be 1..6');
  }
  if (body['send'] !== true) refuse('send', 'send must be true');

  const itemsTotal = items.reduce((s, i) => s + i.lineMinor, 0n);
  const settled = settlements.reduce((s, x) => s + x.amountMinor, 0n);
  if (itemsTotal !== settled)
    refuse('settlements', 'the sum of the items differs from the sum of the settlements');

  return {
    type,
    paymentId,
    refundId,
    customer,
    items,
    settlements,
    taxSystemCode: tax as number | undefined,
  };
}
