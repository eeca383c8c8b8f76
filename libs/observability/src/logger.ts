import pino, { type Logger } from 'pino';

import { currentLogContext } from './log-context';
import { maskLogFields } from './mask';
import { currentTraceIds } from './tracing';

export type { Logger } from 'pino';

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Where to write; defaults to stdout. Tests pass a stream to assert on redaction. */
  destination?: pino.DestinationStream;
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
      serializers: { err: pino.stdSerializers.err },
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
