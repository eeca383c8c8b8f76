import { describe, expect, it } from 'vitest';

import { afterFailure, isAcknowledged } from './delivery';

describe('isAcknowledged (Web-Oplata: HTTP 200 with body "ok")', () => {
  it('accepts exactly ok, ignoring surrounding whitespace', () => {
    expect(isAcknowledged(200, 'ok')).toBe(true);
    expect(isAcknowledged(200, ' ok\r\n')).toBe(true);
  });

  it('refuses other bodies, other cases and other statuses', () => {
    expect(isAcknowledged(200, 'OK')).toBe(false);
    expect(isAcknowledged(200, 'OK!')).toBe(false);
    expect(isAcknowledged(200, 'ok!')).toBe(false);
    expect(isAcknowledged(200, '')).toBe(false);
    expect(isAcknowledged(200, '{"status":"ok"}')).toBe(false);
    expect(isAcknowledged(201, 'ok')).toBe(false);
    expect(isAcknowledged(204, '')).toBe(false);
    expect(isAcknowledged(500, 'ok')).toBe(false);
  });
});

describe('afterFailure', () => {
  const expiresAt = new Date('2026-03-04T10:00:00Z');

  it('schedules the retry after the delay inside the window', () => {
    const now = new Date('2026-03-01T10:00:00Z');
    expect(afterFailure(expiresAt, now, 5_000)).toEqual({
      status: 'pending',
      nextAttemptAt: new Date('2026-03-01T10:00:05Z'),
    });
  });

  it('makes the last retry at the end of the window, then gives up', () => {
    const late = new Date('2026-03-04T09:59:00Z');
    expect(afterFailure(expiresAt, late, 3_600_000)).toEqual({
      status: 'pending',
      nextAttemptAt: expiresAt,
    });
    expect(afterFailure(expiresAt, expiresAt, 5_000).status).toBe('exhausted');
  });
});
