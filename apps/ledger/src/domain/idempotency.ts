import type { PaymentPosting } from './payment';

/**
 * The request fields stored with a transaction (jsonb) and compared when its idempotency key
 * comes again. Keys are proto field names, so a conflict names the field the caller sent;
 * amounts are decimal strings so no JSON number ever rounds them.
 */
export type Fingerprint = Record<string, FingerprintValue>;
export type FingerprintValue = string | null | { [key: string]: string };

export function paymentFingerprint(p: PaymentPosting): Fingerprint {
  return {
    payment_id: p.paymentId,
    merchant_id: p.merchantId,
    gross: { amount_minor: p.gross.amountMinor.toString(), currency: p.gross.currency },
    fee: { amount_minor: p.fee.amountMinor.toString(), currency: p.fee.currency },
    method: p.method,
    provider: p.provider,
    provider_payment_id: p.providerPaymentId,
    provider_attributes: { ...p.providerAttributes },
    order_id: p.orderId,
    description: p.description,
    occurred_at: p.occurredAt ? p.occurredAt.toISOString() : null,
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
