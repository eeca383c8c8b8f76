import { type Money, money } from '@tolem/money';

import { shardOf } from './accounts';
import { ledgerErrors } from './errors';
import {
  isRecurringEventType,
  isStatusEventType,
  type PaymentEventDraft,
  RECURRING_CANCEL_REASONS,
  RECURRING_EVENT_TYPES,
  type RecurringDetails,
  type RecurringEventType,
  STATUS_EVENT_TYPES,
  type StatusEventType,
} from './events';
import { type Fingerprint, fingerprintConflictField, moneyPrint, timePrint } from './idempotency';
import type { PaymentDetails, PaymentMethod, PaymentProvider } from './payment';
import type { PaymentRecord } from './payment-record';
import { invalidField, positiveAmount, type RawMoney, requireId, requireText } from './validation';

/** RecordPaymentEvent as the transport hands it over (enums mapped; null = unspecified). */
export interface RecordPaymentEventCommand extends PaymentDetails {
  idempotencyKey: string;
  paymentId: string;
  merchantId: string;
  eventType: string;
  /** Empty: the status the type implies. */
  paymentStatus: string;
  amount: RawMoney | undefined;
  /** Null before the payer chose a method (a payment canceled or expired unstarted). */
  method: PaymentMethod | null;
  provider: PaymentProvider | null;
  failureCode: string;
  occurredAt: Date | undefined;
  /** recurring.* only (RecordPaymentEventRequest fields 16–21); '' / 0 when not sent. */
  recurringOperationId?: string;
  recurringChargeId?: string;
  recurringAttempt?: number;
  cardBindingId?: string;
  receiptId?: string;
  cancelReason?: string;
}

/** A validated status fact, ready for the journal. */
export interface NewStatusFact {
  idempotencyKey: string;
  eventType: StatusEventType | RecurringEventType;
  /**
   * A recurring fact leaves the payment's status as it is, so it is appended whatever the
   * payment's money did; a status fact after the money is stale (superseded).
   */
  keepsStatus: boolean;
  fingerprint: Fingerprint;
  /** The event to write (sequence and id are the journal's). */
  draft: PaymentEventDraft;
  /** The payment's `open` register row, created with its first fact. */
  openRecord: PaymentRecord;
}

export type FactResult =
  | { recorded: true; eventId: string; sequence: bigint }
  /** The payment's money moved before this fact arrived: stale, no event written. */
  | { recorded: false; superseded: true }
  | {
      recorded: false;
      superseded: false;
      existing: { eventType: string; fingerprint: Fingerprint; eventId: string; sequence: bigint };
    };

/**
 * Checks a status fact: a type RecordPaymentEvent accepts, the status that type implies (a
 * different one is refused rather than published), the payment's amount, ids and bounded text.
 * A failure code belongs to `payment.failed` and `recurring.charge.failed` only. A recurring
 * fact names its operation, sends no status (it changes none) and may carry the charge, attempt,
 * binding, receipt (a success) and cancel reason (a cancel); a status fact carries none of these.
 */

/**
 * Facts that may name a code: a failed payment or charge attempt (the scheme's decline code), an
 * abandoned charge (its last decline) and an operation canceled by a hard decline (that code).
 */
const FAILURE_CODE_TYPES: ReadonlySet<string> = new Set([
  'payment.failed',
  'recurring.charge.failed',
  'recurring.charge.abandoned',
  'recurring.operation.canceled',
]);

