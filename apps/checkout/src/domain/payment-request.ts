import { type Money, positiveMoney } from '@tolem/money';

import { checkoutErrors } from './errors';
import type { Canonical } from './fingerprint';

/** CreatePayment as the merchant sent it, before validation and defaults. */
export interface CreatePaymentInput {
  merchantId: string;
  idempotencyKey: string;
  amountMinor: bigint;
  currency: string;
  orderId: string;
  description: string;
  successUrl: string;
  failUrl: string;
  metadata: Record<string, string>;
  /** The creating key's mode; absent or false is test. */
  livemode?: boolean;
  /** The merchant's reference of its customer; absent or '' when none. */
  customerRef?: string;
}

export interface ValidPaymentRequest {
  amount: Money;
  orderId: string;
  description: string;
  successUrl: string;
  failUrl: string;
  metadata: Record<string, string>;
  customerRef: string;
}

export const LIMITS = {
  idempotencyKey: 255,
  orderId: 64,
  description: 255,
  url: 2048,
  metadataKeys: 20,
  metadataKey: 40,
  metadataValue: 500,
  customerRef: 190,
} as const;

/** Printable characters only (no control characters): a reference shown to people and in lists. */
const PRINTABLE = /^[^\p{Cc}\p{Cs}\p{Zl}\p{Zp}]*$/u;

/**
 * The merchant's customer reference: at most 190 characters (a unique index key in most
 * stores), printable, '' when none. Throws PAYMENT_INVALID_REQUEST naming customer_ref.
 */
export function validateCustomerRef(value: string): string {
  if ([...value].length > LIMITS.customerRef) {
    invalid('customer_ref', `customer_ref is longer than ${LIMITS.customerRef} characters`);
  }
  if (!PRINTABLE.test(value) || (value !== '' && value.trim() === '')) {
    invalid('customer_ref', 'customer_ref must be printable text');
  }
  return value;
}

function invalid(field: string, message: string): never {
  throw checkoutErrors.create('PAYMENT_INVALID_REQUEST', message, { details: { field } });
}

/** http(s) URL or empty (empty means "use the merchant's default"). */
export function checkUrl(
  value: string,
  field: string,
  fail: (field: string, msg: string) => never,
): void {
  if (value === '') return;
  if (value.length > LIMITS.url) fail(field, `${field} is longer than ${LIMITS.url} characters`);
  // The URL parser drops tabs and line feeds silently: what is stored must be what was checked.
  if (/[\u0000-\u0020\u007f]/.test(value))
    fail(field, `${field} must not contain spaces or control characters`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(field, `${field} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    fail(field, `${field} must be http or https`);
}

/** At most 20 keys of 1..40 characters, values of at most 500; details.field is metadata. */
export function validateMetadata(metadata: Record<string, string>): void {
  const keys = Object.keys(metadata);
  if (keys.length > LIMITS.metadataKeys)
    invalid('metadata', `metadata has more than ${LIMITS.metadataKeys} keys`);
  for (const key of keys) {
    if (key.length === 0 || key.length > LIMITS.metadataKey) {
      invalid('metadata', `metadata keys must be 1..${LIMITS.metadataKey} characters`);
    }
    if ((metadata[key] ?? '').length > LIMITS.metadataValue) {
      invalid('metadata', `metadata values must be at most ${LIMITS.metadataValue} characters`);
    }
  }
}

/** Validates a CreatePayment request; the first problem is thrown with details.field naming it. */
export function validatePaymentRequest(input: CreatePaymentInput): ValidPaymentRequest {
  const amount = positiveMoney(input.amountMinor, input.currency);
  if (input.orderId.length > LIMITS.orderId)
    invalid('order_id', `order_id is longer than ${LIMITS.orderId}`);
  if (input.description.length > LIMITS.description) {
    invalid('description', `description is longer than ${LIMITS.description}`);
  }
  checkUrl(input.successUrl, 'success_url', invalid);
  checkUrl(input.failUrl, 'fail_url', invalid);
  validateMetadata(input.metadata);
  const customerRef = validateCustomerRef(input.customerRef ?? '');
  return {
    amount,
    orderId: input.orderId,
    description: input.description,
    successUrl: input.successUrl,
    failUrl: input.failUrl,
    metadata: { ...input.metadata },
    customerRef,
  };
}

/** Field order used to name the first difference when an idempotency key is reused. */
export const PAYMENT_REQUEST_FIELDS = [
  'amount',
  'currency',
  'order_id',
  'description',
  'success_url',
  'fail_url',
  'metadata',
  'livemode',
  'customer_ref',
] as const;

/**
 * The request as fingerprinted and remembered with its idempotency key: exactly what the
 * merchant sent (before defaults), so a replay compares like with like.
 */
export function canonicalPaymentRequest(input: CreatePaymentInput): Record<string, Canonical> {
  return {
    amount: input.amountMinor,
    currency: input.currency,
    order_id: input.orderId,
    description: input.description,
    success_url: input.successUrl,
    fail_url: input.failUrl,
    metadata: input.metadata,
    // Only when live, so test requests fingerprint exactly as they did before modes existed.
    ...(input.livemode ? { livemode: true } : {}),
    // Likewise only when given, so requests without one fingerprint as before.
    ...(input.customerRef ? { customer_ref: input.customerRef } : {}),
  };
}
