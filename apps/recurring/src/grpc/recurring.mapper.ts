import { type BindingState as PbBindingState, BindingState as PbState, CardBinding as PbCardBinding, type RecordCardBindingRequest } from '@tolem/contracts/recurring';
import { positiveMoney } from '@tolem/money';

import type { BindingState, CardBinding, NewCardBinding } from '../domain/card-binding';
import { recurringErrors } from '../domain/errors';

function stateFromProto(state: PbBindingState): BindingState {
  switch (state) {
    case PbState.BINDING_STATE_ACTIVATED:
      return 'activated';
    case PbState.BINDING_STATE_ERROR:
      return 'error';
    default:
      throw recurringErrors.create('RECURRING_INVALID_REQUEST', 'state must be ACTIVATED or ERROR');
  }
}

export function recordRequestToDomain(req: RecordCardBindingRequest): NewCardBinding {
  if (!req.firstAmount) throw recurringErrors.create('RECURRING_INVALID_REQUEST', 'first_amount is required');
  return {
    merchantId: req.merchantId,
    paymentId: req.paymentId,
    providerBindingRef: req.providerBindingRef,
    state: stateFromProto(req.state),
    cardLast4: req.cardLast4,
    firstAmount: positiveMoney(req.firstAmount.amountMinor, req.firstAmount.currency),
  };
}

export function bindingToProto(b: CardBinding): PbCardBinding {
  return PbCardBinding.fromPartial({
    id: b.id,
    merchantId: b.merchantId,
    paymentId: b.paymentId,
    providerBindingRef: b.providerBindingRef,
    state: b.state === 'activated' ? PbState.BINDING_STATE_ACTIVATED : PbState.BINDING_STATE_ERROR,
    cardLast4: b.cardLast4,
    firstAmount: { amountMinor: b.firstAmount.amountMinor, currency: b.firstAmount.currency },
    createdAt: b.createdAt,
  });
}
