/**
 * `npm run bench:ledger`: the ledger's throughput on real, durable infrastructure.
 *
 * Provisions its own PostgreSQL and Kafka (tools/infra, durable: fsync, synchronous_commit and
 * full_page_writes on) in a temporary state dir, starts the ledger as a real process, gives
 * 1,000 merchants a fee plan, and posts payments through the gRPC API from closed-loop clients at
 * concurrency 1, 16 and 64: once with one transfer per PostPayment call, once with batches of
 * transfers per PostPayments call. Then it waits for every event to reach Kafka, runs the
 * ledger's integrity check, stops the ledger and runs pgbench (TPC-B-like) against the same
 * server with the same settings, and prints the ratio of ledger transfers/s to pgbench tps.
 *
 * Each run starts after a VACUUM ANALYZE of the ledger's tables and a CHECKPOINT, as pgbench's
 * run starts after it vacuumed its tables and a CHECKPOINT: none pays for the previous one's
 * dead tuples, autovacuum work or dirty pages.
 *
 * Knobs (env): BENCH_SECONDS (per run, 10), BENCH_BATCH (transfers per batched call, 100),
 * BENCH_MERCHANTS (1000), BENCH_PGBENCH_SECONDS (30), BENCH_CONCURRENCY (1,16,64), BENCH_MODES
 * (single,batch), BENCH_PROFILE_DIR (write V8 CPU profiles of the ledger there), BENCH_GRPC_TLS
 * (1, the default: mutual TLS as in production, the bench calling as checkout; 0: plaintext, to
 * measure what mTLS costs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

import { PaymentMethod, Provider } from '@tolem/contracts/common';
import {
  CheckIntegrityRequest,
  LedgerServiceClient,
  PostPaymentRequest,
  SetFeePlanRequest,
} from '@tolem/contracts/ledger';
import { databaseUrlFor, ensureDatabase } from '@tolem/db-kit';
import {
  createClient,
  type GrpcTransport,
  grpcTransportOf,
  type PromiseClient,
} from '@tolem/grpc-kit';
import { createTopics, provisionInfra } from '@tolem/infra';
import { OUTBOX_MESSAGES_SQL } from '@tolem/kafka-kit';
import { PAYMENTS_TOPIC_PARTITIONS, SERVICE_NODE_ARGS } from '@tolem/stack';
import {
  createLocalCa,
  freePort,
  grpcServing,
  type ServiceProcess,
  spawnService,
} from '@tolem/testing';

import { cpuPerTransfer, sampleCpu } from './cpu';
import { type CallOutcome, type LoadResult, percentile, perSecond, runClosedLoop } from './load';
import { type PgbenchResult, runPgbench } from './pgbench';
import { checkpoint, scalar, settings, settle, walLsn, walSince, withClient } from './postgres';

const SECONDS = Number.parseInt(process.env['BENCH_SECONDS'] ?? '10', 10);
const BATCH = Number.parseInt(process.env['BENCH_BATCH'] ?? '100', 10);
const MERCHANTS = Number.parseInt(process.env['BENCH_MERCHANTS'] ?? '1000', 10);
const PGBENCH_SECONDS = Number.parseInt(process.env['BENCH_PGBENCH_SECONDS'] ?? '30', 10);
const CONCURRENCY = (process.env['BENCH_CONCURRENCY'] ?? '1,16,64')
  .split(',')
  .map((c) => Number.parseInt(c, 10));
const MODES = (process.env['BENCH_MODES'] ?? 'single,batch').split(',');
/** A directory for V8 CPU profiles of the ledger process (node --cpu-prof), when set. */
const PROFILE_DIR = process.env['BENCH_PROFILE_DIR'];
const GRPC_TLS = process.env['BENCH_GRPC_TLS'] !== '0';
const TOPIC = 'payments.events.v1';

const say = (line: string) => process.stdout.write(`${line}\n`);
const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const step = (line: string) => say(`[${elapsed()}] ${line}`);

const merchantId = (i: number) => `mer_bench_${String(i).padStart(4, '0')}`;

