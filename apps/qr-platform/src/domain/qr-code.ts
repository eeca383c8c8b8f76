import { createHash } from 'node:crypto';

import { commonErrors } from '@tolem/errors';
import { type CurrencyCode, type Money, positiveMoney } from '@tolem/money';

import {
  buildElqrLink,
  buildElqrPayload,
  ELQR_CURRENCY_KGS,
  ELQR_LIMITS,
  ELQR_VERSION,
  ElqrError,
  hasAstralCharacters,
} from './elqr';
import { qrErrors } from './errors';

export type QrKind = 'static' | 'dynamic';

/** ELQR is a KGS-only standard. */
export const QR_CURRENCY: CurrencyCode = 'KGS';
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** A create request as received: the amount is not yet validated. */
export interface QrCodeRequest {
  merchantId: string;
  idempotencyKey: string;
  kind: QrKind;
  amount: { amountMinor: bigint; currency: string } | undefined;
  description: string;
  /** False: made with a test key. */
  livemode: boolean;
  /** Dynamic codes only: when the code stops being payable; undefined = no expiry of its own. */
  expiresAt: Date | undefined;
  /** Dynamic codes only: the payment (`pay_…`) the code is issued for; '' when none. */
  paymentId: string;
  /** Static codes only: the cash desk or terminal; '' when none. */
  label: string;
  /**
   * The merchant's name for payers (tag 59), fitted by nameOnCode; absent or empty: the issuer's.
   * Not in the request fingerprint: a retry after a rename returns the stored code.
   */
  merchantDisplayName?: string;
}

export interface QrCode {
  /** `qr_…`; also the ELQR reference (32/11 transactionId or 32/10 recipientId). */
  id: string;
  merchantId: string;
  kind: QrKind;
  /** Present exactly for dynamic codes. */
  amount: Money | undefined;
  currency: CurrencyCode;
  description: string;
  payload: string;
  link: string;
  idempotencyKey: string;
  requestFingerprint: string;
  createdAt: Date;
  livemode: boolean;
  /** Dynamic codes: when the code stops being payable (undefined: only its payment's expiry). */
  expiresAt: Date | undefined;
  /** Dynamic codes: the payment the code is issued for; '' when none. */
  paymentId: string;
  /** Static codes: the cash desk or terminal; '' when none. */
  label: string;
  /** Dynamic codes: when a payment under it succeeded (set once, by the payment events). */
  paidAt: Date | undefined;
  /** The payment that paid it; '' while unpaid. */
  paidPaymentId: string;
  /** Dynamic codes: when its payment ended unpaid (set once, by the payment events). */
  closedAt: Date | undefined;
  /** How its payment ended; '' while open. */
  closedReason: QrCloseReason | '';
}

/** How a dynamic code's payment can end without paying it. */
export type QrCloseReason = 'canceled' | 'failed' | 'expired';

/** The payment statuses that close the dynamic code issued for the payment. */
export function closeReasonOf(paymentStatus: string): QrCloseReason | undefined {
  return paymentStatus === 'canceled' || paymentStatus === 'failed' || paymentStatus === 'expired'
    ? paymentStatus
    : undefined;
}

/** What create stores; paid is only ever set by the payment events. */
export type NewQrCode = Omit<
  QrCode,
  'createdAt' | 'paidAt' | 'paidPaymentId' | 'closedAt' | 'closedReason'
>;

export type QrCodeStatus = 'active' | 'paid' | 'expired' | 'canceled';

/**
 * Derived, never stored: a static code is always active; a dynamic one is paid once a payment
 * under it succeeded, else expired from expires_at on, else active.
 */
