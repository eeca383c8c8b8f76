import {
  BindingState,
  type CardBinding,
  type Charge,
  type ChargeAttempt,
  ChargeState,
  type ListCardBindingsRequest,
  type ListChargesRequest,
  type ListReceiptsRequest,
  type ListScheduledOperationsRequest,
  OperationState,
  type Receipt,
  type ReceiptCustomer,
  type ReceiptItem,
  type Schedule,
  type ScheduledOperation,
  ScheduleInterval,
  type SetScheduledOperationRequest,
} from '@tolem/contracts/recurring';
import type { DomainError } from '@tolem/errors';
import { minorFromJson, positiveMoney } from '@tolem/money';

import { gatewayErrors } from '../errors';
import type {
  BindingStateName,
  ChargeStateName,
  CreateOperationBody,
  IntervalName,
  ListBindingsQuery,
  ListChargesQuery,
  ListOperationsQuery,
  ListReceiptsQuery,
  OperationStateName,
  PageQuery,
  ReceiptCustomerBody,
  ScheduleBody,
  UpdateOperationBody,
} from '../recurring.schemas';
import { orNull } from './absent';
import { instantFrom, type JsonMinor, limitFrom, minorToJson } from './payment.mapper';

// ---- Wire names <-> proto enums ----

const BINDING_STATES: Record<BindingStateName, BindingState> = {
  activated: BindingState.BINDING_STATE_ACTIVATED,
  error: BindingState.BINDING_STATE_ERROR,
  revoked: BindingState.BINDING_STATE_REVOKED,
};
const OPERATION_STATES: Record<OperationStateName, OperationState> = {
  active: OperationState.OPERATION_STATE_ACTIVE,
  paused: OperationState.OPERATION_STATE_PAUSED,
  canceled: OperationState.OPERATION_STATE_CANCELED,
  completed: OperationState.OPERATION_STATE_COMPLETED,
};
const CHARGE_STATES: Record<ChargeStateName, ChargeState> = {
  pending: ChargeState.CHARGE_STATE_PENDING,
  retrying: ChargeState.CHARGE_STATE_RETRYING,
  succeeded: ChargeState.CHARGE_STATE_SUCCEEDED,
  abandoned: ChargeState.CHARGE_STATE_ABANDONED,
  failed: ChargeState.CHARGE_STATE_FAILED,
  skipped: ChargeState.CHARGE_STATE_SKIPPED,
};
const INTERVALS: Record<IntervalName, ScheduleInterval> = {
  daily: ScheduleInterval.SCHEDULE_INTERVAL_DAILY,
  weekly: ScheduleInterval.SCHEDULE_INTERVAL_WEEKLY,
  monthly: ScheduleInterval.SCHEDULE_INTERVAL_MONTHLY,
};

function nameOf<N extends string, V>(table: Record<N, V>, value: V, fallback: N): N {
  return (Object.entries(table) as [N, V][]).find(([, v]) => v === value)?.[0] ?? fallback;
}

const iso = (d: Date | undefined): string | null => (d ? d.toISOString() : null);

/** A required field missing from a peer's answer is a bug on our side, not the merchant's. */
function missing(field: string): DomainError {
  return gatewayErrors.create('INTERNAL', `peer answer lacks ${field}`);
}

function invalid(field: string, message: string): DomainError {
  return gatewayErrors.create('VALIDATION_FAILED', message, { details: { field } });
}

// ---- Answers ----

export interface ReceiptCustomerJson {
  email: string | null;
  phone: string | null;
  full_name: string | null;
  inn: string | null;
}

function receiptCustomerToJson(c: ReceiptCustomer | undefined): ReceiptCustomerJson | null {
  if (!c || (c.email === '' && c.phone === '' && c.fullName === '' && c.inn === '')) return null;
  return {
    email: orNull(c.email),
    phone: orNull(c.phone),
    full_name: orNull(c.fullName),
    inn: orNull(c.inn),
  };
}

export function bindingToJson(b: CardBinding | undefined) {
  if (!b) throw missing('binding');
  return {
    id: b.id,
    object: 'card_binding' as const,
    livemode: b.livemode,
    state: nameOf(BINDING_STATES, b.state, 'error'),
    payment: b.paymentId,
    customer_ref: orNull(b.customerRef),
    card_last4: orNull(b.cardLast4),
    card_expiry: orNull(b.cardExpiry),
    amount: b.firstAmount ? minorToJson(b.firstAmount.amountMinor) : null,
    currency: b.firstAmount ? b.firstAmount.currency : null,
    failure_message: orNull(b.failureMessage),
    revoked_at: iso(b.revokedAt),
    created_at: iso(b.createdAt),
  };
}

type ScheduleJson =
  | { cron: string; time_zone: string }
  | { interval: IntervalName; day: number | null; time_of_day: string; time_zone: string }
  | null;

