import { Cron } from 'croner';

import { invalidField } from './errors';
import type { Schedule } from './operation';

/** The schedule as a request carries it (proto `Schedule`, enums already read). */
export interface ScheduleInput {
  cron: string;
  timeZone: string;
  interval: 'daily' | 'weekly' | 'monthly' | null;
  day: number;
  timeOfDay: string;
}

const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)$/;
// IANA names are Area/Location (or UTC-like single words); offsets such as "+05:00" are refused
// because a fixed offset silently ignores the zone's DST rules.
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/** True for a time zone name the runtime's IANA database knows (e.g. "Asia/Bishkek", "UTC"). */
export function isValidTimeZone(name: string): boolean {
  if (!ZONE_NAME.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads and validates a schedule: exactly one of a five-field cron expression or an interval, a
 * valid IANA time zone, and for an interval its day and "HH:MM". Throws a field error
 * (RECURRING_INVALID_SCHEDULE / RECURRING_INVALID_TIME_ZONE naming `schedule.<field>`).
 */
export function parseSchedule(input: ScheduleInput): Schedule {
  const timeZone = input.timeZone.trim();
  if (!timeZone) {
    throw invalidField(
      'RECURRING_INVALID_TIME_ZONE',
      'schedule.time_zone',
      'schedule.time_zone is required',
    );
  }
  if (!isValidTimeZone(timeZone)) {
    throw invalidField(
      'RECURRING_INVALID_TIME_ZONE',
      'schedule.time_zone',
      'schedule.time_zone must be an IANA time zone name, e.g. "Europe/Berlin"',
    );
  }
  const cron = input.cron.trim().replace(/\s+/g, ' ');
  if (cron && input.interval) {
    throw invalidField(
      'RECURRING_INVALID_SCHEDULE',
      'schedule',
      'send schedule.cron or schedule.interval, not both',
    );
  }
  let schedule: Schedule;
  if (cron) {
    if (cron.split(' ').length !== 5) {
      throw invalidField(
        'RECURRING_INVALID_SCHEDULE',
        'schedule.cron',
        'schedule.cron must have five fields: minute hour day-of-month month day-of-week',
      );
    }
    try {
      new Cron(cron, { mode: '5-part', paused: true });
    } catch (err) {
      throw invalidField(
        'RECURRING_INVALID_SCHEDULE',
        'schedule.cron',
        `schedule.cron is not a valid cron expression: ${err instanceof Error ? err.message.replace(/^CronPattern: /, '') : 'unreadable'}`,
      );
    }
    schedule = { kind: 'cron', cron, timeZone };
  } else if (input.interval) {
    const timeOfDay = input.timeOfDay || '00:00';
    if (!TIME_OF_DAY.test(timeOfDay)) {
      throw invalidField(
        'RECURRING_INVALID_SCHEDULE',
        'schedule.time_of_day',
        'schedule.time_of_day must be "HH:MM" (00:00..23:59)',
      );
    }
    const day = input.day;
    const range: Record<typeof input.interval, [number, number]> = {
      daily: [0, 0],
      weekly: [1, 7],
      monthly: [1, 31],
    };
    const [min, max] = range[input.interval];
    if (!Number.isInteger(day) || day < min || day > max) {
      throw invalidField(
        'RECURRING_INVALID_SCHEDULE',
        'schedule.day',
        input.interval === 'daily'
          ? 'schedule.day must be 0 for a daily schedule'
          : `schedule.day must be ${min}..${max} for a ${input.interval} schedule`,
      );
    }
    schedule = { kind: 'interval', interval: input.interval, day, timeOfDay, timeZone };
  } else {
    throw invalidField('RECURRING_INVALID_SCHEDULE', 'schedule', 'schedule needs cron or interval');
  }
  // A valid pattern can still name no real date ("0 0 30 2 *"): refuse it now, not at charge time.
  if (!nextOccurrence(schedule, new Date(0))) {
    throw invalidField('RECURRING_INVALID_SCHEDULE', 'schedule.cron', 'the schedule never occurs');
  }
  return schedule;
}

interface Compiled {
  cron: Cron;
  /** MONTHLY on day 29..31: the day wanted; candidates are filtered to min(day, month's length). */
  clampDay?: number;
}

function compile(schedule: Schedule): Compiled {
  // A single-value minute and hour make croner treat the job as fixed-time: a time in a DST gap
  // runs at the first valid time after it, and a time that occurs twice runs once.
  const options = { timezone: schedule.timeZone, mode: '5-part' as const, paused: true };
  if (schedule.kind === 'cron') return { cron: new Cron(schedule.cron, options) };
  const [hh, mm] = schedule.timeOfDay.split(':').map(Number);
  const at = `${mm} ${hh}`;
  switch (schedule.interval) {
    case 'daily':
      return { cron: new Cron(`${at} * * *`, options) };
    case 'weekly':
      // ISO 7 (Sunday) is cron's 0.
      return { cron: new Cron(`${at} * * ${schedule.day % 7}`, options) };
    case 'monthly':
      if (schedule.day <= 28) return { cron: new Cron(`${at} ${schedule.day} * *`, options) };
      return { cron: new Cron(`${at} 28-31 * *`, options), clampDay: schedule.day };
  }
}

/** A cron whose minute and hour are single values: croner itself handles DST for those. */
function isFixedTime(schedule: Schedule): boolean {
  if (schedule.kind !== 'cron') return true;
  const [minute = '', hour = ''] = schedule.cron.trim().split(/\s+/);
  return /^\d+$/.test(minute) && /^\d+$/.test(hour);
}

const wallFormats = new Map<string, Intl.DateTimeFormat>();

/** The wall clock of `instant` in `timeZone`, as the UTC instant with the same fields (ms). */
function wallClock(instant: number, timeZone: string): number {
  let format = wallFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    wallFormats.set(timeZone, format);
  }
  const f: Record<string, number> = {};
  for (const p of format.formatToParts(new Date(instant))) f[p.type] = Number(p.value);
  const ms = instant - Math.floor(instant / 1000) * 1000;
  return (
    Date.UTC(
      f['year'] ?? 0,
      (f['month'] ?? 1) - 1,
      f['day'] ?? 1,
      f['hour'],
      f['minute'],
      f['second'],
    ) + ms
  );
}

/**
 * The instant a wall-clock time of `timeZone` names: the first of the two when a fall-back repeats
 * it, and the end of the gap (the first valid time after it) when a spring-forward skips it.
 */
function instantOfWall(wall: number, timeZone: string): number {
  const offsetAt = (t: number) => wallClock(t, timeZone) - t;
  const before = offsetAt(wall - 86_400_000);
  const after = offsetAt(wall + 86_400_000);
  const exact = [...new Set([before, offsetAt(wall), after])]
    .map((offset) => wall - offset)
    .filter((t) => wallClock(t, timeZone) === wall);
  if (exact.length > 0) return Math.min(...exact);
  // In a gap: the transition, where the offset turns from `before` to `after`.
  let lo = wall - after;
  let hi = wall - before;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(mid) === after) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * A cron with a list, range or step in its minute or hour, read in wall-clock time: croner's own
 * reading of those skips a time in a spring-forward gap and runs a time repeated by a fall-back
 * twice. Each wall-clock time runs once: at its first instant, or right after the gap.
 */
function nextWallOccurrence(expression: string, timeZone: string, after: Date): Date | null {
  const cron = new Cron(expression, { timezone: 'UTC', mode: '5-part', paused: true });
  let wall = wallClock(after.getTime(), timeZone);
  // A wall time at or before `after` was already run at its first instant (a fall-back's repeat).
  for (let i = 0; i < 1_000; i++) {
    const next = cron.nextRun(new Date(wall));
    if (!next) return null;
    const instant = instantOfWall(next.getTime(), timeZone);
    if (instant > after.getTime()) return new Date(instant);
    wall = next.getTime();
  }
  return null;
}

function localDate(instant: Date, timeZone: string): { year: number; month: number; day: number } {
  const wall = new Date(wallClock(instant.getTime(), timeZone));
  return { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate() };
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * The schedule's first occurrence strictly after `after`, or null when there is none. Read in the
 * schedule's time zone, DST included: a local time skipped by a spring-forward runs at the first
 * valid time after the gap, and one repeated by a fall-back runs once. MONTHLY on day 29..31
 * charges on the last day of a shorter month.
 */
export function nextOccurrence(schedule: Schedule, after: Date): Date | null {
  if (schedule.kind === 'cron' && !isFixedTime(schedule))
    return nextWallOccurrence(schedule.cron, schedule.timeZone, after);
  const { cron, clampDay } = compile(schedule);
  let candidate = cron.nextRun(after);
  if (!clampDay) return candidate;
  // Every month has candidates 28..L and exactly one of them is the clamped day.
  for (let i = 0; candidate && i < 8; i++) {
    const { year, month, day } = localDate(candidate, schedule.timeZone);
    if (day === Math.min(clampDay, daysInMonth(year, month))) return candidate;
    candidate = cron.nextRun(candidate);
  }
  return null;
}

/** The schedule's first occurrence at or after `startsAt`, or null when there is none. */
export function firstOccurrence(schedule: Schedule, startsAt: Date): Date | null {
  return nextOccurrence(schedule, new Date(startsAt.getTime() - 1));
}

/**
 * The next charge of an operation: the first occurrence at or after `from`, none when it falls
 * after `endsAt` (the end date is inclusive: an occurrence exactly at it is still charged).
 */
export function nextChargeWithin(schedule: Schedule, from: Date, endsAt: Date | null): Date | null {
  const next = firstOccurrence(schedule, from);
  if (!next || (endsAt && next.getTime() > endsAt.getTime())) return null;
  return next;
}
