import { describe, expect, it } from 'vitest';

import type { Schedule } from './operation';
import {
  firstOccurrence,
  nextChargeWithin,
  nextOccurrence,
  parseSchedule,
  type ScheduleInput,
} from './schedule';

const base: ScheduleInput = { cron: '', timeZone: 'UTC', interval: null, day: 0, timeOfDay: '' };

function runs(schedule: Schedule, from: string, n: number): string[] {
  const out: string[] = [];
  let at = new Date(from);
  for (let i = 0; i < n; i++) {
    const next = nextOccurrence(schedule, at);
    if (!next) break;
    out.push(next.toISOString());
    at = next;
  }
  return out;
}

describe('parseSchedule', () => {
  it('reads a five-field cron expression in its time zone', () => {
    expect(parseSchedule({ ...base, cron: ' 0  9 1 * * ', timeZone: 'Asia/Bishkek' })).toEqual({
      kind: 'cron',
      cron: '0 9 1 * *',
      timeZone: 'Asia/Bishkek',
    });
  });

  it('reads an interval with its day and time of day, midnight by default', () => {
    expect(parseSchedule({ ...base, interval: 'monthly', day: 31 })).toEqual({
      kind: 'interval',
      interval: 'monthly',
      day: 31,
      timeOfDay: '00:00',
      timeZone: 'UTC',
    });
  });

  it.each<[string, Partial<ScheduleInput>, string, string]>([
    [
      'no time zone',
      { cron: '0 9 * * *', timeZone: '' },
      'RECURRING_INVALID_TIME_ZONE',
      'schedule.time_zone',
    ],
    [
      'an unknown time zone',
      { cron: '0 9 * * *', timeZone: 'Mars/Olympus' },
      'RECURRING_INVALID_TIME_ZONE',
      'schedule.time_zone',
    ],
    [
      'an offset for a zone',
      { cron: '0 9 * * *', timeZone: '+05:00' },
      'RECURRING_INVALID_TIME_ZONE',
      'schedule.time_zone',
    ],
    ['neither cron nor interval', {}, 'RECURRING_INVALID_SCHEDULE', 'schedule'],
    [
      'both cron and interval',
      { cron: '0 9 * * *', interval: 'daily' },
      'RECURRING_INVALID_SCHEDULE',
      'schedule',
    ],
    ['six cron fields', { cron: '0 0 9 * * *' }, 'RECURRING_INVALID_SCHEDULE', 'schedule.cron'],
    [
      'a minute out of range',
      { cron: '61 9 * * *' },
      'RECURRING_INVALID_SCHEDULE',
      'schedule.cron',
    ],
    [
      'a date that never exists',
      { cron: '0 0 30 2 *' },
      'RECURRING_INVALID_SCHEDULE',
      'schedule.cron',
    ],
    [
      'a weekly day 0',
      { interval: 'weekly', day: 0 },
      'RECURRING_INVALID_SCHEDULE',
      'schedule.day',
    ],
    [
      'a weekly day 8',
      { interval: 'weekly', day: 8 },
      'RECURRING_INVALID_SCHEDULE',
      'schedule.day',
    ],
    [
      'a monthly day 32',
      { interval: 'monthly', day: 32 },
      'RECURRING_INVALID_SCHEDULE',
      'schedule.day',
    ],
    ['a daily day', { interval: 'daily', day: 3 }, 'RECURRING_INVALID_SCHEDULE', 'schedule.day'],
    [
      'a bad time of day',
      { interval: 'daily', timeOfDay: '24:00' },
      'RECURRING_INVALID_SCHEDULE',
      'schedule.time_of_day',
    ],
    [
      'a time of day without minutes',
      { interval: 'daily', timeOfDay: '9' },
      'RECURRING_INVALID_SCHEDULE',
      'schedule.time_of_day',
    ],
  ])('refuses %s with a stable code naming the field', (_name, patch, code, field) => {
    expect(() => parseSchedule({ ...base, ...patch })).toThrow(
      expect.objectContaining({ code, details: { field } }),
    );
  });
});

