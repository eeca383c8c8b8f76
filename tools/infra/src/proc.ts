import { spawn, type SpawnOptions } from 'node:child_process';
import { promises as fsp } from 'node:fs';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Runs a command to completion, capturing its output (never throws for a non-zero exit). */
export function run(
  cmd: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const spawnOpts: SpawnOptions = {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    };
    const child = spawn(cmd, [...args], spawnOpts);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Renders a command line for error messages so that a person can paste and re-run it. */
export function formatCommand(cmd: string, args: readonly string[]): string {
  const quote = (s: string): string =>
    /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
  return [cmd, ...args].map(quote).join(' ');
}

/** Runs a command and throws (with the command and its output) unless it exits 0. */
export async function runChecked(
  cmd: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  let res: RunResult;
  try {
    res = await run(cmd, args, opts);
  } catch (err) {
    throw new Error(
      `Command failed to start: ${formatCommand(cmd, args)}\n${(err as Error).message}`,
    );
  }
  if (res.code !== 0) {
    const out = [res.stdout.trim(), res.stderr.trim()].filter(Boolean).join('\n');
    throw new Error(
      `Command failed (exit ${res.code ?? res.signal}): ${formatCommand(cmd, args)}\n${tail(out, 60)}`,
    );
  }
  return res;
}

export function tail(text: string, lines: number): string {
  return text.split('\n').slice(-lines).join('\n');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * True when the pid exists and is not a zombie. A zombie (exited but not yet reaped by its parent)
 * still answers kill(pid, 0), so /proc is consulted where it exists.
 */
export async function isPidAlive(pid: number): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM means it exists but belongs to someone else: still alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = await fsp.readFile(`/proc/${pid}/stat`, 'utf8');
    // Field 3 (after the parenthesised command name) is the state letter.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc (macOS): trust kill(0)
  }
}

/** The process's command line as one string, or undefined when unavailable. */
export async function processCommandLine(pid: number): Promise<string | undefined> {
  try {
    const raw = await fsp.readFile(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

/** Polls until the pid is gone or the deadline passes; returns whether it exited. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await isPidAlive(pid))) return true;
    await sleep(100);
  }
  return !(await isPidAlive(pid));
}

/** Whether an executable can be spawned at all (ENOENT means it is not installed). */
export async function commandExists(
  cmd: string,
  args: readonly string[] = ['--version'],
): Promise<boolean> {
  try {
    await run(cmd, args, { timeoutMs: 15_000 });
    return true;
  } catch {
    return false;
  }
}
