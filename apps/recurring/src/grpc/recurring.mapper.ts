import {
  BindingState as PbBindingState,
  CardBinding as PbCardBinding,
  type ListCardBindingsRequest,
  type ListScheduledOperationsRequest,
  OperationState as PbOperationState,
  type RecordCardBindingRequest,
  type Schedule as PbSchedule,
  ScheduledOperation as PbScheduledOperation,
  ScheduleInterval as PbInterval,
  type SetScheduledOperationRequest,
} from '@tolem/contracts/recurring';
import { positiveMoney } from '@tolem/money';

import type { ListCardBindingsInput } from '../app/card-bindings';
import type { ListOperationsInput } from '../app/scheduled-operations';
import type { BindingState, CardBinding, NewCardBinding } from '../domain/card-binding';
import { invalidField, recurringErrors } from '../domain/errors';
import type { OperationState, ScheduledOperation } from '../domain/operation';
import type { SetOperationInput } from '../domain/operation-terms';
import type { ScheduleInput } from '../domain/schedule';

const BINDING_STATES: Record<BindingState, PbBindingState> = {
  activated: PbBindingState.BINDING_STATE_ACTIVATED,
  error: PbBindingState.BINDING_STATE_ERROR,
  revoked: PbBindingState.BINDING_STATE_REVOKED,
};

const OPERATION_STATES: Record<OperationState, PbOperationState> = {
  active: PbOperationState.OPERATION_STATE_ACTIVE,
  paused: PbOperationState.OPERATION_STATE_PAUSED,
  canceled: PbOperationState.OPERATION_STATE_CANCELED,
  completed: PbOperationState.OPERATION_STATE_COMPLETED,
};

const INTERVALS = {
  daily: PbInterval.SCHEDULE_INTERVAL_DAILY,
  weekly: PbInterval.SCHEDULE_INTERVAL_WEEKLY,
  monthly: PbInterval.SCHEDULE_INTERVAL_MONTHLY,
} as const;

/** A filter enum: UNSPECIFIED means no filter; a value outside the enum is refused. */
function filterFrom<D extends string, P extends number>(
  table: Record<D, P>,
  value: P,
  field: string,
): D | null {
  if (value === 0) return null;
  const found = (Object.entries(table) as [D, P][]).find(([, pb]) => pb === value);
  if (!found)
    throw invalidField('RECURRING_INVALID_REQUEST', field, `${field} is not a known value`);
  return found[0];
}

function recordStateFromProto(state: PbBindingState): 'activated' | 'error' {
  switch (state) {
    case PbBindingState.BINDING_STATE_ACTIVATED:
      return 'activated';
    case PbBindingState.BINDING_STATE_ERROR:
      return 'error';
    default:
      throw recurringErrors.create(
        'RECURRING_INVALID_REQUEST',
        'state must be ACTIVATED or ERROR',
        {
          details: { field: 'state' },
        },
      );
  }
}

export function recordRequestToDomain(req: RecordCardBindingRequest): NewCardBinding {
  if (!req.firstAmount) {
    throw recurringErrors.create('RECURRING_INVALID_REQUEST', 'first_amount is required', {
      details: { field: 'first_amount' },
    });
  }
  return {
    merchantId: req.merchantId,
    paymentId: req.paymentId,
    providerBindingRef: req.providerBindingRef,
    state: recordStateFromProto(req.state),
    cardLast4: req.cardLast4,
    firstAmount: positiveMoney(req.firstAmount.amountMinor, req.firstAmount.currency),
    customerRef: req.customerRef,
    cardExpiry: req.cardExpiry,
    livemode: req.livemode,
  };
}

export function bindingToProto(b: CardBinding): PbCardBinding {
  return PbCardBinding.fromPartial({
    id: b.id,
    merchantId: b.merchantId,
    paymentId: b.paymentId,
    providerBindingRef: b.providerBindingRef,
    state: BINDING_STATES[b.state],
    cardLast4: b.cardLast4,
    firstAmount: { amountMinor: b.firstAmount.amountMinor, currency: b.firstAmount.currency },
    createdAt: b.createdAt,
    customerRef: b.customerRef,
    cardExpiry: b.cardExpiry,
    failureMessage: b.failureMessage,
    revokedAt: b.revokedAt ?? undefined,
    livemode: b.livemode,
  });
}

