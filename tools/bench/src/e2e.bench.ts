/**
 * `npm run bench:e2e`: whole payments per second on real, durable infrastructure, and the time
 * from create to the merchant's notification.
 *
 * Provisions its own PostgreSQL and Kafka (tools/infra, durable: fsync, synchronous_commit and
 * full_page_writes on) in a temporary state dir and starts the whole platform as real processes
 * (tools/stack). The bench process is also the merchant: a real HTTP server that answers `ok`,
 * registered as each merchant's result URL through the admin API. Closed-loop payers (16 by
 * default) each, over and over: create a payment through the merchant API (API key,
 * Idempotency-Key), open its hosted page, choose a method, and pay through the provider sandbox
 * as a browser would (its real pages and protocol): half by card (IntellectMoney's payment form,
 * card page), half from a WebMoney purse (Merchant's payment form, the purse page). The sandbox
 * then calls back the gateway (provider-adapters → checkout → ledger → Kafka → notifier → the
 * merchant). A payment is whole when its notification reached the merchant; payments/s counts
 * those, and latency runs from the create request to that notification.
 *
 * It prints payments/s, p50/p99 create → notified, the payer's share (create + pages + pay,
 * which includes the provider's callback) and the rest (paid → notified), CPU per payment of each
 * process above idle, then stops the platform, runs pgbench on the same server and prints the
 * ratio. Each run starts after a VACUUM ANALYZE of checkout's and the ledger's tables and a
 * CHECKPOINT, as pgbench's does.
 *
 * Knobs (env): BENCH_SECONDS (per run, 15), BENCH_CONCURRENCY (16), BENCH_MERCHANTS (10),
 * BENCH_PGBENCH_SECONDS (30), BENCH_PROFILE_DIR (V8 CPU profiles of the apps a payment passes
 * through), BENCH_CALLS=1 (gRPC calls and HTTP requests per payment, by service and method); the
 * apps' latency knobs pass through (e.g. NOTIFY_POLL_MS, to compare).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

import { provisionInfra } from '@tolem/infra';
import { type ServiceName, type Stack, startStack } from '@tolem/stack';

import { callsPerItem, countCalls } from './calls';
import { cpuPerItem, createReporter, idleCpu, pgbenchAlone } from './common';
import { sampleCpu } from './cpu';
import { createHttpClient, type HttpClient } from './http';
import { type CallOutcome, type LoadResult, percentile, perSecond, runClosedLoop } from './load';
import { type MerchantReceiver, startMerchantReceiver } from './merchant-receiver';
import { createBrowser, expectStatus, formById, methodForm, PayerError } from './payer';
import type { PgbenchResult } from './pgbench';
import {
  resetStatements,
  scalar,
  settings,
  settle,
  STATEMENT_STATS,
  topStatements,
  withClient,
} from './postgres';

const SECONDS = Number.parseInt(process.env['BENCH_SECONDS'] ?? '15', 10);
const MERCHANTS = Number.parseInt(process.env['BENCH_MERCHANTS'] ?? '10', 10);
const PGBENCH_SECONDS = Number.parseInt(process.env['BENCH_PGBENCH_SECONDS'] ?? '30', 10);
const CONCURRENCY = (process.env['BENCH_CONCURRENCY'] ?? '16')
  .split(',')
  .map((c) => Number.parseInt(c, 10));
/** A directory for V8 CPU profiles of the apps on a payment's path (node --cpu-prof), when set. */
const PROFILE_DIR = process.env['BENCH_PROFILE_DIR'];
/** How long the last payments of a run may take to be notified before they count as lost. */
const DRAIN_MS = 30_000;
/** The processes a payment passes through, then the rest that share the machine. */
const CPU_GROUPS = [
  'gateway',
  'checkout',
  'provider-adapters',
  'provider-sandbox',
  'ledger',
  'notifier',
  'reporting',
  'recurring',
  'postgres',
  'kafka',
  'client',
] as const;
const PROFILED: ServiceName[] = [
  'gateway',
  'checkout',
  'provider-adapters',
  'provider-sandbox',
  'ledger',
  'notifier',
];
/** Tuning knobs of the apps a run may set from the environment, to compare settings. */
const PASSED_THROUGH =
  /^(NOTIFY_POLL_MS|NOTIFY_CONCURRENCY|NOTIFY_CLAIM_BATCH|CREATE_BATCH_LANES|MERCHANT_CACHE_TTL_MS|STATUS_EVENT_SWEEP_MS|LEDGER_SWEEP_MS)$/;