export function validateStatusFact(cmd: RecordPaymentEventCommand, now: Date): NewStatusFact {
  requireId(cmd.idempotencyKey, 'idempotency_key');
  requireId(cmd.paymentId, 'payment_id');
  requireId(cmd.merchantId, 'merchant_id');
  if (!isStatusEventType(cmd.eventType) && !isRecurringEventType(cmd.eventType)) {
    invalidField(
      'event_type',
      `event_type must be one of ${[...Object.keys(STATUS_EVENT_TYPES), ...RECURRING_EVENT_TYPES].join(', ')}`,
    );
  }
  const eventType = cmd.eventType;
  const recurring = isRecurringEventType(eventType) ? recurringDetails(eventType, cmd) : undefined;
  if (!recurring) refuseRecurringFields(cmd);
  const status = isStatusEventType(eventType) ? STATUS_EVENT_TYPES[eventType] : '';
  if (cmd.paymentStatus !== '' && cmd.paymentStatus !== status) {
    invalidField(
      'payment_status',
      status === ''
        ? `${eventType} leaves the payment's status as it is: payment_status must be empty`
        : `${eventType} leaves a payment ${status}, not ${cmd.paymentStatus}`,
    );
  }
  if (cmd.failureCode !== '' && !FAILURE_CODE_TYPES.has(eventType)) {
    invalidField(
      'failure_code',
      `failure_code belongs to ${[...FAILURE_CODE_TYPES].join(', ')} only`,
    );
  }
  requireText(cmd.failureCode, 'failure_code', 100);
  requireText(cmd.providerPaymentId, 'provider_payment_id', 255);
  requireText(cmd.orderId, 'order_id', 255);
  requireText(cmd.description, 'description');
  const amount: Money = positiveAmount(cmd.amount, 'amount');
  const zero = money(0n, amount.currency);
  const occurredAt = cmd.occurredAt ?? now;
  const details: PaymentDetails = {
    providerPaymentId: cmd.providerPaymentId,
    providerAttributes: { ...cmd.providerAttributes },
    orderId: cmd.orderId,
    description: cmd.description,
    livemode: cmd.livemode,
  };
  const fingerprint: Fingerprint = {
    payment_id: cmd.paymentId,
    merchant_id: cmd.merchantId,
    event_type: eventType,
    amount: moneyPrint(amount),
    method: cmd.method ?? '',
    provider: cmd.provider ?? '',
    provider_payment_id: cmd.providerPaymentId,
    provider_attributes: { ...cmd.providerAttributes },
    order_id: cmd.orderId,
    description: cmd.description,
    failure_code: cmd.failureCode,
    occurred_at: timePrint(cmd.occurredAt),
    // Only a recurring fact's print has these, so a status fact stored before them replays.
    ...(recurring
      ? {
          recurring_operation_id: recurring.operationId,
          recurring_charge_id: recurring.chargeId,
          recurring_attempt: String(recurring.attempt),
          card_binding_id: recurring.bindingId,
          receipt_id: recurring.receiptId,
          cancel_reason: recurring.cancelReason,
        }
      : {}),
  };
  return {
    idempotencyKey: cmd.idempotencyKey,
    eventType,
    keepsStatus: recurring !== undefined,
    fingerprint,
    draft: {
      eventType,
      occurredAt,
      paymentId: cmd.paymentId,
      merchantId: cmd.merchantId,
      orderId: cmd.orderId,
      livemode: cmd.livemode,
      // Nothing moved: the amount is the payment's, fee and net stay zero.
      gross: amount,
      fee: zero,
      net: zero,
      method: cmd.method,
      provider: cmd.provider,
      providerPaymentId: cmd.providerPaymentId,
      providerAttributes: { ...cmd.providerAttributes },
      description: cmd.description,
      paymentStatus: status,
      failureCode: cmd.failureCode,
      ...(recurring ? { recurring } : {}),
    },
    openRecord: {
      paymentId: cmd.paymentId,
      merchantId: cmd.merchantId,
      currency: amount.currency,
      // Placeholders until money moves: a posting or hold overwrites them with its own.
      method: (cmd.method ?? '') as PaymentMethod,
      provider: (cmd.provider ?? '') as PaymentProvider,
      shard: shardOf(cmd.merchantId),
      status: 'open',
      heldMinor: 0n,
      holdExpiresAt: null,
      grossMinor: 0n,
      feeMinor: 0n,
      refundedMinor: 0n,
      refundPendingMinor: 0n,
      occurredAt,
      ...details,
    },
  };
}

