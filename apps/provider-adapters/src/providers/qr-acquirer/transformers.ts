import { Secret } from '@tolem/config';
import { isCurrencyCode, type Money, money } from '@tolem/money';

import type { ProviderTransaction } from '../../domain/provider-transaction';

/** Acquirer ids Tolem issues: lowercase letters, digits, `_` and `-`. */
export const ACQUIRER_ID = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/**
 * QR_ACQUIRER_SECRETS: `mbank:secret1,bakai:secret2`. A secret may contain `:` (only the first
 * one separates). Throws an Error naming the bad entry, never echoing a secret.
 */
export function parseAcquirerSecrets(spec: string): ReadonlyMap<string, Secret> {
  const secrets = new Map<string, Secret>();
  for (const entry of spec
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '')) {
    const colon = entry.indexOf(':');
    const id = (colon === -1 ? entry : entry.slice(0, colon)).trim();
    const secret = colon === -1 ? '' : entry.slice(colon + 1).trim();
    if (!ACQUIRER_ID.test(id))
      throw new Error(`acquirer id "${id.slice(0, 32)}" must match ${ACQUIRER_ID}`);
    if (secret.length < 8) throw new Error(`the secret of ${id} must be at least 8 characters`);
    if (secrets.has(id)) throw new Error(`${id} is listed twice`);
    secrets.set(id, new Secret(secret));
  }
  if (secrets.size === 0) throw new Error('at least one ACQUIRER:SECRET is required');
  return secrets;
}

/** A QrAcquirerConfirmation body after validation (proto tolem.provider.v1). */
export interface QrConfirmation {
  /** ELQR 32/11 (or 32/10) as the bank read it: a `qr_…` code id or a `pay_…` payment id. */
  qrId: string;
  amount: Money;
  acquirerReference: string;
  payerBank: string;
  paidAt: string;
  /** The body's own acquirer_id, when it carries one. */
  acquirerId: string;
}

/** Why a confirmation body is unusable; names the field, never echoes values. */
export class ConfirmationError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'ConfirmationError';
  }
}

const REFERENCE = /^[A-Za-z0-9._:/-]{1,64}$/;

/** A code id qr-platform issues. */
export const QR_CODE_ID = /^qr_[0-9a-z]{26}$/;

/** A static code's scan: `<acquirer>:<acquirer_reference>`, the confirmation's provider payment id. */
export const SCAN_REFERENCE = /^[a-z0-9][a-z0-9_-]{0,31}:[A-Za-z0-9._:/-]{1,64}$/;

function textField(
  body: Record<string, unknown>,
  name: string,
  pattern: RegExp,
  required = true,
): string {
  const value = body[name];
  if (value === undefined || value === null || value === '') {
    if (required) throw new ConfirmationError(`${name} is required`, name);
    return '';
  }
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new ConfirmationError(`${name} is malformed`, name);
  }
  return value;
}

/** amount in tyiyn: a JSON integer or a string of digits (proto3 JSON spells int64 either way). */
function tyiyn(value: unknown): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return BigInt(value);
  if (typeof value === 'string' && /^[1-9]\d{0,17}$/.test(value)) return BigInt(value);
  throw new ConfirmationError('amount must be a positive integer of tyiyn', 'amount');
}

/**
 * Validates a parsed QrAcquirerConfirmation. currency: "KGS" or its numeric "417", as ELQR
 * payments are; another currency Tolem books is read as it is (the amount in its minor units), so
 * money a bank confirms in it is reported as received rather than dropped.
 */
export function parseConfirmation(body: unknown): QrConfirmation {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ConfirmationError('body is not a JSON object', 'body');
  }
  const b = body as Record<string, unknown>;
  const code = b['currency'];
  const currency = code === '417' ? 'KGS' : code;
  if (typeof currency !== 'string' || !isCurrencyCode(currency)) {
    throw new ConfirmationError('currency must be KGS', 'currency');
  }
  return {
    qrId: textField(b, 'qr_id', /^[A-Za-z0-9_.-]{1,64}$/),
    amount: money(tyiyn(b['amount']), currency),
    acquirerReference: textField(b, 'acquirer_reference', REFERENCE),
    payerBank: textField(b, 'payer_bank', /^[A-Za-z0-9_.-]{1,64}$/, false),
    paidAt: textField(b, 'paid_at', /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/, false),
    acquirerId: textField(b, 'acquirer_id', ACQUIRER_ID, false),
  };
}

/** Attribute keys of QR payments (merchant-visible). */
export const ATTR = {
  acquirerId: 'qr_acquirer_id',
  acquirerReference: 'qr_acquirer_reference',
  payerBank: 'qr_payer_bank',
  paidAt: 'qr_paid_at',
  qrCodeId: 'qr_code_id',
} as const;

/**
 * The attributes a merchant sees of a QR payment; qr_code_id (the code scanned) also tells
 * qr-platform, on the payment events, which code a payment belongs to.
 */
export function merchantAttributes(tx: ProviderTransaction): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of [
    ATTR.acquirerId,
    ATTR.acquirerReference,
    ATTR.payerBank,
    ATTR.paidAt,
    ATTR.qrCodeId,
  ]) {
    const value = tx.attributes[key];
    if (value) out[key] = value;
  }
  return out;
}
