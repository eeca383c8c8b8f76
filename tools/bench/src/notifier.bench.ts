/**
 * `npm run bench:notifier`: merchant notifications under a steady event rate while some merchants
 * are slow or failing, on real, durable infrastructure.
 *
 * Provisions its own PostgreSQL and Kafka (tools/infra, durable) in a temporary state dir, starts
 * the notifier as a real process, and 1,000 merchant endpoints as real HTTP servers in this
 * process: 10% answer `ok` after 2 s, 10% answer 500, the rest answer `ok` at once. Events enter
 * through the notifier's record path at a steady rate (open loop), to merchants drawn at random:
 * what the consumer's transactions write (the event and its delivery, one statement per event;
 * each partition's events of a 10 ms tick in one transaction, as kafka-kit commits a fetched
 * run), so the figures are the sending side's; the Kafka consumer in front
 * of it is measured by bench:e2e. Each endpoint notes when each event first arrived. Printed per phase: deliveries/s (acknowledged),
 * attempts/s, p50/p99 event-to-delivery of HEALTHY endpoints (from publish to arrival), CPU per
 * delivery by process. A second phase sends the same rate to healthy endpoints only, to show
 * that the slow and failing ones change nothing for the others. Then pgbench (TPC-B-like) on the
 * same server, and the ratio of deliveries/s to pgbench tps.
 *
 * Knobs (env): BENCH_RATE (events/s, 1000), BENCH_SECONDS (per phase, 20), BENCH_ENDPOINTS (1000),
 * BENCH_PGBENCH_SECONDS (30), BENCH_PROFILE_DIR (a V8 CPU profile of the notifier, node --cpu-prof).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

import { NotifierServiceClient } from '@tolem/contracts/notifier';
import { databaseUrlFor, ensureDatabase } from '@tolem/db-kit';
import { createClient, type PromiseClient } from '@tolem/grpc-kit';
import { newId } from '@tolem/ids';
import { createTopics, provisionInfra } from '@tolem/infra';
import { MAX_MESSAGES_PER_TRANSACTION } from '@tolem/kafka-kit';
import { PAYMENTS_TOPIC_PARTITIONS } from '@tolem/stack';
import { freePort, grpcServing, type ServiceProcess, spawnService } from '@tolem/testing';
import pg from 'pg';

import { createReporter, pgbenchAlone } from './common';
import { cpuMicros, type CpuSample, sampleCpu } from './cpu';
import { percentile, perSecond } from './load';
import {
  resetStatements,
  scalar,
  settings,
  settle,
  STATEMENT_STATS,
  topStatements,
  withClient,
} from './postgres';

const RATE = Number.parseInt(process.env['BENCH_RATE'] ?? '1000', 10);
const SECONDS = Number.parseInt(process.env['BENCH_SECONDS'] ?? '20', 10);
const ENDPOINTS = Number.parseInt(process.env['BENCH_ENDPOINTS'] ?? '1000', 10);
const PGBENCH_SECONDS = Number.parseInt(process.env['BENCH_PGBENCH_SECONDS'] ?? '30', 10);
const TOPIC = 'payments.events.v1';
const GROUP = 'notifier';
const SLOW_MS = 2_000;
/** A directory for a V8 CPU profile of the notifier process (node --cpu-prof), when set. */
const PROFILE_DIR = process.env['BENCH_PROFILE_DIR'];

const { say, step } = createReporter();

type Kind = 'healthy' | 'slow' | 'failing';
/** Endpoint i: the first 10% are slow, the next 10% fail, the rest are healthy. */
const kindOf = (i: number): Kind =>
  i < ENDPOINTS * 0.1 ? 'slow' : i < ENDPOINTS * 0.2 ? 'failing' : 'healthy';
const merchantId = (i: number) => `mer_nb_${String(i).padStart(4, '0')}`;

interface Endpoint {
  kind: Kind;
  server: Server;
  url: string;
}

/** When each event was published, and when (first) it reached its endpoint. */
const publishedAt = new Map<string, number>();
/** When each event's record statement returned (committed): the notifier can only see it then. */
const recordedAt = new Map<string, number>();
const arrivedAt = new Map<string, number>();
let acknowledged = 0;
let attempts = 0;

async function startEndpoint(kind: Kind): Promise<Endpoint> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      attempts += 1;
      const id = String(req.headers['webhook-id'] ?? '');
      if (kind === 'failing') {
        res.writeHead(500).end('down');
        return;
      }
      const answer = () => {
        if (!arrivedAt.has(id)) {
          arrivedAt.set(id, performance.now());
          acknowledged += 1;
        }
        res.end('ok');
      };
      if (kind === 'slow') setTimeout(answer, SLOW_MS);
      else answer();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { kind, server, url: `http://127.0.0.1:${port}/tolem/result` };
}

