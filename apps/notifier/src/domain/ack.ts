import type { AckMode } from './endpoint';

/*
 * What a merchant answers to stop the retries, per endpoint (WebhookEndpoint.ack), so a shop
 * moving from another aggregator keeps its handler: `ok` (seed 001, the default), `OK`,
 * `OK_ORDER` (Robokassa's `OK{InvId}`, here the merchant's order id), `YES` (Freekassa-style
 * scripts), `CODE_0` (CloudPayments' `{"code":0}`) and `ANY_2XX` (Stripe: the status alone).
 */

/** The body a text mode expects, trimmed; exact and case-sensitive. */
function expectedText(mode: Exclude<AckMode, 'CODE_0' | 'ANY_2XX'>, orderId: string): string {
  switch (mode) {
    case 'ok':
      return 'ok';
    case 'OK':
      return 'OK';
    case 'YES':
      return 'YES';
    case 'OK_ORDER':
      return `OK${orderId}`;
  }
}

function isCodeZero(body: string): boolean {
  try {
    const parsed: unknown = JSON.parse(body);
    return (
      typeof parsed === 'object' &&
      parsed !== null &&
      !Array.isArray(parsed) &&
      (parsed as { code?: unknown }).code === 0
    );
  } catch {
    return false;
  }
}

/**
 * Whether an answer acknowledges the notification. Every mode but ANY_2XX needs HTTP 200 and its
 * body; surrounding whitespace is ignored (JSON is parsed, so whitespace inside it is too).
 * OK_ORDER with no order id never matches a bare `OK`: that would acknowledge blindly.
 */
export function isAcknowledged(
  mode: AckMode,
  answer: { statusCode: number; body: string },
  context: { orderId: string },
): boolean {
  switch (mode) {
    case 'ANY_2XX':
      return answer.statusCode >= 200 && answer.statusCode < 300;
    case 'CODE_0':
      return answer.statusCode === 200 && isCodeZero(answer.body);
    case 'OK_ORDER':
      return (
        answer.statusCode === 200 &&
        context.orderId !== '' &&
        answer.body.trim() === expectedText(mode, context.orderId)
      );
    case 'ok':
    case 'OK':
    case 'YES':
      return answer.statusCode === 200 && answer.body.trim() === expectedText(mode, '');
  }
}

/** Why an answer did not acknowledge, stored with the attempt. */
export function refusalReason(mode: AckMode, statusCode: number, orderId: string): string {
  if (mode === 'ANY_2XX' || statusCode !== 200) return `HTTP ${statusCode}`;
  if (mode === 'CODE_0') return 'answer was not {"code":0}';
  if (mode === 'OK_ORDER') return `answer was not "OK${orderId}"`;
  return `answer was not "${expectedText(mode, '')}"`;
}
