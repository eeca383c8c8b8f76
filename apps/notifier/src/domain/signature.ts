import { createHmac } from 'node:crypto';

/**
 * `Tolem-Signature` header value: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 * The timestamp is inside the MAC so a merchant can reject replays of old notifications. During a
 * secret rotation the previous secret signs too, as a second `v1=` (Stripe's scheme): a merchant
 * accepts the notification when any v1 matches a secret it knows.
 */
export function signatureHeader(
  secret: string,
  body: string,
  at: Date,
  previousSecret?: string,
): string {
  const t = Math.floor(at.getTime() / 1000);
  const sign = (key: string) =>
    createHmac('sha256', key).update(`${t}.${body}`, 'utf8').digest('hex');
  const previous = previousSecret ? `,v1=${sign(previousSecret)}` : '';
  return `t=${t},v1=${sign(secret)}${previous}`;
}