export function listBindingsRequestToDomain(req: ListCardBindingsRequest): ListCardBindingsInput {
  return {
    merchantId: req.merchantId,
    limit: req.limit,
    startingAfter: req.startingAfter,
    endingBefore: req.endingBefore,
    customerRef: req.customerRef,
    state: filterFrom(BINDING_STATES, req.state, 'state'),
    livemode: req.livemode ?? null,
  };
}

function scheduleFromProto(s: PbSchedule): ScheduleInput {
  return {
    cron: s.cron,
    timeZone: s.timeZone,
    interval: filterFrom(INTERVALS, s.interval, 'schedule.interval'),
    day: s.day,
    timeOfDay: s.timeOfDay,
  };
}

export function setRequestToDomain(req: SetScheduledOperationRequest): SetOperationInput {
  return {
    merchantId: req.merchantId,
    operationId: req.operationId,
    idempotencyKey: req.idempotencyKey,
    bindingId: req.bindingId,
    amount: req.amount && { amountMinor: req.amount.amountMinor, currency: req.amount.currency },
    description: req.description,
    schedule: req.schedule && scheduleFromProto(req.schedule),
    startsAt: req.startsAt,
    endsAt: req.endsAt,
    clearEndsAt: req.clearEndsAt,
    fireOnSkip: req.fireOnSkip,
    receiptCustomer: req.receiptCustomer && { ...req.receiptCustomer },
    metadata: { ...req.metadata },
  };
}

export function listOperationsRequestToDomain(
  req: ListScheduledOperationsRequest,
): ListOperationsInput {
  return {
    merchantId: req.merchantId,
    limit: req.limit,
    startingAfter: req.startingAfter,
    endingBefore: req.endingBefore,
    bindingId: req.bindingId,
    state: filterFrom(OPERATION_STATES, req.state, 'state'),
    customerRef: req.customerRef,
    nextChargeGte: req.nextChargeGte ?? null,
    nextChargeLt: req.nextChargeLt ?? null,
    livemode: req.livemode ?? null,
  };
}

function scheduleToProto(op: ScheduledOperation): PbSchedule {
  const s = op.schedule;
  if (s.kind === 'cron') {
    return { cron: s.cron, timeZone: s.timeZone, interval: 0, day: 0, timeOfDay: '' };
  }
  return {
    cron: '',
    timeZone: s.timeZone,
    interval: INTERVALS[s.interval],
    day: s.day,
    timeOfDay: s.timeOfDay,
  };
}

export function operationToProto(op: ScheduledOperation): PbScheduledOperation {
  return PbScheduledOperation.fromPartial({
    id: op.id,
    merchantId: op.merchantId,
    bindingId: op.bindingId,
    amount: { amountMinor: op.amount.amountMinor, currency: op.amount.currency },
    description: op.description,
    schedule: scheduleToProto(op),
    startsAt: op.startsAt,
    endsAt: op.endsAt ?? undefined,
    state: OPERATION_STATES[op.state],
    nextChargeAt: op.nextChargeAt ?? undefined,
    fireOnSkip: op.firesOnSkip,
    receiptCustomer: {
      email: op.receiptCustomer.email ?? '',
      phone: op.receiptCustomer.phone ?? '',
      fullName: op.receiptCustomer.fullName ?? '',
      inn: op.receiptCustomer.inn ?? '',
    },
    cancelReason: op.cancelReason,
    cancelCode: op.cancelCode,
    metadata: op.metadata,
    version: op.version,
    createdAt: op.createdAt,
    updatedAt: op.updatedAt,
    customerRef: op.customerRef,
    livemode: op.livemode,
  });
}
