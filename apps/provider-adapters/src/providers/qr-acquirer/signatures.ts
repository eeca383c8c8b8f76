import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * X-Tolem-Signature of a QR acquirer callback (provider.proto QrAcquirerConfirmation):
 * lowercase hex HMAC-SHA256(acquirer secret, "<timestamp>.<raw body>"), over the body's bytes.
 */
export function acquirerSignature(secret: string, timestamp: string, body: Buffer): string {
  return createHmac('sha256', secret)
    .update(Buffer.from(`${timestamp}.`, 'utf8'))
    .update(body)
    .digest('hex');
}

/** Constant-time comparison of hex digests, case-insensitive. */
export function hexEquals(received: string, expected: string): boolean {
  const a = Buffer.from(received.toLowerCase(), 'utf8');
  const b = Buffer.from(expected.toLowerCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Whether a signing time (Unix seconds) is within maxSkewMs of now, either way: older is stale
 * or replayed, newer is a wrong clock; both are refused.
 */
export function withinSkew(timestampSeconds: bigint, now: Date, maxSkewMs: number): boolean {
  const skew = BigInt(now.getTime()) - timestampSeconds * 1000n;
  const max = BigInt(maxSkewMs);
  return skew <= max && skew >= -max;
}
