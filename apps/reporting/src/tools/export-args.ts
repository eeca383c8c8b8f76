import { parseArgs } from 'node:util';

/** Bad command-line arguments: the CLI prints them with its usage and exits 2. */
export class UsageError extends Error {}

function utcDay(value: string | undefined, name: string): Date {
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value))
    throw new UsageError(`--${name} must be a date YYYY-MM-DD`);
  const day = new Date(`${value}T00:00:00.000Z`);
  if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== value) {
    throw new UsageError(`--${name} is not a calendar date`);
  }
  return day;
}

/** `--merchant`, `--from`, `--to` (UTC days, both inclusive; `to` becomes the exclusive next midnight), `--out`. */
export function parseExportArgs(argv: string[]): {
  merchantId: string;
  from: Date;
  to: Date;
  out?: string;
} {
  const { values } = parseArgs({
    args: argv,
    options: {
      merchant: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
  });
  if (!values.merchant) throw new UsageError('--merchant is required');
  const from = utcDay(values.from, 'from');
  const lastDay = utcDay(values.to, 'to');
  if (lastDay < from) throw new UsageError('--to must not be before --from');
  const to = new Date(lastDay.getTime() + 86_400_000);
  return { merchantId: values.merchant, from, to, out: values.out };
}
