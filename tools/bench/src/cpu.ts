import { readdirSync, readFileSync } from 'node:fs';

/** CPU time by process group, from /proc (Linux); empty elsewhere. */
export type CpuSample = Map<string, number>;

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function groupOf(pid: number, cmdline: string): string | undefined {
  if (pid === process.pid) return 'client';
  // Every app runs as `node … .tolem/bundles/apps-<name>-src-main.<build>.js` (libs/testing's
  // bundles) or, with TOLEM_SPAWN_RUNNER=tsx, `node … apps/<name>/src/main.ts`: the group is the
  // app's name.
  const app = /apps[/-]([a-z-]+?)[/-]src[/-]main\./.exec(cmdline)?.[1];
  if (app) return app;
  if (cmdline.startsWith('postgres') || cmdline.includes('/bin/postgres')) return 'postgres';
  if (cmdline.includes('kafka.Kafka') || cmdline.includes('kafka/')) return 'kafka';
  return undefined;
}

interface ProcInfo {
  ppid: number;
  cmdline: string;
  seconds: number;
}

function readProc(pid: number): ProcInfo | undefined {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name "(...)": ppid is the 2nd, utime and stime the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      ppid: Number(fields[1]),
      cmdline,
      seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
    };
  } catch {
    return undefined; // The process ended between listing and reading.
  }
}

/**
 * User + system seconds each group has used so far, counting only this process, its
 * descendants (the apps it spawned), and the processes whose command line names `scope` (the
 * bench's state dir: its PostgreSQL and Kafka, which run detached) with their descendants
 * (PostgreSQL's backends). Other PostgreSQL or Tolem processes on a shared machine do not count.
 */
export function sampleCpu(scope?: string): CpuSample {
  const sample: CpuSample = new Map();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return sample;
  }
  const procs = new Map<number, ProcInfo>();
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const info = readProc(pid);
    if (info) procs.set(pid, info);
  }
  const isRoot = (pid: number, info: ProcInfo) =>
    pid === process.pid || (scope !== undefined && info.cmdline.includes(scope));
  const ours = (pid: number): boolean => {
    for (let cur = pid, depth = 0; depth < 64; depth += 1) {
      const info = procs.get(cur);
      if (!info) return false;
      if (isRoot(cur, info)) return true;
      cur = info.ppid;
    }
    return false;
  };
  for (const [pid, info] of procs) {
    const group = groupOf(pid, info.cmdline);
    if (!group || !ours(pid)) continue;
    sample.set(group, (sample.get(group) ?? 0) + info.seconds);
  }
  return sample;
}

/**
 * Microseconds of CPU per transfer by group between two samples, e.g.
 * "ledger 95, postgres 130, kafka 12, client 15 µs CPU/transfer". Processes that ended in between
 * are not counted (postgres backends live as long as their pooled connection).
 */
export function cpuPerTransfer(
  before: CpuSample,
  after: CpuSample,
  transfers: number,
  groups: readonly string[] = ['ledger', 'postgres', 'kafka', 'client'],
  unit = 'transfer',
): string {
  if (after.size === 0 || transfers === 0) return `CPU per ${unit} n/a`;
  const parts = groups.map(
    (group) => `${group} ${Math.round(cpuMicros(before, after, group) / transfers)}`,
  );
  return `${parts.join(', ')} µs CPU/${unit}`;
}

/** Microseconds of CPU one group used between two samples. */
export function cpuMicros(before: CpuSample, after: CpuSample, group: string): number {
  return ((after.get(group) ?? 0) - (before.get(group) ?? 0)) * 1e6;
}
