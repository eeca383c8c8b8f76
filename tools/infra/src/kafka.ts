import { spawn } from 'node:child_process';
import { closeSync, openSync, promises as fsp } from 'node:fs';
import path from 'node:path';

import { containerRuntimeAvailable } from './docker';
import { brokerAnswers } from './kafka-client';
import { withLock } from './lock';
import { ensureKafkaRuntime, kafkaMajor, type KafkaRuntime, requireTool } from './maven';
import { freePort, freePorts, isPortFree } from './ports';
import {
  formatCommand,
  isPidAlive,
  processCommandLine,
  runChecked,
  sleep,
  waitForExit,
} from './proc';
import { exists, fileTail, readState, writeState } from './state';
import {
  DEFAULT_KAFKA_VERSION,
  type KafkaHandle,
  type Logger,
  markStarted,
  noLog,
  type ProvisionOptions,
  type SecureKafkaOptions,
} from './types';

/** What `<stateDir>/kafka.json` records about the local broker. */
export interface KafkaState {
  version: string;
  pid?: number;
  port: number;
  controllerPort: number;
  kafkaDir: string;
  dataDir: string;
  serverProperties: string;
  logFile: string;
  libsDir: string;
  /** Release whose StorageTool formatted dataDir: a different release starts from a fresh dir. */
  formattedVersion?: string;
  startedAt?: string;
  /** The TLS listeners, when started with SecureKafkaOptions. */
  secure?: SecureState;
}

interface SecureState {
  saslSslPort: number;
  sslPort: number;
  /** The broker's key and certificate in one PEM file, as Kafka's PEM key store reads it. */
  keyStore: string;
  caFile: string;
  users: { name: string; password: string }[];
  acls: boolean;
}

const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;

export function kafkaStateFile(stateDir: string): string {
  return path.join(path.resolve(stateDir), 'kafka.json');
}

function brokersOf(state: KafkaState): string {
  return `127.0.0.1:${state.port}`;
}

/** Order: KAFKA_BROKERS, a live local broker of this state dir, testcontainers, a local broker from Maven jars. */
export async function ensureKafka(opts: ProvisionOptions): Promise<KafkaHandle> {
  const log = opts.log ?? noLog;
  const env = opts.env ?? process.env;
  // TOLEM_KAFKA_VERSION lets a whole npm test or npm start run on another release.
  const version = opts.kafkaVersion ?? env['TOLEM_KAFKA_VERSION'] ?? DEFAULT_KAFKA_VERSION;
  const fromEnv = env['KAFKA_BROKERS'];
  if (fromEnv) {
    log('kafka: using KAFKA_BROKERS');
    return { brokers: fromEnv, source: 'env', stop: async () => undefined };
  }
  const stateDir = path.resolve(opts.stateDir);
  await fsp.mkdir(stateDir, { recursive: true });
  const reused = await reuseRunning(stateDir, version, log);
  if (reused) return reused;
  if (await containerRuntimeAvailable(log)) return startContainer(version, log);
  return startLocalKafka(stateDir, version, log);
}

/**
 * Always the local path (used by `kafka-smoke`, which must test the jars themselves). With
 * `secure`, the broker also opens TLS listeners (SecureKafkaOptions); it needs a state dir of its
 * own, never one a broker was started in.
 */
export async function startLocalKafka(
  stateDir: string,
  version: string,
  log: Logger = noLog,
  secure?: SecureKafkaOptions,
): Promise<KafkaHandle> {
  const dir = path.resolve(stateDir);
  await fsp.mkdir(dir, { recursive: true });
  if (secure && (await exists(kafkaStateFile(dir)))) {
    throw new Error(`kafka: a secure broker needs a state dir of its own; ${dir} has one already`);
  }
  return withLock(path.join(dir, 'kafka.lock'), () => ensureLocal(dir, version, log, secure), {
    log,
  });
}

