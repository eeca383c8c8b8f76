import { CURRENCIES } from '@tolem/money';

/**
 * The building blocks the schema files share (payment.schemas.ts, case.schemas.ts, …): JSON
 * Schemas Fastify validates requests with; openapi.ts publishes the same objects, so the document
 * cannot drift from what the routes accept.
 */

/**
 * `amount` is deliberately untyped here: minorFromJson decides (integers up to 2^53-1, or decimal
 * integer strings), so a float gets the precise MONEY_NOT_AN_INTEGER code rather than a generic
 * schema message.
 */
export const amountSchema = {
  description:
    'Integer minor units (1999 = 19.99 USD). Values above 2^53-1 must be sent as a decimal string.',
} as const;

/** The ISO 4217 codes Tolem knows (@tolem/money): the document lists them as an enum. */
export const CURRENCY_LIST = Object.keys(CURRENCIES);
export const currencyCodeSchema = {
  type: 'string',
  enum: CURRENCY_LIST,
  description: 'ISO 4217 alphabetic code',
} as const;

/**
 * Absolute http(s) URLs only: a host name whose last label starts with a letter, or an IPv4
 * address, an optional port, then printable ASCII. Narrow enough that every string it allows
 * also parses as a URL (httpUrl in payment.mapper.ts): the document promises nothing the server
 * refuses (a numeric last label is read as IPv4 by URL parsers, and may not be one).
 */
export const URL_PATTERN =
  '^https?://(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\\.)*[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?|(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?:\\.(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3})(?::(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4}))?(?:[/?#][!-~]*)?$';
export const urlSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 2048,
  pattern: URL_PATTERN,
} as const;

export const idPattern = '^[A-Za-z0-9_-]+$';

export const idSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 64,
  pattern: idPattern,
} as const;

export const idParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: idSchema },
} as const;

/** An RFC 3339 instant with its offset, e.g. 2026-12-01T10:00:00Z. */
export const instantSchema = {
  type: 'string',
  maxLength: 40,
  pattern:
    '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]' +
    '(\\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$',
} as const;

/** Integer minor units; beyond 2^53-1 a decimal string (never a rounded float). */
export const minorSchema = {
  anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^-?[0-9]+$' }],
} as const;

export const nullableString = { type: ['string', 'null'] } as const;

/**
 * The `livemode` of every response (objects, lists, balances, report rows), defined once so the
 * document says the same of it everywhere. A resource whose mode means more (a webhook endpoint's,
 * which also gets the other mode's events) passes its own description.
 */
export const livemodeSchema = (
  description = 'false: test mode, true: live mode. A test key (sk_test_…) makes and sees only test objects and figures, and its payments go through the provider sandbox only; a live key (sk_live_…) only live ones.',
) => ({ type: 'boolean', description }) as const;

/**
 * A list's `limit` query parameter: 1..max (100 or 200), default `fallback`. The pattern says
 * exactly what the server takes, so a client generated from the document never sends 0 or 150.
 */
export function limitSchema(fallback: number, max: 100 | 200 = 100) {
  return {
    type: 'string',
    pattern: max === 100 ? '^(100|[1-9][0-9]?)$' : '^(200|1[0-9]{2}|[1-9][0-9]?)$',
    description: `1..${max}, default ${fallback}`,
  } as const;
}
