import { newId } from '@tolem/ids';
import type { Logger } from '@tolem/observability';

import type { HttpAnswer, MerchantHttp } from './merchant-http';

/** One HTTP call of a callback to the merchant. */
export interface CallbackAttempt {
  attempt: number;
  at: Date;
  status: number;
  body: string;
  error?: string;
}

/**
 * scheduled: waiting for its delay; retrying: an attempt was refused, another will come;
 * delivered: the merchant accepted it; gave_up: attempts ran out; stopped: the sandbox shut down.
 */
export type CallbackState =
  | 'scheduled'
  | 'sending'
  | 'retrying'
  | 'delivered'
  | 'gave_up'
  | 'stopped';

/** A server-to-server call a provider makes to the merchant, exactly as it goes on the wire. */
export interface OutgoingCallback {
  /** What it is in the provider's words: `notification`, `postback`, `confirmation`. */
  kind: string;
  url: string;
  /** Request headers, content-type included; signatures live here or in the body. */
  headers: Readonly<Record<string, string>>;
  body: string;
  /** What the test API shows about it, e.g. `{ paymentStatus: '5', tamper: 'none' }`. */
  meta: Readonly<Record<string, string>>;
}

export interface CallbackRecord extends OutgoingCallback {
  id: string;
  createdAt: Date;
  delayMs: number;
  /** Set on a byte-identical resend: the id of the callback it repeats. */
  duplicateOf?: string;
  state: CallbackState;
  attempts: CallbackAttempt[];
}

export interface SendOptions {
  /** Hold the first attempt back this long (a late callback); 0 sends at once. */
  delayMs?: number;
  duplicateOf?: string;
}

/**
 * Delivers provider callbacks the way providers do: POST, and if the merchant's answer is not the
 * one the protocol asks for, again with doubling pauses until the attempts run out.
 */
/** A callback on its way: its record (updated as attempts happen) and its first attempt. */
export interface SentCallback {
  record: CallbackRecord;
  /** Settles after the first attempt, or at once when the callback is delayed. Never rejects. */
  firstAttempt: Promise<CallbackRecord>;
}

/**
 * Delivers provider callbacks the way providers do: POST, and if the merchant's answer is not the
 * one the protocol asks for, again with doubling pauses until the attempts run out.
 */
export interface CallbackDispatcher {
  /**
   * Starts delivery now (or after delayMs). The record exists at once, so a caller can keep the
   * order callbacks were sent in; retries continue in the background and update it.
   */
  send(callback: OutgoingCallback, options?: SendOptions): SentCallback;
  /** Cancels delayed callbacks and pending retries (shutdown). */
  stop(): void;
}

/** Sends a recorded callback again, byte for byte (headers included), as a duplicate of it. */
export function resendCallback(
  dispatcher: CallbackDispatcher,
  original: CallbackRecord,
  delayMs?: number,
): SentCallback {
  const { kind, url, headers, body, meta } = original;
  return dispatcher.send(
    { kind, url, headers, body, meta },
    { duplicateOf: original.id, ...(delayMs !== undefined ? { delayMs } : {}) },
  );
}

export interface CallbackDispatcherDeps {
  http: MerchantHttp;
  log: Logger;
  /** Attempts per callback, the first included. */
  attempts: number;
  /** Pause before the second attempt; doubles for each later one. */
  backoffMs: number;
  /** The protocol's "delivered" answer, e.g. HTTP 200 with body `OK`. */
  accepted: (answer: HttpAnswer) => boolean;
  clock?: () => Date;
}

export function createCallbackDispatcher(deps: CallbackDispatcherDeps): CallbackDispatcher {
  const clock = deps.clock ?? (() => new Date());
  // Each pending pause with the way to end it early, so stop() leaves no promise hanging.
  const timers = new Map<NodeJS.Timeout, () => void>();
  let stopped = false;

  /** Resolves true after ms, or false as soon as the dispatcher stops. */
  const pause = (ms: number) =>
    new Promise<boolean>((resolve) => {
      if (stopped) return resolve(false);
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve(!stopped);
      }, ms);
      timers.set(timer, () => resolve(false));
    });

  const attemptOnce = async (record: CallbackRecord, attempt: number): Promise<boolean> => {
    record.state = 'sending';
    const answer = await deps.http.post(record.url, record.body, record.headers);
    const entry: CallbackAttempt = {
      attempt,
      at: clock(),
      status: answer.status,
      body: answer.body,
    };
    if (answer.error !== undefined) entry.error = answer.error;
    record.attempts.push(entry);
    const ok = deps.accepted(answer);
    deps.log.info(
      {
        callback: record.id,
        kind: record.kind,
        attempt,
        status: answer.status,
        error: answer.error,
        accepted: ok,
        ...record.meta,
      },
      'callback delivered to merchant',
    );
    record.state = ok ? 'delivered' : attempt < deps.attempts ? 'retrying' : 'gave_up';
    return ok;
  };

  const retry = async (record: CallbackRecord, from: number): Promise<void> => {
    for (let attempt = from; attempt <= deps.attempts; attempt++) {
      if (!(await pause(deps.backoffMs * 2 ** (attempt - 2)))) {
        record.state = 'stopped';
        return;
      }
      if (await attemptOnce(record, attempt)) return;
    }
  };

  const background = (work: Promise<void>, record: CallbackRecord) => {
    work.catch((err: unknown) => {
      deps.log.error({ err, callback: record.id }, 'callback delivery crashed');
    });
  };

  return {
    send(callback, options = {}) {
      const delayMs = options.delayMs ?? 0;
      const record: CallbackRecord = {
        ...callback,
        id: newId('cbk'),
        createdAt: clock(),
        delayMs,
        state: delayMs > 0 ? 'scheduled' : 'sending',
        attempts: [],
      };
      if (options.duplicateOf !== undefined) record.duplicateOf = options.duplicateOf;
      if (stopped) {
        record.state = 'stopped';
        return { record, firstAttempt: Promise.resolve(record) };
      }
      if (delayMs > 0) {
        const run = async () => {
          if (!(await pause(delayMs))) {
            record.state = 'stopped';
            return;
          }
          if (!(await attemptOnce(record, 1))) await retry(record, 2);
        };
        background(run(), record);
        return { record, firstAttempt: Promise.resolve(record) };
      }
      const firstAttempt = attemptOnce(record, 1).then(
        (ok) => {
          if (!ok) background(retry(record, 2), record);
          return record;
        },
        (err: unknown) => {
          deps.log.error({ err, callback: record.id }, 'callback delivery crashed');
          return record;
        },
      );
      return { record, firstAttempt };
    },
    stop() {
      stopped = true;
      for (const [timer, cancel] of timers) {
        clearTimeout(timer);
        cancel();
      }
      timers.clear();
    },
  };
}

/** A callback as the test API shows it. */
export function callbackJson(record: CallbackRecord) {
  return {
    id: record.id,
    kind: record.kind,
    state: record.state,
    url: record.url,
    created_at: record.createdAt.toISOString(),
    delay_ms: record.delayMs,
    duplicate_of: record.duplicateOf ?? null,
    headers: { ...record.headers },
    body: record.body,
    meta: { ...record.meta },
    attempts: record.attempts.map((a) => ({
      attempt: a.attempt,
      at: a.at.toISOString(),
      status: a.status,
      body: a.body,
      ...(a.error !== undefined ? { error: a.error } : {}),
    })),
  };
}

/** Flips the last hex digit: still well-formed, no longer the right signature. */
export function corruptHex(hex: string): string {
  const last = hex.slice(-1);
  return hex.slice(0, -1) + (last === '0' ? '1' : '0');
}
