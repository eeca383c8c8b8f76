import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { databaseUrlFor, ensureDatabase } from '@tolem/db-kit';
import {
  type GrpcTransport,
  grpcTransportOf,
  LIVENESS_SERVICE,
  OPERATOR_IDENTITY,
  useGrpcTransport,
} from '@tolem/grpc-kit';
import { createTopics } from '@tolem/infra';
import { dlqTopicOf } from '@tolem/kafka-kit';
import {
  createLocalCa,
  freePort,
  grpcServing,
  httpAnswers,
  httpOk,
  type ServiceProcess,
  spawnService,
} from '@tolem/testing';

import {
  CONSUMER_GROUPS,
  type ConsumerGroup,
  isConsumerGroup,
  PAYMENTS_TOPIC,
  type ServiceName,
  SERVICES,
} from './services';

/**
 * Node flags per service, as deploy/k8s sets them in NODE_OPTIONS. The ledger allocates fast
 * and holds a batch's requests across several young-generation collections; a larger young
 * generation cut its CPU per transfer by ~8% in the ledger benchmark.
 */
export const SERVICE_NODE_ARGS: Partial<Record<string, string[]>> = {
  ledger: ['--max-semi-space-size=64'],
};

export interface StackOptions {
  databaseUrl: string;
  kafkaBrokers: string;
  /** Prefix of the per-service databases: `tolem` gives tolem_ledger, tolem_checkout, … */
  databasePrefix?: string;
  paymentsTopic?: string;
  /** Fixed ports for npm start; tests leave them free. */
  ports?: Partial<Record<ServiceName, number>>;
  /** Fixed ports of each app's GET /metrics (METRICS_PORT) for npm start; tests leave them free. */
  metricsPorts?: Partial<Record<ServiceName, number>>;
  logLevel?: string;
  /** Shared secrets; generated when absent (npm start persists them). */
  secrets?: Partial<StackSecrets>;
  /** Extra env for every service (e.g. short notifier backoff in tests). */
  extraEnv?: Record<string, string>;
  /** Extra Node flags per app, after SERVICE_NODE_ARGS (e.g. --cpu-prof for a benchmark). */
  nodeArgs?: Partial<Record<ServiceName, string[]>>;
  /** Sandbox timings; tests shorten them so pending paths settle in seconds. */
  sandbox?: SandboxTimings;
  echo?: NodeJS.WritableStream;
  log?: (line: string) => void;
  /**
   * Restart an app that exits, as Kubernetes would: after 1 s, doubling to 30 s while it keeps
   * failing (back to 1 s once it ran for a minute), logging "[stack] notifier exited (code 1);
   * restarting in 1s". A restarted app counts as up once it is live (gRPC "liveness" or HTTP),
   * not ready, so an app waiting for Kafka is not killed again. npm start sets it.
   */
  restartOnExit?: boolean;
  /**
   * Where the local CA writes each app's certificate (`<dir>/<app>/{ca.crt,tls.crt,tls.key}`,
   * plus `operator/`); a fresh temporary directory, removed by stop(), when absent.
   */
  pkiDir?: string;
  /**
   * Plaintext gRPC between the apps (GRPC_INSECURE=true) instead of mutual TLS: only to measure
   * what mTLS costs (the benchmarks' "off" run).
   */
  insecureGrpc?: boolean;
}

/**
 * Every secret the apps share with each other or with the sandbox playing a provider. Each pair of
 * ends (provider-adapters and provider-sandbox) gets the same value, so signatures verify.
 */
export interface StackSecrets {
  adminToken: string;
  webmoneySecretKey: string;
  intellectmoneySecretKey: string;
  intellectmoneyBearerToken: string;
  intellectmoneySignSecret: string;
  intellectmoneyUserToken: string;
  paykassmaPluginApiSecret: string;
  paykassmaPostbackAccessKey: string;
  paykassmaPostbackPrivateKey: string;
  qrAcquirerSecret: string;
  /** recurring's cash register ↔ the sandbox's. */
  cashboxSecretKey: string;
}

export interface SandboxTimings {
  /** How long a Paykassma `pending` activation waits before its success postback (default 3 s). */
  paykassmaPendingDelayMs?: number;
  /** Pause before a callback's second delivery, doubling after (default 500 ms). */
  callbackBackoffMs?: number;
  /** Pause before a WebMoney notification's second delivery (default 250 ms). */
  webmoneyNotifyBackoffMs?: number;
}

