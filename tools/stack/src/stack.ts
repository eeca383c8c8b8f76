import { randomBytes } from 'node:crypto';

import { databaseUrlFor, ensureDatabase } from '@tolem/db-kit';
import { createTopics } from '@tolem/infra';
import { dlqTopicOf } from '@tolem/kafka-kit';
import { freePort, grpcServing, httpAnswers, type ServiceProcess, spawnService } from '@tolem/testing';

import { CONSUMER_GROUPS, PAYMENTS_TOPIC, type ServiceName,SERVICES } from './services';

export interface StackOptions {
  databaseUrl: string;
  kafkaBrokers: string;
  /** Prefix of the per-service databases: `tolem` gives tolem_ledger, tolem_checkout, … */
  databasePrefix?: string;
  paymentsTopic?: string;
  /** Fixed ports for npm start; tests leave them free. */
  ports?: Partial<Record<ServiceName, number>>;
  logLevel?: string;
  /** Shared secrets; generated when absent (npm start persists them). */
  secrets?: Partial<StackSecrets>;
  /** Extra env for every service (e.g. short notifier backoff in tests). */
  extraEnv?: Record<string, string>;
  echo?: NodeJS.WritableStream;
  log?: (line: string) => void;
}

export interface StackSecrets {
  adminToken: string;
  webmoneySecretKey: string;
}

export interface Stack {
  gatewayUrl: string;
  sandboxUrl: string;
  addresses: Record<ServiceName, string>;
  secrets: StackSecrets;
  paymentsTopic: string;
  databaseUrls: Record<string, string>;
  processes: Map<ServiceName, ServiceProcess>;
  /** Restarts one service with the same env (for crash tests). */
  restart(name: ServiceName): Promise<void>;
  stop(): Promise<void>;
}

/** WebMoney purses of the platform (an aggregator collects into its own purses). */
export const WEBMONEY_PURSES = 'USD:Z145179295679,EUR:E307809264417,RUB:R201563945711,KZT:K219455801236';

function randomToken(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
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
  const secrets: StackSecrets = {
    adminToken: options.secrets?.adminToken ?? randomToken('adm'),
    webmoneySecretKey: options.secrets?.webmoneySecretKey ?? randomToken('wm'),
  };

  const databaseUrls: Record<string, string> = {};
  await Promise.all(
    SERVICES.filter((s) => s.database).map(async (s) => {
      const name = `${prefix}_${s.database as string}`;
      await ensureDatabase(options.databaseUrl, name);
      databaseUrls[s.name] = databaseUrlFor(options.databaseUrl, name);
    }),
  );
  await createTopics(options.kafkaBrokers, [
    { topic: paymentsTopic, numPartitions: 6 },
    ...CONSUMER_GROUPS.map((g) => ({ topic: dlqTopicOf(paymentsTopic, g), numPartitions: 1 })),
  ]);
  log(`databases ready (${prefix}_*), topic ${paymentsTopic} ready`);

  const ports = {} as Record<ServiceName, number>;
  for (const s of SERVICES) ports[s.name] = options.ports?.[s.name] ?? (await freePort());
  const addresses = {} as Record<ServiceName, string>;
  for (const s of SERVICES) addresses[s.name] = `127.0.0.1:${ports[s.name]}`;
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
    const env: Record<string, string> = { ...common };
    const db = databaseUrls[name];
    if (db) env['DATABASE_URL'] = db;
    switch (name) {
      case 'gateway':
        return { ...env, HTTP_PORT: String(ports.gateway), PUBLIC_BASE_URL: gatewayUrl, ADMIN_TOKEN: secrets.adminToken };
      case 'provider-sandbox':
        return {
          ...env,
          HTTP_PORT: String(ports['provider-sandbox']),
          PUBLIC_BASE_URL: sandboxUrl,
          SANDBOX_WEBMONEY_SECRET_KEY: secrets.webmoneySecretKey,
          SANDBOX_WEBMONEY_HASH: 'sha256',
          SANDBOX_WEBMONEY_MODE: '1',
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
        };
      default:
        return { ...env, GRPC_PORT: String(ports[name]) };
    }
  };
  const readyOf = (name: ServiceName) => {
    const spec = SERVICES.find((s) => s.name === name);
    return spec?.kind === 'http'
      ? () => httpAnswers(`http://${addresses[name]}/healthz`)
      : () => grpcServing(addresses[name]);
  };

  const processes = new Map<ServiceName, ServiceProcess>();
  const spawnOne = async (name: ServiceName) => {
    const proc = await spawnService({
      name,
      entry: `apps/${name}/src/main.ts`,
      env: envOf(name),
      ready: readyOf(name),
      readyTimeoutMs: 120_000,
      echo: options.echo,
    });
    processes.set(name, proc);
    log(`${name} ready on ${addresses[name]}`);
  };

  const stop = async () => {
    // Intake first (gateway), then the rest, so no request lands on a stopped peer.
    await processes.get('gateway')?.stop();
    await Promise.all([...processes].filter(([n]) => n !== 'gateway').map(([, p]) => p.stop()));
  };

  try {
    // Starting all at once: gRPC clients connect lazily, so start order does not matter.
    const results = await Promise.allSettled(SERVICES.map((s) => spawnOne(s.name)));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0) throw new Error(failed.map((f) => (f.reason as Error).message).join('\n\n'));
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    gatewayUrl,
    sandboxUrl,
    addresses,
    secrets,
    paymentsTopic,
    databaseUrls,
    processes,
    async restart(name) {
      await processes.get(name)?.stop();
      await spawnOne(name);
    },
    stop,
  };
}
