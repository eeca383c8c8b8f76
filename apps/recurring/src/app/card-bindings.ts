import type { Clock } from '@tolem/runtime';

import type { BindingState, CardBinding } from '../domain/card-binding';
import { invalidField, recurringErrors } from '../domain/errors';
import { cancelOperation, settleSkipped } from '../domain/operation-lifecycle';
import type { CardBindingRepository } from '../domain/ports';
import { type PageRequest, readPage } from './paging';

export interface CardBindingDeps {
  bindings: CardBindingRepository;
  clock: Clock;
}

function notFound(): Error {
  return recurringErrors.create('RECURRING_BINDING_NOT_FOUND', 'no such card binding', {
    details: { field: 'binding_id' },
  });
}

function requireIds(merchantId: string, bindingId: string): void {
  if (!merchantId)
    throw invalidField('RECURRING_INVALID_REQUEST', 'merchant_id', 'merchant_id is required');
  if (!bindingId)
    throw invalidField('RECURRING_INVALID_REQUEST', 'binding_id', 'binding_id is required');
}

export interface ListCardBindingsInput extends PageRequest {
  customerRef: string;
  state: BindingState | null;
  livemode: boolean | null;
}

/** A merchant's bindings, newest first, paged; filtered by customer and state. */
export function makeListCardBindings(deps: CardBindingDeps) {
  return async (
    input: ListCardBindingsInput,
  ): Promise<{ bindings: CardBinding[]; hasMore: boolean }> => {
    const { items, hasMore } = await readPage(
      deps.bindings,
      input,
      {
        merchantId: input.merchantId,
        customerRef: input.customerRef,
        state: input.state,
        livemode: input.livemode,
      },
      'card bindings',
    );
    return { bindings: items, hasMore };
  };
}

/** One binding of the merchant; another merchant's is NOT_FOUND like an unknown one. */
export function makeGetCardBinding(deps: CardBindingDeps) {
  return async (merchantId: string, bindingId: string): Promise<CardBinding> => {
    requireIds(merchantId, bindingId);
    const binding = await deps.bindings.findById(merchantId, bindingId);
    if (!binding) throw notFound();
    return binding;
  };
}

/**
 * Revokes a binding for good and, in the same transaction, cancels its active and paused
 * operations (reason binding_revoked, one `recurring.operation.canceled` fact each), so no charge
 * can start on a revoked card. Revoking again answers the same result.
 */
export function makeRevokeCardBinding(deps: CardBindingDeps) {
  return async (
    merchantId: string,
    bindingId: string,
  ): Promise<{ binding: CardBinding; canceledOperationIds: string[] }> => {
    requireIds(merchantId, bindingId);
    const now = deps.clock.now();
    const result = await deps.bindings.revoke(merchantId, bindingId, (binding, live) => {
      if (binding.state === 'revoked') return null;
      if (binding.state !== 'activated') {
        throw recurringErrors.create(
          'RECURRING_BINDING_NOT_ACTIVE',
          `binding is ${binding.state}: only an activated binding can be revoked`,
          {
            details: { field: 'binding_id', state: binding.state },
          },
        );
      }
      const revoked: CardBinding = { ...binding, state: 'revoked', revokedAt: now };
      const changes = live.flatMap((op) => {
        const canceled = cancelOperation(op, revoked, 'binding_revoked', now);
        return canceled ? [{ ...canceled, ...settleSkipped(now) }] : [];
      });
      return { binding: revoked, changes };
    });
    if (!result) throw notFound();
    return { binding: result.binding, canceledOperationIds: result.canceledOperationIds };
  };
}