describe('nextOccurrence', () => {
  it('is strictly after the instant given, and firstOccurrence includes it', () => {
    const s = parseSchedule({ ...base, interval: 'daily', timeOfDay: '09:00' });
    const nine = new Date('2026-05-01T09:00:00Z');
    expect(nextOccurrence(s, nine)?.toISOString()).toBe('2026-05-02T09:00:00.000Z');
    expect(firstOccurrence(s, nine)?.toISOString()).toBe('2026-05-01T09:00:00.000Z');
    expect(firstOccurrence(s, new Date('2026-05-01T09:00:00.001Z'))?.toISOString()).toBe(
      '2026-05-02T09:00:00.000Z',
    );
  });

  it('reads daily times in a zone without DST at the same UTC hour all year (Asia/Bishkek, UTC+6)', () => {
    const s = parseSchedule({
      ...base,
      interval: 'daily',
      timeOfDay: '10:30',
      timeZone: 'Asia/Bishkek',
    });
    expect(runs(s, '2026-03-27T00:00:00Z', 4)).toEqual([
      '2026-03-27T04:30:00.000Z',
      '2026-03-28T04:30:00.000Z',
      '2026-03-29T04:30:00.000Z',
      '2026-03-30T04:30:00.000Z',
    ]);
  });

  it('keeps the local time across Berlin spring-forward: the UTC instant moves an hour earlier', () => {
    const s = parseSchedule({
      ...base,
      interval: 'daily',
      timeOfDay: '09:00',
      timeZone: 'Europe/Berlin',
    });
    expect(runs(s, '2026-03-28T00:00:00Z', 3)).toEqual([
      '2026-03-28T08:00:00.000Z', // CET, UTC+1
      '2026-03-29T07:00:00.000Z', // CEST, UTC+2 from 29 March 2026
      '2026-03-30T07:00:00.000Z',
    ]);
  });

  it('charges a time skipped by New York spring-forward right after the gap, not a day late', () => {
    // 8 March 2026 02:00 EST becomes 03:00 EDT: 02:30 does not exist that day.
    const s = parseSchedule({
      ...base,
      interval: 'daily',
      timeOfDay: '02:30',
      timeZone: 'America/New_York',
    });
    expect(runs(s, '2026-03-07T12:00:00Z', 3)).toEqual([
      '2026-03-08T07:00:00.000Z', // 03:00 EDT, the first valid time after the gap
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
      '2026-03-10T06:30:00.000Z',
    ]);
  });

  it('charges a time repeated by New York fall-back once', () => {
    // 1 November 2026 02:00 EDT becomes 01:00 EST: 01:30 happens twice.
    const s = parseSchedule({ ...base, cron: '30 1 * * *', timeZone: 'America/New_York' });
    expect(runs(s, '2026-10-31T12:00:00Z', 3)).toEqual([
      '2026-11-01T05:30:00.000Z', // 01:30 EDT, the first time; 06:30Z (01:30 EST) is not charged
      '2026-11-02T06:30:00.000Z',
      '2026-11-03T06:30:00.000Z',
    ]);
  });

  it('charges a cron with an hour list once per wall-clock time across both New York DST changes', () => {
    const twice = parseSchedule({ ...base, cron: '0 2,14 * * *', timeZone: 'America/New_York' });
    // Spring-forward: 02:00 does not exist on 8 March; it runs right after the gap, not skipped.
    expect(runs(twice, '2026-03-07T20:00:00Z', 3)).toEqual([
      '2026-03-08T07:00:00.000Z', // 03:00 EDT
      '2026-03-08T18:00:00.000Z', // 14:00 EDT
      '2026-03-09T06:00:00.000Z', // 02:00 EDT
    ]);
    // Fall-back: 01:00 happens twice on 1 November; it is charged at its first instant only.
    const early = parseSchedule({ ...base, cron: '0 1,13 * * *', timeZone: 'America/New_York' });
    expect(runs(early, '2026-10-31T20:00:00Z', 3)).toEqual([
      '2026-11-01T05:00:00.000Z', // 01:00 EDT; 06:00Z (01:00 EST) is not charged
      '2026-11-01T18:00:00.000Z', // 13:00 EST
      '2026-11-02T06:00:00.000Z',
    ]);
  });

  it('charges a cron with an hour range or a minute step once per wall-clock time over a fall-back', () => {
    const range = parseSchedule({ ...base, cron: '30 1-2 * * *', timeZone: 'America/New_York' });
    expect(runs(range, '2026-10-31T20:00:00Z', 3)).toEqual([
      '2026-11-01T05:30:00.000Z', // 01:30 EDT
      '2026-11-01T07:30:00.000Z', // 02:30 EST; 01:30 EST (06:30Z) is not charged again
      '2026-11-02T06:30:00.000Z',
    ]);
    const gap = parseSchedule({ ...base, cron: '30 1-3 * * *', timeZone: 'America/New_York' });
    expect(runs(gap, '2026-03-08T05:00:00Z', 3)).toEqual([
      '2026-03-08T06:30:00.000Z', // 01:30 EST
      '2026-03-08T07:00:00.000Z', // 02:30 does not exist: 03:00 EDT
      '2026-03-08T07:30:00.000Z', // 03:30 EDT
    ]);
    const halfHourly = parseSchedule({
      ...base,
      cron: '*/30 * * * *',
      timeZone: 'America/New_York',
    });
    expect(runs(halfHourly, '2026-11-01T04:45:00Z', 4)).toEqual([
      '2026-11-01T05:00:00.000Z', // 01:00 EDT
      '2026-11-01T05:30:00.000Z', // 01:30 EDT
      '2026-11-01T07:00:00.000Z', // 02:00 EST: the repeated 01:00 and 01:30 run once only
      '2026-11-01T07:30:00.000Z',
    ]);
  });

  it('reads a cron with an hour list in a zone without DST at fixed UTC hours (Asia/Bishkek)', () => {
    const s = parseSchedule({ ...base, cron: '0 9,21 * * *', timeZone: 'Asia/Bishkek' });
    expect(runs(s, '2026-03-29T00:00:00Z', 3)).toEqual([
      '2026-03-29T03:00:00.000Z',
      '2026-03-29T15:00:00.000Z',
      '2026-03-30T03:00:00.000Z',
    ]);
  });

  it('charges monthly on day 31 on the last day of shorter months, leap February included', () => {
    const s = parseSchedule({
      ...base,
      interval: 'monthly',
      day: 31,
      timeOfDay: '12:00',
      timeZone: 'Asia/Bishkek',
    });
    expect(runs(s, '2027-12-31T00:00:00Z', 6)).toEqual([
      '2027-12-31T06:00:00.000Z',
      '2028-01-31T06:00:00.000Z',
      '2028-02-29T06:00:00.000Z',
      '2028-03-31T06:00:00.000Z',
      '2028-04-30T06:00:00.000Z',
      '2028-05-31T06:00:00.000Z',
    ]);
  });

  it('charges monthly on day 30 once in a 31-day month and on the 28th of a common February', () => {
    const s = parseSchedule({ ...base, interval: 'monthly', day: 30 });
    expect(runs(s, '2026-01-01T00:00:00Z', 4)).toEqual([
      '2026-01-30T00:00:00.000Z',
      '2026-02-28T00:00:00.000Z',
      '2026-03-30T00:00:00.000Z',
      '2026-04-30T00:00:00.000Z',
    ]);
  });

  it('reads the day of month in the schedule zone, not in UTC', () => {
    // 31 Jan 23:30 in New York is 1 Feb in UTC; the clamp must look at the local date.
    const s = parseSchedule({
      ...base,
      interval: 'monthly',
      day: 31,
      timeOfDay: '23:30',
      timeZone: 'America/New_York',
    });
    expect(runs(s, '2026-01-15T00:00:00Z', 2)).toEqual([
      '2026-02-01T04:30:00.000Z', // 31 Jan 23:30 EST
      '2026-03-01T04:30:00.000Z', // 28 Feb 23:30 EST
    ]);
  });

  it('charges weekly on the ISO weekday, 7 being Sunday', () => {
    const sunday = parseSchedule({ ...base, interval: 'weekly', day: 7, timeOfDay: '08:15' });
    const monday = parseSchedule({ ...base, interval: 'weekly', day: 1, timeOfDay: '08:15' });
    // 6 December 2026 is a Sunday.
    expect(runs(sunday, '2026-12-01T00:00:00Z', 2)).toEqual([
      '2026-12-06T08:15:00.000Z',
      '2026-12-13T08:15:00.000Z',
    ]);
    expect(runs(monday, '2026-12-01T00:00:00Z', 1)).toEqual(['2026-12-07T08:15:00.000Z']);
  });
});

describe('nextChargeWithin', () => {
  const s = parseSchedule({ ...base, interval: 'daily', timeOfDay: '09:00' });

  it('includes an occurrence exactly at the end date and nothing after it', () => {
    const end = new Date('2026-05-03T09:00:00Z');
    expect(nextChargeWithin(s, new Date('2026-05-03T00:00:00Z'), end)?.toISOString()).toBe(
      '2026-05-03T09:00:00.000Z',
    );
    expect(nextChargeWithin(s, new Date('2026-05-03T09:00:01Z'), end)).toBeNull();
  });
});
