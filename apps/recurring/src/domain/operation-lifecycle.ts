import type { CardBinding } from './card-binding';
import { recurringErrors } from './errors';
import type { RecurringFact } from './facts';
import type { CancelReason, ScheduledOperation } from './operation';
import { type OperationTerms, sameTerms } from './operation-terms';
import type { OperationChange } from './ports';
import { firstOccurrence, nextChargeWithin, nextOccurrence } from './schedule';

/** A new operation's terms and who it charges, as the create use case resolved them. */
export interface NewOperation {
  id: string;
  merchantId: string;
  binding: CardBinding;
  terms: OperationTerms;
  now: Date;
}

function latest(a: Date, b: Date): Date {
  return a.getTime() >= b.getTime() ? a : b;
}

/** Active with its next charge, or completed when none is left before the end date. */
function scheduled(op: ScheduledOperation, next: Date | null): ScheduledOperation {
  return next
    ? { ...op, state: 'active', nextChargeAt: next }
    : { ...op, state: 'completed', nextChargeAt: null };
}

/** An operation as created: its first charge is the first occurrence at or after max(now, starts_at). */
export function newOperation(n: NewOperation): ScheduledOperation {
  const { terms } = n;
  const op: ScheduledOperation = {
    id: n.id,
    merchantId: n.merchantId,
    bindingId: n.binding.id,
    ...terms,
    customerRef: n.binding.customerRef,
    livemode: n.binding.livemode,
    state: 'active',
    cancelReason: '',
    cancelCode: '',
    nextChargeAt: null,
    version: 1,
    createdAt: n.now,
    updatedAt: n.now,
  };
  return scheduled(
    op,
    nextChargeWithin(terms.schedule, latest(n.now, terms.startsAt), terms.endsAt),
  );
}

export function termsOf(op: ScheduledOperation): OperationTerms {
  return {
    amount: op.amount,
    description: op.description,
    schedule: op.schedule,
    startsAt: op.startsAt,
    endsAt: op.endsAt,
    firesOnSkip: op.firesOnSkip,
    receiptCustomer: op.receiptCustomer,
    metadata: op.metadata,
  };
}

function refuseFinished(op: ScheduledOperation, action: string): void {
  if (op.state === 'canceled' || op.state === 'completed') {
    throw recurringErrors.create(
      'RECURRING_OPERATION_FINISHED',
      `the operation is ${op.state} and cannot be ${action}`,
      { details: { field: 'operation_id', state: op.state } },
    );
  }
}

/**
 * An edit: new terms, a new version, and the next charge recomputed from max(now, starts_at).
 * Charges already made keep the version they were made under; only future ones change (the
 * occurrences already due are made charges under the old terms first: OperationChange.settleDueAt).
 * Null when the terms are the ones the operation has: a repeated edit is not a new version.
 */
export function editOperation(
  op: ScheduledOperation,
  terms: OperationTerms,
  now: Date,
): ScheduledOperation | null {
  refuseFinished(op, 'edited');
  if (sameTerms(termsOf(op), terms)) return null;
  const edited: ScheduledOperation = { ...op, ...terms, version: op.version + 1, updatedAt: now };
  const next = nextChargeWithin(terms.schedule, latest(now, terms.startsAt), terms.endsAt);
  // A paused operation stays paused (no next charge) unless nothing is left to charge.
  if (op.state === 'paused')
    return next ? { ...edited, nextChargeAt: null } : scheduled(edited, null);
  return scheduled(edited, next);
}

/**
 * What a pause, cancel or revocation adds to its change: it stops charging, but an occurrence
 * that came due before it and that the scheduler had not reached yet stays on the record, as
 * skipped, rather than vanishing (OperationChange.settleDueAt).
 */
export function settleSkipped(now: Date): { settleDueAt: Date; settleAs: 'skipped' } {
  return { settleDueAt: now, settleAs: 'skipped' };
}

/** Pausing stops charging: no next charge until resumed. Null when already paused. */
export function pauseOperation(op: ScheduledOperation, now: Date): ScheduledOperation | null {
  refuseFinished(op, 'paused');
  if (op.state === 'paused') return null;
  return { ...op, state: 'paused', nextChargeAt: null, updatedAt: now };
}

/**
 * Resuming charges from the next occurrence strictly after now (or the first one at or after a
 * future starts_at); the occurrences while paused are not caught up. Null when already active.
 */
export function resumeOperation(op: ScheduledOperation, now: Date): ScheduledOperation | null {
  refuseFinished(op, 'resumed');
  if (op.state === 'active') return null;
  const next =
    op.startsAt.getTime() > now.getTime()
      ? firstOccurrence(op.schedule, op.startsAt)
      : nextOccurrence(op.schedule, now);
  const bounded = next && op.endsAt && next.getTime() > op.endsAt.getTime() ? null : next;
  return scheduled({ ...op, updatedAt: now }, bounded);
}

/** The merchant's `recurring.operation.canceled`, keyed by the payment that bound the card. */
export function canceledFact(
  op: ScheduledOperation,
  binding: CardBinding,
  now: Date,
): RecurringFact {
  return {
    idempotencyKey: `${op.id}:canceled`,
    eventType: 'recurring.operation.canceled',
    paymentId: binding.paymentId,
    merchantId: op.merchantId,
    amount: op.amount,
    operationId: op.id,
    bindingId: binding.id,
    cancelReason: op.cancelReason || undefined,
    description: op.description,
    livemode: op.livemode,
    occurredAt: now,
  };
}

/**
 * Cancels for good, with its fact. Null when already canceled; a completed operation has nothing
 * left to cancel and is refused.
 */
export function cancelOperation(
  op: ScheduledOperation,
  binding: CardBinding,
  reason: CancelReason,
  now: Date,
): OperationChange | null {
  if (op.state === 'canceled') return null;
  refuseFinished(op, 'canceled');
  const operation: ScheduledOperation = {
    ...op,
    state: 'canceled',
    cancelReason: reason,
    nextChargeAt: null,
    updatedAt: now,
  };
  return { operation, facts: [canceledFact(operation, binding, now)] };
}
