import { type Money, positiveMoney } from '@tolem/money';

import { checkoutErrors } from './errors';
import type { Canonical } from './fingerprint';
import type { Payment } from './payment';
import { LIMITS, validateCustomerRef, validateMetadata } from './payment-request';
import type { BoundCardCharge, DeclineKind } from './provider';

/** ChargeBoundCard as the recurring service sent it, before validation. */
export interface ChargeBoundCardInput {
  merchantId: string;
  /** The recurring service's `<operation id>:<scheduled time>:<attempt>`. */
  idempotencyKey: string;
  /** The binding's provider reference. */
  bindingRef: string;
  amountMinor: bigint;
  currency: string;
  description: string;
  orderId: string;
  metadata: Record<string, string>;
  livemode: boolean;
  customerRef: string;
}

export interface ValidBoundCardCharge {
  amount: Money;
  bindingRef: string;
  description: string;
  orderId: string;
  metadata: Record<string, string>;
  customerRef: string;
}

/** provider-adapters takes binding references of at most 64 characters. */
const BINDING_REF_MAX = 64;

function invalid(field: string, message: string): never {
  throw checkoutErrors.create('PAYMENT_INVALID_REQUEST', message, { details: { field } });
}

/**
 * Validates a bound-card charge; the first problem is thrown with details.field naming it. The
 * idempotency key is required (a scheduled charge retried without one could charge twice).
 */
export function validateBoundCardCharge(input: ChargeBoundCardInput): ValidBoundCardCharge {
  if (!input.idempotencyKey) {
    throw checkoutErrors.create('IDEMPOTENCY_KEY_REQUIRED', 'an idempotency key is required', {
      details: { field: 'idempotency_key' },
    });
  }
  if (input.idempotencyKey.length > LIMITS.idempotencyKey) {
    invalid('idempotency_key', 'idempotency key is too long');
  }
  if (!input.merchantId) invalid('merchant_id', 'merchant_id is required');
  const bindingRef = input.bindingRef.trim();
  if (!bindingRef || bindingRef.length > BINDING_REF_MAX) {
    invalid('binding_ref', `binding_ref is required (at most ${BINDING_REF_MAX} characters)`);
  }
  const amount = positiveMoney(input.amountMinor, input.currency);
  if (input.orderId.length > LIMITS.orderId) {
    invalid('order_id', `order_id is longer than ${LIMITS.orderId}`);
  }
  if (input.description.length > LIMITS.description) {
    invalid('description', `description is longer than ${LIMITS.description}`);
  }
  validateMetadata(input.metadata);
  return {
    amount,
    bindingRef,
    description: input.description,
    orderId: input.orderId,
    metadata: { ...input.metadata },
    customerRef: validateCustomerRef(input.customerRef),
  };
}

/** Field order used to name the first difference when a charge's idempotency key is reused. */
export const BOUND_CARD_CHARGE_FIELDS = [
  'operation',
  'binding_ref',
  'amount',
  'currency',
  'order_id',
  'description',
  'metadata',
  'livemode',
  'customer_ref',
] as const;

/**
 * The charge as fingerprinted and remembered with its key. `operation` keeps it apart from a
 * CreatePayment that happens to use the same key: that one is IDEMPOTENCY_KEY_REUSED, never a
 * replay of the other.
 */
export function canonicalBoundCardCharge(input: ChargeBoundCardInput): Record<string, Canonical> {
  return {
    operation: 'charge_bound_card',
    binding_ref: input.bindingRef.trim(),
    amount: input.amountMinor,
    currency: input.currency,
    order_id: input.orderId,
    description: input.description,
    metadata: input.metadata,
    livemode: input.livemode,
    customer_ref: input.customerRef,
  };
}

/**
 * provider-adapters' key for the charge of this payment. The payment is one-to-one with the
 * request's (merchant, idempotency key), so this key is derived from the request's key, is unique
 * across merchants, and fits the adapters' 128 printable characters whatever the request key was.
 */
export function providerChargeKeyOf(paymentId: string): string {
  return `bound-card:${paymentId}`;
}

/** Attribute names a charge's outcome is kept under on its payment (shown to the merchant). */
export const CHARGE_ATTR = {
  operationId: 'provider_operation_id',
  declineCode: 'decline_code',
  declineKind: 'decline_kind',
  reasonCode: 'reason_code',
} as const;

/** The attributes a charge's answer adds to its payment; empty values are left out. */
export function chargeAttributes(charge: BoundCardCharge): Record<string, string> {
  const out: Record<string, string> = {};
  if (charge.providerOperationId) out[CHARGE_ATTR.operationId] = charge.providerOperationId;
  if (charge.outcome !== 'succeeded') {
    if (charge.declineCode) out[CHARGE_ATTR.declineCode] = charge.declineCode;
    if (charge.declineKind) out[CHARGE_ATTR.declineKind] = charge.declineKind;
    if (charge.reasonCode) out[CHARGE_ATTR.reasonCode] = charge.reasonCode;
  }
  return out;
}

/** A failed charge's failure code: the scheme's decline code when there is one. */
export function chargeFailureCode(charge: Pick<BoundCardCharge, 'declineCode' | 'reasonCode'>) {
  return charge.declineCode || charge.reasonCode || 'PROVIDER_PAYMENT_FAILED';
}

/** What ChargeBoundCard answers besides the payment. */
export interface ChargeVerdict {
  declineCode: string;
  declineKind: DeclineKind | '';
  reasonCode: string;
}

const DECLINE_KINDS: readonly string[] = ['soft', 'hard', 'unknown'];

/** The verdict as the payment stores it: what a replay answers without asking the provider. */
export function storedVerdictOf(payment: Payment): ChargeVerdict {
  if (payment.status === 'succeeded') return { declineCode: '', declineKind: '', reasonCode: '' };
  const attrs = payment.providerAttributes;
  const kind = attrs[CHARGE_ATTR.declineKind] ?? '';
  return {
    declineCode: attrs[CHARGE_ATTR.declineCode] ?? '',
    declineKind: DECLINE_KINDS.includes(kind) ? (kind as DeclineKind) : '',
    reasonCode:
      attrs[CHARGE_ATTR.reasonCode] ??
      (payment.status === 'failed' ? (payment.failureCode ?? '') : ''),
  };
}
