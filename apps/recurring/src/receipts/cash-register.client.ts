import type { Secret } from '@tolem/config';

import { readRegisteredReceipt, type RegisteredReceipt, type RegisterReceiptRequest } from './wire';

export interface CashRegisterSettings {
  /** Base URL, e.g. https://api.yookassa.ru (the client appends /v3/receipts). */
  url: string;
  shopId: string;
  secretKey: Secret;
  timeoutMs: number;
}

/**
 * What one send ended in:
 * - `registered`: the register has the receipt (succeeded: fiscal data; pending: registration
 *   still running, so the same request is repeated later, as YooKassa asks);
 * - `refused`: a 4xx on the content (400, 422): repeating the same body will not help until the
 *   register's settings change;
 * - `failed`: anything worth repeating soon with the same Idempotence-Key (network, timeout,
 *   429, 5xx, 401/403 while credentials are being fixed, an unreadable answer).
 */
export type SendOutcome =
  | { kind: 'registered'; receipt: RegisteredReceipt }
  | { kind: 'refused'; status: number; error: string }
  | { kind: 'failed'; error: string };

export interface CashRegisterClient {
  register(idempotenceKey: string, body: RegisterReceiptRequest): Promise<SendOutcome>;
}

/** YooKassa's error object as text: `400 invalid_request: … (parameter)`; never the body as a whole. */
function describeError(status: number, body: unknown): string {
  if (typeof body !== 'object' || body === null) return `HTTP ${status}`;
  const o = body as Record<string, unknown>;
  const part = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : '');
  const parameter = part('parameter');
  return `HTTP ${status} ${part('code')}: ${part('description').slice(0, 200)}${parameter ? ` (${parameter})` : ''}`;
}

/**
 * The YooKassa receipts API (`POST {url}/v3/receipts`): Basic auth shopId:secret, the receipt id
 * as Idempotence-Key, so a resend after a timeout is answered with the first registration
 * instead of registering again.
 */
export function createCashRegisterClient(settings: CashRegisterSettings): CashRegisterClient {
  const endpoint = `${settings.url.replace(/\/+$/, '')}/v3/receipts`;
  return {
    async register(idempotenceKey, body) {
      const auth = Buffer.from(`${settings.shopId}:${settings.secretKey.reveal()}`).toString(
        'base64',
      );
      let response: Response;
      try {
        response = await fetch(endpoint, {
          method: 'POST',
          headers: {
            authorization: `Basic ${auth}`,
            'content-type': 'application/json',
            'idempotence-key': idempotenceKey,
          },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(settings.timeoutMs),
        });
      } catch (err) {
        const name = (err as { name?: string }).name;
        return {
          kind: 'failed',
          error:
            name === 'TimeoutError'
              ? `timeout after ${settings.timeoutMs} ms`
              : `network: ${(err as Error).message}`,
        };
      }
      let parsed: unknown;
      try {
        parsed = await response.json();
      } catch {
        parsed = undefined;
      }
      if (response.status === 200) {
        const receipt = readRegisteredReceipt(parsed);
        if (!receipt) return { kind: 'failed', error: 'HTTP 200 without a receipt object' };
        if (receipt.status === 'canceled') {
          return { kind: 'refused', status: 200, error: `register canceled receipt ${receipt.id}` };
        }
        return { kind: 'registered', receipt };
      }
      const error = describeError(response.status, parsed);
      if (response.status === 400 || response.status === 422) {
        return { kind: 'refused', status: response.status, error };
      }
      return { kind: 'failed', error };
    },
  };
}
