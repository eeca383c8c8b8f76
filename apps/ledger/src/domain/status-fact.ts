import { type Money, money } from '@tolem/money';

import { shardOf } from './accounts';
import { ledgerErrors } from './errors';
import {
  isStatusEventType,
  type PaymentEventDraft,
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
}

/** A validated status fact, ready for the journal. */
export interface NewStatusFact {
  idempotencyKey: string;
  eventType: StatusEventType;
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
 * A failure code belongs to `payment.failed` only.
 */
export function validateStatusFact(cmd: RecordPaymentEventCommand, now: Date): NewStatusFact {
  requireId(cmd.idempotencyKey, 'idempotency_key');
  requireId(cmd.paymentId, 'payment_id');
  requireId(cmd.merchantId, 'merchant_id');
  if (!isStatusEventType(cmd.eventType)) {
    invalidField(
      'event_type',
      `event_type must be one of ${Object.keys(STATUS_EVENT_TYPES).join(', ')}`,
    );
  }
  const eventType = cmd.eventType;
  const status = STATUS_EVENT_TYPES[eventType];
  if (cmd.paymentStatus !== '' && cmd.paymentStatus !== status) {
    invalidField(
      'payment_status',
      `${eventType} leaves a payment ${status}, not ${cmd.paymentStatus}`,
    );
  }
  if (cmd.failureCode !== '' && eventType !== 'payment.failed') {
    invalidField('failure_code', 'failure_code belongs to payment.failed only');
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
  };
  return {
    idempotencyKey: cmd.idempotencyKey,
    eventType,
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
