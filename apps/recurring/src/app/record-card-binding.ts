import {
  BINDING_ERROR_MESSAGE,
  bindingConflictField,
  type CardBinding,
  type NewCardBinding,
} from '../domain/card-binding';
import { recurringErrors } from '../domain/errors';
import type { CardBindingRepository } from '../domain/ports';

export interface RecordCardBindingDeps {
  bindings: Pick<CardBindingRepository, 'insertOnce'>;
}

const EXPIRY = /^(0[1-9]|1[0-2])\/\d{2}$/;

/**
 * The longest value of each text field, in characters: they reach the bindings' indexes, which
 * hold at most 2704 bytes an entry. customer_ref and provider_binding_ref as checkout's
 * ChargeBoundCard takes them (a longer one could never be charged).
 */
const MAX_LENGTH = {
  merchantId: ['merchant_id', 255],
  paymentId: ['payment_id', 255],
  customerRef: ['customer_ref', 190],
  providerBindingRef: ['provider_binding_ref', 64],
} as const;

/**
 * Records the result of binding a card (IntellectMoney recurringState). Idempotent per payment:
 * the same content again returns the original; different content is a conflict naming the field.
 * An ERROR binding carries the seed's advice to contact support.
 */
export function makeRecordCardBinding(deps: RecordCardBindingDeps) {
  return async (
    input: NewCardBinding,
  ): Promise<{ binding: CardBinding; alreadyExisted: boolean }> => {
    if (!input.merchantId || !input.paymentId) {
      throw recurringErrors.create(
        'RECURRING_INVALID_REQUEST',
        'merchant_id and payment_id are required',
      );
    }
    for (const [key, [field, max]] of Object.entries(MAX_LENGTH)) {
      if (input[key as keyof typeof MAX_LENGTH].length > max) {
        throw recurringErrors.create(
          'RECURRING_INVALID_REQUEST',
          `${field} is at most ${max} characters`,
          { details: { field } },
        );
      }
    }
    if (input.state === 'activated' && !input.providerBindingRef) {
      throw recurringErrors.create(
        'RECURRING_INVALID_REQUEST',
        'an activated binding needs provider_binding_ref',
      );
    }
    if (input.cardLast4 && !/^\d{4}$/.test(input.cardLast4)) {
      throw recurringErrors.create('RECURRING_INVALID_REQUEST', 'card_last4 must be four digits', {
        details: { field: 'card_last4' },
      });
    }
    if (input.cardExpiry && !EXPIRY.test(input.cardExpiry)) {
      throw recurringErrors.create('RECURRING_INVALID_REQUEST', 'card_expiry must be MM/YY', {
        details: { field: 'card_expiry' },
      });
    }
    const failureMessage = input.state === 'error' ? BINDING_ERROR_MESSAGE : '';
    const { binding, inserted } = await deps.bindings.insertOnce({ ...input, failureMessage });
    if (!inserted) {
      const field = bindingConflictField(binding, input);
      if (field) {
        throw recurringErrors.create(
          'RECURRING_BINDING_CONFLICT',
          `binding for this payment differs in ${field}`,
          {
            details: { field },
          },
        );
      }
    }
    return { binding, alreadyExisted: !inserted };
  };
}
