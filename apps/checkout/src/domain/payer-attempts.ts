import { checkoutErrors } from './errors';
import type { PaymentMethod } from './payment';

/**
 * Methods where each payer try costs someone: a Wavepay transaction number is checked with the
 * provider, a WM Keeper Mobile phone gets an invoice pushed to it. A handful per payment, then
 * the method is locked for that payment.
 */
export type AttemptLimitedMethod = Extract<PaymentMethod, 'wavepay' | 'webmoney_keeper_mobile'>;

/** Tries allowed per payment, per method (config: PAYER_ATTEMPT_LIMIT_*). */
export type PayerAttemptLimits = Readonly<Record<AttemptLimitedMethod, number>>;

export function isAttemptLimited(method: PaymentMethod): method is AttemptLimitedMethod {
  return method === 'wavepay' || method === 'webmoney_keeper_mobile';
}

const LOCKED_MESSAGES: Record<AttemptLimitedMethod, string> = {
  wavepay:
    'Too many transaction numbers were not accepted for this payment, so Wavepay is locked for it. ' +
    'Choose another payment method or contact the shop.',
  webmoney_keeper_mobile:
    'Too many WM Keeper Mobile phone attempts for this payment, so WM Keeper Mobile is locked for ' +
    'it. Choose another payment method or contact the shop.',
};

/** PAYMENT_METHOD_LOCKED with the message the payer's page shows. */
export function methodLocked(method: AttemptLimitedMethod) {
  return checkoutErrors.create('PAYMENT_METHOD_LOCKED', LOCKED_MESSAGES[method], {
    details: { method },
  });
}
