/** What a masked secret is logged as. */
export const REDACTED = '[REDACTED]';

/** Keys whose values are credentials or card data, compared lowercase without `_` and `-`. */
const SECRET_KEYS = new Set([
  'password',
  'passwd',
  'secret',
  'apikey',
  'xapikey',
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'pan',
  'cardnumber',
  'cvv',
  'cvv2',
  'cvc',
  'cardexpiry',
  'token',
  'pagesecret',
  'privatekey',
  'lmisecretkey',
  'lmihash',
  'lmihash2',
  'hash',
  'signature',
]);

/** Suffixes that make any key a credential: `signingSecret`, `bearerToken`, `adminPassword`… */
const SECRET_SUFFIXES = ['secret', 'secretkey', 'token', 'password', 'apikey', 'privatekey'];

/** Keys holding a phone number (WM Keeper Mobile payers, receipts' customers). */
const PHONE_KEY = /phone|msisdn/i;

/** A card number on its own: 13–19 digits, optionally grouped by spaces or dashes. */
const PAN_SHAPE = /^\d(?:[ -]?\d){12,18}$/;

/**
 * Keys holding text written by someone else (a provider's error description, an exception's
 * message and stack): card and phone numbers inside it are masked too. Compared normalized.
 */
const FREE_TEXT_KEY = /(message|error|reason|description|stack)$/;

/**
 * A number inside free text, a card or a phone number candidate: not part of a word, an id, a
 * path, a decimal or a time (`2026-12-07 10:00` is not a phone).
 */
const NUMBER_IN_TEXT = /(?<![\w+./:])\+?\d(?:[ ()-]{0,2}\d){9,18}(?![\w/:]|\.\d)/g;

/** Deeper than this a logged object is cut; log lines describe events, not documents. */
const MAX_DEPTH = 12;

function normalized(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

function isSecretKey(key: string): boolean {
  const k = normalized(key);
  return SECRET_KEYS.has(k) || SECRET_SUFFIXES.some((s) => k.endsWith(s));
}

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** A string that is a card number, whatever key it is logged under. */
function isCardNumber(value: string): boolean {
  return PAN_SHAPE.test(value) && luhn(value.replace(/[ -]/g, ''));
}

/**
 * Free text with every card number in it redacted and every other run of 10–15 digits (the
 * lengths of phone numbers in E.164, `+7 900 123-45-67` or `8 (900) 123 45 67`) masked as a
 * phone. Ids inside words (`pay_1234567890`) stay.
 */
export function maskFreeText(text: string): string {
  return text.replace(NUMBER_IN_TEXT, (found) => {
    const digits = found.replace(/\D/g, '');
    if (digits.length >= 13 && luhn(digits)) return REDACTED;
    return digits.length <= 15 ? maskPhone(found) : found;
  });
}

/** A phone number with all but its last two digits masked: enough to tell two apart. */
export function maskPhone(value: string): string {
  const digits = value.replace(/\D/g, '');
  return digits.length <= 2 ? REDACTED : `***${digits.slice(-2)}`;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function maskValue(
  key: string | undefined,
  value: unknown,
  depth: number,
  seen: WeakSet<object>,
): unknown {
  if (value === null || value === undefined) return value;
  if (key !== undefined && isSecretKey(key)) return REDACTED;
  if (typeof value === 'string') {
    if (key !== undefined && PHONE_KEY.test(key)) return maskPhone(value);
    if (isCardNumber(value)) return REDACTED;
    return key !== undefined && FREE_TEXT_KEY.test(normalized(key)) ? maskFreeText(value) : value;
  }
  if (typeof value === 'number' && key !== undefined && PHONE_KEY.test(key)) {
    return maskPhone(String(value));
  }
  if (typeof value !== 'object') return value;
  // Errors go to pino's err serializer; class instances (Date, Buffer, Secret) print themselves.
  if (!Array.isArray(value) && !isPlainObject(value)) return value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  seen.add(value);
  const out: unknown = Array.isArray(value)
    ? value.map((item) => maskValue(key, item, depth + 1, seen))
    : maskObject(value, depth + 1, seen);
  seen.delete(value);
  return out;
}

function maskObject(
  obj: Record<string, unknown>,
  depth: number,
  seen: WeakSet<object>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) out[key] = maskValue(key, value, depth, seen);
  return out;
}

/**
 * A copy of a log line's fields with credentials and card data replaced by `[REDACTED]` and phone
 * numbers cut to their last two digits, at any depth: by key (`password`, `*Secret`, `*Token`,
 * `authorization`, `pan`, `cvv`, `phone`…, any spelling), card numbers (Luhn-valid 13–19
 * digits) under any key, and both inside free text (`error`, `*Message`, `reason`, an error's
 * `message` and `stack`: maskFreeText).
 */
export function maskLogFields(fields: Record<string, unknown>): Record<string, unknown> {
  return maskObject(fields, 0, new WeakSet());
}
