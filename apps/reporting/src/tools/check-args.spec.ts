import { describe, expect, it } from 'vitest';

import { parseCheckArgs } from './check-args';
import { UsageError } from './export-args';

const now = new Date('2026-03-10T12:00:00Z');

describe('parseCheckArgs', () => {
  it('defaults to every merchant over the last three days, today included, one attempt', () => {
    expect(parseCheckArgs([], now)).toEqual({
      merchantId: '',
      fromDay: '2026-03-08',
      toDay: '2026-03-10',
      attempts: 1,
      pauseMs: 2_000,
    });
  });

  it('takes a merchant, explicit days or a day count, and retries', () => {
    expect(
      parseCheckArgs(
        ['--merchant=mer_1', '--from=2026-02-01', '--to=2026-02-28', '--attempts=5'],
        now,
      ),
    ).toMatchObject({
      merchantId: 'mer_1',
      fromDay: '2026-02-01',
      toDay: '2026-02-28',
      attempts: 5,
    });
    expect(parseCheckArgs(['--days=7'], now)).toMatchObject({
      fromDay: '2026-03-04',
      toDay: '2026-03-10',
    });
  });

  it.each([
    ['--from=2026-02-30'],
    ['--to=tomorrow'],
    ['--from=2026-03-10', '--to=2026-03-01'],
    ['--days=0'],
    ['--attempts=x'],
  ])('refuses %s as a usage error', (...args) => {
    expect(() => parseCheckArgs(args, now)).toThrow(UsageError);
  });
});