async function reuseRunning(
  stateDir: string,
  version: string,
  log: Logger,
): Promise<KafkaHandle | undefined> {
  const state = await readState<KafkaState>(kafkaStateFile(stateDir));
  if (!state || !(await isOurBroker(state))) return undefined;
  if (state.version !== version) return undefined; // replaced by ensureLocal
  if (!(await brokerAnswers(brokersOf(state)))) return undefined;
  log(`kafka: reusing running broker ${brokersOf(state)} (pid ${state.pid})`);
  return localHandle(stateDir, state, log);
}

/** The recorded pid is alive and still a broker of this state dir (pids get reused). */
async function isOurBroker(state: KafkaState): Promise<boolean> {
  if (state.pid === undefined || !(await isPidAlive(state.pid))) return false;
  const cmdline = await processCommandLine(state.pid);
  return (
    cmdline === undefined ||
    (cmdline.includes('kafka.Kafka') && cmdline.includes(state.serverProperties))
  );
}

async function ensureLocal(
  stateDir: string,
  version: string,
  log: Logger,
  secure?: SecureKafkaOptions,
): Promise<KafkaHandle> {
  const again = await reuseRunning(stateDir, version, log);
  if (again) return again;
  const runtime = await ensureKafkaRuntime(version, log);
  await requireTool(
    'java',
    ['-version'],
    'Java (17+)',
    'apt-get install -y openjdk-17-jre-headless',
  );
  const previous = await readState<KafkaState>(kafkaStateFile(stateDir));
  if (
    previous?.version === version &&
    (await isOurBroker(previous)) &&
    (await answersWithin(previous, 30_000))
  ) {
    // Busy (or still recovering) rather than dead: replacing it would throw its data's state away for nothing.
    log(`kafka: reusing running broker ${brokersOf(previous)} after it answered late`);
    return localHandle(stateDir, previous, log);
  }
  if (previous && (await isOurBroker(previous))) {
    const why =
      previous.version !== version
        ? `it is ${previous.version}, ${version} requested`
        : 'it does not answer';
    log(`kafka: stopping running broker pid ${previous.pid} (${why})`);
    await stopPid(previous.pid as number, log);
  }
  const state = await prepareState(stateDir, version, runtime, previous, log);
  if (secure) state.secure = await prepareSecure(state, secure);
  await writeServerProperties(state);
  if (!(await exists(path.join(state.dataDir, 'meta.properties'))))
    await formatStorage(state, runtime, log);
  else state.formattedVersion ??= version; // formatted before the state file knew: assume this release
  const started = await launch(state, runtime, log);
  // The users' passwords stay out of the state file: a secure broker is never restarted from it.
  await writeState(
    kafkaStateFile(stateDir),
    started.secure ? { ...started, secure: { ...started.secure, users: [] } } : started,
  );
  await waitUntilReady(started, log);
  return markStarted(localHandle(stateDir, started, log));
}

async function answersWithin(state: KafkaState, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await brokerAnswers(brokersOf(state), 3000)) return true;
    await sleep(500);
  }
  return false;
}

async function prepareState(
  stateDir: string,
  version: string,
  runtime: KafkaRuntime,
  previous: KafkaState | undefined,
  log: Logger,
): Promise<KafkaState> {
  const kafkaDir = path.join(stateDir, 'kafka');
  const dataDir = path.join(kafkaDir, 'data');
  if (previous?.formattedVersion && previous.formattedVersion !== version) {
    // Metadata formatted by another release may not load (downgrades never do): dev data is disposable.
    log(
      `kafka: data dir was formatted by ${previous.formattedVersion}; starting ${version} with a fresh one`,
    );
    await fsp.rm(dataDir, { recursive: true, force: true });
  }
  await fsp.mkdir(dataDir, { recursive: true });
  const savedFree =
    previous !== undefined &&
    previous.port !== previous.controllerPort &&
    (await isPortFree(previous.port)) &&
    (await isPortFree(previous.controllerPort));
  const [port, controllerPort] = savedFree
    ? [previous.port, previous.controllerPort]
    : ((await freePorts(2)) as [number, number]);
  return {
    version,
    port,
    controllerPort,
    kafkaDir,
    dataDir,
    serverProperties: path.join(kafkaDir, 'server.properties'),
    logFile: path.join(kafkaDir, 'server.log'),
    libsDir: runtime.libsDir,
    formattedVersion: previous?.formattedVersion === version ? version : undefined,
  };
}