/** A test card IntellectMoney's sandbox approves (response code 00), no 3-D Secure. */
const CARD = { pan: '4111 1111 1111 1111', expiry: '12/30', cvv: '123' };

const { say, step } = createReporter();

type Method = 'card' | 'webmoney_purse';

interface BenchMerchant {
  id: string;
  apiKey: string;
}

/** One payment of a run: when it was created and when the payer was done with it. */
interface Started {
  paymentId: string;
  method: Method;
  createdAt: number;
  paidAt: number;
  /** Milliseconds of each payer step, in order (STEPS). */
  steps: number[];
}

/** The payer's steps: where a slow payer spends its time. */
const STEPS = ['create', 'hosted page', 'method', 'provider pages', 'pay (incl. callback)'];

interface Clients {
  gateway: HttpClient;
  byOrigin: Map<string, HttpClient>;
}

async function createMerchants(
  stack: Stack,
  http: HttpClient,
  resultUrl: string,
): Promise<BenchMerchant[]> {
  const merchants: BenchMerchant[] = [];
  for (let i = 0; i < MERCHANTS; i += 1) {
    const res = await http.postJson(
      '/admin/v1/merchants',
      {
        authorization: `Bearer ${stack.secrets.adminToken}`,
        'idempotency-key': `bench-e2e-merchant-${i}`,
      },
      {
        name: `Bench e2e shop ${i}`,
        enabled_methods: ['webmoney_purse', 'card'],
        fee_rules: [
          { method: 'webmoney_purse', percent_bps: 250 },
          { method: 'card', percent_bps: 290, fixed: [{ amount: 10, currency: 'USD' }] },
        ],
        webmoney_shop_id: String(5_000 + i),
        // The merchant's notification URL, registered the way a merchant is onboarded.
        result_url: resultUrl,
      },
    );
    const body = JSON.parse(res.body) as { merchant?: { id: string }; api_key?: string };
    if (res.status >= 300 || !body.merchant || !body.api_key) {
      throw new Error(`creating a merchant failed: ${res.status} ${res.body}`);
    }
    merchants.push({ id: body.merchant.id, apiKey: body.api_key });
  }
  return merchants;
}

/** A payer address per payment, as the ingress would forward it (10.0.0.0/8, never repeated soon). */
let payerSeq = 0;
function nextPayerIp(): string {
  payerSeq += 1;
  return `10.${(payerSeq >> 16) & 255}.${(payerSeq >> 8) & 255}.${payerSeq & 255}`;
}

/**
 * One whole payment as its payer makes it: create (the merchant's server), hosted page, method,
 * the provider's pages, pay. Answers once the provider's result page is back; the sandbox sends
 * its callback to the gateway before it answers the payer.
 */
