import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { afterFailure, DECLINE_TABLE, declineKindOf, withinWindow } from './decline-policy';

const DAY = 24 * 60 * 60 * 1000;
const first = new Date('2027-01-10T09:00:00Z');
const at = (days: number) => new Date(first.getTime() + days * DAY);

describe('declineKindOf', () => {
  it.each(['05', '51', '61', '65'])('retries the seed’s soft decline %s', (code) => {
    expect(declineKindOf(code, 'PROVIDER_CARD_DECLINED')).toBe('soft');
  });

  it.each([
    '14',
    '54',
    '57',
    '04',
    '07',
    '12',
    '15',
    '41',
    '43',
    '46',
    'R0',
    'R1',
    'R3',
    'MAC03',
    'mac21',
  ])('never retries the hard decline %s', (code) => {
    expect(declineKindOf(code, 'PROVIDER_CARD_DECLINED')).toBe('hard');
  });

  it('treats a binding the provider no longer honours as hard', () => {
    expect(declineKindOf('', 'PROVIDER_BINDING_INACTIVE')).toBe('hard');
    expect(declineKindOf('', 'PROVIDER_BINDING_NOT_FOUND')).toBe('hard');
  });

  it('calls a code outside the table, or a refusal without one, unknown', () => {
    expect(declineKindOf('91', 'PROVIDER_CARD_DECLINED')).toBe('unknown');
    expect(declineKindOf('', 'PROVIDER_REQUEST_REFUSED')).toBe('unknown');
  });
});

describe('the table in docs/recurring.md', () => {
  const docs = readFileSync(join(import.meta.dirname, '../../../../docs/recurring.md'), 'utf8');
  const rows = docs.split('\n').filter((line) => line.startsWith('| `'));
  const row = (kind: string, code: string) =>
    rows.some((line) => line.startsWith(`| \`${kind}\``) && line.includes(`\`${code}\``));

  it('lists every code of the code table under its kind', () => {
    for (const code of Object.keys(DECLINE_TABLE.soft)) expect(row('soft', code)).toBe(true);
    for (const code of Object.keys(DECLINE_TABLE.hard)) expect(row('hard', code)).toBe(true);
    for (const reason of DECLINE_TABLE.hardReasons) expect(row('hard', reason)).toBe(true);
    expect(row('unknown', 'PROVIDER_REQUEST_REFUSED')).toBe(true);
  });
});

describe('afterFailure', () => {
  it('cancels on a hard decline even on the first attempt', () => {
    expect(
      afterFailure({ kind: 'hard', failedAttempts: 1, firstAttemptAt: first, now: first }),
    ).toEqual({
      action: 'cancel',
    });
  });

  it('retries soft and unknown declines 1, 3 and 7 days after each failure', () => {
    expect(
      afterFailure({ kind: 'soft', failedAttempts: 1, firstAttemptAt: first, now: first }),
    ).toEqual({
      action: 'retry',
      at: at(1),
    });
    expect(
      afterFailure({ kind: 'unknown', failedAttempts: 2, firstAttemptAt: first, now: at(1) }),
    ).toEqual({
      action: 'retry',
      at: at(4),
    });
    expect(
      afterFailure({ kind: 'soft', failedAttempts: 3, firstAttemptAt: first, now: at(4) }),
    ).toEqual({
      action: 'retry',
      at: at(11),
    });
  });

  it('abandons after the 4th unsuccessful attempt', () => {
    expect(
      afterFailure({ kind: 'soft', failedAttempts: 4, firstAttemptAt: first, now: at(11) }),
    ).toEqual({
      action: 'abandon',
      why: 'attempts',
    });
  });

  it('abandons when the next attempt would fall after 16 days from the first', () => {
    expect(
      afterFailure({ kind: 'soft', failedAttempts: 3, firstAttemptAt: first, now: at(10) }),
    ).toEqual({
      action: 'abandon',
      why: 'window',
    });
    expect(withinWindow(first, at(16))).toBe(true);
    expect(withinWindow(first, new Date(at(16).getTime() + 1))).toBe(false);
  });
});
