import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The pgbench of the highest PostgreSQL under /usr/lib/postgresql, else the one on PATH. */
export function findPgbench(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+(\.\d+)?$/.test(v))
        .sort((a, b) => Number.parseInt(b, 10) - Number.parseInt(a, 10))
    : [];
  for (const v of versions) {
    const bin = join(root, v, 'bin', 'pgbench');
    if (existsSync(bin)) return bin;
  }
  return 'pgbench';
}

function run(bin: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      args,
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${bin} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
        else resolve(`${stdout}\n${stderr}`);
      },
    );
  });
}

export interface PgbenchResult {
  tps: number;
  latencyAvgMs: number;
  transactions: number;
  output: string;
}

/**
 * pgbench's TPC-B-like default script: `-i -s <scale>` to initialise, then `-c <clients> -j
 * <threads> -T <seconds>`. pgbench is a client, so it runs as whatever user we are.
 */
export async function runPgbench(options: {
  url: string;
  scale: number;
  clients: number;
  threads: number;
  seconds: number;
  /** Runs between initialisation and the measured run (e.g. a CHECKPOINT). */
  beforeRun?: () => Promise<void>;
}): Promise<PgbenchResult> {
  const bin = findPgbench();
  await run(bin, ['-i', '-s', String(options.scale), '-q', options.url], 300_000);
  await options.beforeRun?.();
  const output = await run(
    bin,
    [
      '-c',
      String(options.clients),
      '-j',
      String(options.threads),
      '-T',
      String(options.seconds),
      options.url,
    ],
    (options.seconds + 120) * 1000,
  );
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(output)?.[1];
  const latency = /latency average = ([\d.]+) ms/.exec(output)?.[1];
  const transactions = /number of transactions actually processed: (\d+)/.exec(output)?.[1];
  if (!tps) throw new Error(`could not read tps from pgbench output:\n${output}`);
  return {
    tps: Number.parseFloat(tps),
    latencyAvgMs: latency ? Number.parseFloat(latency) : Number.NaN,
    transactions: transactions ? Number.parseInt(transactions, 10) : 0,
    output,
  };
}
