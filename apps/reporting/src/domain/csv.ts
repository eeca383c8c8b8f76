import { isCurrencyCode, toMajorString } from '@tolem/money';

import type { PaymentFact } from './payment-fact';

/** What a spreadsheet would run as a formula (OWASP's CSV injection list). */
const FORMULA_START = /^[=+\-@\t\r]/;
/** A signed number (an amount, a refund's negative net) is data, not a formula. */
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;

/**
 * RFC 4180: a field with a comma, quote, CR or LF is quoted, and quotes inside are doubled. A text
 * a merchant or payer wrote (an order id like `=HYPERLINK(…)`) that a spreadsheet would run as a
 * formula gets a leading apostrophe first, so opening the export runs nothing.
 */
export function csvField(value: string): string {
  const safe = FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One record, CRLF-terminated as RFC 4180 specifies. */
export function csvRow(values: readonly string[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

export const FACT_CSV_HEADER = [
  'payment_id',
  'merchant_id',
  'order_id',
  'status',
  'gross_minor',
  'fee_minor',
  'net_minor',
  'currency',
  'method',
  'provider',
  'provider_payment_id',
  'occurred_at',
  'updated_at',
  'last_sequence',
  'provider_attributes',
  'livemode',
] as const;

function sortedJson(attributes: Record<string, string>): string {
  return JSON.stringify(
    Object.fromEntries(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  );
}

/** Amounts stay integer minor units (exact, whatever their size); times are ISO 8601 UTC. */
export function factCsvRow(fact: PaymentFact): string {
  return csvRow([
    fact.paymentId,
    fact.merchantId,
    fact.orderId,
    fact.status,
    fact.grossMinor.toString(),
    fact.feeMinor.toString(),
    fact.netMinor.toString(),
    fact.currency,
    fact.method,
    fact.provider,
    fact.providerPaymentId,
    fact.occurredAt.toISOString(),
    fact.updatedAt.toISOString(),
    fact.lastSequence.toString(),
    sortedJson(fact.providerAttributes),
    String(fact.livemode),
  ]);
}

export const PAYMENT_CSV_HEADER = [
  'payment_id',
  'merchant_id',
  'order_id',
  'status',
  'created_at',
  'day',
  'currency',
  'gross_minor',
  'gross',
  'fee_minor',
  'fee',
  'net_minor',
  'net',
  'method',
  'provider',
  'provider_payment_id',
  'failure_code',
  'updated_at',
  'last_sequence',
  'livemode',
] as const;

/**
 * The decimal major-unit string of an amount (`12.08` for 1208 USD), by integer arithmetic
 * (libs/money); empty when the currency is unknown (a payment seen only through a case event).
 */
export function majorString(amountMinor: bigint, currency: string): string {
  return isCurrencyCode(currency) ? toMajorString({ amountMinor, currency }) : '';
}

/** A payment as one export record: minor units and their decimal string side by side. */
export function paymentCsvRow(fact: PaymentFact): string {
  return csvRow([
    fact.paymentId,
    fact.merchantId,
    fact.orderId,
    fact.status,
    fact.createdAt.toISOString(),
    fact.occurredAt.toISOString().slice(0, 10),
    fact.currency,
    fact.grossMinor.toString(),
    majorString(fact.grossMinor, fact.currency),
    fact.feeMinor.toString(),
    majorString(fact.feeMinor, fact.currency),
    fact.netMinor.toString(),
    majorString(fact.netMinor, fact.currency),
    fact.method,
    fact.provider,
    fact.providerPaymentId,
    fact.failureCode,
    fact.updatedAt.toISOString(),
    fact.lastSequence.toString(),
    String(fact.livemode),
  ]);
}
