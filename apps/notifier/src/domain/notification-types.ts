/**
 * The event types merchants are notified of: the one place that decides it (issue 8 §1, documented
 * in apps/notifier/README.md). Every other type on `payments.events.v1` is consumed and committed
 * without a delivery.
 *
 * Not sent, on purpose:
 * - `payment.pending`: the payer only chose a method; merchants wait for the outcome.
 * - `funds.unapplied`, `funds.returned`, `case.opened`, `case.resolved`: Tolem's handling of money
 *   that did not match its payment; the merchant hears `payment.funds_applied` when money reaches
 *   them, and nothing when it goes back to the payer.
 * - `payment.held`, `payment.hold_voided`: ledger holds with no merchant API; the merchant hears
 *   `payment.succeeded` when a hold is captured.
 * - `payout.succeeded`, `payout.reversed`: keyed by a payout id, not a payment, so they are not
 *   payment results for a merchant's result URL.
 * - Any type not listed here, including future ones (see {@link isMerchantNotification}).
 */
export const MERCHANT_NOTIFICATION_TYPES: ReadonlySet<string> = new Set([
  'payment.succeeded',
  'payment.failed',
  'payment.expired',
  'payment.canceled',
  'payment.requires_review',
  'payment.funds_applied',
  'refund.pending',
  'refund.succeeded',
  'refund.failed',
  // Merchants got reversals before this table existed, and both change their money on a payment.
  'payment.reversed',
  'refund.reversed',
  // Recurring charges (issue 11): they leave the payment's status as it is, so their bodies carry
  // no `status`; a result script keyed on it reads them as no change.
  'recurring.charge.succeeded',
  'recurring.charge.failed',
  'recurring.charge.abandoned',
  'recurring.operation.canceled',
]);

/**
 * Whether an event of this type becomes a merchant notification. An unknown type is not sent: a
 * merchant's result URL treats every POST as a payment result, so a new internal fact sent by
 * default could read as a status change, and once sent it is a public contract that cannot be taken
 * back. Sending a new type is a one-line, reviewed change to the table above.
 */
export function isMerchantNotification(eventType: string): boolean {
  return MERCHANT_NOTIFICATION_TYPES.has(eventType);
}
