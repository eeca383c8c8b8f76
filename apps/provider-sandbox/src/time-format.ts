const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The wall-clock fields of an instant at a fixed UTC offset (no daylight saving). */
function wallClock(at: Date, offsetMinutes: number) {
  const d = new Date(at.getTime() + offsetMinutes * 60_000);
  return {
    date: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
    time: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`,
  };
}

export const MOSCOW_OFFSET_MINUTES = 3 * 60;
export const MANILA_OFFSET_MINUTES = 8 * 60;

/** `YYYY-MM-DD HH:MM:SS` at the offset (IntellectMoney's paymentData is Moscow time). */
export function dateTimeAt(at: Date, offsetMinutes: number): string {
  const { date, time } = wallClock(at, offsetMinutes);
  return `${date} ${time}`;
}

/** ISO 8601 with the offset, as PHP's `date('c')`: `2024-01-02T11:04:05+08:00`. */
export function isoAt(at: Date, offsetMinutes: number): string {
  const { date, time } = wallClock(at, offsetMinutes);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${date}T${time}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