/** Settings shared by the local broker and the container: a single node needs replication factor 1. */
export function singleNodeSettings(version: string): Record<string, string> {
  const settings: Record<string, string> = {
    'offsets.topic.replication.factor': '1',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'group.initial.rebalance.delay.ms': '0',
    'auto.create.topics.enable': 'false',
    'num.partitions': '1',
  };
  if (kafkaMajor(version) >= 4) {
    // Kafka 4 adds share groups, whose state topic also defaults to replication factor 3.
    settings['share.coordinator.state.topic.replication.factor'] = '1';
    settings['share.coordinator.state.topic.min.isr'] = '1';
  }
  return settings;
}

async function prepareSecure(state: KafkaState, secure: SecureKafkaOptions): Promise<SecureState> {
  const [saslSslPort, sslPort] = (await freePorts(2)) as [number, number];
  const keyStore = path.join(state.kafkaDir, 'broker.pem');
  const [key, cert] = await Promise.all([
    fsp.readFile(secure.keyFile, 'utf8'),
    fsp.readFile(secure.certFile, 'utf8'),
  ]);
  await fsp.writeFile(keyStore, `${key.trim()}\n${cert.trim()}\n`, { mode: 0o600 });
  return {
    saslSslPort,
    sslPort,
    keyStore,
    caFile: secure.caFile,
    users: secure.users,
    acls: secure.acls ?? false,
  };
}

/**
 * The SASL_SSL and SSL listeners' settings: Kafka's PEM key and trust stores (no store passwords)
 * and the PLAIN users with their passwords (SCRAM's are formatted into the metadata).
 */
function secureSettings(secure: SecureState): Record<string, string> {
  const jaas = (module: string, extra = '') =>
    `org.apache.kafka.common.security.${module} required${extra};`;
  const plainUsers = secure.users.map((u) => ` user_${u.name}="${u.password}"`).join('');
  return {
    'sasl.enabled.mechanisms': 'SCRAM-SHA-512,SCRAM-SHA-256,PLAIN',
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': jaas('scram.ScramLoginModule'),
    'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config': jaas('scram.ScramLoginModule'),
    'listener.name.sasl_ssl.plain.sasl.jaas.config': jaas('plain.PlainLoginModule', plainUsers),
    'listener.name.ssl.ssl.client.auth': 'required',
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': secure.keyStore,
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': secure.caFile,
    ...(secure.acls
      ? {
          'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
          // Unauthenticated = the PLAINTEXT listener: the broker itself, its controller, the test's admin.
          'super.users': 'User:ANONYMOUS',
        }
      : {}),
  };
}

