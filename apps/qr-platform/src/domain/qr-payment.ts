import type { Money } from '@tolem/money';
import type { PaymentEvent } from '@tolem/payment-events';

import type { QrCode } from './qr-code';

/** One payment under a code, as of the newest payment event qr-platform consumed for it. */
export interface QrCodePayment {
  qrCodeId: string;
  paymentId: string;
  /** The REST API's payment status (pending, succeeded, failed, …). */
  status: string;
  amount: Money;
  /** The payer's bank (`qr_payer_bank`) once it confirmed; '' before. */
  payerBank: string;
  /** The event that set this row and its position among the payment's events. */
  eventId: string;
  sequence: bigint;
  createdAt: Date;
  updatedAt: Date;
}

/** The provider attribute naming the code a QR payment was made under (dynamic or static). */
export const QR_CODE_ID_ATTRIBUTE = 'qr_code_id';
export const PAYER_BANK_ATTRIBUTE = 'qr_payer_bank';

// For events without payment_status (published before it existed): the status their type implies.
// A Map, so an event type such as `constructor` cannot hit Object.prototype.
const STATUS_BY_EVENT_TYPE: ReadonlyMap<string, string> = new Map([
  ['payment.created', 'pending'],
  ['payment.pending', 'pending'],
  ['payment.succeeded', 'succeeded'],
  ['payment.failed', 'failed'],
  ['payment.expired', 'expired'],
  ['payment.canceled', 'canceled'],
  ['payment.requires_review', 'requires_review'],
  ['refund.succeeded', 'refunded'],
]);

const REST_STATUSES: ReadonlySet<string> = new Set([
  'pending',
  'succeeded',
  'failed',
  'expired',
  'canceled',
  'requires_review',
  'partially_refunded',
  'refunded',
]);

/**
 * The REST status a payment has after the event, or undefined when the event does not set one
 * (case events, holds…): such events leave the row as it is. `created` is shown as `pending`,
 * as the REST API does for a payment not yet paid.
 */
export function qrPaymentStatusOf(
  event: Pick<PaymentEvent, 'eventType' | 'paymentStatus'>,
): string | undefined {
  const status =
    event.paymentStatus === 'created'
      ? 'pending'
      : event.paymentStatus || STATUS_BY_EVENT_TYPE.get(event.eventType);
  return status !== undefined && REST_STATUSES.has(status) ? status : undefined;
}

/** Refund events carry the refund's amount as gross, never the payment's. */
export function isRefundEvent(eventType: string): boolean {
  return eventType.startsWith('refund.');
}

/**
 * The code id an event names in its provider attributes ('' when none): every QR payment's
 * attributes carry the code that was scanned.
 */
export function qrCodeIdOf(event: Pick<PaymentEvent, 'providerAttributes'>): string {
  return (event.providerAttributes[QR_CODE_ID_ATTRIBUTE] ?? '').trim();
}

/**
 * The row an event makes for a payment under `code`, or undefined when the event sets no status
 * or carries no amount to show. The amount is the event's gross (a refund event's is the
 * refund's, which the repository does not let overwrite a stored amount); a dynamic code's own
 * amount stands in when the event has none.
 */
export function qrPaymentRowOf(
  code: Pick<QrCode, 'id' | 'amount'>,
  event: PaymentEvent,
  now: Date,
): QrCodePayment | undefined {
  const status = qrPaymentStatusOf(event);
  if (status === undefined) return undefined;
  const amount = event.gross ?? code.amount;
  if (!amount) return undefined;
  const at = event.occurredAt ?? now;
  return {
    qrCodeId: code.id,
    paymentId: event.paymentId,
    status,
    amount,
    payerBank: (event.providerAttributes[PAYER_BANK_ATTRIBUTE] ?? '').trim(),
    eventId: event.eventId,
    sequence: event.sequence,
    createdAt: at,
    updatedAt: at,
  };
}