async function pay(
  clients: Clients,
  merchant: BenchMerchant,
  method: Method,
  orderId: string,
): Promise<Started> {
  const createdAt = performance.now();
  const steps: number[] = [];
  let mark = createdAt;
  const lap = () => {
    const now = performance.now();
    steps.push(now - mark);
    mark = now;
  };
  const created = await clients.gateway.postJson(
    '/v1/payments',
    { authorization: `Bearer ${merchant.apiKey}`, 'idempotency-key': randomUUID() },
    {
      amount: 100 + Math.floor(Math.random() * 100_000),
      currency: 'USD',
      order_id: orderId,
      description: `Bench order ${orderId}`,
      metadata: { channel: 'web' },
    },
  );
  if (created.status !== 201) {
    throw new PayerError(`create: ${created.status} ${created.body.slice(0, 200)}`);
  }
  const payment = JSON.parse(created.body) as { id: string; payment_url: string };
  lap();
  const browser = createBrowser(clients.byOrigin, nextPayerIp());

  const hosted = expectStatus(await browser.open(payment.payment_url), 200);
  const choice = methodForm(hosted, method);
  lap();
  // A one-off card: the payer does not ask to remember it.
  const started = expectStatus(
    await browser.submit({
      ...choice,
      fields: choice.fields.filter(([k]) => k !== 'remember_card'),
    }),
    200,
  );
  lap();
  const provider = await browser.submit(formById(started, 'provider-form'));
  let paid;
  if (method === 'card') {
    // IntellectMoney: the form opens an invoice and redirects to its card page.
    const cardPage = expectStatus(
      await browser.open(browser.location(expectStatus(provider, 303))),
      200,
    );
    lap();
    paid = await browser.submit(formById(cardPage, 'card-form'), CARD);
  } else {
    // WebMoney Merchant: the form answers the purse page; paying sends the pre-request and the
    // payment notification to the shop's Result URL (the gateway), then returns the payer.
    const pursePage = expectStatus(provider, 200);
    lap();
    paid = await browser.submit(formById(pursePage, 'pay-purse'));
  }
  expectStatus(paid, 200, 302, 303);
  lap();
  return { paymentId: payment.id, method, createdAt, paidAt: mark, steps };
}

function payCall(clients: Clients, merchants: BenchMerchant[], run: string, started: Started[]) {
  return async (client: number, seq: number): Promise<CallOutcome> => {
    const merchant = merchants[(client + seq) % merchants.length] as BenchMerchant;
    // Mixed: each payer alternates card and WebMoney purse.
    const method: Method = (client + seq) % 2 === 0 ? 'card' : 'webmoney_purse';
    try {
      started.push(await pay(clients, merchant, method, `${run}-${client}-${seq}`));
      return { transfers: 1, errors: 0 };
    } catch (err) {
      return { transfers: 0, errors: 1, firstError: `${method}: ${(err as Error).message}` };
    }
  };
}

interface RunResult {
  concurrency: number;
  payer: LoadResult;
  /** Payments notified, and the time from the first create to the last notification. */
  notified: number;
  spanMs: number;
  lost: number;
  endToEndMs: Float64Array;
  paidToNotifiedMs: Float64Array;
  byMethod: Record<Method, Float64Array>;
  /** Per method, "step p50/p99" for each payer step. */
  stepsByMethod: Record<Method, string>;
  /** Wall-clock ms when each payment's payer was done (to line up with the apps' timestamps). */
  paidWallMs: Map<string, number>;
  cpuUsPerPayment: Record<string, number>;
}

/**
 * Runs the payers for durationMs, then waits for the last payments' notifications (up to
 * DRAIN_MS); a payment never notified by then counts as lost.
 */
async function runPayments(
  clients: Clients,
  merchants: BenchMerchant[],
  receiver: MerchantReceiver,
  run: string,
  concurrency: number,
  durationMs: number,
): Promise<Omit<RunResult, 'cpuUsPerPayment'>> {
  const started: Started[] = [];
  const begin = performance.now();
  const payer = await runClosedLoop({
    concurrency,
    durationMs,
    call: payCall(clients, merchants, run, started),
  });
  const drainUntil = performance.now() + DRAIN_MS;
  const pending = () => started.filter((s) => !receiver.firstAt.has(s.paymentId)).length;
  while (pending() > 0 && performance.now() < drainUntil) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const done = started.filter((s) => receiver.firstAt.has(s.paymentId));
  const at = (s: Started) => receiver.firstAt.get(s.paymentId) as number;
  const lastAt = done.reduce((m, s) => Math.max(m, at(s)), begin);
  const latencies = (list: Started[]) => Float64Array.from(list.map((s) => at(s) - s.createdAt));
  return {
    concurrency,
    payer,
    notified: done.length,
    spanMs: lastAt - begin,
    lost: started.length - done.length,
    endToEndMs: latencies(done),
    paidToNotifiedMs: Float64Array.from(done.map((s) => at(s) - s.paidAt)),
    byMethod: {
      card: latencies(done.filter((s) => s.method === 'card')),
      webmoney_purse: latencies(done.filter((s) => s.method === 'webmoney_purse')),
    },
    stepsByMethod: {
      card: stepTimes(started.filter((s) => s.method === 'card')),
      webmoney_purse: stepTimes(started.filter((s) => s.method === 'webmoney_purse')),
    },
    paidWallMs: new Map(started.map((s) => [s.paymentId, performance.timeOrigin + s.paidAt])),
  };
}

