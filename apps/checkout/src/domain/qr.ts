/** ELQR carries at most 32 characters of comment (tag 33/…); qr-platform refuses longer ones. */
export const QR_DESCRIPTION_MAX = 32;

// C0/C1 controls cannot appear in a QR payload shown to payers.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
// Characters outside the Basic Multilingual Plane (emoji) do not fit ELQR.
const ASTRAL = /[\u{10000}-\u{10ffff}]/gu;

/**
 * The payment's description as a QR code's comment: controls and astral characters dropped,
 * whitespace collapsed, cut to 32 characters. Deterministic, so starting the same payment again
 * repeats the identical CreateQrCode request under its idempotency key.
 */
export function qrDescriptionOf(description: string): string {
  return description
    .replace(CONTROL, ' ')
    .replace(ASTRAL, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, QR_DESCRIPTION_MAX)
    .trim();
}

/** qr-platform's idempotency key for a payment's code: one code per payment, however often started. */
export function qrKeyOf(paymentId: string): string {
  return `payment:${paymentId}`;
}
