import { databaseUrlFor, ensureDatabase } from '@tolem/db-kit';

import { cpuMicros, type CpuSample, sampleCpu } from './cpu';
import { type PgbenchResult, runPgbench } from './pgbench';
import { checkpoint } from './postgres';

/** What the benches print: plain lines, and steps stamped with the seconds since start. */
export function createReporter() {
  const started = Date.now();
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const step = (line: string) => say(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);
  return { say, step };
}

/**
 * CPU microseconds per ms each group burns with nothing to do (sweepers, relays, pollers,
 * Kafka), measured over `ms`, so a run's figures can leave it out.
 */
export async function idleCpu(
  scope: string | undefined,
  groups: readonly string[],
  ms = 5_000,
): Promise<Record<string, number>> {
  const before = sampleCpu(scope);
  const started = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const after = sampleCpu(scope);
  const spent = performance.now() - started;
  return Object.fromEntries(
    // At least 0: a PostgreSQL backend that ends in between takes its CPU with it.
    groups.map((g) => [g, Math.max(0, cpuMicros(before, after, g)) / spent]),
  );
}

/** CPU µs per item of work by group, above what the idle platform burns in the same time. */
export function cpuPerItem(
  before: CpuSample,
  after: CpuSample,
  items: number,
  spanMs: number,
  groups: readonly string[],
  idleMicrosPerMs: Record<string, number> = {},
): Record<string, number> {
  return Object.fromEntries(
    groups.map((g) => {
      const used = cpuMicros(before, after, g) - (idleMicrosPerMs[g] ?? 0) * spanMs;
      return [g, items > 0 ? Math.round(Math.max(0, used) / items) : 0];
    }),
  );
}

/**
 * pgbench (TPC-B-like, scale 10, 16 clients, 2 threads) on the server the run used, once the
 * platform is stopped and its writes checkpointed: the yardstick each bench's ratio divides by.
 */
export async function pgbenchAlone(
  serverUrl: string,
  seconds: number,
  step: (line: string) => void,
): Promise<PgbenchResult> {
  await checkpoint(serverUrl);
  step('platform stopped, checkpoint done; running pgbench alone on the same server');
  await ensureDatabase(serverUrl, 'pgbench');
  const pgbench = await runPgbench({
    url: databaseUrlFor(serverUrl, 'pgbench'),
    scale: 10,
    clients: 16,
    threads: 2,
    seconds,
    beforeRun: () => checkpoint(serverUrl),
  });
  step(
    `pgbench -s 10 -c 16 -j 2 -T ${seconds}: ${pgbench.tps.toFixed(0)} tps, ` +
      `latency avg ${pgbench.latencyAvgMs.toFixed(2)} ms (${pgbench.transactions} transactions)`,
  );
  return pgbench;
}