/** A merchant-notification body as the notifier stores it (the bytes every attempt sends). */
function body(eventId: string, paymentId: string, merchant: string): string {
  return JSON.stringify({
    id: eventId,
    type: 'payment.succeeded',
    created: new Date().toISOString(),
    data: {
      payment_id: paymentId,
      merchant_id: merchant,
      order_id: `order-${paymentId.slice(-8)}`,
      amount: 150000,
      amount_major: '1500.00',
      currency: 'KGS',
      status: 'succeeded',
      method: 'webmoney_purse',
    },
  });
}

/** What recording one event writes: the stored event and its pending delivery, one statement. */
const RECORD_SQL = `
  with e as (
    insert into notification_events (event_id, event_type, merchant_id, payment_id, sequence,
      occurred_at, data, routed, created_at)
    values ($1, 'payment.succeeded', $2, $3, 1, now(), jsonb_build_object('legacy_json', $5::text),
      true, now())
  )
  insert into deliveries (id, event_id, event_type, payment_id, merchant_id, endpoint_id, sequence,
    url, payload, status, next_attempt_at, expires_at, created_at)
  values ($6, $1, 'payment.succeeded', $3, $2, $4, 1, $7, $5, 'pending', now(),
    now() + interval '72 hours', now())`;

/** An event's record statement's values, and its id. */
interface Recording {
  eventId: string;
  values: unknown[];
}

/**
 * Records a run of events in one transaction, as the consumer does (kafka-kit commits each
 * partition's fetched events in runs), and notes when they committed.
 */
