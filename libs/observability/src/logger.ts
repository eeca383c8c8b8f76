import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino replaces with "[REDACTED]": anything that may hold a secret, a key or card data.
 * Keep in sync with the fields services log; the Secret type covers values that slip through.
 */
export const REDACT_PATHS = [
  '*.password',
  '*.secret',
  '*.secretKey',
  '*.secret_key',
  '*.signingSecret',
  '*.apiKey',
  '*.api_key',
  '*.authorization',
  '*.Authorization',
  '*.pan',
  '*.cardNumber',
  '*.card_number',
  '*.cvv',
  '*.cvc',
  '*.token',
  // The hosted page's link secret (checkout's payments, the gateway's payer requests).
  '*.pageSecret',
  '*.page_secret',
  'headers.authorization',
  'req.headers.authorization',
  'headers["x-api-key"]',
  '*.LMI_SECRET_KEY',
  '*.LMI_HASH',
  '*.LMI_HASH2',
];

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Where to write; defaults to stdout. Tests pass a stream to assert on redaction. */
  destination?: pino.DestinationStream;
}

/** Structured JSON logs with the service name on every line and secrets redacted. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}
