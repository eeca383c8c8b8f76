/**
 * SQL for when a sweep tries again a row it could not move on: the bound `now` plus 10 s,
 * doubled for each earlier try counted in `tries`, at most `max` (the exponent is capped too, so
 * no interval overflows however often it is tried). Set it in the statement that adds one to
 * `tries`, which reads the count before the update.
 */
export function retryAtAfter(tries: string, max: '1 hour' | '10 minutes'): string {
  return `?::timestamptz + least(interval '${max}', interval '10 seconds' * power(2, least(${tries}, 9)))`;
}
