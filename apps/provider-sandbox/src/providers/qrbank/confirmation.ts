import { createHmac } from 'node:crypto';

import { corruptHex } from '../../callbacks';

/**
 * The payer bank's payment confirmation to Tolem (issue 4; IPC's real status API is not public,
 * protocols.md §5.2). Exactly this format, which the QR adapter verifies on its side:
 *
 *   POST SANDBOX_QR_CALLBACK_URL
 *   Content-Type: application/json
 *   X-Tolem-Acquirer: <SANDBOX_QR_ACQUIRER_ID>
 *   X-Tolem-Timestamp: <unix seconds>
 *   X-Tolem-Signature: <lowercase hex HMAC-SHA256(SANDBOX_QR_ACQUIRER_SECRET, "<timestamp>.<raw body>")>
 *
 *   {"qr_id":"…","amount":1241200,"currency":"KGS","acquirer_reference":"…","payer_bank":"…","paid_at":"2025-06-15T12:00:00.000Z"}
 *
 * Keys in that order, compact. qr_id: ID 32 sub 11 (transactionId), else 32/10 (recipientId).
 * amount: integer tyiyn (1 KGS = 100). currency: "KGS". acquirer_reference: unique per payment,
 * the same on every delivery of it. payer_bank: the payer's bank id. paid_at: ISO 8601 UTC.
 * Any 2xx answer counts as delivered; anything else is retried.
 */
export interface Confirmation {
  qrId: string;
  amountTyiyn: bigint;
  acquirerReference: string;
  payerBank: string;
  paidAt: Date;
}

export type ConfirmationTamper = 'none' | 'signature' | 'amount' | 'stale_timestamp';

/** Compact JSON in the documented key order; the amount written from the bigint, not a float. */
export function confirmationBody(c: Confirmation): string {
  return (
    `{"qr_id":${JSON.stringify(c.qrId)},"amount":${c.amountTyiyn.toString()},"currency":"KGS",` +
    `"acquirer_reference":${JSON.stringify(c.acquirerReference)},"payer_bank":${JSON.stringify(c.payerBank)},` +
    `"paid_at":${JSON.stringify(c.paidAt.toISOString())}}`
  );
}

export function confirmationSignature(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

/** How old a stale_timestamp confirmation claims to be: well past any sane replay window. */
export const STALE_SECONDS = 3_600;

/**
 * Body and headers as sent. Tampering: `signature` breaks the signature; `amount` signs one tyiyn
 * more validly (the amount check must catch it); `stale_timestamp` signs validly an hour ago.
 */
export function signedConfirmation(
  c: Confirmation,
  keys: { acquirerId: string; secret: string },
  now: Date,
  tamper: ConfirmationTamper = 'none',
): { body: string; headers: Record<string, string> } {
  const body = confirmationBody(
    tamper === 'amount' ? { ...c, amountTyiyn: c.amountTyiyn + 1n } : c,
  );
  const seconds =
    Math.floor(now.getTime() / 1000) - (tamper === 'stale_timestamp' ? STALE_SECONDS : 0);
  const timestamp = String(seconds);
  const signature = confirmationSignature(keys.secret, timestamp, body);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-tolem-acquirer': keys.acquirerId,
      'x-tolem-timestamp': timestamp,
      'x-tolem-signature': tamper === 'signature' ? corruptHex(signature) : signature,
    },
  };
}