/** A payment; the ledger computes its fee from the merchant's plan. */
function payment(run: string, client: number, seq: number, item: number): PostPaymentRequest {
  const paymentId = `pay_${run}_${client}_${seq}_${item}`;
  const merchant = merchantId(Math.floor(Math.random() * MERCHANTS));
  return PostPaymentRequest.fromPartial({
    idempotencyKey: `payment:${paymentId}:succeeded`,
    paymentId,
    merchantId: merchant,
    gross: { amountMinor: BigInt(100 + Math.floor(Math.random() * 100_000)), currency: 'KGS' },
    method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
    provider: Provider.PROVIDER_WEBMONEY,
    providerPaymentId: `wm-${paymentId}`,
    providerAttributes: { payer_purse: 'Z123456789012', payer_wmid: '123456789012' },
    orderId: `order-${seq}`,
    description: 'bench',
  });
}

function waitForOutboxDrain(url: string, timeoutMs: number): Promise<number> {
  return withClient(url, async (client) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = Number.parseInt(
        await scalar(client, 'select count(*)::text from outbox where published_at is null'),
        10,
      );
      if (left === 0 || Date.now() > deadline) return left;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  });
}

function countRows(url: string): Promise<{ transactions: number; events: number }> {
  return withClient(url, async (client) => ({
    transactions: Number.parseInt(
      await scalar(client, 'select count(*)::text from transactions'),
      10,
    ),
    events: Number.parseInt(
      await scalar(client, `select coalesce(sum(${OUTBOX_MESSAGES_SQL}), 0)::text from outbox`),
      10,
    ),
  }));
}

function singleCall(client: PromiseClient<LedgerServiceClient>, run: string) {
  return async (c: number, seq: number): Promise<CallOutcome> => {
    const res = await client.postPayment(payment(run, c, seq, 0));
    return res.alreadyExisted
      ? { transfers: 0, errors: 1, firstError: 'unexpected replay' }
      : { transfers: 1, errors: 0 };
  };
}

function batchCall(client: PromiseClient<LedgerServiceClient>, run: string) {
  return async (c: number, seq: number): Promise<CallOutcome> => {
    const res = await client.postPayments({
      payments: Array.from({ length: BATCH }, (_, i) => payment(run, c, seq, i)),
    });
    let transfers = 0;
    let errors = 0;
    let firstError: string | undefined;
    for (const r of res.results) {
      if (r.result?.$case === 'posted' && !r.result.value.alreadyExisted) transfers += 1;
      else {
        errors += 1;
        firstError ??=
          r.result?.$case === 'error'
            ? `${r.result.value.code}: ${r.result.value.message}`
            : 'replay';
      }
    }
    return { transfers, errors, firstError };
  };
}

interface Row {
  mode: string;
  result: LoadResult;
  transfersPerCall: number;
}

function table(rows: Row[], pgbench: PgbenchResult | undefined): string {
  const lines = [
    'mode                                 conc  transfers/s   calls/s   p50 ms   p99 ms  errors  ratio vs pgbench',
    '-----------------------------------  ----  -----------  --------  -------  -------  ------  ----------------',
  ];
  for (const { mode, result, transfersPerCall } of rows) {
    const tps = perSecond(result.transfers, result.elapsedMs);
    const ratio = pgbench ? (tps / pgbench.tps).toFixed(2) : 'n/a';
    lines.push(
      [
        `${mode} (${transfersPerCall}/call)`.padEnd(35),
        String(result.concurrency).padStart(4),
        tps.toFixed(0).padStart(11),
        perSecond(result.calls, result.elapsedMs).toFixed(0).padStart(8),
        percentile(result.latenciesMs, 50).toFixed(2).padStart(7),
        percentile(result.latenciesMs, 99).toFixed(2).padStart(7),
        String(result.errors).padStart(6),
        ratio.padStart(16),
      ].join('  '),
    );
  }
  return lines.join('\n');
}

