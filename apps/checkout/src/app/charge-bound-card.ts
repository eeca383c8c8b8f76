import { isDomainError } from '@tolem/errors';
import { newId } from '@tolem/ids';

import {
  BOUND_CARD_CHARGE_FIELDS,
  canonicalBoundCardCharge,
  chargeAttributes,
  type ChargeBoundCardInput,
  chargeFailureCode,
  type ChargeVerdict,
  providerChargeKeyOf,
  storedVerdictOf,
  validateBoundCardCharge,
} from '../domain/bound-card-charge';
import { checkoutErrors } from '../domain/errors';
import { fingerprintOf, firstDifferingField } from '../domain/fingerprint';
import { methodTakesCurrency } from '../domain/method-capabilities';
import { newPageSecret } from '../domain/page-secret';
import {
  newPayment,
  type Payment,
  type PaymentStatus,
  type PaymentView,
  statusEventOf,
} from '../domain/payment';
import type {
  Clock,
  Log,
  MerchantRepository,
  PaymentProviderPort,
  PaymentRepository,
} from '../domain/ports';
import type { BoundCardCharge } from '../domain/provider';
import { applyTransition } from './apply-transition';
import type { ApplyVerifiedSuccess } from './apply-verified-success';
import { failPayment } from './fail-payment';

export interface ChargeBoundCardDeps {
  merchants: Pick<MerchantRepository, 'findById'>;
  payments: PaymentRepository;
  provider: Pick<PaymentProviderPort, 'chargeBoundCard'>;
  /** The path of every verified success (callbacks, the reconciler): ledger post, cases. */
  applyVerifiedSuccess: ApplyVerifiedSuccess;
  clock: Clock;
  log: Log;
  /** How long the charge's payment may stay open (the expirer's clock, as for any payment). */
  paymentTtlMs: number;
}

export interface ChargeBoundCardOutput extends ChargeVerdict {
  view: PaymentView;
  /** The key was seen before: the same payment, with its outcome as it stands now. */
  replayed: boolean;
}

/**
 * Statuses in which asking provider-adapters again can still tell something: open ones (the
 * charge's answer was pending or never arrived: a crash, a timeout), and expired or canceled
 * ones, whose late money the success path turns into a case instead of losing it.
 */
const ASK_AGAIN: ReadonlySet<PaymentStatus> = new Set([
  'created',
  'pending',
  'expired',
  'canceled',
]);

/** The provider's refusal came before anything was charged (no binding, inactive, currency). */
function refusedBeforeCharging(err: unknown): boolean {
  return (
    isDomainError(err) &&
    !err.retriable &&
    (err.kind === 'invalid' || err.kind === 'not_found' || err.kind === 'precondition')
  );
}

/**
 * A merchant-initiated charge of a bound card (the recurring service's scheduled charges).
 * Idempotent on (merchant, idempotency key) through the same records as CreatePayment: the
 * charge's payment (method card, provider IntellectMoney, initiator `scheduled`) is written in
 * `pending` with the key before provider-adapters is asked, so a crash after that point leaves a
 * pending payment that a replay (or the reconciler's status query) settles, and the adapters'
 * key (providerChargeKeyOf, one per payment) means a card is never charged twice. The answer is
 * applied through the callbacks' paths: succeeded through applyVerifiedSuccess (ledger post with
 * the merchant's fee plan, or a case when the money cannot settle the payment), failed through
 * failPayment with the scheme's decline code as failure_code, pending left pending. A replay of
 * the same request asks the adapters again while ASK_AGAIN holds, else answers from the stored
 * payment; another request under the key is IDEMPOTENCY_KEY_REUSED naming the first differing
 * field, and nothing is written.
 */