function stepTimes(list: Started[]): string {
  return STEPS.map((name, i) => {
    const values = Float64Array.from(list.map((s) => s.steps[i] ?? 0));
    return `${name} ${ms(values, 50)}/${ms(values, 99)}`;
  }).join(', ');
}

const ms = (values: Float64Array, p: number) => percentile(values, p).toFixed(0);

function table(rows: RunResult[], pgbench: PgbenchResult | undefined): string {
  const lines = [
    'conc  payments/s  create→notified p50 / p99 ms  payer p50 / p99 ms  paid→notified p50 / p99 ms  errors  lost  ratio vs pgbench',
    '----  ----------  ----------------------------  ------------------  --------------------------  ------  ----  ----------------',
  ];
  for (const r of rows) {
    const rate = perSecond(r.notified, r.spanMs);
    lines.push(
      [
        String(r.concurrency).padStart(4),
        rate.toFixed(1).padStart(10),
        `${ms(r.endToEndMs, 50)} / ${ms(r.endToEndMs, 99)}`.padStart(28),
        `${ms(r.payer.latenciesMs, 50)} / ${ms(r.payer.latenciesMs, 99)}`.padStart(18),
        `${ms(r.paidToNotifiedMs, 50)} / ${ms(r.paidToNotifiedMs, 99)}`.padStart(26),
        String(r.payer.errors).padStart(6),
        String(r.lost).padStart(4),
        (pgbench ? (rate / pgbench.tps).toFixed(3) : 'n/a').padStart(16),
      ].join('  '),
    );
  }
  lines.push('', 'CPU µs per payment above idle, by process:');
  for (const r of rows) {
    const total = Object.values(r.cpuUsPerPayment).reduce((a, b) => a + b, 0);
    lines.push(
      `  c=${r.concurrency}: ${CPU_GROUPS.map((g) => `${g} ${r.cpuUsPerPayment[g] ?? 0}`).join(', ')}; all ${total}`,
    );
  }
  return lines.join('\n');
}

/**
 * Where paid → notified goes, from the apps' own timestamps over one run: the ledger's outbox
 * (commit → published to Kafka), the payer done → the notifier's delivery row (callback's
 * ledger post, outbox, Kafka, the notifier's consumer) and that row → delivered (the notifier's
 * dispatcher). Best effort: a schema that changed prints n/a instead of failing the run.
 */
async function waits(
  urls: Record<string, string>,
  sinceEpochMs: number,
  paidWallMs: Map<string, number>,
): Promise<string> {
  const since = new Date(sinceEpochMs).toISOString();
  const quantiles = (table: string, from: string, to: string) =>
    `select coalesce(string_agg(round(v)::text, ' / '), 'none') from (select unnest(percentile_cont(array[0.5, 0.99]) ` +
    `within group (order by extract(epoch from ${to} - ${from}) * 1000)) as v from ${table} ` +
    `where ${from} >= $1 and ${to} is not null) q`;
  const one = async (name: string, url: string | undefined, sql: string) => {
    if (!url) return `${name} n/a`;
    try {
      return `${name} ${await withClient(url, (c) => scalar(c, sql, [since]))}`;
    } catch {
      return `${name} n/a`;
    }
  };
  let recorded = 'payer done→notifier recorded n/a';
  try {
    const rows = await withClient(urls['notifier'] ?? '', (c) =>
      c.query<{ payment_id: string; at: string }>(
        'select payment_id, (extract(epoch from min(created_at)) * 1000)::text as at ' +
          'from deliveries where created_at >= $1 group by payment_id',
        [since],
      ),
    );
    const gaps = Float64Array.from(
      rows.rows.flatMap((r) => {
        const paid = paidWallMs.get(r.payment_id);
        return paid === undefined ? [] : [Number(r.at) - paid];
      }),
    );
    recorded = `payer done→notifier recorded ${ms(gaps, 50)} / ${ms(gaps, 99)}`;
  } catch {
    // The notifier's tables changed: the other figures still stand.
  }
  return [
    recorded,
    await one(
      'ledger outbox commit→published',
      urls['ledger'],
      quantiles('outbox', 'created_at', 'published_at'),
    ),
    await one(
      'notifier recorded→delivered',
      urls['notifier'],
      quantiles('deliveries', 'created_at', 'delivered_at'),
    ),
  ].join(', ');
}

