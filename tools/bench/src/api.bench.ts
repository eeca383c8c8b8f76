/**
 * `npm run bench:api`: payment creation through the merchant API on real, durable infrastructure.
 *
 * Provisions its own PostgreSQL and Kafka (tools/infra, durable: fsync, synchronous_commit and
 * full_page_writes on) in a temporary state dir, starts the whole platform as real processes
 * (tools/stack: gateway, checkout, ledger, …), creates merchants with API keys through the admin
 * API, and drives `POST /v1/payments` with an `Idempotency-Key` over keep-alive HTTP from
 * closed-loop clients at concurrency 1, 16 and 64. Each run prints creates/s, p50/p99 latency,
 * errors, WAL bytes and CPU microseconds per create of each process. Then it checks that a
 * replayed request answers the same payment and a reused key with another body is refused, stops
 * the platform and runs pgbench (TPC-B-like) against the same server with the same settings, and
 * prints the ratio of creates/s to pgbench tps.
 *
 * Each run starts after a VACUUM ANALYZE of checkout's tables and a CHECKPOINT, as pgbench's run
 * starts after it vacuumed its tables and a CHECKPOINT.
 *
 * Knobs (env): BENCH_SECONDS (per run, 10), BENCH_MERCHANTS (100), BENCH_PGBENCH_SECONDS (30),
 * BENCH_CONCURRENCY (1,16,64), BENCH_PROFILE_DIR (write V8 CPU profiles of the gateway and
 * checkout there), BENCH_WAL_STATS=1 (pg_waldump --stats=record of each run's WAL: commits, heap
 * and index records, full-page images per create), BENCH_GRPC_TLS (1, the default: the apps talk
 * mutual TLS as in production; 0: plaintext, to measure what mTLS costs).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

import { databaseUrlFor, ensureDatabase } from '@tolem/db-kit';
import { provisionInfra } from '@tolem/infra';
import { type ServiceName, type Stack, startStack } from '@tolem/stack';

import { cpuMicros, cpuPerTransfer, type CpuSample, sampleCpu } from './cpu';
import { createHttpClient, type HttpClient } from './http';
import { type CallOutcome, type LoadResult, percentile, perSecond, runClosedLoop } from './load';
import { type PgbenchResult, runPgbench } from './pgbench';
import {
  checkpoint,
  resetStatements,
  settings,
  settle,
  STATEMENT_STATS,
  topStatements,
  walLsn,
  walSince,
} from './postgres';

const SECONDS = Number.parseInt(process.env['BENCH_SECONDS'] ?? '10', 10);
const MERCHANTS = Number.parseInt(process.env['BENCH_MERCHANTS'] ?? '100', 10);
const PGBENCH_SECONDS = Number.parseInt(process.env['BENCH_PGBENCH_SECONDS'] ?? '30', 10);
const CONCURRENCY = (process.env['BENCH_CONCURRENCY'] ?? '1,16,64')
  .split(',')
  .map((c) => Number.parseInt(c, 10));
/** A directory for V8 CPU profiles of the gateway and checkout (node --cpu-prof), when set. */
const PROFILE_DIR = process.env['BENCH_PROFILE_DIR'];
/** The processes a create passes through, then the rest that share the machine. */
const CPU_GROUPS = ['gateway', 'checkout', 'postgres', 'ledger', 'kafka', 'client'] as const;
const PROFILED: ServiceName[] = ['gateway', 'checkout'];
const WAL_STATS = process.env['BENCH_WAL_STATS'] === '1';
const GRPC_TLS = process.env['BENCH_GRPC_TLS'] !== '0';
const PG_WALDUMP = '/usr/lib/postgresql/15/bin/pg_waldump';

const say = (line: string) => process.stdout.write(`${line}\n`);
const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const step = (line: string) => say(`[${elapsed()}] ${line}`);

interface BenchMerchant {
  id: string;
  apiKey: string;
}

/** What a merchant's shop sends: an order with an amount, a description and some metadata. */
interface CreateRequest {
  merchant: BenchMerchant;
  idempotencyKey: string;
  body: {
    amount: number;
    currency: string;
    order_id: string;
    description: string;
    metadata: Record<string, string>;
  };
}

function createRequest(merchants: BenchMerchant[], run: string, client: number, seq: number) {
  const merchant = merchants[Math.floor(Math.random() * merchants.length)] as BenchMerchant;
  return {
    merchant,
    idempotencyKey: randomUUID(),
    body: {
      amount: 100 + Math.floor(Math.random() * 100_000),
      currency: 'USD',
      order_id: `${run}-${client}-${seq}`,
      description: `Order ${seq} of client ${client}`,
      metadata: { cart: `c-${client}-${seq}`, channel: 'web' },
    },
  } satisfies CreateRequest;
}