async function main(): Promise<number> {
  const stateDir = mkdtempSync(join(tmpdir(), 'tolem-bench-'));
  let ledger: ServiceProcess | undefined;
  let client: PromiseClient<LedgerServiceClient> | undefined;
  let stopInfra: (() => Promise<void>) | undefined;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      step(`${signal}: stopping`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  try {
    step(`machine: ${cpus().length} CPU(s), ${cpus()[0]?.model ?? '?'}`);
    // env: {} so DATABASE_URL / KAFKA_BROKERS of a dev shell never point the bench at dev servers.
    const infra = await provisionInfra({
      stateDir,
      durable: true,
      env: {},
      log: (m) => step(`infra: ${m}`),
    });
    stopInfra = () => infra.stop();
    const ledgerUrl = databaseUrlFor(infra.databaseUrl, 'ledger_bench');
    const pgbenchUrl = databaseUrlFor(infra.databaseUrl, 'pgbench');
    await ensureDatabase(infra.databaseUrl, 'ledger_bench');
    await ensureDatabase(infra.databaseUrl, 'pgbench');
    await createTopics(infra.kafkaBrokers, [
      { topic: TOPIC, numPartitions: PAYMENTS_TOPIC_PARTITIONS },
    ]);
    step(`postgres settings: ${await settings(ledgerUrl)}`);

    const port = await freePort();
    // mTLS as in production: a local CA, the ledger's certificate, and checkout's for the bench
    // (PostPayment is checkout's to call). Health is asked on the plaintext health port.
    const healthPort = await freePort();
    const tls = GRPC_TLS ? createLocalCa(join(stateDir, 'pki')) : undefined;
    const transport: GrpcTransport = tls
      ? grpcTransportOf('checkout', { tlsDir: tls.issue('checkout'), insecure: false })
      : { kind: 'insecure' };
    step(`gRPC: ${tls ? 'mutual TLS' : 'plaintext'}`);
    ledger = await spawnService({
      name: 'ledger',
      entry: 'apps/ledger/src/main.ts',
      env: {
        DATABASE_URL: ledgerUrl,
        KAFKA_BROKERS: infra.kafkaBrokers,
        PAYMENTS_TOPIC: TOPIC,
        GRPC_PORT: String(port),
        MIGRATE_ON_START: 'true',
        LOG_LEVEL: 'warn',
        GRPC_HEALTH_PORT: String(healthPort),
        ...(tls ? { GRPC_TLS_DIR: tls.issue('ledger') } : { GRPC_INSECURE: 'true' }),
        // The ledger's tuning knobs (and tracing's OTEL_*) pass through, so a run can try other settings.
        ...Object.fromEntries(
          Object.entries(process.env).filter(
            (e): e is [string, string] =>
              /^(LEDGER_BATCH_|DB_POOL_MAX$|OUTBOX_BATCH_SIZE$|OTEL_)/.test(e[0]) &&
              e[1] !== undefined,
          ),
        ),
      },
      nodeArgs: [
        ...(PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []),
        ...(process.env['BENCH_LEDGER_NODE_ARGS'] ?? (SERVICE_NODE_ARGS['ledger'] ?? []).join(' '))
          .split(' ')
          .filter(Boolean),
      ],
      ready: () => grpcServing(`127.0.0.1:${healthPort}`),
    });
    const ledgerClient = createClient(LedgerServiceClient, `127.0.0.1:${port}`, {
      defaultDeadlineMs: 60_000,
      transport,
    });
    client = ledgerClient;
    step('ledger started (real process, group commit on)');

    for (let i = 0; i < MERCHANTS; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, MERCHANTS - i) }, (_, j) =>
          ledgerClient.setFeePlan(
            SetFeePlanRequest.fromPartial({
              merchantId: merchantId(i + j),
              rules: [
                {
                  method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
                  percentBps: 250,
                  fixed: [{ amountMinor: 5n, currency: 'KGS' }],
                },
              ],
            }),
          ),
        ),
      );
    }
    step(`${MERCHANTS} merchants have a fee plan (2.5% + 0.05 KGS for webmoney_purse)`);

    await runClosedLoop({
      concurrency: 16,
      durationMs: 3_000,
      call: batchCall(ledgerClient, 'warm'),
    });
    await checkpoint(infra.databaseUrl);
    step('warmed up (3 s, batched, concurrency 16), checkpoint done');

    const rows: Row[] = [];
    for (const [mode, call, perCall, key] of [
      ['PostPayment', singleCall, 1, 'single'],
      ['PostPayments', batchCall, BATCH, 'batch'],
    ] as const) {
      if (!MODES.includes(key)) continue;
      for (const concurrency of CONCURRENCY) {
        await settle(ledgerUrl, infra.databaseUrl);
        const lsn = await walLsn(ledgerUrl);
        const cpuBefore = sampleCpu(stateDir);
        const result = await runClosedLoop({
          concurrency,
          durationMs: SECONDS * 1000,
          call: call(ledgerClient, `${mode}_${concurrency}`),
        });
        const cpuAfter = sampleCpu(stateDir);
        rows.push({ mode, result, transfersPerCall: perCall });
        step(
          `${mode} c=${concurrency}: ${perSecond(result.transfers, result.elapsedMs).toFixed(0)} transfers/s, ` +
            `p50 ${percentile(result.latenciesMs, 50).toFixed(2)} ms, p99 ${percentile(result.latenciesMs, 99).toFixed(2)} ms, ` +
            `${result.errors} errors${result.firstError ? ` (first: ${result.firstError})` : ''}, ` +
            `${((await walSince(ledgerUrl, lsn)) / Math.max(1, result.transfers)) | 0} WAL bytes/transfer; ` +
            cpuPerTransfer(cpuBefore, cpuAfter, result.transfers),
        );
      }
    }

    const left = await waitForOutboxDrain(ledgerUrl, 120_000);
    const counts = await countRows(ledgerUrl);
    step(
      `outbox drained to Kafka: ${counts.events} events, ${left} unpublished; ${counts.transactions} transactions`,
    );
    const integrity = await ledgerClient.checkIntegrity(CheckIntegrityRequest.fromPartial({}));
    step(`integrity: ${integrity.ok ? 'OK' : 'FAILED'} (${integrity.checks.join('; ')})`);
    for (const v of integrity.violations.slice(0, 10)) step(`  VIOLATION ${v.check}: ${v.detail}`);

    ledgerClient.close();
    client = undefined;
    await ledger.stop();
    ledger = undefined;
    await checkpoint(infra.databaseUrl);
    step('ledger stopped, checkpoint done; running pgbench alone on the same server');

    const pgbench = await runPgbench({
      url: pgbenchUrl,
      scale: 10,
      clients: 16,
      threads: 2,
      seconds: PGBENCH_SECONDS,
      beforeRun: () => checkpoint(infra.databaseUrl),
    });
    step(
      `pgbench -s 10 -c 16 -j 2 -T ${PGBENCH_SECONDS}: ${pgbench.tps.toFixed(0)} tps, ` +
        `latency avg ${pgbench.latencyAvgMs.toFixed(2)} ms (${pgbench.transactions} transactions)`,
    );
    step(`postgres settings during pgbench: ${await settings(pgbenchUrl)}`);

    say('');
    say(
      `Ledger benchmark: ${SECONDS} s per run, ${MERCHANTS} merchants, durable commits (fsync on)`,
    );
    say(table(rows, pgbench));
    say(
      `pgbench (TPC-B-like, scale 10, 16 clients, 2 threads, ${PGBENCH_SECONDS} s): ${pgbench.tps.toFixed(0)} tps`,
    );
    say(
      'Latency is per gRPC call: one transfer per PostPayment call, a batch of transfers per PostPayments call.',
    );
    say(`Integrity check: ${integrity.ok ? 'OK' : 'FAILED'}; unpublished events: ${left}`);
    const failed = rows.some((r) => r.result.errors > 0) || !integrity.ok || left > 0;
    return failed ? 1 : 0;
  } finally {
    await cleanup();
  }

  /** Idempotent: runs at the end, and on Ctrl-C (Kafka runs detached and would outlive us). */
  async function cleanup(): Promise<void> {
    const stopping = { ledger, client, stopInfra };
    ledger = undefined;
    client = undefined;
    stopInfra = undefined;
    stopping.client?.close();
    await stopping.ledger?.stop().catch(() => undefined);
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
    process.stderr.write(`ledger benchmark failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 2;
  },
);