function serverProperties(state: KafkaState): string {
  const { secure } = state;
  const listeners = [
    `PLAINTEXT://127.0.0.1:${state.port}`,
    ...(secure
      ? [`SASL_SSL://127.0.0.1:${secure.saslSslPort}`, `SSL://127.0.0.1:${secure.sslPort}`]
      : []),
  ];
  const lines: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@127.0.0.1:${state.controllerPort}`,
    listeners: [...listeners, `CONTROLLER://127.0.0.1:${state.controllerPort}`].join(','),
    'advertised.listeners': listeners.join(','),
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': `PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${
      secure ? ',SASL_SSL:SASL_SSL,SSL:SSL' : ''
    }`,
    'log.dirs': state.dataDir,
    ...singleNodeSettings(state.version),
    ...(secure ? secureSettings(secure) : {}),
  };
  const body = Object.entries(lines).map(([k, v]) => `${k}=${v}`);
  return ['# Written by tools/infra on every start; edits are overwritten.', ...body, ''].join(
    '\n',
  );
}

async function writeServerProperties(state: KafkaState): Promise<void> {
  // Owner-only: a secure broker's file holds its PLAIN users' passwords.
  await fsp.writeFile(state.serverProperties, serverProperties(state), { mode: 0o600 });
}

function javaClasspath(runtime: KafkaRuntime): string {
  return `${runtime.libsDir}/*`;
}

/** KRaft storage is formatted once per data dir: random-uuid, then format -t <uuid>. */
async function formatStorage(state: KafkaState, runtime: KafkaRuntime, log: Logger): Promise<void> {
  const t0 = Date.now();
  const base = [...runtime.toolLogFlags, '-cp', javaClasspath(runtime), 'kafka.tools.StorageTool'];
  const uuidRes = await runChecked('java', [...base, 'random-uuid'], { timeoutMs: 60_000 });
  const clusterId = uuidRes.stdout.trim().split('\n').pop()?.trim() ?? '';
  if (!/^[\w-]{22}$/.test(clusterId)) {
    throw new Error(
      `Unexpected output from ${formatCommand('java', [...base, 'random-uuid'])}: ${uuidRes.stdout}`,
    );
  }
  // SCRAM credentials live in the cluster metadata; a new cluster gets them when it is formatted.
  const scram = (state.secure?.users ?? []).flatMap((u) =>
    ['SCRAM-SHA-512', 'SCRAM-SHA-256'].flatMap((m) => [
      '--add-scram',
      `${m}=[name=${u.name},password=${u.password}]`,
    ]),
  );
  await runChecked(
    'java',
    [...base, 'format', '-t', clusterId, '-c', state.serverProperties, ...scram],
    { timeoutMs: 60_000 },
  );
  state.formattedVersion = state.version;
  log(`kafka: formatted ${state.dataDir} (cluster ${clusterId}) in ${Date.now() - t0} ms`);
}

function brokerCommand(state: KafkaState, runtime: KafkaRuntime): string[] {
  return [
    '-Xms256m',
    '-Xmx512m',
    // The GC flags of Kafka's own kafka-run-class.sh.
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-Djava.awt.headless=true',
    ...runtime.serverLogFlags,
    '-cp',
    javaClasspath(runtime),
    'kafka.Kafka',
    state.serverProperties,
  ];
}

/** Starts the broker detached (own session, output to server.log) so it outlives `npm start`'s launcher. */
async function launch(state: KafkaState, runtime: KafkaRuntime, log: Logger): Promise<KafkaState> {
  const args = brokerCommand(state, runtime);
  await fsp.appendFile(
    state.logFile,
    `\n=== ${new Date().toISOString()} ${formatCommand('java', args)}\n`,
  );
  const fd = openSync(state.logFile, 'a');
  try {
    const child = spawn('java', args, {
      cwd: state.kafkaDir,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', (err) =>
        reject(new Error(`Could not start ${formatCommand('java', args)}: ${err.message}`)),
      );
      child.once('spawn', () => resolve(child.pid as number));
    });
    child.unref();
    log(
      `kafka: started ${state.version} broker pid ${pid} on 127.0.0.1:${state.port} (log ${state.logFile})`,
    );
    return { ...state, pid, startedAt: new Date().toISOString() };
  } finally {
    closeSync(fd);
  }
}

async function waitUntilReady(state: KafkaState, log: Logger): Promise<void> {
  const t0 = Date.now();
  const pid = state.pid as number;
  while (Date.now() - t0 < READY_TIMEOUT_MS) {
    if (!(await isPidAlive(pid))) {
      throw new Error(
        `Kafka broker (pid ${pid}) exited during start-up.\n--- ${state.logFile} ---\n${await fileTail(state.logFile, 40)}`,
      );
    }
    if (await brokerAnswers(brokersOf(state), 2000)) {
      log(`kafka: broker ready after ${Date.now() - t0} ms`);
      return;
    }
    await sleep(250);
  }
  await stopPid(pid, log);
  throw new Error(
    `Kafka broker did not answer on ${brokersOf(state)} within ${READY_TIMEOUT_MS / 1000} s.\n--- ${state.logFile} ---\n${await fileTail(state.logFile, 40)}`,
  );
}