function post(http: HttpClient, req: CreateRequest) {
  return http.postJson(
    '/v1/payments',
    { authorization: `Bearer ${req.merchant.apiKey}`, 'idempotency-key': req.idempotencyKey },
    req.body,
  );
}

async function createMerchants(stack: Stack, http: HttpClient): Promise<BenchMerchant[]> {
  const merchants: BenchMerchant[] = [];
  for (let i = 0; i < MERCHANTS; i += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, MERCHANTS - i) }, async (_, j) => {
        const res = await http.postJson(
          '/admin/v1/merchants',
          {
            authorization: `Bearer ${stack.secrets.adminToken}`,
            'idempotency-key': `bench-merchant-${i + j}`,
          },
          {
            name: `Bench shop ${i + j}`,
            enabled_methods: ['webmoney_purse', 'card', 'qr'],
            fee_rules: [
              { method: 'webmoney_purse', percent_bps: 250 },
              { method: 'card', percent_bps: 290, fixed: [{ amount: 10, currency: 'USD' }] },
              { method: 'qr', percent_bps: 100 },
            ],
            result_url: 'http://127.0.0.1:9/result',
          },
        );
        const body = JSON.parse(res.body) as { merchant?: { id: string }; api_key?: string };
        if (res.status >= 300 || !body.merchant || !body.api_key) {
          throw new Error(`creating a merchant failed: ${res.status} ${res.body}`);
        }
        return { id: body.merchant.id, apiKey: body.api_key };
      }),
    );
    merchants.push(...batch);
  }
  return merchants;
}

/** One create per call; every request that is not a fresh 201 is an error of the run. */
function createCall(
  http: HttpClient,
  merchants: BenchMerchant[],
  run: string,
  sent: Map<number, CreateRequest & { paymentId: string }>,
) {
  return async (client: number, seq: number): Promise<CallOutcome> => {
    const req = createRequest(merchants, run, client, seq);
    const res = await post(http, req);
    if (res.status !== 201) {
      return { transfers: 0, errors: 1, firstError: `${res.status} ${res.body.slice(0, 200)}` };
    }
    // The last payment of each client, for the idempotency check after the runs.
    sent.set(client, { ...req, paymentId: (JSON.parse(res.body) as { id: string }).id });
    return { transfers: 1, errors: 0 };
  };
}

/**
 * Replays each remembered request (its first answer again: 201, the same payment, with
 * Idempotent-Replayed) and reuses its key with another amount (409): the speed must not have
 * cost idempotency.
 */
async function checkIdempotency(
  http: HttpClient,
  sent: Iterable<CreateRequest & { paymentId: string }>,
): Promise<{ checked: number; failures: string[] }> {
  const failures: string[] = [];
  let checked = 0;
  await Promise.all(
    [...sent].map(async (req) => {
      checked += 1;
      const again = await post(http, req);
      const id = again.status === 201 ? (JSON.parse(again.body) as { id: string }).id : '';
      if (
        again.status !== 201 ||
        again.headers['idempotent-replayed'] !== 'true' ||
        id !== req.paymentId
      ) {
        failures.push(`replay of ${req.paymentId}: ${again.status} ${again.body.slice(0, 200)}`);
      }
      const changed = await post(http, {
        ...req,
        body: { ...req.body, amount: req.body.amount + 1 },
      });
      if (changed.status !== 409) {
        failures.push(`reuse with another amount: ${changed.status} ${changed.body.slice(0, 200)}`);
      }
    }),
  );
  return { checked, failures };
}

/**
 * The WAL records of a run by kind (pg_waldump --stats=record, a diagnostic): how many commits,
 * heap and index records and full-page images a create costs. Empty when pg_waldump is missing.
 */