async function main(): Promise<number> {
  const stateDir = mkdtempSync(join(tmpdir(), 'tolem-bench-e2e-'));
  let stack: Stack | undefined;
  let clients: Clients | undefined;
  let receiver: MerchantReceiver | undefined;
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
    receiver = await startMerchantReceiver();
    const passed = Object.fromEntries(
      Object.entries(process.env).filter(
        (e): e is [string, string] => PASSED_THROUGH.test(e[0]) && e[1] !== undefined,
      ),
    );
    stack = await startStack({
      databaseUrl: infra.databaseUrl,
      kafkaBrokers: infra.kafkaBrokers,
      databasePrefix: 'bench',
      logLevel: 'warn',
      extraEnv: {
        // Payers reach the gateway through an ingress that names them in X-Forwarded-For, so
        // the hosted pages' per-IP limit sees each payer, as in production.
        TRUST_PROXY_HOPS: '1',
        // Every provider calls back from this one address here; in production from a few.
        RATE_LIMIT_CALLBACKS_MAX: '1000000',
        ...passed,
      },
      nodeArgs: PROFILE_DIR
        ? Object.fromEntries(
            PROFILED.map((name) => [name, ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`]]),
          )
        : {},
      log: (m) => step(`stack: ${m}`),
    });
    if (Object.keys(passed).length > 0) step(`knobs: ${JSON.stringify(passed)}`);
    const checkoutUrl = stack.databaseUrls['checkout'] as string;
    const ledgerUrl = stack.databaseUrls['ledger'] as string;
    step(`postgres settings: ${await settings(checkoutUrl)}`);
    const sockets = Math.max(...CONCURRENCY, 16);
    const gateway = createHttpClient(stack.gatewayUrl, sockets);
    const sandbox = createHttpClient(stack.sandboxUrl, sockets);
    clients = {
      gateway,
      byOrigin: new Map([
        [new URL(stack.gatewayUrl).origin, gateway],
        [new URL(stack.sandboxUrl).origin, sandbox],
      ]),
    };

    const merchants = await createMerchants(stack, gateway, receiver.url);
    step(`${merchants.length} merchants (card, webmoney_purse), result URL ${receiver.url}`);

    const warm = await runPayments(clients, merchants, receiver, 'warm', 16, 5_000);
    if (warm.payer.errors > 0 || warm.lost > 0) {
      throw new Error(
        `warm-up failed: ${warm.payer.errors} errors, ${warm.lost} lost (first: ${warm.payer.firstError ?? '-'})`,
      );
    }
    step(
      `warmed up (5 s, concurrency 16): ${warm.notified} payments notified, ` +
        `p50 ${ms(warm.endToEndMs, 50)} ms, p99 ${ms(warm.endToEndMs, 99)} ms create→notified`,
    );

    // What the platform burns with no payments (sweepers, relays, pollers, Kafka).
    await settle(checkoutUrl, infra.databaseUrl);
    const idleMicrosPerMs = await idleCpu(stateDir, CPU_GROUPS);
    step(
      `idle for 5 s: ${CPU_GROUPS.map((g) => `${g} ${(idleMicrosPerMs[g] ?? 0).toFixed(0)}`).join(', ')} ms CPU/s`,
    );

    const rows: RunResult[] = [];
    for (const concurrency of CONCURRENCY) {
      await settle(ledgerUrl, infra.databaseUrl);
      await settle(checkoutUrl, infra.databaseUrl);
      await resetStatements(infra.databaseUrl);
      const callsBefore = await countCalls(stack.metricsUrls);
      const cpuBefore = sampleCpu(stateDir);
      const runStartedAt = Date.now();
      const result = await runPayments(
        clients,
        merchants,
        receiver,
        `c${concurrency}`,
        concurrency,
        SECONDS * 1000,
      );
      const cpuAfter = sampleCpu(stateDir);
      const row: RunResult = {
        ...result,
        cpuUsPerPayment: cpuPerItem(
          cpuBefore,
          cpuAfter,
          result.notified,
          result.spanMs,
          CPU_GROUPS,
          idleMicrosPerMs,
        ),
      };
      rows.push(row);
      step(
        `c=${concurrency}: ${perSecond(row.notified, row.spanMs).toFixed(1)} payments/s notified, ` +
          `create→notified p50 ${ms(row.endToEndMs, 50)} ms, p99 ${ms(row.endToEndMs, 99)} ms ` +
          `(card p99 ${ms(row.byMethod.card, 99)}, webmoney_purse p99 ${ms(row.byMethod.webmoney_purse, 99)}); ` +
          `${row.payer.errors} errors${row.payer.firstError ? ` (first: ${row.payer.firstError})` : ''}, ` +
          `${row.lost} lost`,
      );
      for (const method of ['card', 'webmoney_purse'] as const) {
        step(`  ${method} payer steps p50/p99 ms: ${row.stepsByMethod[method]}`);
      }
      step(
        `  waits p50 / p99 ms: ${await waits(stack.databaseUrls, runStartedAt, row.paidWallMs)}`,
      );
      for (const line of await topStatements(infra.databaseUrl, row.notified, 25)) say(line);
      const callsAfter = await countCalls(stack.metricsUrls);
      for (const line of callsPerItem(callsBefore, callsAfter, row.notified)) say(line);
    }
    const duplicates = receiver.received() - receiver.firstAt.size;
    step(`merchant received ${receiver.received()} notifications, ${duplicates} repeated`);

    for (const client of clients.byOrigin.values()) client.close();
    clients = undefined;
    await stack.stop();
    stack = undefined;
    const pgbench = await pgbenchAlone(infra.databaseUrl, PGBENCH_SECONDS, step);

    say('');
    say(
      `End-to-end benchmark: create → hosted page → provider sandbox (card via IntellectMoney, ` +
        `WebMoney purse, alternating) → callback → ledger → Kafka → notifier → merchant answers ok; ` +
        `${SECONDS} s per run, ${MERCHANTS} merchants, durable commits (fsync on)`,
    );
    say(table(rows, pgbench));
    say(
      `pgbench (TPC-B-like, scale 10, 16 clients, 2 threads, ${PGBENCH_SECONDS} s): ${pgbench.tps.toFixed(0)} tps`,
    );
    say(
      'payments/s counts notifications the merchant received, over the time from the first ' +
        'create to the last notification. "payer" is create + hosted page + provider pages + pay ' +
        '(the sandbox calls back the gateway before it answers); "paid→notified" is the rest. ' +
        '"client" is the bench process: payers and the merchant.',
    );
    const failed = rows.some((r) => r.payer.errors > 0 || r.lost > 0);
    return failed ? 1 : 0;
  } finally {
    await cleanup();
  }

  /** Idempotent: runs at the end, and on Ctrl-C (Kafka runs detached and would outlive us). */
  async function cleanup(): Promise<void> {
    const stopping = { stack, clients, receiver, stopInfra };
    stack = undefined;
    clients = undefined;
    receiver = undefined;
    stopInfra = undefined;
    for (const client of stopping.clients?.byOrigin.values() ?? []) client.close();
    await stopping.stack?.stop().catch(() => undefined);
    await stopping.receiver?.close();
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
    process.stderr.write(`End-to-end benchmark failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 2;
  },
);
