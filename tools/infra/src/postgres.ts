import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Client } from 'pg';

import { containerRuntimeAvailable } from './docker';
import { withLock } from './lock';
import { freePort, isPortFree } from './ports';
import { formatCommand, isPidAlive, run, runChecked, type RunResult, sleep } from './proc';
import { exists, fileTail, readState, removeState, writeState } from './state';
import {
  type Logger,
  markStarted,
  noLog,
  type PostgresHandle,
  type ProvisionOptions,
} from './types';

/** What `<stateDir>/postgres.json` records about the local cluster. */
export interface PostgresState {
  clusterDir: string;
  dataDir: string;
  socketDir: string;
  logFile: string;
  binDir: string;
  /** OS user that owns the cluster when provisioning ran as root. */
  runAs?: string;
  port: number;
  pid?: number;
  durable: boolean;
  /** pg_stat_statements preloaded (benchmarks that print where PostgreSQL's time goes). */
  statementStats?: boolean;
  /** Serves TLS (server.crt and server.key in the data dir). */
  tls?: boolean;
  url: string;
  startedAt?: string;
}

const SUPERUSER = 'postgres';
const CONTAINER_IMAGE = 'postgres:15-alpine';

export function postgresStateFile(stateDir: string): string {
  return path.join(path.resolve(stateDir), 'postgres.json');
}

export function postgresUrl(port: number): string {
  return `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`;
}

/** Order: DATABASE_URL, a live local cluster of this state dir, testcontainers, local binaries. */
export async function ensurePostgres(opts: ProvisionOptions): Promise<PostgresHandle> {
  const log = opts.log ?? noLog;
  const env = opts.env ?? process.env;
  const fromEnv = env['DATABASE_URL'];
  if (fromEnv) {
    log('postgres: using DATABASE_URL');
    return { url: fromEnv, source: 'env', stop: async () => undefined };
  }
  const stateDir = path.resolve(opts.stateDir);
  await fsp.mkdir(stateDir, { recursive: true });
  // A server this state dir already runs is reused before probing Docker: it is the quickest answer and
  // keeps `npm start` data in one place.
  const tls = opts.postgresTls;
  if (tls && (await exists(postgresStateFile(stateDir)))) {
    throw new Error(
      `postgres: a TLS cluster needs a state dir of its own; ${stateDir} has one already`,
    );
  }
  const reused = tls ? undefined : await reuseRunning(stateDir, opts.durable ?? false, log);
  if (reused) return reused;
  if (!tls && (await containerRuntimeAvailable(log)))
    return startContainer(opts.durable ?? false, log);
  return withLock(
    path.join(stateDir, 'postgres.lock'),
    () => ensureLocal(stateDir, opts.durable ?? false, log, opts.statementStats ?? false, tls),
    {
      log,
    },
  );
}

async function reuseRunning(
  stateDir: string,
  durable: boolean,
  log: Logger,
): Promise<PostgresHandle | undefined> {
  const state = await readState<PostgresState>(postgresStateFile(stateDir));
  if (!state || !(await isServing(state))) return undefined;
  if (state.durable !== durable) await applyDurability(stateDir, state, durable, log);
  log(`postgres: reusing running server on port ${state.port}`);
  return localHandle(stateDir, state, log);
}

async function ensureLocal(
  stateDir: string,
  durable: boolean,
  log: Logger,
  statementStats: boolean,
  tls?: ProvisionOptions['postgresTls'],
): Promise<PostgresHandle> {
  // Checked again under the lock: another process may have started it while we waited.
  const again = await reuseRunning(stateDir, durable, log);
  if (again) return again;
  const previous = await readState<PostgresState>(postgresStateFile(stateDir));
  // A cluster must keep the major version that created it, even if a newer server gets installed.
  const keepBin = previous !== undefined && (await exists(path.join(previous.binDir, 'postgres')));
  const binDir = keepBin ? previous.binDir : await findPgBinDir();
  const runAs = await pgRunUser(log);
  if (previous && (await postmasterRuns(previous)))
    return waitForRunningServer(stateDir, previous, durable, log);
  const layout = previous ?? (await newLayout(stateDir, binDir, runAs, durable, log));
  const state: PostgresState = {
    ...layout,
    binDir,
    runAs,
    durable,
    statementStats,
    tls: tls !== undefined,
  };
  if (!(await exists(path.join(state.dataDir, 'PG_VERSION')))) {
    await initCluster(state, stateDir, log);
    if (tls) await installServerCertificate(state, tls);
  } else {
    log(`postgres: restarting existing cluster ${state.dataDir}`);
  }
  const started = await startServer(state, log);
  await writeState(postgresStateFile(stateDir), started);
  return markStarted(localHandle(stateDir, started, log));
}

