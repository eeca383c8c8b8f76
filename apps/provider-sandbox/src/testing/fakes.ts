import { createLogger } from '@tolem/observability';

import type { CallbackDispatcher, CallbackRecord, OutgoingCallback } from '../callbacks';
import type { HttpAnswer, MerchantHttp } from '../merchant-http';

/** Only for specs: a silent logger. */
export const silentLog = createLogger({ service: 'test', level: 'silent' });

/** Only for specs: a dispatcher that records callbacks and "delivers" each at once. */
export function recordingDispatcher(answer: HttpAnswer = { status: 200, body: 'OK' }) {
  const sent: Array<{ callback: OutgoingCallback; delayMs: number; duplicateOf?: string }> = [];
  let n = 0;
  const dispatcher: CallbackDispatcher = {
    send(callback, options = {}) {
      sent.push({
        callback,
        delayMs: options.delayMs ?? 0,
        ...(options.duplicateOf !== undefined ? { duplicateOf: options.duplicateOf } : {}),
      });
      const record: CallbackRecord = {
        ...callback,
        id: `cbk_${++n}`,
        createdAt: new Date(0),
        delayMs: options.delayMs ?? 0,
        state: 'delivered',
        attempts: [{ attempt: 1, at: new Date(0), status: answer.status, body: answer.body }],
        ...(options.duplicateOf !== undefined ? { duplicateOf: options.duplicateOf } : {}),
      };
      return { record, firstAttempt: Promise.resolve(record) };
    },
    stop() {},
  };
  return { dispatcher, sent };
}

/** Only for specs: merchant HTTP answering from a script, recording every call. */
export function scriptedHttp(answer: (n: number) => HttpAnswer) {
  const calls: Array<{ url: string; body: string; headers: Record<string, string> }> = [];
  const http: MerchantHttp = {
    async post(url, body, headers) {
      calls.push({ url, body, headers: { ...headers } });
      return answer(calls.length);
    },
    async postForm(url, body) {
      return http.post(url, body, { 'content-type': 'application/x-www-form-urlencoded' });
    },
  };
  return { http, calls };
}
