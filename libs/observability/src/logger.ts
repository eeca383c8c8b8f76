import pino, { type Logger } from 'pino';

import { currentLogContext } from './log-context';
import { maskLogFields, REDACTED } from './mask';
import { currentTraceIds } from './tracing';

export type { Logger } from 'pino';

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Where to write; defaults to stdout. Tests pass a stream to assert on redaction. */
  destination?: pino.DestinationStream;
}

/**
 * Fields a database driver sets on its errors that quote data: pg's `detail` holds the failing
 * row (`Failing row contains (…)`, `Key (col)=(value)`), `where` the JSON being parsed, and
 * `internalQuery` a statement with its literals. Codes, constraint and table names stay.
 */
const DATA_QUOTING_ERROR_FIELDS = ['detail', 'where', 'internalQuery'];

function withoutQuotedData(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null || depth > 8) return value;
  if (Array.isArray(value)) return value.map((item) => withoutQuotedData(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = DATA_QUOTING_ERROR_FIELDS.includes(key)
      ? REDACTED
      : withoutQuotedData(item, depth + 1);
  }
  return out;
}

/**
 * pino's error serializer copies every enumerable field of an error (and of errors inside it),
 * and runs after the fields are masked: the copy is masked here, so a database error's row
 * (a merchant's secrets, a payer's phone) never reaches a log line.
 */
function serializeError(err: Error): Record<string, unknown> {
  return maskLogFields(withoutQuotedData(pino.stdSerializers.err(err)) as Record<string, unknown>);
}

/**
 * Structured JSON logs with the service name on every line; credentials, card data and phone
 * numbers are masked at any depth of the logged fields and of a child logger's bindings.
 */
export function createLogger(options: LoggerOptions): Logger {
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (fields) => maskLogFields(fields),
      },
      serializers: { err: serializeError },
      // The request's id, merchant and payment (runWithLogContext) on every line written for it,
      // and the trace and span it belongs to when tracing is on; a copy, because pino merges the
      // line's own fields into what this returns.
      mixin: () => {
        const context = currentLogContext();
        const ids = currentTraceIds();
        return context || ids ? { ...context, ...ids } : {};
      },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
  // pino's bindings formatter sees only the root's bindings; children (per request, per call)
  // are made from this instance and inherit this child(), so their bindings are masked too.
  type ChildFn = (this: Logger, bindings: Record<string, unknown>, opts?: unknown) => Logger;
  const pinoChild = (Object.getPrototypeOf(logger) as { child: ChildFn }).child;
  const maskedChild: ChildFn = function (bindings, opts) {
    return pinoChild.call(this, maskLogFields(bindings), opts);
  };
  logger.child = maskedChild as unknown as Logger['child'];
  return logger;
}
