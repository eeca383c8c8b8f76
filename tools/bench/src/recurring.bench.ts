/**
 * `npm run bench:recurring`: how long N scheduled operations (100,000 by default) all due in the
 * same minute take to charge against the provider sandbox, on real, durable infrastructure, with
 * pgbench on the same server in the same run.
 *
 * Starts the whole platform as real processes (tools/stack) with the recurring service on its test
 * clock (RECURRING_TEST_CLOCK). A few cards are bound through the real path once: a RUB card
 * payment on the hosted page with "remember this card", paid on the sandbox's IntellectMoney card
 * page. Operations are then created on those bindings, all with the same daily schedule, so every
 * one's next charge is the same instant: the first ones through the merchant API (POST
 * /v1/recurring_operations), the rest copied in SQL from those rows (new id and idempotency key,
 * every other column as the service wrote it), because creating 100,000 through the API is
 * setup, not what is measured.
 *
 * The measured part: one AdvanceTestClock past that instant. It moves the clock and runs the
 * scheduler's pass (the same runPass its background loop runs) until nothing is due: every
 * charge goes recurring → checkout (ChargeBoundCard: a payment) → provider-adapters →
 * IntellectMoney's Personal API at the sandbox (a one-shot scheduled operation, awaited) and
 * back, then its result, receipt and facts are written. A charge left pending is asked again by
 * further passes, a minute of test clock apart. Charges/s counts decided charges over the wall
 * time from the first advance to the last decision.
 *
 * Then it checks: every operation has exactly one charge for that occurrence and it succeeded,
 * with one succeeded payment in checkout, one payment posting in the ledger, and one execution at
 * the sandbox; none twice, none missed. Then the platform stops and pgbench runs alone on the same
 * server, and the ratio is printed.
 *
 * Knobs (env; flags --operations=N --bindings=N override): BENCH_OPERATIONS (100000),
 * BENCH_BINDINGS (4), BENCH_API_OPERATIONS (operations created through /v1, 200),
 * BENCH_PGBENCH_SECONDS (30), SCHEDULER_BATCH_SIZE (1000), SCHEDULER_CONCURRENCY (256),
 * BENCH_DATABASE_URL + BENCH_KAFKA_BROKERS (use these servers instead of provisioning; PostgreSQL
 * and Kafka CPU are then not counted), BENCH_PROFILE_DIR (V8 CPU profiles of the apps on the path),
 * BENCH_CALLS=1 (gRPC calls and HTTP requests per charge, by service and method).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

import { RecurringServiceClient } from '@tolem/contracts/recurring';
import { createClient } from '@tolem/grpc-kit';
import { newId } from '@tolem/ids';
import { provisionInfra } from '@tolem/infra';
import { type ServiceName, type Stack, startStack } from '@tolem/stack';

import { callsPerItem, countCalls } from './calls';
import { cpuPerItem, createReporter, idleCpu, pgbenchAlone } from './common';
import { sampleCpu } from './cpu';
import { createHttpClient, type HttpClient } from './http';
import { percentile, perSecond } from './load';
import { type MerchantReceiver, startMerchantReceiver } from './merchant-receiver';
import { createBrowser, expectStatus, formById, methodForm } from './payer';
import {
  resetStatements,
  scalar,
  settings,
  settle,
  STATEMENT_STATS,
  topStatements,
  withClient,
} from './postgres';

function knob(flag: string, env: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${flag}=`));
  const text = arg ? arg.slice(flag.length + 3) : process.env[env];
  const value = Number.parseInt(text ?? String(fallback), 10);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${flag} / ${env}: ${text}`);
  return value;
}

const OPERATIONS = knob('operations', 'BENCH_OPERATIONS', 100_000);
const BINDINGS = knob('bindings', 'BENCH_BINDINGS', 4);
const API_OPERATIONS = Math.min(OPERATIONS, knob('api-operations', 'BENCH_API_OPERATIONS', 200));
const PGBENCH_SECONDS = knob('pgbench-seconds', 'BENCH_PGBENCH_SECONDS', 30);
const BATCH_SIZE = process.env['SCHEDULER_BATCH_SIZE'] ?? '1000';
const CONCURRENCY = process.env['SCHEDULER_CONCURRENCY'] ?? '256';
const PROFILE_DIR = process.env['BENCH_PROFILE_DIR'];
/** Tuning knobs of the apps on a charge's path that a run may set, to compare settings. */
const PASSED_THROUGH = /^(INTELLECTMONEY_CHARGE_POLL_MS|DB_POOL_MAX|CHECKOUT_DB_POOL_MAX)$/;
/** Amounts ending in 00 kopecks are approved by the sandbox (§ test cards). */
const AMOUNT = 19_900;
const CARD = { pan: '4111 1111 1111 1111', expiry: '12/30', cvv: '123', remember: '1' };
/** One scheduler pass runs inside AdvanceTestClock: 100,000 charges on a small machine take hours. */
const PASS_DEADLINE_MS = 24 * 3_600_000;
/** How long pending charges may take after the first pass before they count as missed. */
const DRAIN_MS = 300_000;
const CPU_GROUPS = [
  'recurring',
  'checkout',
  'provider-adapters',
  'provider-sandbox',
  'ledger',
  'notifier',
  'gateway',
  'reporting',
  'postgres',
  'kafka',
  'client',
] as const;
const PROFILED: ServiceName[] = ['recurring', 'checkout', 'provider-adapters', 'provider-sandbox'];