/** Picks the cluster location: `<stateDir>/postgres`, or under os.tmpdir() when the server's user cannot reach it. */
async function newLayout(
  stateDir: string,
  binDir: string,
  runAs: string | undefined,
  durable: boolean,
  log: Logger,
): Promise<PostgresState> {
  let clusterDir = path.join(stateDir, 'postgres');
  if (runAs && !(await userCanTraverse(runAs, stateDir)))
    await openTempStateDir(runAs, stateDir, log);
  if (runAs && !(await userCanTraverse(runAs, stateDir))) {
    const hash = createHash('sha1').update(stateDir).digest('hex').slice(0, 12);
    clusterDir = path.join(os.tmpdir(), `tolem-pg-${hash}`);
    log(`postgres: user ${runAs} cannot reach ${stateDir}; cluster goes to ${clusterDir}`);
    await removeOrphanClusters(log);
  }
  const socketDir = path.join(clusterDir, 'run');
  return {
    clusterDir,
    dataDir: path.join(clusterDir, 'data'),
    socketDir,
    logFile: path.join(clusterDir, 'server.log'),
    binDir,
    runAs,
    port: 0,
    durable,
    url: '',
  };
}

/** Names, in a cluster kept outside its state dir, the state dir it belongs to. */
const ORPHAN_MARKER = 'tolem-state-dir';

/**
 * Clusters placed under os.tmpdir() outlive a throwaway state dir (a test's mkdtemp) that is deleted
 * without `down`. Delete those whose state dir no longer points at them and whose server is not running.
 */
async function removeOrphanClusters(log: Logger): Promise<void> {
  const tmp = os.tmpdir();
  const names = (await fsp.readdir(tmp).catch(() => [] as string[])).filter((n) =>
    n.startsWith('tolem-pg-'),
  );
  for (const name of names) {
    const clusterDir = path.join(tmp, name);
    const owner = await fsp
      .readFile(path.join(clusterDir, ORPHAN_MARKER), 'utf8')
      .catch(() => undefined);
    if (owner === undefined) continue;
    const ownerState = await readState<PostgresState>(postgresStateFile(owner));
    if (ownerState?.clusterDir === clusterDir) continue;
    const pid = await postmasterPid(path.join(clusterDir, 'data'));
    if (pid !== undefined && (await isPidAlive(pid))) continue;
    log(`postgres: removing orphaned cluster ${clusterDir} (its state dir ${owner} is gone)`);
    await fsp.rm(clusterDir, { recursive: true, force: true });
  }
}

/** Highest /usr/lib/postgresql/<v>/bin holding both `postgres` and `initdb`, else `pg_config --bindir`. */
export async function findPgBinDir(): Promise<string> {
  const root = '/usr/lib/postgresql';
  const versions = (await fsp.readdir(root).catch(() => [] as string[]))
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = path.join(root, v, 'bin');
    if ((await exists(path.join(bin, 'postgres'))) && (await exists(path.join(bin, 'initdb'))))
      return bin;
  }
  const fromConfig = await run('pg_config', ['--bindir']).catch(() => undefined);
  const bin = fromConfig?.code === 0 ? fromConfig.stdout.trim() : '';
  if (bin && (await exists(path.join(bin, 'postgres'))) && (await exists(path.join(bin, 'initdb'))))
    return bin;
  throw new Error(
    'PostgreSQL server binaries (postgres, initdb, pg_ctl) not found in /usr/lib/postgresql/*/bin or via ' +
      'pg_config. Install them with: apt-get install -y postgresql (or set DATABASE_URL to an existing server).',
  );
}

/** PostgreSQL refuses to run as root: pick (or create) the OS user that will own the cluster. */
async function pgRunUser(log: Logger): Promise<string | undefined> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  if (await userExists('postgres')) return 'postgres';
  const name = 'tolem-pg';
  if (!(await userExists(name))) {
    log(`postgres: creating system user ${name} (PostgreSQL will not run as root)`);
    await runChecked('useradd', [
      '--system',
      '--no-create-home',
      '--home-dir',
      '/nonexistent',
      '--shell',
      '/usr/sbin/nologin',
      name,
    ]);
  }
  return name;
}

