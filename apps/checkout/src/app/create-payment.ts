import { newId } from '@tolem/ids';

import { checkoutErrors } from '../domain/errors';
import { fingerprintOf, firstDifferingField } from '../domain/fingerprint';
import { availableMethods as methodsFor } from '../domain/method-capabilities';
import { newPageSecret } from '../domain/page-secret';
import { newPayment, type PaymentView } from '../domain/payment';
import {
  canonicalPaymentRequest,
  type CreatePaymentInput,
  LIMITS,
  PAYMENT_REQUEST_FIELDS,
  validatePaymentRequest,
} from '../domain/payment-request';
import type { Clock, MerchantRepository, PaymentRepository } from '../domain/ports';

/** W3C trace context version 00; anything else is dropped, never stored. */
const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

export interface CreatePaymentDeps {
  /** Read on every create: main.ts hands a short-lived cache of the repository here. */
  merchants: Pick<MerchantRepository, 'findById'>;
  payments: PaymentRepository;
  clock: Clock;
  /** How long a payment may be paid before it expires. */
  paymentTtlMs: number;
}

/** What other use cases creating a payment (CreateQrPayment, a static code's scan) set. */
export interface CreatePaymentOptions {
  /** The payment's own expiry instead of now + the default TTL; not part of the fingerprint. */
  expiresAt?: Date;
  /**
   * Which use case created it (`qr`, `qr_scan`): part of the fingerprint, so a key used with
   * another of them is IDEMPOTENCY_KEY_REUSED (field `kind`) rather than another's payment.
   */
  kind?: string;
  /** The creating request's W3C traceparent (valid or dropped); not part of the fingerprint. */
  traceParent?: string;
}

/**
 * Creates a payment in `created`. Idempotent on (merchant, idempotency key): the same request
 * returns the original with replayed=true; a different one is IDEMPOTENCY_KEY_REUSED naming the
 * first differing field, and nothing is written.
 */
export function makeCreatePayment(deps: CreatePaymentDeps) {
  return async (
    input: CreatePaymentInput,
    options: CreatePaymentOptions = {},
  ): Promise<{ view: PaymentView; replayed: boolean }> => {
    if (!input.idempotencyKey) {
      throw checkoutErrors.create('IDEMPOTENCY_KEY_REQUIRED', 'an idempotency key is required', {
        details: { field: 'idempotency_key' },
      });
    }
    if (input.idempotencyKey.length > LIMITS.idempotencyKey) {
      throw checkoutErrors.create('PAYMENT_INVALID_REQUEST', 'idempotency key is too long', {
        details: { field: 'idempotency_key' },
      });
    }
    if (!input.merchantId) {
      throw checkoutErrors.create('PAYMENT_INVALID_REQUEST', 'merchant_id is required', {
        details: { field: 'merchant_id' },
      });
    }
    const valid = validatePaymentRequest(input);
    const merchant = await deps.merchants.findById(input.merchantId);
    if (!merchant) throw checkoutErrors.create('MERCHANT_NOT_FOUND', 'merchant not found');
    if (methodsFor(merchant.enabledMethods, valid.amount.currency).length === 0) {
      throw checkoutErrors.create(
        'PAYMENT_CURRENCY_NOT_ACCEPTED',
        `none of your enabled payment methods accepts ${valid.amount.currency}`,
        { details: { field: 'currency', currency: valid.amount.currency } },
      );
    }

    const request = {
      ...canonicalPaymentRequest(input),
      ...(options.kind ? { kind: options.kind } : {}),
    };
    const requestFingerprint = fingerprintOf(request);
    const now = deps.clock.now();
    const payment = newPayment({
      id: newId('pay'),
      merchantId: merchant.id,
      amount: valid.amount,
      status: 'created',
      orderId: valid.orderId,
      description: valid.description,
      successUrl: valid.successUrl || merchant.defaultSuccessUrl,
      failUrl: valid.failUrl || merchant.defaultFailUrl,
      metadata: valid.metadata,
      pageSecret: newPageSecret(),
      livemode: input.livemode ?? false,
      customerRef: valid.customerRef,
      initiator: '',
      createdAt: now,
      expiresAt: options.expiresAt ?? new Date(now.getTime() + deps.paymentTtlMs),
      ...(options.traceParent && TRACEPARENT.test(options.traceParent)
        ? { traceParent: options.traceParent }
        : {}),
    });
    const result = await deps.payments.createIdempotent(
      payment,
      { key: input.idempotencyKey, requestFingerprint, request },
      { paymentId: payment.id, from: null, to: 'created', reason: 'created', at: now, event: null },
    );
    const availableMethods = methodsFor(merchant.enabledMethods, payment.amount.currency);
    if (result.created)
      return { view: { payment: result.payment, availableMethods }, replayed: false };

    const { record } = result;
    if (record.requestFingerprint !== requestFingerprint) {
      const field =
        firstDifferingField(record.request, request, [...PAYMENT_REQUEST_FIELDS, 'kind']) ??
        'request';
      throw checkoutErrors.create(
        'IDEMPOTENCY_KEY_REUSED',
        `idempotency key was used for a different payment request (${field} differs)`,
        { details: { field } },
      );
    }
    const original = await deps.payments.findById(record.paymentId);
    if (!original)
      throw new Error(`idempotency record points at missing payment ${record.paymentId}`);
    return { view: { payment: original, availableMethods }, replayed: true };
  };
}

export type CreatePayment = ReturnType<typeof makeCreatePayment>;