function walStats(stateDir: string, from: string, to: string, creates: number): string {
  const walDir = join(stateDir, 'postgres', 'data', 'pg_wal');
  if (!existsSync(PG_WALDUMP) || !existsSync(walDir) || creates === 0) return '';
  let out: string;
  try {
    out = execFileSync(
      PG_WALDUMP,
      ['--path', walDir, '--start', from, '--end', to, '--stats=record'],
      { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (err) {
    return `pg_waldump failed: ${(err as Error).message.split('\n')[0] ?? ''}`;
  }
  const lines: string[] = [];
  for (const line of out.split('\n')) {
    // "Heap/INSERT   1234 ( 12.34)   56789 ( 12.34)   0 (0.00)   56789 ( 12.34)"
    const m = /^(\S+\/\S+(?: \S+)?)\s+(\d+)\s+\(\s*[\d.]+\)\s+(\d+)\s+\(\s*[\d.]+\)\s+(\d+)/.exec(
      line.trim(),
    );
    if (!m) continue;
    const [, kind, count, recBytes, fpiBytes] = m;
    const perCreate = Number(count) / creates;
    if (perCreate < 0.05) continue;
    lines.push(
      `${kind}: ${perCreate.toFixed(2)}/create, ${((Number(recBytes) + Number(fpiBytes)) / creates).toFixed(0)} B/create` +
        (Number(fpiBytes) > 0 ? ` (${(Number(fpiBytes) / creates).toFixed(0)} B FPI)` : ''),
    );
  }
  return lines.join('; ');
}

interface Row {
  result: LoadResult;
  cpuUsPerCreate: Record<string, number>;
}

function table(rows: Row[], pgbench: PgbenchResult | undefined): string {
  const lines = [
    'conc  creates/s   p50 ms   p99 ms  errors  ratio vs pgbench  CPU µs/create above idle: gateway  checkout  postgres  all',
    '----  ---------  -------  -------  ------  ----------------  ---------------------------------  --------  --------  ----',
  ];
  for (const { result, cpuUsPerCreate } of rows) {
    const rate = perSecond(result.transfers, result.elapsedMs);
    const total = Object.values(cpuUsPerCreate).reduce((a, b) => a + b, 0);
    lines.push(
      [
        String(result.concurrency).padStart(4),
        rate.toFixed(0).padStart(9),
        percentile(result.latenciesMs, 50).toFixed(2).padStart(7),
        percentile(result.latenciesMs, 99).toFixed(2).padStart(7),
        String(result.errors).padStart(6),
        (pgbench ? (rate / pgbench.tps).toFixed(2) : 'n/a').padStart(16),
        String(cpuUsPerCreate['gateway'] ?? 0).padStart(33),
        String(cpuUsPerCreate['checkout'] ?? 0).padStart(8),
        String(cpuUsPerCreate['postgres'] ?? 0).padStart(8),
        String(total).padStart(4),
      ].join('  '),
    );
  }
  return lines.join('\n');
}

/**
 * CPU per create above what the idle platform burns in the same time (sweepers, relays, Kafka):
 * the cost of the creates themselves, steadier than the gross figure when throughput is low.
 */
function perCreate(
  before: CpuSample,
  after: CpuSample,
  result: LoadResult,
  idleMicrosPerMs: Record<string, number>,
): Record<string, number> {
  return Object.fromEntries(
    CPU_GROUPS.map((g) => {
      const used = cpuMicros(before, after, g) - (idleMicrosPerMs[g] ?? 0) * result.elapsedMs;
      return [g, result.transfers > 0 ? Math.round(Math.max(0, used) / result.transfers) : 0];
    }),
  );
}

async function main(): Promise<number> {
  const stateDir = mkdtempSync(join(tmpdir(), 'tolem-bench-api-'));
  let stack: Stack | undefined;
  let http: HttpClient | undefined;
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
      statementStats: STATEMENT_STATS,
      env: {},
      log: (m) => step(`infra: ${m}`),
    });
    stopInfra = () => infra.stop();
    stack = await startStack({
      databaseUrl: infra.databaseUrl,
      kafkaBrokers: infra.kafkaBrokers,
      databasePrefix: 'bench',
      logLevel: 'warn',
      insecureGrpc: !GRPC_TLS,
      // The apps' tuning knobs (and tracing's OTEL_*) pass through, so a run can compare settings.
      extraEnv: Object.fromEntries(
        Object.entries(process.env).filter(
          (e): e is [string, string] =>
            /^(CREATE_BATCH_LANES|MERCHANT_CACHE_TTL_MS|OTEL_\w+)$/.test(e[0]) &&
            e[1] !== undefined,
        ),
      ),
      nodeArgs: PROFILE_DIR
        ? Object.fromEntries(
            PROFILED.map((name) => [name, ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`]]),
          )
        : {},
      log: (m) => step(`stack: ${m}`),
    });
    const checkoutUrl = stack.databaseUrls['checkout'] as string;
    step(`postgres settings: ${await settings(checkoutUrl)}`);
    const client = createHttpClient(stack.gatewayUrl, Math.max(...CONCURRENCY, 16));
    http = client;

    const merchants = await createMerchants(stack, client);
    step(`${merchants.length} merchants with an API key each (webmoney_purse, card, qr)`);

    const sent = new Map<number, CreateRequest & { paymentId: string }>();
    const warm = await runClosedLoop({
      concurrency: 16,
      durationMs: 3_000,
      call: createCall(client, merchants, 'warm', sent),
    });
    if (warm.errors > 0) throw new Error(`warm-up failed: ${warm.firstError ?? '?'}`);
    await checkpoint(infra.databaseUrl);
    step('warmed up (3 s, concurrency 16), checkpoint done');

    // What the platform burns with no requests (sweepers, relays, Kafka, health checks): on
    // a slow run it is a visible share of the CPU per create.
    const idleBefore = sampleCpu(stateDir);
    const idleStarted = performance.now();
    await new Promise((r) => setTimeout(r, 5_000));
    const idleAfter = sampleCpu(stateDir);
    const idleMs = performance.now() - idleStarted;
    const idleMicrosPerMs = Object.fromEntries(
      // At least 0: a PostgreSQL backend that ends in between takes its CPU with it.
      CPU_GROUPS.map((g) => [g, Math.max(0, cpuMicros(idleBefore, idleAfter, g)) / idleMs]),
    );
    step(
      `idle for 5 s: ${CPU_GROUPS.map((g) => `${g} ${(idleMicrosPerMs[g] ?? 0).toFixed(0)}`).join(', ')} ms CPU/s`,
    );

    const rows: Row[] = [];
    for (const concurrency of CONCURRENCY) {
      await settle(checkoutUrl, infra.databaseUrl);
      const lsn = await walLsn(checkoutUrl);
      await resetStatements(infra.databaseUrl);
      const cpuBefore = sampleCpu(stateDir);
      const result = await runClosedLoop({
        concurrency,
        durationMs: SECONDS * 1000,
        call: createCall(client, merchants, `c${concurrency}`, sent),
      });
      const cpuAfter = sampleCpu(stateDir);
      const lsnAfter = WAL_STATS ? await walLsn(checkoutUrl) : '';
      rows.push({
        result,
        cpuUsPerCreate: perCreate(cpuBefore, cpuAfter, result, idleMicrosPerMs),
      });
      step(
        `c=${concurrency}: ${perSecond(result.transfers, result.elapsedMs).toFixed(0)} creates/s, ` +
          `p50 ${percentile(result.latenciesMs, 50).toFixed(2)} ms, p99 ${percentile(result.latenciesMs, 99).toFixed(2)} ms, ` +
          `${result.errors} errors${result.firstError ? ` (first: ${result.firstError})` : ''}, ` +
          `${((await walSince(checkoutUrl, lsn)) / Math.max(1, result.transfers)) | 0} WAL bytes/create; ` +
          cpuPerTransfer(cpuBefore, cpuAfter, result.transfers, CPU_GROUPS, 'create') +
          ' (gross, idle included)',
      );
      if (WAL_STATS) step(`  WAL: ${walStats(stateDir, lsn, lsnAfter, result.transfers)}`);
      for (const line of await topStatements(infra.databaseUrl, result.transfers, 12)) say(line);
    }

    const idempotency = await checkIdempotency(client, sent.values());
    step(
      `idempotency: ${idempotency.checked} replays answered the same payment and reuses with ` +
        `another amount were refused, ${idempotency.failures.length} failures`,
    );
    for (const f of idempotency.failures.slice(0, 10)) step(`  FAILED ${f}`);

    client.close();
    http = undefined;
    await stack.stop();
    stack = undefined;
    await checkpoint(infra.databaseUrl);
    step('platform stopped, checkpoint done; running pgbench alone on the same server');

    const pgbenchUrl = databaseUrlFor(infra.databaseUrl, 'pgbench');
    await ensureDatabase(infra.databaseUrl, 'pgbench');
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

    say('');
    say(
      `API benchmark: POST /v1/payments through the gateway, ${SECONDS} s per run, ` +
        `${MERCHANTS} merchants, durable commits (fsync on)`,
    );
    say(table(rows, pgbench));
    say(
      `pgbench (TPC-B-like, scale 10, 16 clients, 2 threads, ${PGBENCH_SECONDS} s): ${pgbench.tps.toFixed(0)} tps`,
    );
    say(
      'Latency is per HTTP request (keep-alive). CPU is per created payment, by process, above ' +
        'what the idle platform burns; "all" adds the ledger, Kafka and the client.',
    );
    say(`Idempotency check: ${idempotency.failures.length === 0 ? 'OK' : 'FAILED'}`);
    const failed = rows.some((r) => r.result.errors > 0) || idempotency.failures.length > 0;
    return failed ? 1 : 0;
  } finally {
    await cleanup();
  }

  /** Idempotent: runs at the end, and on Ctrl-C (Kafka runs detached and would outlive us). */
  async function cleanup(): Promise<void> {
    const stopping = { stack, http, stopInfra };
    stack = undefined;
    http = undefined;
    stopInfra = undefined;
    stopping.http?.close();
    await stopping.stack?.stop().catch(() => undefined);
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
    process.stderr.write(`API benchmark failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 2;
  },
);
