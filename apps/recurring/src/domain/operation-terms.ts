import { isCurrencyCode, type Money } from '@tolem/money';

import type { CardBinding } from './card-binding';
import { invalidField, recurringErrors } from './errors';
import type { ReceiptCustomer, Schedule } from './operation';
import { parseSchedule, type ScheduleInput } from './schedule';

/** SetScheduledOperation as the use case reads it (proto optional fields stay optional). */
export interface SetOperationInput {
  merchantId: string;
  /** Empty: create. */
  operationId: string;
  idempotencyKey: string;
  bindingId: string;
  amount?: { amountMinor: bigint; currency: string };
  description?: string;
  schedule?: ScheduleInput;
  startsAt?: Date;
  endsAt?: Date;
  clearEndsAt: boolean;
  fireOnSkip?: boolean;
  receiptCustomer?: ReceiptCustomer;
  /** Empty keeps the metadata on an edit. */
  metadata: Record<string, string>;
}

/** What an operation charges and when: the part a merchant sets and edits. */
export interface OperationTerms {
  amount: Money;
  description: string;
  schedule: Schedule;
  startsAt: Date;
  endsAt: Date | null;
  firesOnSkip: boolean;
  receiptCustomer: ReceiptCustomer;
  metadata: Record<string, string>;
}

export const LIMITS = {
  description: 128,
  metadataKeys: 20,
  metadataKey: 40,
  metadataValue: 500,
  idempotencyKey: 255,
  fullName: 256,
};

const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;
// E.164 without the "+": a country code and subscriber number, 8..15 digits in all.
const PHONE = /^[1-9]\d{7,14}$/;
const INN = /^(\d{10}|\d{12})$/;

function validAmount(amount: SetOperationInput['amount']): Money {
  if (!amount) throw invalidField('RECURRING_INVALID_AMOUNT', 'amount', 'amount is required');
  if (!isCurrencyCode(amount.currency)) {
    throw invalidField(
      'RECURRING_INVALID_AMOUNT',
      'amount.currency',
      'amount.currency is not a supported ISO 4217 code',
    );
  }
  if (amount.amountMinor <= 0n) {
    throw invalidField(
      'RECURRING_INVALID_AMOUNT',
      'amount.amount_minor',
      'amount must be greater than zero',
    );
  }
  return { amountMinor: amount.amountMinor, currency: amount.currency };
}

function validDescription(description: string | undefined): string {
  const text = (description ?? '').trim();
  if (!text || [...text].length > LIMITS.description) {
    throw invalidField(
      'RECURRING_INVALID_DESCRIPTION',
      'description',
      `description must be 1..${LIMITS.description} characters (it becomes the receipt's line)`,
    );
  }
  return text;
}

function validReceiptCustomer(customer: ReceiptCustomer | undefined): ReceiptCustomer {
  const email = customer?.email?.trim() ?? '';
  const phone = customer?.phone?.trim() ?? '';
  if (!email && !phone) {
    throw invalidField(
      'RECURRING_INVALID_RECEIPT_CUSTOMER',
      'receipt_customer',
      'receipt_customer needs an email or a phone for the receipt',
    );
  }
  if (email && !EMAIL.test(email)) {
    throw invalidField(
      'RECURRING_INVALID_RECEIPT_CUSTOMER',
      'receipt_customer.email',
      'receipt_customer.email is not an email address',
    );
  }
  // The number itself is never echoed: it is personal data.
  if (phone && !PHONE.test(phone)) {
    throw invalidField(
      'RECURRING_INVALID_RECEIPT_CUSTOMER',
      'receipt_customer.phone',
      'receipt_customer.phone must be E.164 digits without "+", e.g. 996555123456',
    );
  }
  const fullName = customer?.fullName?.trim() ?? '';
  if ([...fullName].length > LIMITS.fullName) {
    throw invalidField(
      'RECURRING_INVALID_RECEIPT_CUSTOMER',
      'receipt_customer.full_name',
      `receipt_customer.full_name must be at most ${LIMITS.fullName} characters`,
    );
  }
  const inn = customer?.inn?.trim() ?? '';
  if (inn && !INN.test(inn)) {
    throw invalidField(
      'RECURRING_INVALID_RECEIPT_CUSTOMER',
      'receipt_customer.inn',
      'receipt_customer.inn must be 10 or 12 digits',
    );
  }
  const out: ReceiptCustomer = {};
  if (email) out.email = email;
  if (phone) out.phone = phone;
  if (fullName) out.fullName = fullName;
  if (inn) out.inn = inn;
  return out;
}

function validMetadata(metadata: Record<string, string>): Record<string, string> {
  const keys = Object.keys(metadata);
  if (keys.length > LIMITS.metadataKeys) {
    throw invalidField(
      'RECURRING_INVALID_METADATA',
      'metadata',
      `metadata has more than ${LIMITS.metadataKeys} keys`,
    );
  }
  for (const key of keys) {
    if (key.length === 0 || key.length > LIMITS.metadataKey) {
      throw invalidField(
        'RECURRING_INVALID_METADATA',
        'metadata',
        `metadata keys must be 1..${LIMITS.metadataKey} characters`,
      );
    }
    if ((metadata[key] ?? '').length > LIMITS.metadataValue) {
      throw invalidField(
        'RECURRING_INVALID_METADATA',
        'metadata',
        `metadata values must be at most ${LIMITS.metadataValue} characters`,
      );
    }
  }
  return Object.fromEntries(keys.sort().map((k) => [k, metadata[k] ?? '']));
}