export interface Stack {
  gatewayUrl: string;
  sandboxUrl: string;
  addresses: Record<ServiceName, string>;
  /** Where each app serves its Prometheus metrics (http://127.0.0.1:port/metrics). */
  metricsUrls: Record<ServiceName, string>;
  secrets: StackSecrets;
  paymentsTopic: string;
  /** The Kafka consumer group each consuming app joins (KAFKA_GROUP_ID), by its default name. */
  consumerGroups: Record<ConsumerGroup, string>;
  databaseUrls: Record<string, string>;
  /** Each gRPC app's plaintext health-only port (GRPC_HEALTH_PORT), as the probes use it. */
  healthAddresses: Partial<Record<ServiceName, string>>;
  /**
   * The operator's certificate directory (GRPC_TLS_DIR of `npm run cases` and the other tools);
   * undefined with insecureGrpc. startStack also makes its own process the operator (the
   * default transport of grpc-kit's clients), so a test's clients reach the apps over mTLS.
   */
  operatorTlsDir: string | undefined;
  /** The transport of the operator (or plaintext with insecureGrpc). */
  grpcTransport: GrpcTransport;
  /** The current process of each app (a restarted app's new one). */
  processes: Map<ServiceName, ServiceProcess>;
  /** Restarts one service with the same env (for crash tests). */
  restart(name: ServiceName): Promise<void>;
  stop(): Promise<void>;
}

/** WebMoney purses of the platform (an aggregator collects into its own purses). */
export const WEBMONEY_PURSES =
  'USD:Z145179295679,EUR:E307809264417,RUB:R201563945711,KZT:K219455801236';

/** IntellectMoney shop number (eshopId) the adapters and the sandbox agree on. */
export const INTELLECTMONEY_ESHOP_ID = '450001';
/** The payments topic's partitions: each consumer group handles them side by side, each in order. */
export const PAYMENTS_TOPIC_PARTITIONS = 6;
/** The acquirer id the sandbox's QR bank signs its confirmations as. */
export const QR_ACQUIRER_ID = 'sandbox-acquirer';
/** The sandbox cash register's shop id, which recurring authenticates as. */
export const CASHBOX_SHOP_ID = '510001';

