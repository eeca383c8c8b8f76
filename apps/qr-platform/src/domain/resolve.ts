import { DomainError } from '@tolem/errors';

import {
  ElqrError,
  elqrPayloadFromLink,
  type ElqrPayment,
  parseElqrPayload,
  verifyElqrChecksum,
} from './elqr';
import { qrErrors } from './errors';
import type { QrCode } from './qr-code';

/** Longer input is no payload Tolem issues (ELQR elements are at most 99 characters each). */
export const MAX_RESOLVE_INPUT_LENGTH = 4096;

export interface VisibleField {
  key: string;
  label: string;
  value: string;
  title: string;
}

/** A codec error as the caller sees it: INVALID_ARGUMENT with the codec's own ELQR_* code. */
function invalidPayload(err: ElqrError): DomainError {
  return new DomainError(err.code, 'invalid', err.message, {
    details: { field: 'payload', ...(err.field ? { elqr_field: err.field } : {}) },
  });
}

/**
 * The payload text of what a payer's bank scanned: a payment link loses everything up to and
 * including `#` and is percent-decoded; a bare payload that arrives percent-encoded (a link's
 * fragment copied as is) is decoded when only the decoded text carries a valid checksum, so a
 * payload that itself contains `%` is never altered. A bare payload may hold `#` itself (a
 * description `Заказ #42`): it opens with `00` (ID 00), so it is never taken for a link.
 */
export function payloadOfInput(input: string): string {
  const text = input.trim();
  if (!text) {
    throw qrErrors.create('QR_INVALID_REQUEST', 'payload is required', {
      details: { field: 'payload' },
    });
  }
  if (text.length > MAX_RESOLVE_INPUT_LENGTH) {
    throw qrErrors.create(
      'QR_FIELD_TOO_LONG',
      `payload is longer than ${MAX_RESOLVE_INPUT_LENGTH} characters`,
      { details: { field: 'payload', max_length: String(MAX_RESOLVE_INPUT_LENGTH) } },
    );
  }
  try {
    // A payload opens with its ID 00 (`00…`), a link with its scheme: only a link is cut at `#`.
    if (text.includes('#') && !text.startsWith('00')) return elqrPayloadFromLink(text);
  } catch (err) {
    if (err instanceof ElqrError) throw invalidPayload(err);
    throw err;
  }
  if (/%[0-9A-Fa-f]{2}/.test(text) && !verifyElqrChecksum(text)) {
    try {
      const decoded = decodeURIComponent(text);
      if (verifyElqrChecksum(decoded)) return decoded;
    } catch {
      // Not percent-encoding after all: the text is parsed as it came, for a precise error.
    }
  }
  return text;
}

/** Parses with the checksum verified; malformed input is the codec's ELQR_* code. */
export function parseScannedPayload(payload: string): ElqrPayment {
  try {
    return parseElqrPayload(payload, { verifyChecksum: true }).payment;
  } catch (err) {
    if (err instanceof ElqrError) throw invalidPayload(err);
    throw err;
  }
}

/**
 * The code id a payload names: 32/11 transactionId (Tolem's dynamic codes), else 32/10
 * recipientId (its static codes); '' when it names none.
 */
export function codeIdOfPayment(payment: ElqrPayment): string {
  return payment.service.transactionId || payment.service.recipientId || '';
}

/**
 * True only when the scanned payload is exactly what Tolem issued for the code: the same
 * merchant (33/00), kind and text. Anything else (a forged amount, another merchant, a copied id)
 * is treated as a code Tolem does not know. The checksum's hex digits may come in either case, as
 * the standard lets a reader compare them.
 */
export function isIssuedPayload(code: QrCode, payment: ElqrPayment, payload: string): boolean {
  const [issuedText, issuedSum] = splitChecksum(code.payload);
  const [text, sum] = splitChecksum(payload);
  return (
    code.kind === payment.type &&
    payment.merchant?.merchantId === code.merchantId &&
    issuedText === text &&
    issuedSum.toLowerCase() === sum.toLowerCase()
  );
}

/** The text up to and including `6304`, and the four hex digits after it. */
function splitChecksum(payload: string): [string, string] {
  return [payload.slice(0, -4), payload.slice(-4)];
}

/** The additional fields (35–39) whose visibility flag shows them to the payer, in order. */
export function visibleFieldsOf(payment: ElqrPayment): VisibleField[] {
  return (payment.additional ?? [])
    .filter((f) => f.visible)
    .map(({ key, label, value, title }) => ({ key, label, value, title }));
}