function scheduleToJson(s: Schedule | undefined): ScheduleJson {
  if (!s) return null;
  if (s.cron !== '') return { cron: s.cron, time_zone: s.timeZone };
  return {
    interval: nameOf(INTERVALS, s.interval, 'daily'),
    day: s.day === 0 ? null : s.day,
    time_of_day: s.timeOfDay === '' ? '00:00' : s.timeOfDay,
    time_zone: s.timeZone,
  };
}

export function operationToJson(o: ScheduledOperation | undefined) {
  if (!o) throw missing('operation');
  if (!o.amount) throw missing('operation.amount');
  return {
    id: o.id,
    object: 'recurring_operation' as const,
    livemode: o.livemode,
    binding: o.bindingId,
    customer_ref: orNull(o.customerRef),
    amount: minorToJson(o.amount.amountMinor),
    currency: o.amount.currency,
    description: o.description,
    schedule: scheduleToJson(o.schedule),
    starts_at: iso(o.startsAt),
    ends_at: iso(o.endsAt),
    state: nameOf(OPERATION_STATES, o.state, 'active'),
    next_charge_at: iso(o.nextChargeAt),
    fire_on_skip: o.fireOnSkip,
    receipt_customer: receiptCustomerToJson(o.receiptCustomer),
    cancel_reason: orNull(o.cancelReason),
    cancel_code: orNull(o.cancelCode),
    metadata: { ...o.metadata },
    version: o.version,
    created_at: iso(o.createdAt),
    updated_at: iso(o.updatedAt),
  };
}

function attemptToJson(a: ChargeAttempt) {
  return {
    number: a.number,
    payment: a.paymentId,
    attempted_at: iso(a.attemptedAt),
    outcome: a.outcome,
    decline_code: orNull(a.declineCode),
    decline_kind: orNull(a.declineKind),
    reason_code: orNull(a.reasonCode),
  };
}

export function chargeToJson(c: Charge) {
  if (!c.amount) throw missing('charge.amount');
  return {
    id: c.id,
    object: 'recurring_charge' as const,
    operation: c.operationId,
    scheduled_at: iso(c.scheduledAt),
    state: nameOf(CHARGE_STATES, c.state, 'pending'),
    amount: minorToJson(c.amount.amountMinor),
    currency: c.amount.currency,
    attempts: c.attempts.map(attemptToJson),
    next_attempt_at: iso(c.nextAttemptAt),
    payment: orNull(c.paymentId),
    receipt: orNull(c.receiptId),
    operation_version: c.operationVersion,
  };
}

function itemToJson(i: ReceiptItem) {
  if (!i.amount) throw missing('receipt item amount');
  return {
    description: i.description,
    quantity: i.quantity,
    amount: minorToJson(i.amount.amountMinor),
    currency: i.amount.currency,
    vat_code: i.vatCode,
    payment_subject: i.paymentSubject,
    payment_mode: i.paymentMode,
  };
}

export function receiptToJson(r: Receipt | undefined) {
  if (!r) throw missing('receipt');
  const settlements: { type: 'cashless'; amount: JsonMinor; currency: string }[] = r.settlement
    ? [
        {
          type: 'cashless',
          amount: minorToJson(r.settlement.amountMinor),
          currency: r.settlement.currency,
        },
      ]
    : [];
  return {
    id: r.id,
    object: 'receipt' as const,
    livemode: r.livemode,
    type: r.type,
    status: r.status,
    payment: r.paymentId,
    operation: orNull(r.operationId),
    charge: orNull(r.chargeId),
    customer: receiptCustomerToJson(r.customer),
    items: r.items.map(itemToJson),
    settlements,
    tax_system_code: r.taxSystemCode === 0 ? null : r.taxSystemCode,
    fiscal_document_number: orNull(r.fiscalDocumentNumber),
    fiscal_storage_number: orNull(r.fiscalStorageNumber),
    fiscal_attribute: orNull(r.fiscalAttribute),
    registered_at: iso(r.registeredAt),
    register_receipt_id: orNull(r.registerReceiptId),
    send_attempts: r.sendAttempts,
    last_error: orNull(r.lastError),
    created_at: iso(r.createdAt),
  };
}

// ---- Requests ----

function pageOf(query: PageQuery) {
  if (query.starting_after !== undefined && query.ending_before !== undefined) {
    throw invalid('ending_before', 'send starting_after or ending_before, not both');
  }
  return {
    limit: limitFrom(query.limit, 100, 10),
    startingAfter: query.starting_after ?? '',
    endingBefore: query.ending_before ?? '',
  };
}

export function toListBindingsRequest(
  query: ListBindingsQuery,
  merchantId: string,
): ListCardBindingsRequest {
  return {
    merchantId,
    ...pageOf(query),
    customerRef: query.customer_ref ?? '',
    state: query.state ? BINDING_STATES[query.state] : BindingState.BINDING_STATE_UNSPECIFIED,
  };
}