export function makeChargeBoundCard(deps: ChargeBoundCardDeps) {
  const { log } = deps;

  function out(payment: Payment, verdict: ChargeVerdict, replayed: boolean): ChargeBoundCardOutput {
    // A scheduled charge has no payer and so no methods to offer.
    return { view: { payment, availableMethods: [] }, ...verdict, replayed };
  }

  async function applyCharge(payment: Payment, charge: BoundCardCharge): Promise<Payment> {
    const attributes = chargeAttributes(charge);
    switch (charge.outcome) {
      case 'succeeded': {
        const verdict = await deps.applyVerifiedSuccess(payment, {
          provider: 'intellectmoney',
          method: 'card',
          providerPaymentId: charge.providerPaymentId,
          amount: charge.amount,
          attributes,
          callbackId: '',
          reason: `bound card charge ${charge.providerOperationId}`.trim(),
        });
        return verdict.payment;
      }
      case 'failed':
        try {
          const { payment: failed } = await failPayment(deps, payment, {
            reason: `bound card charge declined ${chargeFailureCode(charge)}`,
            method: 'card',
            provider: 'intellectmoney',
            providerPaymentId: charge.providerPaymentId,
            attributes,
            failureCode: chargeFailureCode(charge),
          });
          return failed;
        } catch (err) {
          if (!isDomainError(err) || err.code !== 'PAYMENT_ALREADY_FINAL') throw err;
          log.error(
            { paymentId: payment.id, code: err.code, status: err.details['status'] },
            'bound card charge failed for a final payment; payment left unchanged',
          );
          return (await deps.payments.findById(payment.id)) ?? payment;
        }
      case 'pending': {
        // Still open at the provider: keep what it told so far; a replay or the reconciler settles it.
        const { payment: current } = await applyTransition(
          deps,
          payment.id,
          (p) =>
            p.status === 'pending' &&
            Object.entries(attributes).some(([k, v]) => p.providerAttributes[k] !== v)
              ? {
                  to: 'pending',
                  reason: 'bound card charge pending',
                  patch: {
                    providerPaymentId: charge.providerPaymentId || p.providerPaymentId,
                    providerAttributes: { ...p.providerAttributes, ...attributes },
                  },
                }
              : null,
          payment,
        );
        return current;
      }
    }
  }

  /**
   * The provider's notification of a decline (IntellectMoney status 4, no code) can fail the
   * payment before the charge's own answer, which carries the scheme's code: the recurring
   * service decides retry or cancel by that code, so the answer's code wins over an empty one.
   */
  function failedVerdict(failed: Payment, answer: BoundCardCharge): ChargeVerdict {
    const stored = storedVerdictOf(failed);
    if (stored.declineCode !== '' || answer.outcome !== 'failed' || answer.declineCode === '') {
      return stored;
    }
    return {
      declineCode: answer.declineCode,
      declineKind: answer.declineKind,
      reasonCode: answer.reasonCode || stored.reasonCode,
    };
  }

  /** Asks provider-adapters (again) and applies the answer. */
  async function charge(
    payment: Payment,
    bindingRef: string,
    replayed: boolean,
  ): Promise<ChargeBoundCardOutput> {
    let answer: BoundCardCharge;
    try {
      answer = await deps.provider.chargeBoundCard({
        idempotencyKey: providerChargeKeyOf(payment.id),
        merchantId: payment.merchantId,
        bindingRef,
        amount: payment.amount,
        description: payment.description,
        paymentId: payment.id,
      });
    } catch (err) {
      if (!isDomainError(err)) throw err;
      if (refusedBeforeCharging(err)) {
        // Nothing was charged: the payment fails with the adapters' code (no decline code).
        const refused = await applyCharge(payment, {
          outcome: 'failed',
          declineCode: '',
          declineKind: '',
          providerPaymentId: '',
          providerOperationId: '',
          reasonCode: err.code,
          replayed: false,
          amount: null,
        });
        return out(refused, storedVerdictOf(refused), replayed);
      }
      // No answer (adapters away, a deadline): the charge may or may not exist. The payment stays
      // pending; the same key asks again and the reconciler asks the adapters' status meanwhile.
      log.warn(
        { paymentId: payment.id, code: err.code },
        'bound card charge unanswered; payment left pending',
      );
      const current = (await deps.payments.findById(payment.id)) ?? payment;
      return out(current, { declineCode: '', declineKind: '', reasonCode: err.code }, replayed);
    }
    const applied = await applyCharge(payment, answer);
    const verdict: ChargeVerdict =
      applied.status === 'succeeded'
        ? { declineCode: '', declineKind: '', reasonCode: '' }
        : applied.status === 'failed'
          ? failedVerdict(applied, answer)
          : {
              declineCode: answer.declineCode,
              declineKind: answer.declineKind,
              // Money the provider took that could not settle the payment is held under a case.
              reasonCode:
                answer.outcome === 'succeeded'
                  ? 'CHECKOUT_CASE_OPENED'
                  : answer.reasonCode || 'PROVIDER_CHARGE_PENDING',
            };
    return out(applied, verdict, replayed);
  }

  return async (input: ChargeBoundCardInput): Promise<ChargeBoundCardOutput> => {
    const valid = validateBoundCardCharge(input);
    const merchant = await deps.merchants.findById(input.merchantId);
    if (!merchant) throw checkoutErrors.create('MERCHANT_NOT_FOUND', 'merchant not found');
    // The merchant switched cards off (or never had them): no charge in its name.
    if (!merchant.enabledMethods.includes('card')) {
      throw checkoutErrors.create(
        'PAYMENT_METHOD_NOT_ENABLED',
        'card is not enabled for this merchant',
        {
          details: { method: 'card' },
        },
      );
    }
    if (!methodTakesCurrency('card', valid.amount.currency)) {
      throw checkoutErrors.create(
        'PAYMENT_METHOD_UNAVAILABLE',
        `card cannot take payments in ${valid.amount.currency}`,
        { details: { field: 'currency', method: 'card', currency: valid.amount.currency } },
      );
    }

    const request = canonicalBoundCardCharge(input);
    const requestFingerprint = fingerprintOf(request);
    const now = deps.clock.now();
    const payment = newPayment({
      id: newId('pay'),
      merchantId: merchant.id,
      amount: valid.amount,
      // Pending from the start: the reconciler asks the adapters about pending payments, so a
      // crash before the charge's answer is applied never leaves it unlooked-at.
      status: 'pending',
      orderId: valid.orderId,
      description: valid.description,
      successUrl: '',
      failUrl: '',
      metadata: valid.metadata,
      // No payer page for a scheduled charge; the column still holds a secret nobody is given.
      pageSecret: newPageSecret(),
      livemode: input.livemode,
      customerRef: valid.customerRef,
      initiator: 'scheduled',
      method: 'card',
      provider: 'intellectmoney',
      createdAt: now,
      expiresAt: new Date(now.getTime() + deps.paymentTtlMs),
    });
    const result = await deps.payments.createIdempotent(
      payment,
      { key: input.idempotencyKey, requestFingerprint, request },
      {
        paymentId: payment.id,
        from: null,
        to: 'pending',
        reason: 'bound card charge',
        at: now,
        event: statusEventOf(payment, now),
      },
    );
    if (result.created) return charge(result.payment, valid.bindingRef, false);

    const { record } = result;
    if (record.requestFingerprint !== requestFingerprint) {
      const field =
        firstDifferingField(record.request, request, BOUND_CARD_CHARGE_FIELDS) ?? 'request';
      throw checkoutErrors.create(
        'IDEMPOTENCY_KEY_REUSED',
        `idempotency key was used for a different request (${field} differs)`,
        { details: { field } },
      );
    }
    const original = await deps.payments.findById(record.paymentId);
    if (!original) {
      throw new Error(`idempotency record points at missing payment ${record.paymentId}`);
    }
    if (ASK_AGAIN.has(original.status)) return charge(original, valid.bindingRef, true);
    return out(original, storedVerdictOf(original), true);
  };
}

export type ChargeBoundCard = ReturnType<typeof makeChargeBoundCard>;
