import { corruptHex } from '../../callbacks';
import { decimalFromMinor } from '../../decimal';
import { dateTimeAt, MOSCOW_OFFSET_MINUTES } from '../../time-format';
import type { Invoice, PaymentStatusCode } from './invoices';
import { type HashOrder, notificationHash } from './signing';

export type Fields = Array<[string, string]>;

/** Test-only corruption: a wrong hash, or a validly signed other amount. */
export type NotifyTamper = 'none' | 'hash' | 'amount';

/** The shop's IntellectMoney account number, stable per eshopId (the real one is assigned). */
export function eshopAccountOf(eshopId: string): string {
  return `4${eshopId.padStart(9, '0')}`;
}

export interface NotificationInput {
  invoice: Invoice;
  status: PaymentStatusCode;
  /** The event time reported in paymentData (Moscow time, as IntellectMoney reports). */
  at: Date;
  hashOrder: HashOrder;
  secretKey: string;
  tamper: NotifyTamper;
}

/**
 * A Result URL notification (protocols.md §3.4), form-encoded UTF-8, fields in this order:
 * eshopId, paymentId, orderId, eshopAccount, serviceName, recipientAmount,
 * recipientOriginalAmount, recipientCurrency, paymentStatus, userName, userEmail, paymentData;
 * then, once paid by card, cardMask (`**** 1234`); for a payment that asked to remember the card, recurringState (Activated | Error) and,
 * when Activated, recurringBindingId (= the paymentId that bound the card); for a bound-card
 * charge recurringBindingId and, when a schedule fired it, cronOperationId; then the form's
 * userFieldName_N/userField_N; then `hash` (MD5 over SANDBOX_INTELLECTMONEY_HASH_ORDER).
 */
export function notificationFields(input: NotificationInput): Fields {
  const { invoice, status } = input;
  const terms = invoice.terms;
  const amount =
    input.tamper === 'amount'
      ? decimalFromMinor(terms.amountMinor > 1n ? terms.amountMinor - 1n : 2n, 2)
      : terms.recipientAmount;
  const fields: Fields = [
    ['eshopId', terms.eshopId],
    ['paymentId', invoice.paymentId],
    ['orderId', terms.orderId],
    ['eshopAccount', eshopAccountOf(terms.eshopId)],
    ['serviceName', terms.serviceName],
    ['recipientAmount', amount],
    ['recipientOriginalAmount', amount],
    ['recipientCurrency', terms.recipientCurrency],
    ['paymentStatus', status],
    ['userName', terms.userName],
    ['userEmail', terms.userEmail],
    ['paymentData', dateTimeAt(input.at, MOSCOW_OFFSET_MINUTES)],
  ];
  const settled = status === '5' || status === '6';
  // The masked card (never the PAN) lets the merchant show which card was bound; like
  // recurringState it is outside the hash.
  if (invoice.card !== undefined && settled) fields.push(['cardMask', invoice.card.mask]);
  if (invoice.recurring !== undefined && settled) {
    fields.push(['recurringState', invoice.recurring.state]);
    if (invoice.recurring.bindingId !== undefined) {
      fields.push(['recurringBindingId', invoice.recurring.bindingId]);
    }
  }
  if (invoice.chargeOf !== undefined) {
    fields.push(['recurringBindingId', invoice.chargeOf.bindingId]);
    if (invoice.chargeOf.cronOperationId !== undefined) {
      fields.push(['cronOperationId', invoice.chargeOf.cronOperationId]);
    }
  }
  fields.push(...terms.userFields);
  const hash = notificationHash(fields, input.hashOrder, input.secretKey);
  fields.push(['hash', input.tamper === 'hash' ? corruptHex(hash) : hash]);
  return fields;
}