export function toListOperationsRequest(
  query: ListOperationsQuery,
  merchantId: string,
): ListScheduledOperationsRequest {
  return {
    merchantId,
    ...pageOf(query),
    bindingId: query.binding ?? '',
    state: query.state ? OPERATION_STATES[query.state] : OperationState.OPERATION_STATE_UNSPECIFIED,
    customerRef: query.customer_ref ?? '',
    nextChargeGte: instantFrom(query['next_charge_at[gte]'], 'next_charge_at[gte]'),
    nextChargeLt: instantFrom(query['next_charge_at[lt]'], 'next_charge_at[lt]'),
  };
}

export function toListChargesRequest(
  query: ListChargesQuery,
  merchantId: string,
  operationId: string,
): ListChargesRequest {
  return {
    merchantId,
    operationId,
    ...pageOf(query),
    state: query.state ? CHARGE_STATES[query.state] : ChargeState.CHARGE_STATE_UNSPECIFIED,
  };
}

export function toListReceiptsRequest(
  query: ListReceiptsQuery,
  merchantId: string,
): ListReceiptsRequest {
  return {
    merchantId,
    ...pageOf(query),
    operationId: query.operation ?? '',
    paymentId: query.payment ?? '',
    status: query.status ?? '',
  };
}

function scheduleFrom(s: ScheduleBody): Schedule {
  if (s.cron !== undefined) {
    return {
      cron: s.cron,
      timeZone: s.time_zone,
      interval: ScheduleInterval.SCHEDULE_INTERVAL_UNSPECIFIED,
      day: 0,
      timeOfDay: '',
    };
  }
  return {
    cron: '',
    timeZone: s.time_zone,
    // The schema made `interval` required when there is no cron.
    interval: s.interval ? INTERVALS[s.interval] : ScheduleInterval.SCHEDULE_INTERVAL_UNSPECIFIED,
    day: s.day ?? 0,
    timeOfDay: s.time_of_day ?? '',
  };
}

function receiptCustomerFrom(c: ReceiptCustomerBody): ReceiptCustomer {
  return {
    email: c.email ?? '',
    phone: c.phone ?? '',
    fullName: c.full_name ?? '',
    inn: c.inn ?? '',
  };
}

/**
 * Validated create body -> SetScheduledOperation without an operation id. The amount goes
 * through minorFromJson and positiveMoney, so MONEY_* codes reach the merchant as 400s here;
 * the Idempotency-Key becomes the operation's idempotency key at the recurring service.
 */
export function toCreateOperationRequest(
  body: CreateOperationBody,
  merchantId: string,
  idempotencyKey: string,
): SetScheduledOperationRequest {
  const amount = positiveMoney(minorFromJson(body.amount), body.currency);
  return {
    merchantId,
    operationId: '',
    idempotencyKey,
    bindingId: body.binding,
    amount: { amountMinor: amount.amountMinor, currency: amount.currency },
    description: body.description,
    schedule: scheduleFrom(body.schedule),
    startsAt: instantFrom(body.starts_at, 'starts_at'),
    endsAt: instantFrom(body.ends_at, 'ends_at'),
    clearEndsAt: false,
    fireOnSkip: body.fire_on_skip,
    receiptCustomer: body.receipt_customer ? receiptCustomerFrom(body.receipt_customer) : undefined,
    metadata: { ...(body.metadata ?? {}) },
  };
}

/**
 * Validated edit body -> SetScheduledOperation with the operation id: fields not sent stay unset
 * (the recurring service keeps their value); `ends_at: null` removes the end date. An amount is
 * sent with its currency, so the merchant states which currency the number is in.
 */
export function toUpdateOperationRequest(
  body: UpdateOperationBody,
  merchantId: string,
  operationId: string,
  idempotencyKey: string | undefined,
): SetScheduledOperationRequest {
  if ((body.amount === undefined) !== (body.currency === undefined)) {
    throw invalid(
      body.amount === undefined ? 'amount' : 'currency',
      'send amount and currency together',
    );
  }
  const amount =
    body.amount === undefined || body.currency === undefined
      ? undefined
      : positiveMoney(minorFromJson(body.amount), body.currency);
  return {
    merchantId,
    operationId,
    idempotencyKey: idempotencyKey ?? '',
    bindingId: '',
    amount: amount && { amountMinor: amount.amountMinor, currency: amount.currency },
    description: body.description,
    schedule: body.schedule && scheduleFrom(body.schedule),
    startsAt: instantFrom(body.starts_at, 'starts_at'),
    endsAt: body.ends_at === null ? undefined : instantFrom(body.ends_at, 'ends_at'),
    clearEndsAt: body.ends_at === null,
    fireOnSkip: body.fire_on_skip,
    receiptCustomer: body.receipt_customer && receiptCustomerFrom(body.receipt_customer),
    metadata: { ...(body.metadata ?? {}) },
  };
}