function randomToken(prefix: string): string {
  // 24 random bytes: 32 base64url characters, so every token stays within WebMoney's 50.
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

const SECRET_PREFIXES: Readonly<Record<keyof StackSecrets, string>> = {
  adminToken: 'adm',
  webmoneySecretKey: 'wm',
  intellectmoneySecretKey: 'im',
  intellectmoneyBearerToken: 'imb',
  intellectmoneySignSecret: 'ims',
  intellectmoneyUserToken: 'imu',
  paykassmaPluginApiSecret: 'pkp',
  paykassmaPostbackAccessKey: 'pka',
  paykassmaPostbackPrivateKey: 'pkk',
  qrAcquirerSecret: 'qra',
  cashboxSecretKey: 'cbx',
};

/**
 * The given secrets plus a fresh one for each missing (or blank) key: a secrets file written by
 * an older launcher gains the new providers' secrets and keeps the ones it had.
 */
export function completeSecrets(given: Partial<Record<string, unknown>> = {}): StackSecrets {
  const out = {} as StackSecrets;
  for (const [key, prefix] of Object.entries(SECRET_PREFIXES) as [keyof StackSecrets, string][]) {
    const value = given[key];
    out[key] = typeof value === 'string' && value.trim() !== '' ? value : randomToken(prefix);
  }
  return out;
}

/**
 * Starts every app as its own process on real PostgreSQL and Kafka: one database per service,
 * the payments topic with explicit partitions, free (or fixed) ports, and waits until each
 * answers its health check.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const log = options.log ?? (() => undefined);
  const prefix = options.databasePrefix ?? 'tolem';
  const paymentsTopic = options.paymentsTopic ?? PAYMENTS_TOPIC;
  // A stack with databases of its own consumes in groups of its own: two stacks on one broker (test
  // files running side by side) would otherwise share the groups `notifier`, `reporting` and
  // `qr-platform` across different topics, rebalancing each other.
  const consumerGroups = Object.fromEntries(
    CONSUMER_GROUPS.map((g) => [g, prefix === 'tolem' ? g : `${g}.${prefix}`]),
  ) as Record<ConsumerGroup, string>;
  const secrets = completeSecrets(options.secrets);
  const timings = options.sandbox ?? {};

  const databaseUrls: Record<string, string> = {};
  await Promise.all(
    SERVICES.filter((s) => s.database).map(async (s) => {
      const name = `${prefix}_${s.database as string}`;
      await ensureDatabase(options.databaseUrl, name);
      databaseUrls[s.name] = databaseUrlFor(options.databaseUrl, name);
    }),
  );
  await createTopics(options.kafkaBrokers, [
    { topic: paymentsTopic, numPartitions: PAYMENTS_TOPIC_PARTITIONS },
    ...CONSUMER_GROUPS.map((g) => ({
      topic: dlqTopicOf(paymentsTopic, consumerGroups[g]),
      numPartitions: 1,
    })),
  ]);
  log(`databases ready (${prefix}_*), topic ${paymentsTopic} ready`);

  const ports = {} as Record<ServiceName, number>;
  for (const s of SERVICES) ports[s.name] = options.ports?.[s.name] ?? (await freePort());
  const addresses = {} as Record<ServiceName, string>;
  for (const s of SERVICES) addresses[s.name] = `127.0.0.1:${ports[s.name]}`;
  const metricsPorts = {} as Record<ServiceName, number>;
  for (const s of SERVICES) {
    metricsPorts[s.name] = options.metricsPorts?.[s.name] ?? (await freePort());
  }
  const metricsUrls = {} as Record<ServiceName, string>;
  for (const s of SERVICES)
    metricsUrls[s.name] = `http://127.0.0.1:${metricsPorts[s.name]}/metrics`;
  // Every app gets a certificate of one local CA, as cert-manager issues them in Kubernetes, and a
  // plaintext health port (the launcher's readiness checks hold no certificate, like kubelet).
  const ownPki = options.pkiDir === undefined && !options.insecureGrpc;
  const pkiDir = options.pkiDir ?? (ownPki ? mkdtempSync(join(tmpdir(), 'tolem-pki-')) : '');
  const tlsDirs: Partial<Record<string, string>> = {};
  if (!options.insecureGrpc) {
    const ca = createLocalCa(pkiDir);
    for (const s of SERVICES) if (s.name !== 'provider-sandbox') tlsDirs[s.name] = ca.issue(s.name);
    tlsDirs[OPERATOR_IDENTITY] = ca.issue(OPERATOR_IDENTITY);
  }
  const operatorTlsDir = tlsDirs[OPERATOR_IDENTITY];
  const grpcTransport = grpcTransportOf(OPERATOR_IDENTITY, {
    tlsDir: operatorTlsDir,
    insecure: options.insecureGrpc === true,
  });
  useGrpcTransport(grpcTransport);
  const healthAddresses: Partial<Record<ServiceName, string>> = {};
  for (const s of SERVICES) {
    if (s.kind === 'grpc') healthAddresses[s.name] = `127.0.0.1:${await freePort()}`;
  }
  const gatewayUrl = `http://${addresses.gateway}`;
  const sandboxUrl = `http://${addresses['provider-sandbox']}`;

  const common: Record<string, string> = {
    LOG_LEVEL: options.logLevel ?? 'info',
    MIGRATE_ON_START: 'true',
    KAFKA_BROKERS: options.kafkaBrokers,
    PAYMENTS_TOPIC: paymentsTopic,
    CHECKOUT_ADDR: addresses.checkout,
    PROVIDER_ADAPTERS_ADDR: addresses['provider-adapters'],
    LEDGER_ADDR: addresses.ledger,
    NOTIFIER_ADDR: addresses.notifier,
    REPORTING_ADDR: addresses.reporting,
    RECURRING_ADDR: addresses.recurring,
    QR_PLATFORM_ADDR: addresses['qr-platform'],
    ...options.extraEnv,
  };
  const envOf = (name: ServiceName): Record<string, string> => {
    const env: Record<string, string> = { ...common, METRICS_PORT: String(metricsPorts[name]) };
    const tlsDir = tlsDirs[name];
    if (tlsDir) env['GRPC_TLS_DIR'] = tlsDir;
    else if (name !== 'provider-sandbox') env['GRPC_INSECURE'] = 'true';
    const healthAddress = healthAddresses[name];
    if (healthAddress) env['GRPC_HEALTH_PORT'] = healthAddress.split(':')[1] as string;
    const db = databaseUrls[name];
    if (db) env['DATABASE_URL'] = db;
    if (isConsumerGroup(name)) env['KAFKA_GROUP_ID'] = consumerGroups[name];
    switch (name) {
      case 'gateway':
        return {
          ...env,
          HTTP_PORT: String(ports.gateway),
          PUBLIC_BASE_URL: gatewayUrl,
          ADMIN_TOKEN: secrets.adminToken,
        };
      case 'provider-sandbox':
        return {
          ...env,
          HTTP_PORT: String(ports['provider-sandbox']),
          PUBLIC_BASE_URL: sandboxUrl,
          ...(timings.callbackBackoffMs === undefined
            ? {}
            : { SANDBOX_CALLBACK_BACKOFF_MS: String(timings.callbackBackoffMs) }),
          SANDBOX_WEBMONEY_SECRET_KEY: secrets.webmoneySecretKey,
          SANDBOX_WEBMONEY_HASH: 'sha256',
          SANDBOX_WEBMONEY_MODE: '1',
          ...(timings.webmoneyNotifyBackoffMs === undefined
            ? {}
            : { SANDBOX_WEBMONEY_NOTIFY_BACKOFF_MS: String(timings.webmoneyNotifyBackoffMs) }),
          SANDBOX_INTELLECTMONEY_ESHOP_ID: INTELLECTMONEY_ESHOP_ID,
          SANDBOX_INTELLECTMONEY_SECRET_KEY: secrets.intellectmoneySecretKey,
          SANDBOX_INTELLECTMONEY_RESULT_URL: `${gatewayUrl}/callbacks/intellectmoney`,
          SANDBOX_INTELLECTMONEY_BEARER_TOKEN: secrets.intellectmoneyBearerToken,
          SANDBOX_INTELLECTMONEY_SIGN_SECRET: secrets.intellectmoneySignSecret,
          SANDBOX_PAYKASSMA_PLUGIN_API_SECRET: secrets.paykassmaPluginApiSecret,
          SANDBOX_PAYKASSMA_POSTBACK_ACCESS_KEY: secrets.paykassmaPostbackAccessKey,
          SANDBOX_PAYKASSMA_POSTBACK_PRIVATE_KEY: secrets.paykassmaPostbackPrivateKey,
          SANDBOX_PAYKASSMA_POSTBACK_URL: `${gatewayUrl}/callbacks/paykassma`,
          ...(timings.paykassmaPendingDelayMs === undefined
            ? {}
            : { SANDBOX_PAYKASSMA_PENDING_DELAY_MS: String(timings.paykassmaPendingDelayMs) }),
          SANDBOX_QR_ACQUIRER_ID: QR_ACQUIRER_ID,
          SANDBOX_QR_ACQUIRER_SECRET: secrets.qrAcquirerSecret,
          SANDBOX_QR_CALLBACK_URL: `${gatewayUrl}/callbacks/qr`,
          SANDBOX_QR_TOLEM_URL: gatewayUrl,
          SANDBOX_CASHBOX_SHOP_ID: CASHBOX_SHOP_ID,
          SANDBOX_CASHBOX_SECRET_KEY: secrets.cashboxSecretKey,
        };
      case 'provider-adapters':
        return {
          ...env,
          GRPC_PORT: String(ports[name]),
          CALLBACK_BASE_URL: `${gatewayUrl}/callbacks`,
          WEBMONEY_MERCHANT_URL: `${sandboxUrl}/webmoney/lmi/payment_utf.asp`,
          WEBMONEY_PURSES,
          WEBMONEY_SECRET_KEY: secrets.webmoneySecretKey,
          WEBMONEY_MODE: '1',
          INTELLECTMONEY_PAYMENT_URL: `${sandboxUrl}/intellectmoney/ru/`,
          INTELLECTMONEY_API_URL: `${sandboxUrl}/intellectmoney`,
          INTELLECTMONEY_ESHOP_ID: INTELLECTMONEY_ESHOP_ID,
          INTELLECTMONEY_SECRET_KEY: secrets.intellectmoneySecretKey,
          INTELLECTMONEY_BEARER_TOKEN: secrets.intellectmoneyBearerToken,
          INTELLECTMONEY_SIGN_SECRET: secrets.intellectmoneySignSecret,
          INTELLECTMONEY_USER_TOKEN: secrets.intellectmoneyUserToken,
          PAYKASSMA_PLUGIN_URL: `${sandboxUrl}/paykassma/plugin/`,
          PAYKASSMA_API_URL: `${sandboxUrl}/paykassma`,
          PAYKASSMA_PLUGIN_API_SECRET: secrets.paykassmaPluginApiSecret,
          PAYKASSMA_POSTBACK_ACCESS_KEY: secrets.paykassmaPostbackAccessKey,
          PAYKASSMA_POSTBACK_PRIVATE_KEY: secrets.paykassmaPostbackPrivateKey,
          QR_ACQUIRER_SECRETS: `${QR_ACQUIRER_ID}:${secrets.qrAcquirerSecret}`,
        };
      case 'recurring':
        // Receipts go to the sandbox's cash register, every second so tests see them soon.
        return {
          ...env,
          GRPC_PORT: String(ports[name]),
          CASH_REGISTER_URL: `${sandboxUrl}/cashbox`,
          CASH_REGISTER_SHOP_ID: CASHBOX_SHOP_ID,
          CASH_REGISTER_SECRET_KEY: secrets.cashboxSecretKey,
          RECEIPTS_SEND_INTERVAL_MS: '1000',
        };
      case 'notifier':
        // The local merchants (demo shop, tests' receivers) listen on loopback.
        return {
          NOTIFY_ALLOW_PRIVATE_NETWORKS: 'loopback',
          ...env,
          GRPC_PORT: String(ports[name]),
        };
      default:
        return { ...env, GRPC_PORT: String(ports[name]) };
    }
  };
  // Ready as Kubernetes sees it: the gateway's /readyz (checkout answering its health check over
  // the same transport as every call), the gRPC apps' health service.
  const readyOf = (name: ServiceName) => {
    const spec = SERVICES.find((s) => s.name === name);
    if (name === 'gateway') return () => httpOk(`http://${addresses[name]}/readyz`);
    return spec?.kind === 'http'
      ? () => httpAnswers(`http://${addresses[name]}/healthz`)
      : () => grpcServing(healthAddresses[name] ?? addresses[name]);
  };

  const liveOf = (name: ServiceName) => {
    const spec = SERVICES.find((s) => s.name === name);
    return spec?.kind === 'http'
      ? () => httpAnswers(`http://${addresses[name]}/healthz`)
      : () => grpcServing(healthAddresses[name] ?? addresses[name], 1_000, LIVENESS_SERVICE);
  };

  const processes = new Map<ServiceName, ServiceProcess>();
  /** Stopped on purpose (restart, stop): not restarted by the supervisor. */
  const intentional = new WeakSet<ServiceProcess>();
  let stopping = false;
  const spawnProcess = (name: ServiceName, ready: () => Promise<boolean>) =>
    spawnService({
      name,
      entry: `apps/${name}/src/main.ts`,
      nodeArgs: [...(SERVICE_NODE_ARGS[name] ?? []), ...(options.nodeArgs?.[name] ?? [])],
      env: envOf(name),
      ready,
      readyTimeoutMs: 120_000,
      echo: options.echo,
    });

  /** Restarts name whenever its process exits unasked, with backoff (restartOnExit). */
  const superviseExits = async (name: ServiceName, first: ServiceProcess) => {
    let current = first;
    let failures = 0;
    for (;;) {
      const startedAt = Date.now();
      const code = await current.exited;
      if (stopping || intentional.has(current)) return;
      failures = Date.now() - startedAt >= 60_000 ? 1 : failures + 1;
      const delayMs = Math.min(30_000, 1_000 * 2 ** (failures - 1));
      const how = current.child.signalCode ? `signal ${current.child.signalCode}` : `code ${code}`;
      log(`[stack] ${name} exited (${how}); restarting in ${delayMs / 1_000}s`);
      await new Promise((r) => setTimeout(r, delayMs));
      if (stopping) return;
      try {
        current = await spawnProcess(name, liveOf(name));
        if (stopping) {
          // stop() ran while this one started: it did not see it, so stop it here.
          await current.stop();
          return;
        }
        processes.set(name, current);
        log(`[stack] ${name} restarted`);
      } catch (err) {
        // current is still the exited process: the loop counts another failure and waits longer.
        log(`[stack] ${name} failed to restart: ${(err as Error).message.split('\n')[0] ?? ''}`);
      }
    }
  };

  const spawnOne = async (name: ServiceName) => {
    const proc = await spawnProcess(name, readyOf(name));
    processes.set(name, proc);
    log(`${name} ready on ${addresses[name]}`);
    if (options.restartOnExit) void superviseExits(name, proc);
  };

  const stop = async () => {
    stopping = true;
    // Intake first (gateway), then the rest, so no request lands on a stopped peer.
    await processes.get('gateway')?.stop();
    await Promise.all([...processes].filter(([n]) => n !== 'gateway').map(([, p]) => p.stop()));
    if (ownPki) rmSync(pkiDir, { recursive: true, force: true });
  };

  try {
    // Starting all at once: gRPC clients connect lazily, so start order does not matter.
    const results = await Promise.allSettled(SERVICES.map((s) => spawnOne(s.name)));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0)
      throw new Error(failed.map((f) => (f.reason as Error).message).join('\n\n'));
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    gatewayUrl,
    sandboxUrl,
    addresses,
    metricsUrls,
    secrets,
    paymentsTopic,
    consumerGroups,
    databaseUrls,
    healthAddresses,
    operatorTlsDir,
    grpcTransport,
    processes,
    async restart(name) {
      const current = processes.get(name);
      if (current) intentional.add(current);
      await current?.stop();
      await spawnOne(name);
    },
    stop,
  };
}
