import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line written while serving one request carries, whoever writes it. */
export interface LogContext {
  requestId?: string;
  merchantId?: string;
  paymentId?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/**
 * Runs fn with these fields added to the current context: every log line written inside it (and
 * in everything it awaits) carries them, and grpc-kit's clients forward the request id, so it
 * travels across every hop instead of stopping at the first.
 */
export function runWithLogContext<T>(context: LogContext, fn: () => T): T {
  const outer = storage.getStore();
  return storage.run(outer ? { ...outer, ...context } : context, fn);
}

/** The fields of the request being served, if any. */
export function currentLogContext(): Readonly<LogContext> | undefined {
  return storage.getStore();
}
