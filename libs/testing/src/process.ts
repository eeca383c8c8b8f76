import { type ChildProcess, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { credentials, makeGenericClientConstructor } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

import { bundledEntry } from './bundle';
import { waitFor } from './wait';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

/** Binds and releases a port: resolves whether it was free on 127.0.0.1 (0: the OS picks one). */
function tryPort(port: number): Promise<number | undefined> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.unref();
    server.on('error', () => resolvePort(undefined));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        resolvePort(address && typeof address === 'object' ? address.port : undefined),
      );
    });
  });
}

/**
 * Ports below the kernel's ephemeral range: between being chosen here and bound by the service,
 * such a port is never handed out as the source port of some outgoing connection (which the OS's
 * own `listen(0)` pick can be, under connection churn: a service then fails with EADDRINUSE).
 */
function listenRange(): [number, number] {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (low !== undefined && low > 12_000) return [10_000, low - 1];
  } catch {
    // Not Linux: the OS's pick is the fallback below.
  }
  return [0, 0];
}

const handedOut = new Set<number>();

/** A free TCP port on 127.0.0.1 that this process has not handed out before. */
export async function freePort(): Promise<number> {
  const [low, high] = listenRange();
  for (let attempt = 0; high > low && attempt < 50; attempt++) {
    const candidate = low + randomInt(high - low + 1);
    if (handedOut.has(candidate)) continue;
    // Reserved before the check, so concurrent calls in this process never pick the same one.
    handedOut.add(candidate);
    if (reservedAcrossProcesses(candidate) && (await tryPort(candidate)) === candidate) {
      return candidate;
    }
    handedOut.delete(candidate);
  }
  const port = await tryPort(0);
  if (port === undefined) throw new Error('no free port');
  handedOut.add(port);
  return port;
}

const RESERVATIONS_DIR = join(tmpdir(), 'tolem-port-reservations');
/** Longer than a stack takes from choosing its ports to binding them on a loaded machine. */
const RESERVATION_MS = 5 * 60_000;

/**
 * Claims a port for this process against other processes choosing ports at the same time (test
 * files running side by side each start a stack): a port is free until its service binds it,
 * seconds later, and another process's check would find it free too. The claim is a file created
 * exclusively; one older than RESERVATION_MS is stale (its service has bound the port by then, or
 * never will) and is taken over.
 */
function reservedAcrossProcesses(port: number): boolean {
  const file = join(RESERVATIONS_DIR, String(port));
  try {
    mkdirSync(RESERVATIONS_DIR, { recursive: true });
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return true; // cannot coordinate: probe only
  }
  try {
    if (Date.now() - statSync(file).mtimeMs < RESERVATION_MS) return false;
    const mine = `${file}.${process.pid}.${randomInt(1_000_000_000)}`;
    writeFileSync(mine, String(process.pid));
    renameSync(mine, file);
    return true;
  } catch {
    return false;
  }
}

/**
 * gRPC health of a server: resolves true once it reports SERVING. Service "" is readiness;
 * grpc-kit's "liveness" says only that the process serves.
 */
export function grpcServing(address: string, timeoutMs = 1_000, service = ''): Promise<boolean> {
  const Client = makeGenericClientConstructor(healthService as never, 'grpc.health.v1.Health');
  const client = new Client(address, credentials.createInsecure());
  return new Promise((resolveServing) => {
    (client as unknown as Record<string, (...a: unknown[]) => void>)['check']?.(
      { service },
      { deadline: new Date(Date.now() + timeoutMs) },
      (err: Error | null, res: { status?: string | number } | undefined) => {
        client.close();
        resolveServing(!err && (res?.status === 'SERVING' || res?.status === 1));
      },
    );
  });
}

/** The status of an HTTP GET of url within a second; undefined when nothing answered. */
async function httpStatus(url: string): Promise<number | undefined> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1_000) })).status;
  } catch {
    return undefined;
  }
}

/** Resolves once an HTTP GET of url answers with any status. */
export async function httpAnswers(url: string): Promise<boolean> {
  return (await httpStatus(url)) !== undefined;
}

/** Resolves true once an HTTP GET of url answers 2xx (a readiness endpoint saying ready). */
export async function httpOk(url: string): Promise<boolean> {
  const status = await httpStatus(url);
  return status !== undefined && status >= 200 && status < 300;
}

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  /** Everything the process printed so far (JSON log lines). */
  output(): string;
  /** SIGTERM, then SIGKILL after the grace period. Resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL: a crash, for fault tests. */
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

export interface SpawnServiceOptions {
  name: string;
  /** Path of main.ts relative to the repo root, e.g. apps/ledger/src/main.ts. */
  entry: string;
  env: Record<string, string>;
  /** Resolves true when the service is ready. */
  ready: () => Promise<boolean>;
  readyTimeoutMs?: number;
  /** Mirror the child's output to this stream (npm start); tests keep it in memory. */
  echo?: NodeJS.WritableStream;
  /** Extra node flags, e.g. --cpu-prof (which NODE_OPTIONS does not accept). */
  nodeArgs?: string[];
}