const { say, step } = createReporter();

interface Bench {
  stack: Stack;
  gateway: HttpClient;
  sandbox: HttpClient;
  apiKey: string;
  merchantId: string;
}

async function api<T>(b: Bench, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const headers = { authorization: `Bearer ${b.apiKey}` };
  const res =
    method === 'GET'
      ? await b.gateway.send('GET', path, headers)
      : await b.gateway.postJson(path, { ...headers, 'idempotency-key': randomUUID() }, body);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.body}`);
  return JSON.parse(res.body) as T;
}

async function createMerchant(
  stack: Stack,
  gateway: HttpClient,
  resultUrl: string,
): Promise<{ id: string; apiKey: string }> {
  const res = await gateway.postJson(
    '/admin/v1/merchants',
    {
      authorization: `Bearer ${stack.secrets.adminToken}`,
      'idempotency-key': `bench-recurring-merchant`,
    },
    {
      name: 'Bench subscriptions',
      enabled_methods: ['card'],
      fee_rules: [{ method: 'card', percent_bps: 290 }],
      webmoney_shop_id: '4250',
      result_url: resultUrl,
    },
  );
  const body = JSON.parse(res.body) as { merchant?: { id: string }; api_key?: string };
  if (res.status >= 300 || !body.merchant || !body.api_key) {
    throw new Error(`creating the merchant failed: ${res.status} ${res.body}`);
  }
  return { id: body.merchant.id, apiKey: body.api_key };
}

interface Binding {
  id: string;
  state: string;
  payment: string;
}

/**
 * Binds a card as a payer does: a RUB payment paid by card on the hosted page with "remember
 * this card" (its default), the sandbox's card page with "remember" ticked; then waits for the
 * binding to be activated.
 */
async function bindCard(b: Bench, customerRef: string, ip: string): Promise<Binding> {
  const payment = await api<{ id: string; payment_url: string }>(b, 'POST', '/v1/payments', {
    amount: 10_000,
    currency: 'RUB',
    order_id: `bind-${customerRef}`,
    description: 'First month',
    customer_ref: customerRef,
  });
  const browser = createBrowser(
    new Map([
      [new URL(b.stack.gatewayUrl).origin, b.gateway],
      [new URL(b.stack.sandboxUrl).origin, b.sandbox],
    ]),
    ip,
  );
  const hosted = expectStatus(await browser.open(payment.payment_url), 200);
  const started = expectStatus(await browser.submit(methodForm(hosted, 'card')), 200);
  const provider = expectStatus(await browser.submit(formById(started, 'provider-form')), 303);
  const cardPage = expectStatus(await browser.open(browser.location(provider)), 200);
  expectStatus(await browser.submit(formById(cardPage, 'card-form'), CARD), 200, 302, 303);
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    const list = await api<{ data: Binding[] }>(
      b,
      'GET',
      `/v1/card_bindings?customer_ref=${encodeURIComponent(customerRef)}&limit=10`,
    );
    const bound = list.data.find((x) => x.payment === payment.id && x.state === 'activated');
    if (bound) return bound;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the binding of ${customerRef} was not activated within 30 s`);
}

