import { isDomainError } from '@tolem/errors';

import { checkoutErrors } from '../domain/errors';
import { requireSameMode } from '../domain/livemode';
import type { Payment } from '../domain/payment';
import type { PaymentRepository } from '../domain/ports';
import { applyTransition, type TransitionDeps } from './apply-transition';

export interface CancelPaymentDeps extends TransitionDeps {
  payments: PaymentRepository;
}

/**
 * The merchant cancels a payment nobody has paid: created or pending becomes canceled (final),
 * and its `payment.canceled` event is owed to the ledger with the transition. Repeating it on a
 * canceled payment answers the payment unchanged; any other status is PAYMENT_NOT_CANCELABLE.
 * Another merchant's payment is PAYMENT_NOT_FOUND, as for reads; so is one of the other mode than
 * the key's (with the mode hint), before anything changes.
 */
export function makeCancelPayment(deps: CancelPaymentDeps) {
  return async (input: {
    paymentId: string;
    merchantId: string;
    reason: string;
    /** The API key's mode; undefined: any. */
    livemode?: boolean;
  }): Promise<Payment> => {
    const payment = input.paymentId ? await deps.payments.findById(input.paymentId) : undefined;
    if (!payment || payment.merchantId !== input.merchantId) {
      throw checkoutErrors.create('PAYMENT_NOT_FOUND', 'payment not found');
    }
    requireSameMode('payment', payment.id, payment.livemode, input.livemode);
    const reason = `canceled by merchant${input.reason ? `: ${input.reason.slice(0, 200)}` : ''}`;
    try {
      const { payment: current } = await applyTransition(
        deps,
        payment.id,
        (p) => {
          if (p.status === 'canceled') return null;
          if (p.status !== 'created' && p.status !== 'pending') {
            throw checkoutErrors.create(
              'PAYMENT_NOT_CANCELABLE',
              `a ${p.status} payment cannot be canceled`,
              { details: { status: p.status } },
            );
          }
          return { to: 'canceled', reason };
        },
        payment,
      );
      return current;
    } catch (err) {
      if (isDomainError(err) && err.code === 'PAYMENT_INVALID_TRANSITION') {
        throw checkoutErrors.create('PAYMENT_NOT_CANCELABLE', err.message, {
          details: err.details,
        });
      }
      throw err;
    }
  };
}