async function recordRun(sink: Sink, run: readonly Recording[]) {
  const client = await sink.pool.connect();
  try {
    await client.query('begin');
    for (const r of run) await client.query(RECORD_SQL, r.values);
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  const committed = performance.now();
  for (const r of run) recordedAt.set(r.eventId, committed);
}

interface Sink {
  pool: pg.Pool;
  endpointIds: string[];
  urls: string[];
}

/** Records RATE events/s for `seconds` in 10 ms ticks (open loop); returns each kind's ids. */
async function publishSteady(
  sink: Sink,
  seconds: number,
  pick: () => number,
  endpoints: Endpoint[],
): Promise<Map<Kind, string[]>> {
  const ids = new Map<Kind, string[]>([
    ['healthy', []],
    ['slow', []],
    ['failing', []],
  ]);
  const started = performance.now();
  let sent = 0;
  const writes: Promise<unknown>[] = [];
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * RATE);
    // Each tick's events, by partition: the runs the consumer would have fetched and committed.
    const runs = Array.from({ length: PAYMENTS_TOPIC_PARTITIONS }, (): Recording[] => []);
    for (; sent < due; sent += 1) {
      const index = pick();
      const eventId = newId('evt');
      const paymentId = newId('pay');
      publishedAt.set(eventId, performance.now());
      ids.get(endpoints[index]?.kind ?? 'healthy')?.push(eventId);
      runs[sent % PAYMENTS_TOPIC_PARTITIONS]?.push({
        eventId,
        values: [
          eventId,
          merchantId(index),
          paymentId,
          sink.endpointIds[index],
          body(eventId, paymentId, merchantId(index)),
          newId('dlv'),
          sink.urls[index],
        ],
      });
    }
    for (const run of runs) {
      for (let at = 0; at < run.length; at += MAX_MESSAGES_PER_TRANSACTION) {
        writes.push(recordRun(sink, run.slice(at, at + MAX_MESSAGES_PER_TRANSACTION)));
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await Promise.all(writes);
  return ids;
}

interface Phase {
  name: string;
  deliveriesPerSecond: number;
  attemptsPerSecond: number;
  healthyP50: number;
  healthyP99: number;
  /** From publish to the commit of its run (queued in the bench's pool until then), p50 / p99. */
  recordP50: number;
  recordP99: number;
  /** From the record's commit to arrival. */
  committedP99: number;
  healthyMissing: number;
  cpu: string;
}

async function runPhase(
  name: string,
  sink: Sink,
  endpoints: Endpoint[],
  pick: () => number,
  stateDir: string,
  serverUrl: string,
): Promise<Phase> {
  await resetStatements(serverUrl);
  const ackBefore = acknowledged;
  const attemptsBefore = attempts;
  const cpuBefore: CpuSample = sampleCpu(stateDir);
  const started = performance.now();
  const ids = await publishSteady(sink, SECONDS, pick, endpoints);
  const healthy = ids.get('healthy') ?? [];
  // Healthy deliveries finish within moments of the last publish; wait at most 10 s for them.
  const deadline = performance.now() + 10_000;
  while (performance.now() < deadline && healthy.some((id) => !arrivedAt.has(id))) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const elapsed = performance.now() - started;
  const cpuAfter = sampleCpu(stateDir);
  const delivered = acknowledged - ackBefore;
  const latencies = Float64Array.from(
    healthy.flatMap((id) => {
      const a = arrivedAt.get(id);
      const p = publishedAt.get(id);
      return a !== undefined && p !== undefined ? [a - p] : [];
    }),
  );
  const recordLatencies = Float64Array.from(
    healthy.flatMap((id) => {
      const r = recordedAt.get(id);
      const p = publishedAt.get(id);
      return r !== undefined && p !== undefined ? [r - p] : [];
    }),
  );
  const committedLatencies = Float64Array.from(
    healthy.flatMap((id) => {
      const a = arrivedAt.get(id);
      const r = recordedAt.get(id);
      return a !== undefined && r !== undefined ? [a - r] : [];
    }),
  );
  const perDelivery = (group: string) =>
    Math.round(cpuMicros(cpuBefore, cpuAfter, group) / Math.max(1, delivered));
  const phase: Phase = {
    name,
    deliveriesPerSecond: perSecond(delivered, elapsed),
    attemptsPerSecond: perSecond(attempts - attemptsBefore, elapsed),
    healthyP50: percentile(latencies, 50),
    healthyP99: percentile(latencies, 99),
    recordP50: percentile(recordLatencies, 50),
    recordP99: percentile(recordLatencies, 99),
    committedP99: percentile(committedLatencies, 99),
    healthyMissing: healthy.length - latencies.length,
    cpu: ['notifier', 'postgres', 'kafka', 'client']
      .map((g) => `${g} ${perDelivery(g)}`)
      .join(', '),
  };
  step(
    `${name}: ${phase.deliveriesPerSecond.toFixed(0)} deliveries/s (${phase.attemptsPerSecond.toFixed(0)} attempts/s), ` +
      `healthy p50 ${phase.healthyP50.toFixed(1)} ms p99 ${phase.healthyP99.toFixed(1)} ms, ` +
      `record p50 ${phase.recordP50.toFixed(1)} ms p99 ${phase.recordP99.toFixed(1)} ms, ` +
      `committed-to-delivery p99 ${phase.committedP99.toFixed(1)} ms, ` +
      `${phase.healthyMissing} healthy not delivered; CPU µs/delivery: ${phase.cpu}`,
  );
  for (const line of await topStatements(serverUrl, delivered)) say(line);
  return phase;
}

async function main(): Promise<number> {
  const stateDir = mkdtempSync(join(tmpdir(), 'tolem-bench-'));
  let notifier: ServiceProcess | undefined;
  let client: PromiseClient<NotifierServiceClient> | undefined;
  let pool: pg.Pool | undefined;
  let stopInfra: (() => Promise<void>) | undefined;
  const endpoints: Endpoint[] = [];
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      step(`${signal}: stopping`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  try {
    step(`machine: ${cpus().length} CPU(s), ${cpus()[0]?.model ?? '?'}`);
    const infra = await provisionInfra({
      stateDir,
      durable: true,
      statementStats: STATEMENT_STATS,
      env: {},
      log: (m) => step(`infra: ${m}`),
    });
    stopInfra = () => infra.stop();
    const notifierUrl = databaseUrlFor(infra.databaseUrl, 'notifier_bench');
    await ensureDatabase(infra.databaseUrl, 'notifier_bench');
    await createTopics(infra.kafkaBrokers, [
      { topic: TOPIC, numPartitions: PAYMENTS_TOPIC_PARTITIONS },
    ]);
    step(`postgres settings: ${await settings(notifierUrl)}`);

    for (let i = 0; i < ENDPOINTS; i += 1) endpoints.push(await startEndpoint(kindOf(i)));
    step(`${ENDPOINTS} endpoints listening: 10% answer after ${SLOW_MS} ms, 10% answer 500`);

    const port = await freePort();
    notifier = await spawnService({
      name: 'notifier',
      entry: 'apps/notifier/src/main.ts',
      env: {
        DATABASE_URL: notifierUrl,
        KAFKA_BROKERS: infra.kafkaBrokers,
        PAYMENTS_TOPIC: TOPIC,
        KAFKA_GROUP_ID: GROUP,
        GRPC_PORT: String(port),
        MIGRATE_ON_START: 'true',
        LOG_LEVEL: 'warn',
        NOTIFY_ALLOW_PRIVATE_NETWORKS: 'loopback',
        ...Object.fromEntries(
          Object.entries(process.env).filter(
            (e): e is [string, string] => /^NOTIFY_|^DB_POOL_MAX$/.test(e[0]) && e[1] !== undefined,
          ),
        ),
      },
      ready: () => grpcServing(`127.0.0.1:${port}`),
      ...(PROFILE_DIR ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] } : {}),
    });
    const notifierClient = createClient(NotifierServiceClient, `127.0.0.1:${port}`);
    client = notifierClient;
    for (let i = 0; i < ENDPOINTS; i += 50) {
      await Promise.all(
        endpoints.slice(i, i + 50).map((e, j) =>
          notifierClient.upsertEndpoint({
            merchantId: merchantId(i + j),
            url: e.url,
            signingSecret: `whsec_${Buffer.from(`bench-secret-${i + j}-0123456789abcdef`).toString('base64')}`,
          }),
        ),
      );
    }
    step(`notifier started (real process), ${ENDPOINTS} endpoints registered`);

    const ids = await withClient(notifierUrl, async (c) => {
      const rows = await c.query<{ merchant_id: string; id: string }>(
        'select merchant_id, id from webhook_endpoints',
      );
      return new Map(rows.rows.map((r) => [r.merchant_id, r.id]));
    });
    pool = new pg.Pool({ connectionString: notifierUrl, max: 32 });
    const sink: Sink = {
      pool,
      endpointIds: endpoints.map((_, i) => ids.get(merchantId(i)) ?? ''),
      urls: endpoints.map((e) => e.url),
    };

    const healthyIndexes = endpoints.flatMap((e, i) => (e.kind === 'healthy' ? [i] : []));
    const anyEndpoint = () => Math.floor(Math.random() * ENDPOINTS);
    const healthyOnly = () =>
      healthyIndexes[Math.floor(Math.random() * healthyIndexes.length)] ?? 0;

    const warm = SECONDS;
    await publishSteady(sink, Math.min(5, warm), healthyOnly, endpoints);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    // As the other benches do (and pgbench to its own tables): the planner gets statistics of the
    // warmed-up tables, as a production table has, instead of planning the claim for empty ones.
    await settle(notifierUrl, infra.databaseUrl);
    step(
      'warmed up (5 s at the bench rate to healthy endpoints), vacuum analyze and checkpoint done',
    );

    const mixed = await runPhase(
      'with 10% slow + 10% failing',
      sink,
      endpoints,
      anyEndpoint,
      stateDir,
      infra.databaseUrl,
    );
    const clean = await runPhase(
      'healthy endpoints only',
      sink,
      endpoints,
      healthyOnly,
      stateDir,
      infra.databaseUrl,
    );
    const backlog = await withClient(notifierUrl, (c) =>
      scalar(c, "select count(*)::text from deliveries where status = 'pending'"),
    );

    await pool.end();
    pool = undefined;
    notifierClient.close();
    client = undefined;
    await notifier.stop();
    notifier = undefined;
    const pgbench = await pgbenchAlone(infra.databaseUrl, PGBENCH_SECONDS, step);

    say('');
    say(
      `Notifier benchmark: ${RATE} events/s recorded for ${SECONDS} s per phase, ${ENDPOINTS} endpoints, durable commits`,
    );
    say(
      'phase                           deliveries/s  attempts/s  healthy p50 ms  healthy p99 ms  ratio vs pgbench',
    );
    for (const p of [mixed, clean]) {
      say(
        [
          p.name.padEnd(30),
          p.deliveriesPerSecond.toFixed(0).padStart(12),
          p.attemptsPerSecond.toFixed(0).padStart(10),
          p.healthyP50.toFixed(1).padStart(14),
          p.healthyP99.toFixed(1).padStart(14),
          (p.deliveriesPerSecond / pgbench.tps).toFixed(2).padStart(16),
        ].join('  '),
      );
    }
    say(`CPU µs per delivery: mixed: ${mixed.cpu}; healthy only: ${clean.cpu}`);
    say(
      `pgbench (TPC-B-like, scale 10, 16 clients, 2 threads, ${PGBENCH_SECONDS} s): ${pgbench.tps.toFixed(0)} tps`,
    );
    say(`pending deliveries at the end (failing endpoints' retries, slow backlog): ${backlog}`);
    return mixed.healthyMissing + clean.healthyMissing > 0 ? 1 : 0;
  } finally {
    await cleanup();
  }

  async function cleanup(): Promise<void> {
    const stopping = { notifier, client, pool, stopInfra };
    notifier = undefined;
    client = undefined;
    pool = undefined;
    stopInfra = undefined;
    stopping.client?.close();
    await stopping.pool?.end().catch(() => undefined);
    await stopping.notifier?.stop().catch(() => undefined);
    for (const e of endpoints.splice(0)) {
      e.server.closeAllConnections();
      e.server.close();
    }
    await stopping
      .stopInfra?.()
      .catch((err: unknown) => step(`could not stop infra: ${(err as Error).message}`));
    rmSync(stateDir, { recursive: true, force: true });
    step('stopped everything');
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`notifier benchmark failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 2;
  },
);