/**
 * A mkdtemp state dir is mode 0700, which the server's user cannot traverse. Inside os.tmpdir() and owned
 * by us, granting others search permission (o+x: no listing) keeps the cluster inside the state dir, so
 * deleting the temp dir deletes the cluster too. Directories elsewhere (e.g. /root) are never touched.
 */
async function openTempStateDir(user: string, stateDir: string, log: Logger): Promise<void> {
  const tmp = await fsp.realpath(os.tmpdir());
  const real = await fsp.realpath(stateDir);
  if (!real.startsWith(tmp + path.sep)) return;
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  // From the state dir up to (not including) the temp root: each must be ours to change.
  const chain: string[] = [];
  for (let dir = real; dir !== tmp; dir = path.dirname(dir)) chain.push(dir);
  for (const dir of chain) {
    const st = await fsp.stat(dir);
    if (st.uid !== uid) return;
  }
  for (const dir of chain) {
    const st = await fsp.stat(dir);
    if ((st.mode & 0o001) === 0) await fsp.chmod(dir, (st.mode & 0o7777) | 0o001);
  }
  log(`postgres: granted o+x on ${real} so that ${user} can reach its cluster`);
}

async function userExists(name: string): Promise<boolean> {
  const res = await run('id', ['-u', name]).catch(() => undefined);
  return res?.code === 0;
}

async function userCanTraverse(user: string, dir: string): Promise<boolean> {
  const res = await run('runuser', ['-u', user, '--', 'test', '-x', dir]).catch(() => undefined);
  return res?.code === 0;
}

/** Runs a PostgreSQL binary, as the cluster's owner when we are root. */
function pgCommand(
  state: PostgresState,
  tool: string,
  args: string[],
): { cmd: string; args: string[] } {
  const bin = path.join(state.binDir, tool);
  return state.runAs
    ? { cmd: 'runuser', args: ['-u', state.runAs, '--', bin, ...args] }
    : { cmd: bin, args };
}

function pgRun(
  state: PostgresState,
  tool: string,
  args: string[],
  timeoutMs = 120_000,
): Promise<RunResult> {
  const c = pgCommand(state, tool, args);
  // cwd inside the cluster: the server's user may not be able to read root's cwd, and initdb warns about it.
  return run(c.cmd, c.args, { cwd: state.clusterDir, timeoutMs });
}

async function pgRunChecked(
  state: PostgresState,
  tool: string,
  args: string[],
): Promise<RunResult> {
  const c = pgCommand(state, tool, args);
  return runChecked(c.cmd, c.args, { cwd: state.clusterDir, timeoutMs: 120_000 });
}

async function initCluster(state: PostgresState, stateDir: string, log: Logger): Promise<void> {
  const t0 = Date.now();
  await fsp.mkdir(state.socketDir, { recursive: true });
  if (!state.clusterDir.startsWith(stateDir + path.sep)) {
    await fsp.writeFile(path.join(state.clusterDir, ORPHAN_MARKER), stateDir);
  }
  if (state.runAs) await runChecked('chown', ['-R', `${state.runAs}:`, state.clusterDir]);
  await fsp.rm(state.dataDir, { recursive: true, force: true });
  await pgRunChecked(state, 'initdb', [
    '-D',
    state.dataDir,
    '-U',
    SUPERUSER,
    '--auth=trust',
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
    // Byte order is code point order in UTF-8, so C sorts text exactly as C.UTF-8 does, but
    // PostgreSQL compares C strings with memcmp instead of strcoll (ids and keys in every index).
    '--lc-collate=C',
  ]);
  // Our settings live in their own file so they can be rewritten on every start (port, durability).
  await fsp.appendFile(
    path.join(state.dataDir, 'postgresql.conf'),
    "\ninclude_if_exists = 'tolem.conf'\n",
  );
  log(`postgres: initdb ${state.dataDir} took ${Date.now() - t0} ms`);
}

/** The server's certificate and key in its data dir, as PostgreSQL insists: the key readable by its owner only. */
async function installServerCertificate(
  state: PostgresState,
  tls: NonNullable<ProvisionOptions['postgresTls']>,
): Promise<void> {
  const cert = path.join(state.dataDir, 'server.crt');
  const key = path.join(state.dataDir, 'server.key');
  await fsp.copyFile(tls.certFile, cert);
  await fsp.copyFile(tls.keyFile, key);
  await fsp.chmod(key, 0o600);
  if (state.runAs) await runChecked('chown', [`${state.runAs}:`, cert, key]);
}