export function qrCodeStatus(
  code: Pick<QrCode, 'kind' | 'paidAt' | 'expiresAt' | 'closedReason'>,
  now: Date,
): QrCodeStatus {
  if (code.kind === 'static') return 'active';
  if (code.paidAt) return 'paid';
  if (code.closedReason === 'expired') return 'expired';
  if (code.closedReason) return 'canceled';
  if (code.expiresAt && code.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

/** The platform's identity in every code it issues; comes from configuration. */
export interface QrIssuer {
  /** 32/00, a domain naming Tolem as the provider. */
  providerId: string;
  /** 32/01; optional because 33/00 (the merchant id) always routes the payment. */
  serviceCode: string | undefined;
  /** 52. */
  mcc: string;
  /** 59. */
  displayName: string;
  linkBaseUrl: string;
}

// C0 and C1 controls: a QR payload is shown to payers; newlines and escapes have no place in it.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const CONTROLS = new RegExp(CONTROL.source, 'g');

/**
 * The name a payer's bank app shows (ELQR 59): the merchant's, as far as ELQR can carry it, else
 * the issuer's. Composed (NFC) so a letter is one character; controls become spaces; invisible
 * format characters (zero-width, bidi overrides) and characters outside the BMP are dropped;
 * whitespace collapses; at most 25 characters, never cut between a letter and its combining mark.
 * A merchant's name is theirs to choose, so it is fitted rather than refused: a long one must not
 * stop a payment.
 */
export function nameOnCode(merchantName: string | undefined, issuerName: string): string {
  const chars = [
    ...(merchantName ?? '')
      .normalize('NFC')
      .replace(/\p{Cf}/gu, '')
      .replace(CONTROLS, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  ].filter((c) => !hasAstralCharacters(c));
  let end = Math.min(chars.length, ELQR_LIMITS.name);
  // A mark after the cut belongs to the letter before it: cut before that letter too.
  while (end > 0 && end < chars.length && /\p{M}/u.test(chars[end] ?? '')) end -= 1;
  const fitted = chars.slice(0, end).join('').trim();
  return /\p{L}|\p{N}/u.test(fitted) ? fitted : issuerName;
}

function checkText(value: string, field: string, maxLength: number): void {
  if (hasAstralCharacters(value) || CONTROL.test(value)) {
    throw qrErrors.create(
      'QR_FIELD_INVALID_CHARACTERS',
      `${field} contains characters a QR code cannot carry`,
      {
        details: { field },
      },
    );
  }
  if (value.length > maxLength) {
    throw qrErrors.create('QR_FIELD_TOO_LONG', `${field} is longer than ${maxLength} characters`, {
      details: { field, max_length: String(maxLength) },
    });
  }
}

const MAX_TYIYN = 10n ** BigInt(ELQR_LIMITS.amountDigits) - 1n;
/** A static code's label is printed on the sticker under the code. */
export const MAX_LABEL_LENGTH = 64;
/** `pay_` + a 26-character id; checked loosely so the payment's owner keeps its id format. */
const PAYMENT_ID = /^pay_[0-9a-z]{1,60}$/;

function checkKindFields(req: QrCodeRequest, now: Date): void {
  if (req.kind === 'static') {
    if (req.expiresAt) {
      throw qrErrors.create('QR_EXPIRES_AT_NOT_ALLOWED', 'a static code does not expire', {
        details: { field: 'expires_at' },
      });
    }
    if (req.paymentId) {
      throw qrErrors.create(
        'QR_PAYMENT_ID_NOT_ALLOWED',
        'a static code makes a new payment per scan, it is not issued for one',
        { details: { field: 'payment_id' } },
      );
    }
    checkText(req.label, 'label', MAX_LABEL_LENGTH);
    return;
  }
  if (req.label) {
    throw qrErrors.create('QR_LABEL_NOT_ALLOWED', 'only a static code has a cash-desk label', {
      details: { field: 'label' },
    });
  }
  if (req.paymentId && !PAYMENT_ID.test(req.paymentId)) {
    throw qrErrors.create('QR_INVALID_REQUEST', 'payment_id must be a pay_… id', {
      details: { field: 'payment_id' },
    });
  }
  if (req.expiresAt && req.expiresAt.getTime() <= now.getTime()) {
    throw qrErrors.create('QR_EXPIRES_AT_IN_PAST', 'expires_at must be in the future', {
      details: { field: 'expires_at' },
    });
  }
}

/**
 * Validates a create request and returns its amount as Money (dynamic) or undefined (static).
 * Field names in errors are the proto's, so callers can point at the offending input.
 */
export function validateQrRequest(req: QrCodeRequest, now: Date): Money | undefined {
  if (!req.merchantId) {
    throw qrErrors.create('QR_INVALID_REQUEST', 'merchant_id is required', {
      details: { field: 'merchant_id' },
    });
  }
  checkText(req.merchantId, 'merchant_id', ELQR_LIMITS.merchantId);
  if (!req.idempotencyKey) {
    throw commonErrors.create('IDEMPOTENCY_KEY_REQUIRED', 'idempotency_key is required', {
      details: { field: 'idempotency_key' },
    });
  }
  checkText(req.idempotencyKey, 'idempotency_key', MAX_IDEMPOTENCY_KEY_LENGTH);
  checkText(req.description, 'description', ELQR_LIMITS.comment);
  checkKindFields(req, now);

  if (req.kind === 'static') {
    if (req.amount) {
      throw qrErrors.create(
        'QR_AMOUNT_NOT_ALLOWED',
        'a static code lets the payer enter the amount',
        {
          details: { field: 'amount' },
        },
      );
    }
    return undefined;
  }
  if (!req.amount) {
    throw qrErrors.create('QR_AMOUNT_REQUIRED', 'a dynamic code needs an amount', {
      details: { field: 'amount' },
    });
  }
  if (req.amount.currency !== QR_CURRENCY) {
    throw qrErrors.create('QR_CURRENCY_UNSUPPORTED', `ELQR codes carry ${QR_CURRENCY} only`, {
      details: { field: 'amount.currency', currency: req.amount.currency },
    });
  }
  const amount = positiveMoney(req.amount.amountMinor, req.amount.currency);
  if (amount.amountMinor > MAX_TYIYN) {
    throw qrErrors.create(
      'QR_FIELD_TOO_LONG',
      `ELQR amounts have at most ${ELQR_LIMITS.amountDigits} digits`,
      {
        details: { field: 'amount', max_length: String(ELQR_LIMITS.amountDigits) },
      },
    );
  }
  return amount;
}

/** Identifies the request's content, so a retried key can be told apart from a reused one. */
export function requestFingerprint(req: QrCodeRequest, amount: Money | undefined): string {
  const v1 = [
    'v1',
    req.merchantId,
    req.kind,
    amount ? amount.amountMinor.toString() : null,
    amount ? amount.currency : null,
    req.description,
  ];
  // A request without the fields added later keeps its v1 fingerprint, so a retry of a code
  // stored before them still replays.
  const extended = req.livemode || req.expiresAt || req.paymentId || req.label;
  const canonical = JSON.stringify(
    extended
      ? [
          'v2',
          ...v1.slice(1),
          req.livemode,
          req.expiresAt ? req.expiresAt.toISOString() : null,
          req.paymentId,
          req.label,
        ]
      : v1,
  );
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

/** The first request field that differs from the stored code, for IDEMPOTENCY_KEY_REUSED. */
export function conflictField(
  existing: QrCode,
  req: QrCodeRequest,
  amount: Money | undefined,
): string {
  if (existing.kind !== req.kind) return 'kind';
  if (
    existing.amount?.amountMinor !== amount?.amountMinor ||
    existing.amount?.currency !== amount?.currency
  ) {
    return 'amount';
  }
  if (existing.description !== req.description) return 'description';
  if (existing.livemode !== req.livemode) return 'livemode';
  if (existing.expiresAt?.getTime() !== req.expiresAt?.getTime()) return 'expires_at';
  if (existing.paymentId !== req.paymentId) return 'payment_id';
  if (existing.label !== req.label) return 'label';
  return 'request';
}

/**
 * Builds the ELQR payload and link of a new code. Dynamic: 32/11 transactionId = the code id, the
 * amount in tyiyn (KGS minor units) and 32/12 = not editable. Static: no amount, and 32/10
 * recipientId = the code id, so a payment made with it can still be traced to the code (as Finik
 * puts a per-code id in 32/10). 33/00 always carries the merchant id, 59 its name (nameOnCode).
 */
export function composeQrCode(
  id: string,
  req: QrCodeRequest,
  amount: Money | undefined,
  fingerprint: string,
  issuer: QrIssuer,
): NewQrCode {
  const dynamic = req.kind === 'dynamic';
  const payload = buildElqrPayload({
    version: ELQR_VERSION,
    type: req.kind,
    service: {
      providerId: issuer.providerId,
      ...(issuer.serviceCode ? { serviceCode: issuer.serviceCode } : {}),
      ...(dynamic ? { transactionId: id, amountEditable: false } : { recipientId: id }),
      recipientIdEditable: false,
    },
    merchant: { merchantId: req.merchantId },
    ...(req.description ? { comment: req.description } : {}),
    mcc: issuer.mcc,
    currency: ELQR_CURRENCY_KGS,
    ...(amount ? { amountTyiyn: amount.amountMinor } : {}),
    name: nameOnCode(req.merchantDisplayName, issuer.displayName),
  });
  return {
    id,
    merchantId: req.merchantId,
    kind: req.kind,
    amount,
    currency: QR_CURRENCY,
    description: req.description,
    payload,
    link: buildElqrLink(issuer.linkBaseUrl, payload),
    idempotencyKey: req.idempotencyKey,
    requestFingerprint: fingerprint,
    livemode: req.livemode,
    expiresAt: dynamic ? req.expiresAt : undefined,
    paymentId: dynamic ? req.paymentId : '',
    label: dynamic ? '' : req.label,
  };
}

/**
 * Fails at start-up when the configured issuer cannot fit the largest valid request into ELQR
 * (e.g. providerId + serviceCode + the code id overflow the 99-character ID 32), so no request
 * can later fail for a reason the caller cannot fix.
 */
export function assertIssuerFits(issuer: QrIssuer, sampleId: string): void {
  const longest: QrCodeRequest = {
    merchantId: 'm'.repeat(ELQR_LIMITS.merchantId),
    idempotencyKey: 'k',
    kind: 'dynamic',
    amount: { amountMinor: MAX_TYIYN, currency: QR_CURRENCY },
    description: 'd'.repeat(ELQR_LIMITS.comment),
    livemode: false,
    expiresAt: undefined,
    paymentId: '',
    label: '',
  };
  try {
    for (const kind of ['dynamic', 'static'] as const) {
      const req = { ...longest, kind, amount: kind === 'dynamic' ? longest.amount : undefined };
      composeQrCode(sampleId, req, validateQrRequest(req, new Date(0)), '', issuer);
    }
  } catch (err) {
    if (err instanceof ElqrError) {
      throw new Error(
        `QR issuer settings do not fit an ELQR payload (${err.field ?? '?'}): ${err.message}`,
      );
    }
    throw err;
  }
}
