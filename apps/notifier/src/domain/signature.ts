import { createHmac } from 'node:crypto';

/** Standard Webhooks secrets: `whsec_` + standard base64 of the key bytes. */
const WHSEC = /^whsec_((?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)$/;

/**
 * The HMAC key of a signing secret. A `whsec_<base64>` secret's key is its decoded base64 part, as
 * every Standard Webhooks library reads it. Any other secret (endpoints registered before the
 * scheme, or a `whsec_` secret that is not base64) is used as its raw UTF-8 bytes, which the
 * libraries accept too (`new Webhook(secret, { format: 'raw' })` in Node).
 */
export function signingKey(secret: string): Buffer {
  const match = WHSEC.exec(secret);
  if (match?.[1]) return Buffer.from(match[1], 'base64');
  return Buffer.from(secret, 'utf8');
}

/** `v1,<base64 HMAC-SHA256(key, "<id>.<t>.<body>")>`: one Standard Webhooks signature. */
export function sign(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', signingKey(secret))
    .update(`${id}.${timestampSeconds}.${body}`, 'utf8')
    .digest('base64');
  return `v1,${mac}`;
}

/**
 * The Standard Webhooks headers of one attempt. `webhook-id` is the event id (the same for every
 * attempt, so a merchant dedupes on it); `webhook-timestamp` is the attempt time in unix seconds,
 * inside the MAC so old requests can be refused. During a rotation's overlap the previous secret
 * signs too, space-separated: a merchant accepts when any signature matches a secret it knows.
 */
export function webhookHeaders(input: {
  id: string;
  body: string;
  at: Date;
  secret: string;
  previousSecret?: string;
}): { 'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string } {
  const t = Math.floor(input.at.getTime() / 1000);
  const signatures = [sign(input.secret, input.id, t, input.body)];
  if (input.previousSecret) signatures.push(sign(input.previousSecret, input.id, t, input.body));
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(t),
    'webhook-signature': signatures.join(' '),
  };
}
