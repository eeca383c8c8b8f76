import { describe, expect, it } from 'vitest';

import { decideAttempt, type RetryPolicy } from './delivery';
import type { HttpOutcome } from './ports';

const HOUR = 3_600_000;
const policy: RetryPolicy = {
  windowMs: 72 * HOUR,
  backoff: { minMs: 5_000, maxMs: HOUR },
  maxRetryAfterMs: 6 * HOUR,
};
const first = new Date('2026-03-01T10:00:00Z');
const at = (ms: number) => new Date(first.getTime() + ms);
const response = (statusCode: number, body = '', retryAfter?: string): HttpOutcome => ({
  kind: 'response',
  statusCode,
  body,
  headers: retryAfter === undefined ? {} : { retryAfter },
  durationMs: 5,
});
const decide = (outcome: HttpOutcome, finishedAfterMs = 0, previousAttempts = 0) =>
  decideAttempt({
    ack: 'ok',
    orderId: 'order-1',
    outcome,
    previousAttempts,
    firstAttemptAt: first,
    finishedAt: at(finishedAfterMs),
    policy,
    random: () => 1,
  });

describe('decideAttempt', () => {
  it('delivers on the acknowledgement and clears the endpoint', () => {
    expect(decide(response(200, ' ok\n'))).toEqual({
      status: 'delivered',
      nextAttemptAt: first,
      error: '',
      endpoint: 'succeeded',
    });
  });

  it.each([
    [response(500, 'down'), 'HTTP 500'],
    [response(200, 'OK!'), 'answer was not "ok"'],
    [{ kind: 'error', error: 'timeout', durationMs: 500 } as const, 'timeout'],
    [{ kind: 'error', error: 'ECONNREFUSED', durationMs: 1 } as const, 'ECONNREFUSED'],
  ])('retries %j after the backoff (%s)', (outcome, error) => {
    expect(decide(outcome, 1_000, 2)).toEqual({
      status: 'pending',
      nextAttemptAt: at(1_000 + 40_000),
      error,
      endpoint: 'failed',
    });
  });

  it('honours Retry-After (seconds or date) on 429 and 503, capped, not below the minimum', () => {
    expect(decide(response(429, '', '600')).nextAttemptAt).toEqual(at(600_000));
    expect(decide(response(503, '', 'Sun, 01 Mar 2026 10:30:00 GMT')).nextAttemptAt).toEqual(
      at(30 * 60_000),
    );
    expect(decide(response(503, '', '999999')).nextAttemptAt).toEqual(at(6 * HOUR));
    expect(decide(response(429, '', '0')).nextAttemptAt).toEqual(at(5_000));
    // Only on 429/503: a 500's Retry-After is not a request to wait.
    expect(decide(response(500, '', '600'), 0, 0).nextAttemptAt).toEqual(at(10_000));
  });

  it('marks the endpoint gone on 410 and keeps the delivery waiting', () => {
    expect(decide(response(410))).toMatchObject({ status: 'pending', endpoint: 'gone' });
  });

  it('lands the last retry on the end of the window, and exhausts once it is reached', () => {
    expect(decide(response(500), 72 * HOUR - 1_000, 70).nextAttemptAt).toEqual(at(72 * HOUR));
    expect(decide(response(500), 72 * HOUR, 71)).toMatchObject({
      status: 'exhausted',
      error: 'HTTP 500',
    });
  });
});
