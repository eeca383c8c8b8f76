import { describe, expect, it } from 'vitest';

import { isAcknowledged, refusalReason } from './ack';
import type { AckMode } from './endpoint';

const ORDER = { orderId: '4711' };

const cases: [AckMode, number, string, boolean][] = [
  ['ok', 200, 'ok', true],
  ['ok', 200, ' ok\r\n', true],
  ['ok', 200, 'OK', false],
  ['ok', 200, 'ok!', false],
  ['ok', 200, '', false],
  ['ok', 200, '{"status":"ok"}', false],
  ['ok', 201, 'ok', false],
  ['ok', 500, 'ok', false],
  ['OK', 200, 'OK', true],
  ['OK', 200, '\nOK ', true],
  ['OK', 200, 'ok', false],
  ['OK', 204, '', false],
  ['OK_ORDER', 200, 'OK4711', true],
  ['OK_ORDER', 200, ' OK4711\n', true],
  ['OK_ORDER', 200, 'OK', false],
  ['OK_ORDER', 200, 'OK4712', false],
  ['OK_ORDER', 200, 'OK 4711', false],
  ['OK_ORDER', 500, 'OK4711', false],
  ['YES', 200, 'YES', true],
  ['YES', 200, 'yes', false],
  ['YES', 302, 'YES', false],
  ['CODE_0', 200, '{"code":0}', true],
  ['CODE_0', 200, ' { "code" : 0 }\n', true],
  ['CODE_0', 200, '{"code":0,"message":"accepted"}', true],
  ['CODE_0', 200, '{"code":13}', false],
  ['CODE_0', 200, '{"code":"0"}', false],
  ['CODE_0', 200, '[0]', false],
  ['CODE_0', 200, 'not json', false],
  ['CODE_0', 500, '{"code":0}', false],
  ['ANY_2XX', 200, '', true],
  ['ANY_2XX', 204, '', true],
  ['ANY_2XX', 299, 'whatever', true],
  ['ANY_2XX', 301, '', false],
  ['ANY_2XX', 410, '', false],
  ['ANY_2XX', 500, 'ok', false],
];

describe('isAcknowledged per ack mode', () => {
  it.each(cases)('%s: HTTP %i %j acknowledges: %s', (mode, statusCode, body, expected) => {
    expect(isAcknowledged(mode, { statusCode, body }, ORDER)).toBe(expected);
  });

  it('OK_ORDER never acknowledges a bare OK when the order id is unknown', () => {
    expect(isAcknowledged('OK_ORDER', { statusCode: 200, body: 'OK' }, { orderId: '' })).toBe(
      false,
    );
  });
});

describe('refusalReason', () => {
  it('names the status, or the expected answer on a 200', () => {
    expect(refusalReason('ok', 500, '')).toBe('HTTP 500');
    expect(refusalReason('ok', 200, '')).toBe('answer was not "ok"');
    expect(refusalReason('OK_ORDER', 200, '4711')).toBe('answer was not "OK4711"');
    expect(refusalReason('CODE_0', 200, '')).toBe('answer was not {"code":0}');
    expect(refusalReason('ANY_2XX', 302, '')).toBe('HTTP 302');
  });
});
