import { minorFromDecimal } from '../../decimal';
import type { ActivationRequest } from './activation';
import { walletFor } from './wallet';

/**
 * Plugin-API bodies (seed 004). Answers are JSON with HTTP 200 for every documented status
 * (ok / pending / possible_transaction_created / fail); a body that is not the documented shape
 * gets HTTP 400 `{"status":"fail","message":"<field>: …"}`.
 */
export interface ApiAnswer {
  httpStatus: number;
  body: Record<string, unknown>;
}

const bad = (message: string): ApiAnswer => ({
  httpStatus: 400,
  body: { status: 'fail', message },
});

function objectOf(body: unknown): Record<string, unknown> | undefined {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && !Buffer.isBuffer(body)
    ? (body as Record<string, unknown>)
    : undefined;
}

function text(o: Record<string, unknown>, name: string, max: number): string | ApiAnswer {
  const v = o[name];
  const s = typeof v === 'number' && Number.isInteger(v) ? String(v) : v;
  if (typeof s !== 'string' || s.trim() === '') return bad(`${name}: required`);
  if (s.length > max) return bad(`${name}: longer than ${max} characters`);
  return s.trim();
}

const isAnswer = (v: unknown): v is ApiAnswer =>
  typeof v === 'object' && v !== null && 'httpStatus' in v;

/** POST /api/v1/transaction/create/wavepay: `{currency, label}` -> the wallet to pay to. */
export function createWavepay(body: unknown): ApiAnswer {
  const o = objectOf(body);
  if (o === undefined) return bad('body: expected a JSON object');
  const currency = text(o, 'currency', 3);
  if (isAnswer(currency)) return currency;
  const label = text(o, 'label', 190);
  if (isAnswer(label)) return label;
  if (currency !== 'MMK')
    return {
      httpStatus: 200,
      body: { status: 'fail', message: 'Currency is not available for Wavepay' },
    };
  return { httpStatus: 200, body: { status: 'ok', params: { identifier: walletFor(label) } } };
}

/** Reads an activation body; `amount` may be a JSON number or a decimal string of whole kyat. */
export function readActivation(body: unknown): ActivationRequest | ApiAnswer {
  const o = objectOf(body);
  if (o === undefined) return bad('body: expected a JSON object');
  const currencyCode = text(o, 'currency_code', 3);
  if (isAnswer(currencyCode)) return currencyCode;
  const walletType = text(o, 'wallet_type', 190);
  if (isAnswer(walletType)) return walletType;
  const label = text(o, 'label', 190);
  if (isAnswer(label)) return label;
  const key1 = text(o, 'key1', 11);
  if (isAnswer(key1)) return key1;
  const customTransactionId = text(o, 'custom_transaction_id', 190);
  if (isAnswer(customTransactionId)) return customTransactionId;
  const raw = o['amount'];
  // A JSON number arrives as a JS number; String() of an integer-valued one is exact.
  const amountText =
    typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  const minor = minorFromDecimal(amountText, 2);
  if (minor === undefined || minor <= 0n || minor % 100n !== 0n) {
    return bad('amount: must be a positive whole number of kyat');
  }
  return { currencyCode, walletType, label, key1, customTransactionId, amount: minor / 100n };
}
