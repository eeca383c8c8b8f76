import { newId } from '@tolem/ids';
import type { Clock } from '@tolem/runtime';

import { invalidField, recurringErrors } from '../domain/errors';
import type { OperationState, ScheduledOperation } from '../domain/operation';
import {
  cancelOperation,
  editOperation,
  newOperation,
  pauseOperation,
  resumeOperation,
  settleSkipped,
  termsOf,
} from '../domain/operation-lifecycle';
import {
  checkBindingAllows,
  createTerms,
  editTerms,
  fingerprintConflictField,
  fingerprintOf,
  type SetOperationInput,
} from '../domain/operation-terms';
import type { OperationChange, ScheduledOperationRepository } from '../domain/ports';
import { type PageRequest, readPage } from './paging';

export interface ScheduledOperationDeps {
  operations: ScheduledOperationRepository;
  clock: Clock;
}

export interface SetOperationResult {
  operation: ScheduledOperation;
  created: boolean;
  replayed: boolean;
}

function notFound(): Error {
  return recurringErrors.create('RECURRING_OPERATION_NOT_FOUND', 'no such scheduled operation', {
    details: { field: 'operation_id' },
  });
}

function requireIds(merchantId: string, operationId: string): void {
  if (!merchantId)
    throw invalidField('RECURRING_INVALID_REQUEST', 'merchant_id', 'merchant_id is required');
  if (!operationId)
    throw invalidField('RECURRING_INVALID_REQUEST', 'operation_id', 'operation_id is required');
}

/**
 * The seed's SetScheduledOperation. Create (no operation_id): validated, allowed only on the
 * merchant's activated binding in its currency, once per idempotency key (the same request
 * replays, another one is RECURRING_IDEMPOTENCY_CONFLICT naming the first field that differs).
 * Edit: the fields sent replace the operation's; the occurrences already due (the scheduler not
 * there yet) become charges under the old terms, the next charge is recomputed from
 * max(now, starts_at) and the version bumped, so only future charges change. An edit that changes
 * nothing (a retry) leaves the operation and its version as they are.
 */
export function makeSetScheduledOperation(deps: ScheduledOperationDeps) {
  const create = async (input: SetOperationInput): Promise<SetOperationResult> => {
    const terms = createTerms(input);
    const fingerprint = fingerprintOf(input.bindingId, terms);
    const now = deps.clock.now();
    const stored = await deps.operations.createOnce({
      merchantId: input.merchantId,
      idempotencyKey: input.idempotencyKey,
      bindingId: input.bindingId,
      fingerprint,
      build: (binding) => {
        if (!binding) {
          throw recurringErrors.create('RECURRING_BINDING_NOT_FOUND', 'no such card binding', {
            details: { field: 'binding_id' },
          });
        }
        checkBindingAllows(binding, terms);
        return newOperation({
          id: newId('sop'),
          merchantId: input.merchantId,
          binding,
          terms,
          now,
        });
      },
    });
    if (stored.created) return { operation: stored.operation, created: true, replayed: false };
    const field = fingerprintConflictField(stored.fingerprint, fingerprint);
    if (field) {
      throw recurringErrors.create(
        'RECURRING_IDEMPOTENCY_CONFLICT',
        `idempotency_key was used with another request (${field} differs)`,
        { details: { field } },
      );
    }
    return { operation: stored.operation, created: false, replayed: true };
  };

  const edit = async (input: SetOperationInput): Promise<SetOperationResult> => {
    const now = deps.clock.now();
    const result = await deps.operations.update(
      input.merchantId,
      input.operationId,
      (op, binding) => {
        if (input.bindingId && input.bindingId !== op.bindingId) {
          throw invalidField(
            'RECURRING_INVALID_REQUEST',
            'binding_id',
            'an edit cannot change binding_id',
          );
        }
        const terms = editTerms(termsOf(op), input);
        if (op.state === 'active' || op.state === 'paused') checkBindingAllows(binding, terms);
        const edited = editOperation(op, terms, now);
        return edited && { operation: edited, facts: [], settleDueAt: now };
      },
    );
    if (!result) throw notFound();
    return { operation: result.operation, created: false, replayed: false };
  };

  return async (input: SetOperationInput): Promise<SetOperationResult> => {
    if (!input.merchantId)
      throw invalidField('RECURRING_INVALID_REQUEST', 'merchant_id', 'merchant_id is required');
    return input.operationId ? edit(input) : create(input);
  };
}

/** One operation of the merchant; another merchant's is NOT_FOUND like an unknown one. */
export function makeGetScheduledOperation(deps: ScheduledOperationDeps) {
  return async (merchantId: string, operationId: string): Promise<ScheduledOperation> => {
    requireIds(merchantId, operationId);
    const op = await deps.operations.findById(merchantId, operationId);
    if (!op) throw notFound();
    return op;
  };
}

export interface ListOperationsInput extends PageRequest {
  bindingId: string;
  state: OperationState | null;
  customerRef: string;
  nextChargeGte: Date | null;
  nextChargeLt: Date | null;
  livemode: boolean | null;
}

/** A merchant's operations, newest first, paged; filters as the seed's GetScheduledOperationData. */
export function makeListScheduledOperations(deps: ScheduledOperationDeps) {
  return async (
    input: ListOperationsInput,
  ): Promise<{ operations: ScheduledOperation[]; hasMore: boolean }> => {
    const { items, hasMore } = await readPage(
      deps.operations,
      input,
      {
        merchantId: input.merchantId,
        bindingId: input.bindingId,
        state: input.state,
        customerRef: input.customerRef,
        nextChargeGte: input.nextChargeGte,
        nextChargeLt: input.nextChargeLt,
        livemode: input.livemode,
      },
      'scheduled operations',
    );
    return { operations: items, hasMore };
  };
}

type Transition = 'pause' | 'resume' | 'cancel';

/**
 * Pause, resume and cancel: each in one transaction with the operation's row locked; asking
 * for the state it already is in answers changed=false. Cancel stores its fact with it.
 */
export function makeOperationTransition(deps: ScheduledOperationDeps, transition: Transition) {
  return async (
    merchantId: string,
    operationId: string,
  ): Promise<{ operation: ScheduledOperation; changed: boolean }> => {
    requireIds(merchantId, operationId);
    const now = deps.clock.now();
    const result = await deps.operations.update(
      merchantId,
      operationId,
      (op, binding): OperationChange | null => {
        switch (transition) {
          case 'pause': {
            const paused = pauseOperation(op, now);
            return paused && { operation: paused, facts: [], ...settleSkipped(now) };
          }
          case 'resume': {
            const resumed = resumeOperation(op, now);
            return resumed && { operation: resumed, facts: [] };
          }
          case 'cancel': {
            const canceled = cancelOperation(op, binding, 'merchant', now);
            return canceled && { ...canceled, ...settleSkipped(now) };
          }
        }
      },
    );
    if (!result) throw notFound();
    return result;
  };
}