function localHandle(stateDir: string, state: KafkaState, log: Logger): KafkaHandle {
  return {
    brokers: brokersOf(state),
    source: 'local',
    version: state.version,
    pid: state.pid,
    ...(state.secure
      ? {
          secure: {
            saslSsl: `127.0.0.1:${state.secure.saslSslPort}`,
            ssl: `127.0.0.1:${state.secure.sslPort}`,
          },
        }
      : {}),
    stop: () => stopLocalKafka(stateDir, log).then(() => undefined),
  };
}

/** SIGTERM (a controlled shutdown), up to 30 s, then SIGKILL. */
async function stopPid(pid: number, log: Logger): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  if (await waitForExit(pid, STOP_TIMEOUT_MS)) return;
  log(`kafka: pid ${pid} ignored SIGTERM for ${STOP_TIMEOUT_MS / 1000} s; killing it`);
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  await waitForExit(pid, 5000);
}

/** Stops the broker recorded in the state dir; its data stays for the next start. */
export async function stopLocalKafka(stateDir: string, log: Logger = noLog): Promise<boolean> {
  const file = kafkaStateFile(stateDir);
  const state = await readState<KafkaState>(file);
  if (!state || !(await isOurBroker(state))) return false;
  const t0 = Date.now();
  await stopPid(state.pid as number, log);
  await writeState(file, { ...state, pid: undefined, startedAt: undefined });
  log(`kafka: stopped broker pid ${state.pid} in ${Date.now() - t0} ms`);
  return true;
}

export interface KafkaStatus {
  running: boolean;
  brokers?: string;
  version?: string;
  pid?: number;
}

export async function localKafkaStatus(stateDir: string): Promise<KafkaStatus> {
  const state = await readState<KafkaState>(kafkaStateFile(stateDir));
  if (!state) return { running: false };
  const running = (await isOurBroker(state)) && (await brokerAnswers(brokersOf(state)));
  return {
    running,
    brokers: brokersOf(state),
    version: state.version,
    pid: running ? state.pid : undefined,
  };
}

/**
 * apache/kafka images match a release exactly (the Confluent images that @testcontainers/kafka targets do
 * not). The advertised listener must name the host port, so that port is chosen before the container starts.
 */
async function startContainer(version: string, log: Logger): Promise<KafkaHandle> {
  const { GenericContainer, Wait, getContainerRuntimeClient } = await import('testcontainers');
  const host = (await getContainerRuntimeClient()).info.containerRuntime.host;
  const hostPort = await freePort();
  const env: Record<string, string> = {
    KAFKA_NODE_ID: '1',
    KAFKA_PROCESS_ROLES: 'broker,controller',
    KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
    KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${host}:${hostPort}`,
    KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
    KAFKA_INTER_BROKER_LISTENER_NAME: 'PLAINTEXT',
    KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
  };
  for (const [k, v] of Object.entries(singleNodeSettings(version)))
    env[`KAFKA_${k.toUpperCase().replace(/\./g, '_')}`] = v;
  log(`kafka: starting apache/kafka:${version} with testcontainers`);
  const container = await new GenericContainer(`apache/kafka:${version}`)
    .withExposedPorts({ container: 9092, host: hostPort })
    .withEnvironment(env)
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .withStartupTimeout(120_000)
    .start();
  return markStarted<KafkaHandle>({
    brokers: `${host}:${hostPort}`,
    source: 'testcontainers',
    version,
    stop: async () => void (await container.stop()),
  });
}
