import { createHmac, timingSafeEqual } from 'node:crypto';

import type { RawCallback } from '../../domain/callback';
import { Refusal } from '../shared/refusal';
import type { QrAcquirerConfig } from './config';

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

/**
 * A confirmation's headers, then the signature over the exact bytes, then the time window.
 * Returns the acquirer id; throws a Refusal naming the header at fault.
 */
export function verifyConfirmationSignature(
  config: Pick<QrAcquirerConfig, 'secrets' | 'maxSkewMs'>,
  now: Date,
  raw: RawCallback,
): string {
  const acquirerId = (raw.headers['x-tolem-acquirer'] ?? '').trim();
  const timestamp = (raw.headers['x-tolem-timestamp'] ?? '').trim();
  const signature = (raw.headers['x-tolem-signature'] ?? '').trim();
  const secret = config.secrets.get(acquirerId);
  if (!secret) {
    // An unknown acquirer is a signature we cannot check: the same refusal as a forged one.
    throw new Refusal('PROVIDER_SIGNATURE_INVALID', 'unknown or missing X-Tolem-Acquirer', [
      'x-tolem-acquirer',
    ]);
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    throw new Refusal('PROVIDER_SIGNATURE_INVALID', 'X-Tolem-Timestamp is not Unix seconds', [
      'x-tolem-timestamp',
    ]);
  }
  if (
    !/^[0-9a-fA-F]{64}$/.test(signature) ||
    !hexEquals(signature, acquirerSignature(secret.reveal(), timestamp, raw.body))
  ) {
    throw new Refusal('PROVIDER_SIGNATURE_INVALID', 'X-Tolem-Signature does not match', [
      'x-tolem-signature',
    ]);
  }
  if (!withinSkew(BigInt(timestamp), now, config.maxSkewMs)) {
    throw new Refusal(
      'PROVIDER_TIMESTAMP_SKEW',
      'X-Tolem-Timestamp is outside the allowed window',
      ['x-tolem-timestamp'],
    );
  }
  return acquirerId;
}