function serverConf(state: PostgresState): string {
  // A unix socket path must fit in 107 bytes; without a socket, clients use TCP only, which is all we hand out.
  const socketPath = path.join(state.socketDir, `.s.PGSQL.${state.port}`);
  const socketDirs = Buffer.byteLength(socketPath) < 100 ? state.socketDir : '';
  const flag = state.durable ? 'on' : 'off';
  return [
    '# Written by tools/infra on every start; edits are overwritten.',
    "listen_addresses = '127.0.0.1'",
    `port = ${state.port}`,
    `unix_socket_directories = '${socketDirs}'`,
    'max_connections = 300',
    // Tests trade crash safety for speed; benchmarks (durable) must measure a database that keeps commits.
    `fsync = ${flag}`,
    `synchronous_commit = ${flag}`,
    `full_page_writes = ${flag}`,
    ...(state.statementStats ? ["shared_preload_libraries = 'pg_stat_statements'"] : []),
    ...(state.tls
      ? ['ssl = on', "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'"]
      : []),
    '',
  ].join('\n');
}

async function writeServerConf(state: PostgresState): Promise<void> {
  const file = path.join(state.dataDir, 'tolem.conf');
  await fsp.writeFile(file, serverConf(state));
  if (state.runAs) await runChecked('chown', [`${state.runAs}:`, file]);
}

/** Starts the server on its saved port when free, else on a new free port; retries on a lost port race. */
async function startServer(state: PostgresState, log: Logger): Promise<PostgresState> {
  const t0 = Date.now();
  let port = state.port > 0 && (await isPortFree(state.port)) ? state.port : await freePort();
  for (let attempt = 1; ; attempt++) {
    const next: PostgresState = { ...state, port, url: postgresUrl(port) };
    await writeServerConf(next);
    const res = await pgRun(next, 'pg_ctl', [
      '-D',
      next.dataDir,
      '-l',
      next.logFile,
      '-w',
      '-t',
      '60',
      'start',
    ]);
    if (res.code === 0) {
      const pid = await postmasterPid(next.dataDir);
      log(`postgres: started on port ${port} (pid ${pid ?? '?'}) in ${Date.now() - t0} ms`);
      return { ...next, pid, startedAt: new Date().toISOString() };
    }
    const logTail = await fileTail(next.logFile, 30);
    if (attempt < 3 && /could not bind|Address already in use/i.test(logTail)) {
      port = await freePort();
      continue;
    }
    const c = pgCommand(next, 'pg_ctl', [
      '-D',
      next.dataDir,
      '-l',
      next.logFile,
      '-w',
      '-t',
      '60',
      'start',
    ]);
    throw new Error(
      `PostgreSQL failed to start: ${formatCommand(c.cmd, c.args)}\n${res.stdout}${res.stderr}\n--- ${next.logFile} ---\n${logTail}`,
    );
  }
}