/** Runs `work` for 0..count-1 with at most `limit` in flight. */
async function inParallel(count: number, limit: number, work: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

/**
 * Copies the API-made operations in SQL until there are `total`: each copy is a template row with
 * a new id and idempotency key (what a second API call with the same body would have written).
 */
async function cloneOperations(url: string, templates: string[], total: number): Promise<void> {
  await withClient(url, async (c) => {
    const columns = (
      await c.query<{ column_name: string }>(
        `select column_name from information_schema.columns
          where table_name = 'scheduled_operations' and table_schema = current_schema()
          order by ordinal_position`,
      )
    ).rows.map((r) => r.column_name);
    const fresh: Record<string, string> = { id: 'u.id', idempotency_key: 'u.key' };
    const list = columns.map((col) => `"${col}"`).join(', ');
    const select = columns.map((col) => fresh[col] ?? `t."${col}"`).join(', ');
    for (let done = templates.length; done < total; ) {
      const n = Math.min(10_000, total - done);
      const ids: string[] = [];
      const keys: string[] = [];
      const from: string[] = [];
      for (let i = 0; i < n; i += 1) {
        ids.push(newId('sop'));
        keys.push(`bench-${randomUUID()}`);
        from.push(templates[(done + i) % templates.length] as string);
      }
      await c.query(
        `insert into scheduled_operations (${list})
         select ${select} from unnest($1::text[], $2::text[], $3::text[]) as u(id, key, template)
           join scheduled_operations t on t.id = u.template`,
        [ids, keys, from],
      );
      done += n;
    }
  });
}

interface Verification {
  lines: string[];
  ok: boolean;
}

/** Counts, in every database and at the sandbox, what the charges left behind. */
async function verify(b: Bench, dueAt: Date, providerRefs: string[]): Promise<Verification> {
  const urls = b.stack.databaseUrls;
  const lines: string[] = [];
  let ok = true;
  const expect = (what: string, got: number, want: number) => {
    const good = got === want;
    ok &&= good;
    lines.push(`${good ? 'ok ' : 'BAD'} ${what}: ${got}${good ? '' : ` (expected ${want})`}`);
  };
  const recurring = urls['recurring'] as string;
  const payments = await withClient(recurring, async (c) => {
    const n = async (sql: string) =>
      Number(await scalar(c, sql, sql.includes('$1') ? [dueAt] : []));
    expect('operations', await n('select count(*) from scheduled_operations'), OPERATIONS);
    expect(
      'charges for the due minute',
      await n('select count(*) from charges where scheduled_at = $1'),
      OPERATIONS,
    );
    expect(
      'operations with exactly one charge for it',
      await n(
        `select count(*) from (select operation_id from charges where scheduled_at = $1
          group by operation_id having count(*) = 1) x`,
      ),
      OPERATIONS,
    );
    expect(
      'operations with no charge for it (missed)',
      await n(
        `select count(*) from scheduled_operations o where not exists
          (select 1 from charges c where c.operation_id = o.id and c.scheduled_at = $1)`,
      ),
      0,
    );
    expect(
      'charges succeeded',
      await n(`select count(*) from charges where scheduled_at = $1 and state = 'succeeded'`),
      OPERATIONS,
    );
    expect(
      'attempts (one each, succeeded)',
      await n(
        `select count(*) from charge_attempts a join charges c on c.id = a.charge_id
          where c.scheduled_at = $1 and a.number = 1 and a.outcome = 'succeeded'`,
      ),
      OPERATIONS,
    );
    expect(
      'distinct payments of the charges',
      await n(`select count(distinct payment_id) from charges where scheduled_at = $1`),
      OPERATIONS,
    );
    return (
      await c.query<{ payment_id: string }>(
        'select payment_id from charges where scheduled_at = $1',
        [dueAt],
      )
    ).rows.map((r) => r.payment_id);
  });
  await withClient(urls['checkout'] as string, async (c) => {
    const n = async (sql: string, values: unknown[]) => Number(await scalar(c, sql, values));
    expect(
      'checkout: payments of the charges, succeeded',
      await n(`select count(*) from payments where id = any($1) and status = 'succeeded'`, [
        payments,
      ]),
      OPERATIONS,
    );
    expect(
      'checkout: payments made for recurring charges (none twice)',
      await n(
        `select count(*) from payments where metadata ? 'recurring_charge_id' and status <> 'failed'`,
        [],
      ),
      OPERATIONS,
    );
  });
  await withClient(urls['ledger'] as string, async (c) => {
    expect(
      'ledger: payment postings of the charges',
      Number(
        await scalar(
          c,
          `select count(*) from transactions where kind = 'payment' and payment_id = any($1)`,
          [payments],
        ),
      ),
      OPERATIONS,
    );
  });
  let executions = 0;
  let approved = 0;
  let operationsAtSandbox = 0;
  for (const ref of providerRefs) {
    const res = await b.sandbox.send(
      'GET',
      `/_sandbox/intellectmoney/operations?object_id=${encodeURIComponent(ref)}`,
      {},
    );
    const body = JSON.parse(res.body) as {
      operations: { Executions: { RcCode: string | null }[] }[];
    };
    operationsAtSandbox += body.operations.length;
    for (const op of body.operations) {
      executions += op.Executions.length;
      approved += op.Executions.filter((e) => e.RcCode === '00').length;
    }
  }
  expect('sandbox: charge operations created', operationsAtSandbox, OPERATIONS);
  expect('sandbox: executions (each charged once)', executions, OPERATIONS);
  expect('sandbox: executions approved', approved, OPERATIONS);
  return { lines, ok };
}

async function main(): Promise<number> {
  const stateDir = mkdtempSync(join(tmpdir(), 'tolem-bench-recurring-'));
  let stack: Stack | undefined;
  let receiver: MerchantReceiver | undefined;
  let stopInfra: (() => Promise<void>) | undefined;
  const clients: { close(): void }[] = [];
  /** On servers the run shares, its databases are dropped at the end (provisioned ones go whole). */
  let dropDatabases: (() => Promise<void>) | undefined;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      step(`${signal}: stopping`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  try {
    step(`machine: ${cpus().length} CPU(s), ${cpus()[0]?.model ?? '?'}`);
    let databaseUrl = process.env['BENCH_DATABASE_URL'];
    let kafkaBrokers = process.env['BENCH_KAFKA_BROKERS'];
    // Servers another run shares: their processes are not this run's, so not counted.
    const cpuScope = databaseUrl ? undefined : stateDir;
    if (!databaseUrl || !kafkaBrokers) {
      const infra = await provisionInfra({
        stateDir,
        durable: true,
        statementStats: STATEMENT_STATS,
        env: {},
        log: (m) => step(`infra: ${m}`),
      });
      stopInfra = () => infra.stop();
      databaseUrl = infra.databaseUrl;
      kafkaBrokers = infra.kafkaBrokers;
    }
    receiver = await startMerchantReceiver();
    const passed = Object.fromEntries(
      Object.entries(process.env).filter(
        (e): e is [string, string] => PASSED_THROUGH.test(e[0]) && e[1] !== undefined,
      ),
    );
    const suffix = randomUUID().slice(0, 8);
    if (cpuScope === undefined) {
      const server = databaseUrl;
      dropDatabases = () =>
        withClient(server, async (c) => {
          const names = await c.query<{ datname: string }>(
            'select datname from pg_database where starts_with(datname, $1)',
            [`bench_rec_${suffix}_`],
          );
          for (const { datname } of names.rows) {
            await c.query(`drop database if exists "${datname}" with (force)`);
          }
        });
    }
    stack = await startStack({
      databaseUrl,
      kafkaBrokers,
      databasePrefix: `bench_rec_${suffix}`,
      paymentsTopic: `payments.events.v1.bench-${suffix}`,
      logLevel: 'warn',
      extraEnv: {
        RECURRING_TEST_CLOCK: 'true',
        SCHEDULER_BATCH_SIZE: BATCH_SIZE,
        SCHEDULER_CONCURRENCY: CONCURRENCY,
        TRUST_PROXY_HOPS: '1',
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
    step(
      `scheduler: batch ${BATCH_SIZE}, concurrency ${CONCURRENCY}` +
        (Object.keys(passed).length > 0 ? `; knobs ${JSON.stringify(passed)}` : ''),
    );
    const recurringUrl = stack.databaseUrls['recurring'] as string;
    const checkoutUrl = stack.databaseUrls['checkout'] as string;
    const pgSettings = await settings(recurringUrl);
    step(`postgres settings: ${pgSettings}`);
    const gateway = createHttpClient(stack.gatewayUrl, 64);
    const sandbox = createHttpClient(stack.sandboxUrl, 16);
    clients.push(gateway, sandbox);
    const merchant = await createMerchant(stack, gateway, receiver.url);
    const b: Bench = { stack, gateway, sandbox, apiKey: merchant.apiKey, merchantId: merchant.id };

    const bindings: Binding[] = [];
    for (let i = 0; i < BINDINGS; i += 1) {
      bindings.push(await bindCard(b, `bench-cust-${i}`, `10.1.0.${i + 1}`));
    }
    const providerRefs = await withClient(recurringUrl, async (c) =>
      (
        await c.query<{ provider_binding_ref: string }>(
          'select provider_binding_ref from card_bindings where id = any($1)',
          [bindings.map((x) => x.id)],
        )
      ).rows.map((r) => r.provider_binding_ref),
    );
    step(`${bindings.length} cards bound through the hosted page and the sandbox's card page`);

    // Daily at one UTC minute two hours ahead: every operation's next charge is that instant.
    const due = new Date(Date.now() + 2 * 3_600_000);
    due.setUTCSeconds(0, 0);
    const timeOfDay = `${String(due.getUTCHours()).padStart(2, '0')}:${String(due.getUTCMinutes()).padStart(2, '0')}`;
    const templates: string[] = [];
    const created = performance.now();
    await inParallel(API_OPERATIONS, 16, async (i) => {
      const op = await api<{ id: string; next_charge_at: string }>(
        b,
        'POST',
        '/v1/recurring_operations',
        {
          binding: (bindings[i % bindings.length] as Binding).id,
          amount: AMOUNT,
          currency: 'RUB',
          description: 'Monthly plan «Pro»',
          schedule: { interval: 'daily', time_of_day: timeOfDay, time_zone: 'UTC' },
          starts_at: new Date().toISOString(),
          receipt_customer: { email: 'payer@example.com' },
        },
      );
      if (new Date(op.next_charge_at).getTime() !== due.getTime()) {
        throw new Error(
          `operation ${op.id} is due at ${op.next_charge_at}, not ${due.toISOString()}`,
        );
      }
      templates.push(op.id);
    });
    step(
      `${API_OPERATIONS} operations through POST /v1/recurring_operations ` +
        `(${perSecond(API_OPERATIONS, performance.now() - created).toFixed(0)}/s), all due ${due.toISOString()}`,
    );
    await cloneOperations(recurringUrl, templates, OPERATIONS);
    step(`${OPERATIONS - API_OPERATIONS} more copied in SQL; ${OPERATIONS} operations in all`);

    await settle(recurringUrl, databaseUrl);
    await settle(checkoutUrl, databaseUrl);
    const idle = await idleCpu(cpuScope, CPU_GROUPS);
    step(
      `idle for 5 s: ${CPU_GROUPS.map((g) => `${g} ${(idle[g] ?? 0).toFixed(0)}`).join(', ')} ms CPU/s`,
    );

    const recurring = createClient(RecurringServiceClient, stack.addresses.recurring);
    clients.push(recurring);
    const { now } = await recurring.advanceTestClock({ advanceMs: 1n });
    const advance = due.getTime() - (now ?? new Date()).getTime() + 60_000;

    // A pass that fails (a peer's deadline under load) leaves its batch claimed until the lease
    // runs out; the next passes retake it with the same keys, as the background loop would.
    let passErrors = 0;
    const pass = async (advanceMs: bigint): Promise<string> => {
      try {
        const r = await recurring.advanceTestClock({ advanceMs }, { deadlineMs: PASS_DEADLINE_MS });
        return `${r.chargesAttempted} charges attempted`;
      } catch (err) {
        passErrors += 1;
        return `failed (${(err as Error).message.slice(0, 160)})`;
      }
    };
    await resetStatements(databaseUrl);
    const callsBefore = await countCalls(stack.metricsUrls);
    const cpuBefore = sampleCpu(cpuScope);
    const started = performance.now();
    const first = await pass(BigInt(advance));
    const firstPassMs = performance.now() - started;
    step(`first pass: ${first} in ${(firstPassMs / 1000).toFixed(1)} s`);
    // Charges the adapter answered pending are asked again by later passes (a minute apart).
    const undecided = () =>
      withClient(recurringUrl, (c) =>
        scalar(c, `select count(*) from charges where state in ('pending', 'retrying')`),
      ).then(Number);
    let left = await undecided();
    const drainUntil = performance.now() + DRAIN_MS;
    while (left > 0 && performance.now() < drainUntil) {
      const next = await pass(61_000n);
      left = await undecided();
      step(`another pass, a minute later: ${next}; ${left} undecided`);
    }
    const spanMs = performance.now() - started;
    const cpuAfter = sampleCpu(cpuScope);
    const decided = OPERATIONS - left;
    const rate = perSecond(decided, spanMs);
    step(
      `${decided} charges decided in ${(spanMs / 1000).toFixed(1)} s: ${rate.toFixed(1)} charges/s; ${left} undecided`,
    );
    const cpu = cpuPerItem(cpuBefore, cpuAfter, decided, spanMs, CPU_GROUPS, idle);
    for (const line of await topStatements(databaseUrl, decided, 25)) say(line);
    for (const line of callsPerItem(callsBefore, await countCalls(stack.metricsUrls), decided))
      say(line);

    // Per charge, checkout's own timestamps: the payment made → succeeded.
    const latencies = await withClient(checkoutUrl, async (c) =>
      Float64Array.from(
        (
          await c.query<{ ms: string }>(
            `select (extract(epoch from succeeded_at - created_at) * 1000)::text as ms
               from payments where metadata ? 'recurring_charge_id' and succeeded_at is not null`,
          )
        ).rows.map((r) => Number(r.ms)),
      ),
    );

    // The ledger posts each payment after checkout records it: wait for those before counting.
    const postedBy = performance.now() + 120_000;
    let verification = await verify(b, due, providerRefs);
    while (!verification.ok && performance.now() < postedBy) {
      await new Promise((r) => setTimeout(r, 2_000));
      verification = await verify(b, due, providerRefs);
    }
    const allPostedMs = performance.now() - started;
    for (const line of verification.lines) step(`  ${line}`);

    for (const c of clients.splice(0)) c.close();
    await stack.stop();
    stack = undefined;
    const pgbench = await pgbenchAlone(databaseUrl, PGBENCH_SECONDS, step);

    say('');
    say(
      `Recurring benchmark: ${OPERATIONS} operations on ${BINDINGS} bound cards, all due at ` +
        `${due.toISOString()}; scheduler batch ${BATCH_SIZE}, concurrency ${CONCURRENCY}; ` +
        `${cpus().length} CPU(s); ${pgSettings}`,
    );
    say(
      `charges decided: ${decided} in ${(spanMs / 1000).toFixed(1)} s (first pass ` +
        `${(firstPassMs / 1000).toFixed(1)} s) = ${rate.toFixed(1)} charges/s; ` +
        `all checks passed after ${(allPostedMs / 1000).toFixed(1)} s`,
    );
    say(
      `per charge, checkout payment created → succeeded: p50 ${percentile(latencies, 50).toFixed(0)} ms, ` +
        `p99 ${percentile(latencies, 99).toFixed(0)} ms`,
    );
    say(
      `pgbench (TPC-B-like, scale 10, 16 clients, 2 threads, ${PGBENCH_SECONDS} s): ` +
        `${pgbench.tps.toFixed(0)} tps; ratio charges/s ÷ tps = ${(rate / pgbench.tps).toFixed(3)}`,
    );
    say(
      `CPU µs per charge above idle: ${CPU_GROUPS.map((g) => `${g} ${cpu[g] ?? 0}`).join(', ')}` +
        (cpuScope ? '' : ' (shared servers: postgres and kafka not counted)'),
    );
    say(`checks: ${verification.ok ? 'all passed (none twice, none missed)' : 'FAILED'}`);
    if (passErrors > 0) say(`scheduler passes that failed and were retaken: ${passErrors}`);
    return verification.ok && left === 0 ? 0 : 1;
  } finally {
    await cleanup();
  }

  async function cleanup(): Promise<void> {
    const stopping = { stack, receiver, stopInfra, dropDatabases };
    stack = undefined;
    receiver = undefined;
    stopInfra = undefined;
    dropDatabases = undefined;
    for (const c of clients.splice(0)) c.close();
    await stopping.stack?.stop().catch(() => undefined);
    await stopping.receiver?.close();
    await stopping
      .dropDatabases?.()
      .catch((err: unknown) =>
        step(`could not drop the run's databases: ${(err as Error).message}`),
      );
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
    process.stderr.write(`Recurring benchmark failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 2;
  },
);
