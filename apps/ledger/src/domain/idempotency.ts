import type { Money } from '@tolem/money';

import type { ValidPayment } from './payment';

/**
 * The request fields stored with a transaction (jsonb) and compared when its idempotency key
 * comes again. Keys are proto field names, so a conflict names the field the caller sent;
 * amounts are decimal strings so no JSON number ever rounds them.
 */
export type Fingerprint = Record<string, FingerprintValue>;
export type FingerprintValue = string | null | { [key: string]: string };

export function moneyPrint(m: Money | undefined): FingerprintValue {
  return m ? { amount_minor: m.amountMinor.toString(), currency: m.currency } : null;
}

export function timePrint(d: Date | undefined): FingerprintValue {
  return d ? d.toISOString() : null;
}

/**
 * Every request field, as TigerBeetle compares every field of a transfer. Requests carry no fee
 * (the ledger computes it); a fingerprint stored while they did still has `fee`, which is fine:
 * only the incoming fields are compared.
 */
export function paymentFingerprint(p: ValidPayment): Fingerprint {
  return {
    payment_id: p.paymentId,
    merchant_id: p.merchantId,
    gross: moneyPrint(p.gross),
    method: p.method,
    provider: p.provider,
    provider_payment_id: p.providerPaymentId,
    provider_attributes: { ...p.providerAttributes },
    order_id: p.orderId,
    description: p.description,
    occurred_at: timePrint(p.occurredAt),
  };
}

function canonical(value: unknown): string {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * TigerBeetle semantics: the first field (in the incoming fingerprint's order) whose value
 * differs from the stored one, or undefined when the request is the same. A field the stored
 * fingerprint lacks counts as different; maps compare regardless of key order.
 */
export function fingerprintConflictField(
  stored: Fingerprint,
  incoming: Fingerprint,
): string | undefined {
  for (const [field, value] of Object.entries(incoming)) {
    if (!(field in stored) || canonical(stored[field]) !== canonical(value)) return field;
  }
  return undefined;
}