async function postmasterPid(dataDir: string): Promise<number | undefined> {
  try {
    const first = (await fsp.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0];
    const pid = Number(first);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** `pg_ctl status` says it runs and a real connection answers. */
async function isServing(state: PostgresState): Promise<boolean> {
  return (await postmasterRuns(state)) && (await probe(postgresUrl(state.port))).ok;
}

async function postmasterRuns(state: PostgresState): Promise<boolean> {
  if (!(await exists(path.join(state.dataDir, 'postmaster.pid')))) return false;
  const status = await pgRun(state, 'pg_ctl', ['-D', state.dataDir, 'status'], 10_000).catch(
    () => undefined,
  );
  return status?.code === 0;
}

interface ProbeResult {
  ok: boolean;
  error?: string;
}

/** Connects and runs SELECT 1. "Too many clients" (53300) still proves the server is up and ours to reuse. */
async function probe(url: string, timeoutMs = 3000): Promise<ProbeResult> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { ok: true };
  } catch (err) {
    const code = (err as { code?: string }).code;
    return { ok: code === '53300', error: `${code ?? ''} ${(err as Error).message}`.trim() };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The postmaster runs but did not answer (starting up, recovering, or overloaded): wait for it rather than
 * start a second one, which would fail on the locked data dir.
 */
async function waitForRunningServer(
  stateDir: string,
  state: PostgresState,
  durable: boolean,
  log: Logger,
): Promise<PostgresHandle> {
  log(`postgres: server on port ${state.port} runs but does not answer yet; waiting`);
  const deadline = Date.now() + 60_000;
  let last: ProbeResult = { ok: false };
  while (Date.now() < deadline) {
    last = await probe(postgresUrl(state.port));
    if (last.ok) {
      if (state.durable !== durable) await applyDurability(stateDir, state, durable, log);
      return localHandle(stateDir, state, log);
    }
    await sleep(500);
  }
  throw new Error(
    `PostgreSQL in ${state.dataDir} runs (pg_ctl status) but refused connections on port ${state.port} for 60 s: ${last.error ?? ''}\n` +
      `--- ${state.logFile} ---\n${await fileTail(state.logFile, 30)}`,
  );
}

/** A reused server may have been started with the other durability; these settings reload without restart. */
async function applyDurability(
  stateDir: string,
  state: PostgresState,
  durable: boolean,
  log: Logger,
): Promise<void> {
  const next = { ...state, durable };
  await writeServerConf(next);
  const client = new Client({
    connectionString: postgresUrl(state.port),
    connectionTimeoutMillis: 3000,
  });
  try {
    await client.connect();
    await client.query('SELECT pg_reload_conf()');
  } finally {
    await client.end().catch(() => undefined);
  }
  await writeState(postgresStateFile(stateDir), next);
  state.durable = durable;
  log(`postgres: switched running server to durable=${durable}`);
}

function localHandle(stateDir: string, state: PostgresState, log: Logger): PostgresHandle {
  return {
    url: postgresUrl(state.port),
    source: 'local',
    stop: () => stopLocalPostgres(stateDir, log).then(() => undefined),
  };
}

/** Stops the cluster recorded in the state dir (`pg_ctl stop -m fast`); the data stays for the next start. */
export async function stopLocalPostgres(stateDir: string, log: Logger = noLog): Promise<boolean> {
  const file = postgresStateFile(stateDir);
  const state = await readState<PostgresState>(file);
  if (!state || !(await exists(state.dataDir))) return false;
  if (!(await exists(path.join(state.dataDir, 'postmaster.pid')))) return false;
  const args = ['-D', state.dataDir, '-m', 'fast', '-w', '-t', '60', 'stop'];
  const res = await pgRun(state, 'pg_ctl', args);
  if (res.code !== 0) {
    // A crashed server leaves postmaster.pid behind; pg_ctl then fails although nothing runs.
    const status = await pgRun(state, 'pg_ctl', ['-D', state.dataDir, 'status'], 10_000);
    if (status.code === 0) {
      const c = pgCommand(state, 'pg_ctl', args);
      throw new Error(
        `Could not stop PostgreSQL: ${formatCommand(c.cmd, c.args)}\n${res.stdout}${res.stderr}`,
      );
    }
  }
  await writeState(file, { ...state, pid: undefined, startedAt: undefined });
  log(`postgres: stopped server on port ${state.port}`);
  return true;
}

export interface PostgresStatus {
  running: boolean;
  url?: string;
  dataDir?: string;
  pid?: number;
}

export async function localPostgresStatus(stateDir: string): Promise<PostgresStatus> {
  const state = await readState<PostgresState>(postgresStateFile(stateDir));
  if (!state) return { running: false };
  const running = await isServing(state);
  return {
    running,
    url: postgresUrl(state.port),
    dataDir: state.dataDir,
    pid: running ? state.pid : undefined,
  };
}

/** Removes the local cluster's files (used by throwaway state dirs). */
export async function destroyLocalPostgres(stateDir: string): Promise<void> {
  const state = await readState<PostgresState>(postgresStateFile(stateDir));
  if (!state) return;
  await fsp.rm(state.clusterDir, { recursive: true, force: true });
  await removeState(postgresStateFile(stateDir));
}

async function startContainer(durable: boolean, log: Logger): Promise<PostgresHandle> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const flag = durable ? 'on' : 'off';
  log(`postgres: starting ${CONTAINER_IMAGE} with testcontainers`);
  const container = await new PostgreSqlContainer(CONTAINER_IMAGE)
    .withUsername(SUPERUSER)
    .withPassword(SUPERUSER)
    .withDatabase('postgres')
    .withCommand([
      'postgres',
      '-c',
      'max_connections=300',
      '-c',
      `fsync=${flag}`,
      '-c',
      `synchronous_commit=${flag}`,
      '-c',
      `full_page_writes=${flag}`,
    ])
    .start();
  return markStarted<PostgresHandle>({
    // The image serves no TLS, and a Docker host may be another machine: say plaintext is meant
    // (db-kit refuses a URL to another machine that does not say how it is protected).
    url: `${container.getConnectionUri()}?sslmode=disable`,
    source: 'testcontainers',
    stop: async () => void (await container.stop()),
  });
}