function validDates(startsAt: Date | undefined, endsAt: Date | null): Date {
  if (!startsAt || Number.isNaN(startsAt.getTime())) {
    throw invalidField('RECURRING_INVALID_DATES', 'starts_at', 'starts_at is required');
  }
  if (endsAt && endsAt.getTime() <= startsAt.getTime()) {
    throw invalidField('RECURRING_INVALID_DATES', 'ends_at', 'ends_at must be after starts_at');
  }
  return startsAt;
}

function requireMerchant(input: SetOperationInput): void {
  if (!input.merchantId) {
    throw invalidField('RECURRING_INVALID_REQUEST', 'merchant_id', 'merchant_id is required');
  }
}

/** Validates a create request: every field, in the order of the proto, the first refusal thrown. */
export function createTerms(input: SetOperationInput): OperationTerms {
  requireMerchant(input);
  if (!input.idempotencyKey) {
    throw invalidField(
      'RECURRING_IDEMPOTENCY_KEY_REQUIRED',
      'idempotency_key',
      'idempotency_key is required to create an operation',
    );
  }
  if (input.idempotencyKey.length > LIMITS.idempotencyKey) {
    throw invalidField(
      'RECURRING_INVALID_REQUEST',
      'idempotency_key',
      `idempotency_key must be at most ${LIMITS.idempotencyKey} characters`,
    );
  }
  if (!input.bindingId)
    throw invalidField('RECURRING_INVALID_REQUEST', 'binding_id', 'binding_id is required');
  if (input.clearEndsAt) {
    throw invalidField(
      'RECURRING_INVALID_REQUEST',
      'clear_ends_at',
      'clear_ends_at is for an edit; leave ends_at unset instead',
    );
  }
  const amount = validAmount(input.amount);
  const description = validDescription(input.description);
  if (!input.schedule)
    throw invalidField('RECURRING_INVALID_SCHEDULE', 'schedule', 'schedule is required');
  const schedule = parseSchedule(input.schedule);
  const endsAt = input.endsAt ?? null;
  const startsAt = validDates(input.startsAt, endsAt);
  return {
    amount,
    description,
    schedule,
    startsAt,
    endsAt,
    firesOnSkip: input.fireOnSkip ?? false,
    receiptCustomer: validReceiptCustomer(input.receiptCustomer),
    metadata: validMetadata(input.metadata),
  };
}

/** An edit's terms: the fields sent replace the operation's, the others keep their value. */
export function editTerms(current: OperationTerms, input: SetOperationInput): OperationTerms {
  requireMerchant(input);
  if (input.endsAt && input.clearEndsAt) {
    throw invalidField(
      'RECURRING_INVALID_REQUEST',
      'clear_ends_at',
      'send ends_at or clear_ends_at, not both',
    );
  }
  const endsAt = input.clearEndsAt ? null : (input.endsAt ?? current.endsAt);
  const startsAt = validDates(input.startsAt ?? current.startsAt, endsAt);
  return {
    amount: input.amount ? validAmount(input.amount) : current.amount,
    description:
      input.description === undefined ? current.description : validDescription(input.description),
    schedule: input.schedule ? parseSchedule(input.schedule) : current.schedule,
    startsAt,
    endsAt,
    firesOnSkip: input.fireOnSkip ?? current.firesOnSkip,
    receiptCustomer: input.receiptCustomer
      ? validReceiptCustomer(input.receiptCustomer)
      : current.receiptCustomer,
    metadata:
      Object.keys(input.metadata).length > 0 ? validMetadata(input.metadata) : current.metadata,
  };
}

/** Charges are made only on an activated binding and in the currency it was made in. */
export function checkBindingAllows(binding: CardBinding, terms: OperationTerms): void {
  if (binding.state !== 'activated') {
    throw recurringErrors.create(
      'RECURRING_BINDING_NOT_ACTIVE',
      `binding is ${binding.state}: operations need an activated binding`,
      { details: { field: 'binding_id', state: binding.state } },
    );
  }
  if (terms.amount.currency !== binding.firstAmount.currency) {
    throw invalidField(
      'RECURRING_INVALID_AMOUNT',
      'amount.currency',
      `amount.currency must be the binding's currency ${binding.firstAmount.currency}`,
    );
  }
}

/**
 * The create request as stored with its idempotency key, one entry per proto field in proto
 * order, so a reuse with another request can name the first field that differs.
 */
export function fingerprintOf(bindingId: string, t: OperationTerms): string {
  return JSON.stringify([
    ['binding_id', bindingId],
    ['amount', `${t.amount.amountMinor} ${t.amount.currency}`],
    ['description', t.description],
    ['schedule', t.schedule],
    ['starts_at', t.startsAt.toISOString()],
    ['ends_at', t.endsAt?.toISOString() ?? null],
    ['fire_on_skip', t.firesOnSkip],
    ['receipt_customer', t.receiptCustomer],
    ['metadata', t.metadata],
  ]);
}

/** A value with object keys sorted and dates and bigints as text, for comparing terms. */
function canonical(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.keys(value)
      .sort()
      .map((k) => [k, canonical((value as Record<string, unknown>)[k])]);
  }
  return value;
}

/** True when two sets of terms charge the same way: an edit between them changes nothing. */
export function sameTerms(a: OperationTerms, b: OperationTerms): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** The first field two fingerprints differ in, undefined when they are the same request. */
export function fingerprintConflictField(stored: string, incoming: string): string | undefined {
  if (stored === incoming) return undefined;
  const a = JSON.parse(stored) as [string, unknown][];
  const b = JSON.parse(incoming) as [string, unknown][];
  for (const [i, [field, value]] of b.entries()) {
    if (JSON.stringify(a[i]?.[1]) !== JSON.stringify(value)) return field;
  }
  return 'request';
}