/** Services this process spawned that have not exited. */
const liveChildren = new Set<ChildProcess>();

/**
 * Services still running when this process exits are killed with it: a bench or `npm start`
 * stopped by a signal while its stack was still starting (its stop() not yet returned to the
 * caller) used to leave the services spawned so far running, holding their ports. An exit hook
 * can only act synchronously, hence SIGKILL; a stop() that ran first already removed them.
 */
function killOnExit(child: ChildProcess): void {
  if (liveChildren.size === 0) process.once('exit', killLiveChildren);
  liveChildren.add(child);
  child.once('exit', () => {
    liveChildren.delete(child);
    if (liveChildren.size === 0) process.removeListener('exit', killLiveChildren);
  });
}

function killLiveChildren(): void {
  for (const child of liveChildren) child.kill('SIGKILL');
}

/**
 * How a service's TypeScript runs: bundled (the default; see bundle.ts) or, with
 * TOLEM_SPAWN_RUNNER=tsx, from its sources through tsx (CPU profiles then name source files).
 */
async function entryArgs(entry: string): Promise<string[]> {
  if (process.env['TOLEM_SPAWN_RUNNER'] === 'tsx') {
    return ['--import', 'tsx', join(REPO_ROOT, entry)];
  }
  return [await bundledEntry(REPO_ROOT, entry)];
}

/** How a child ended: its exit code, or the signal that killed it. */
function exitOf(child: ChildProcess): string {
  return child.signalCode ? `was killed by ${child.signalCode}` : `exited with ${child.exitCode}`;
}

/** Runs a service's main.ts as its own process and waits until it is ready. */
export async function spawnService(options: SpawnServiceOptions): Promise<ServiceProcess> {
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), '--enable-source-maps', ...(await entryArgs(options.entry))],
    {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: process.env['HOME'] ?? '',
        TSX_TSCONFIG_PATH: join(REPO_ROOT, 'tsconfig.base.json'),
        // No metrics endpoint unless the test asks for one: processes started side by side would
        // otherwise all bind the default 9464.
        METRICS_PORT: '0',
        // A single app under test talks plaintext (the apps' explicit opt-in); the stack hands
        // every app GRPC_TLS_DIR instead, and the two may not be set together.
        ...(options.env['GRPC_TLS_DIR'] ? {} : { GRPC_INSECURE: 'true' }),
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  killOnExit(child);
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 4_000_000) output = output.slice(-2_000_000);
    options.echo?.write(chunk);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolveExit) =>
    child.once('exit', (code) => resolveExit(code)),
  );
  const closed = new Promise<void>((resolveClosed) => child.once('close', () => resolveClosed()));
  /** All the child's output once its pipes closed (a second at most: a grandchild may hold them). */
  const lastOutput = async (chars: number) => {
    await Promise.race([closed, sleep(1_000, undefined, { ref: false })]);
    return output.slice(-chars);
  };
  let dead = false;
  let ready = false;
  let stopping = false;
  void exited.then((code) => {
    dead = true;
    // A service that fails on its own after start (a crash) leaves a test waiting for answers
    // that go nowhere; its last words belong in the test's output. One that fails while starting
    // has them in the error spawnService throws instead.
    if (ready && !stopping && code !== 0 && code !== null) {
      void lastOutput(2_000).then((last) =>
        process.stderr.write(
          `[spawnService] ${options.name} (pid ${child.pid}) exited with ${code}:\n${last}\n`,
        ),
      );
    }
  });

  const handle: ServiceProcess = {
    name: options.name,
    child,
    output: () => output,
    exited,
    async stop(graceMs = 15_000) {
      if (dead) return child.exitCode;
      stopping = true;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    async kill() {
      if (dead) return;
      stopping = true;
      child.kill('SIGKILL');
      await exited;
    },
  };

  try {
    // A death ends the wait at once (a throw would only be retried until the timeout).
    const outcome = await waitFor(
      async () => (dead ? 'exited' : (await options.ready()) && 'ready'),
      {
        timeoutMs: options.readyTimeoutMs ?? 60_000,
        intervalMs: 150,
        what: `${options.name} to be ready`,
      },
    );
    // Dead now though it answered (it crashed right after): no handle to a dead service.
    if (outcome === 'exited' || dead) throw new Error(`${options.name} ${exitOf(child)}`);
  } catch (err) {
    await handle.stop(2_000);
    throw new Error(
      `${(err as Error).message}\n--- ${options.name} output ---\n${await lastOutput(4_000)}`,
    );
  }
  ready = true;
  return handle;
}