/**
 * A recurring fact's event completed from the payment's register row: the recurring service
 * knows the operation, not how the payment was made, so the method, provider and provider and
 * order references it left empty are the payment's own (what the merchant saw on its other
 * events). A status fact's event stays as sent.
 */
export function completeFromRegister(
  fact: NewStatusFact,
  record: PaymentRecord,
): PaymentEventDraft {
  const draft = fact.draft;
  if (!fact.keepsStatus) return draft;
  return {
    ...draft,
    method: draft.method ?? (record.method === ('' as string) ? null : record.method),
    provider: draft.provider ?? (record.provider === ('' as string) ? null : record.provider),
    providerPaymentId: draft.providerPaymentId || record.providerPaymentId,
    providerAttributes:
      Object.keys(draft.providerAttributes).length > 0
        ? draft.providerAttributes
        : { ...record.providerAttributes },
    orderId: draft.orderId || record.orderId,
  };
}

/** The recurring fields of a recurring fact: the operation is required, the rest optional. */
function recurringDetails(eventType: RecurringEventType, cmd: RecordPaymentEventCommand) {
  const details: RecurringDetails = {
    operationId: cmd.recurringOperationId ?? '',
    chargeId: cmd.recurringChargeId ?? '',
    attempt: cmd.recurringAttempt ?? 0,
    bindingId: cmd.cardBindingId ?? '',
    receiptId: cmd.receiptId ?? '',
    cancelReason: cmd.cancelReason ?? '',
  };
  requireId(details.operationId, 'recurring_operation_id');
  for (const [value, field] of [
    [details.chargeId, 'recurring_charge_id'],
    [details.bindingId, 'card_binding_id'],
    [details.receiptId, 'receipt_id'],
  ] as const) {
    if (value !== '') requireId(value, field);
  }
  if (!Number.isInteger(details.attempt) || details.attempt < 0) {
    invalidField('recurring_attempt', 'recurring_attempt must be 0 (none) or a 1-based attempt');
  }
  if (details.receiptId !== '' && eventType !== 'recurring.charge.succeeded') {
    invalidField('receipt_id', 'receipt_id belongs to recurring.charge.succeeded only');
  }
  if (details.cancelReason !== '') {
    if (eventType !== 'recurring.operation.canceled') {
      invalidField('cancel_reason', 'cancel_reason belongs to recurring.operation.canceled only');
    }
    if (!(RECURRING_CANCEL_REASONS as readonly string[]).includes(details.cancelReason)) {
      invalidField(
        'cancel_reason',
        `cancel_reason must be one of ${RECURRING_CANCEL_REASONS.join(', ')}`,
      );
    }
  }
  return details;
}

/** A status fact carries no recurring field: one sent there is a caller's mistake, not dropped. */
function refuseRecurringFields(cmd: RecordPaymentEventCommand): void {
  const sent: [boolean, string][] = [
    [(cmd.recurringOperationId ?? '') !== '', 'recurring_operation_id'],
    [(cmd.recurringChargeId ?? '') !== '', 'recurring_charge_id'],
    [(cmd.recurringAttempt ?? 0) !== 0, 'recurring_attempt'],
    [(cmd.cardBindingId ?? '') !== '', 'card_binding_id'],
    [(cmd.receiptId ?? '') !== '', 'receipt_id'],
    [(cmd.cancelReason ?? '') !== '', 'cancel_reason'],
  ];
  const field = sent.find(([present]) => present)?.[1];
  if (field) invalidField(field, `${field} belongs to recurring.* events only`);
}

/** The answer to a key that was used before: the same fact again, or a conflict naming the field. */
export function replayFact(existing: { fingerprint: Fingerprint }, fact: NewStatusFact): void {
  const field = fingerprintConflictField(existing.fingerprint, fact.fingerprint);
  if (field) {
    throw ledgerErrors.create(
      'LEDGER_IDEMPOTENCY_CONFLICT',
      `idempotency key ${JSON.stringify(fact.idempotencyKey)} was used with a different ${field}`,
      { details: { field } },
    );
  }
}
