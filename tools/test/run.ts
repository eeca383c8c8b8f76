/**
 * `npm test`: every check and every test, on real PostgreSQL and Kafka that it provisions itself.
 *
 *   1. contracts are lint-clean and the committed generated code is fresh
 *   2. lint (module boundaries, house rules) of every project, and one typecheck of them all
 *   3. unit tests of every project
 *   4. PostgreSQL + Kafka (DATABASE_URL / KAFKA_BROKERS, else Docker, else local binaries)
 *   5. integration tests of every project, then the end-to-end tests (real processes)
 *
 * Ends with `N passed, N failed, N skipped` summed over every Vitest report, exit 1 on any failure.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { provisionInfra } from '@tolem/infra';

const root = join(__dirname, '..', '..');
const reportsDir = join(root, 'reports', 'vitest');
const say = (line: string) => process.stdout.write(`${line}\n`);

interface StepResult {
  name: string;
  ok: boolean;
  seconds: number;
}

const secondsSince = (started: number) => Math.round((Date.now() - started) / 100) / 10;

function run(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<StepResult> {
  const started = Date.now();
  say(`\n=== ${name}: ${command} ${args.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env, stdio: 'inherit' });
    child.on('exit', (code) => {
      const seconds = secondsSince(started);
      say(`=== ${name}: ${code === 0 ? 'ok' : `FAILED (exit ${code})`} in ${seconds}s`);
      resolve({ name, ok: code === 0, seconds });
    });
  });
}

/** Commands one after the other as one step: it fails if any of them fails (all of them run). */
async function runAll(
  name: string,
  commands: [string, string[]][],
  env: NodeJS.ProcessEnv,
): Promise<StepResult> {
  const started = Date.now();
  let ok = true;
  for (const [command, args] of commands) {
    const result = await run(`${name} (${args.slice(0, 3).join(' ')})`, command, args, env);
    ok &&= result.ok;
  }
  const seconds = secondsSince(started);
  say(`=== ${name}: ${ok ? 'ok' : 'FAILED'} in ${seconds}s`);
  return { name, ok, seconds };
}

const nx = (targets: string, extra: string[] = []) => [
  'nx',
  'run-many',
  '-t',
  targets,
  '--outputStyle=static',
  '--skip-nx-cache',
  ...extra,
];

interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
}

function summarize(): { passed: number; failed: number; skipped: number; files: number } {
  const total = { passed: 0, failed: 0, skipped: 0, files: 0 };
  if (!existsSync(reportsDir)) return total;
  for (const file of readdirSync(reportsDir).filter((f) => f.endsWith('.json'))) {
    const report = JSON.parse(readFileSync(join(reportsDir, file), 'utf8')) as VitestReport;
    total.passed += report.numPassedTests;
    total.failed += report.numFailedTests;
    total.skipped += report.numPendingTests + report.numTodoTests;
    total.files += 1;
  }
  return total;
}

async function main(): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0' };
  rmSync(reportsDir, { recursive: true, force: true });
  const steps: StepResult[] = [];
  const parallel = process.env['TEST_PARALLEL'] ?? '2';

  steps.push(await run('contracts', 'npx', ['tsx', 'tools/contracts/generate.ts', '--check'], env));
  // Lint per project through Nx (its module-boundary rule reads the project graph Nx caches; a
  // bare `eslint .` skips that rule without one). The typecheck is one program for the projects
  // tsconfig.check.json groups, not one per project (each re-checked every library it imports):
  // the same compiler options, in a third of the time. `npm run lint` keeps the per-project
  // typecheck targets, which Nx caches.
  steps.push(
    await runAll('lint+typecheck', [
      ['npx', nx('lint', [`--parallel=${parallel}`])],
      ['npx', ['tsc', '-p', 'tsconfig.check.json']],
      ['npx', ['tsc', '-p', 'apps/gateway/tsconfig.json', '--noEmit']],
      ['npx', ['tsc', '-p', 'tools/e2e/tsconfig.json', '--noEmit']],
    ], env),
  );
  steps.push(await run('unit', 'npx', nx('test', [`--parallel=${parallel}`]), env));

  const stateDir = mkdtempSync(join(tmpdir(), 'tolem-test-'));
  say('\n=== infra: provisioning PostgreSQL and Kafka');
  const infraStarted = Date.now();
  const infra = await provisionInfra({ stateDir, log: (m) => say(`  ${m}`) });
  say(`=== infra: ready in ${Math.round((Date.now() - infraStarted) / 1000)}s (postgres: ${infra.postgres.source}, kafka: ${infra.kafka.source})`);
  const infraEnv = { ...env, DATABASE_URL: infra.databaseUrl, KAFKA_BROKERS: infra.kafkaBrokers };
  try {
    // Two projects at a time: each test file has its own database and topics, so they only share
    // the machine; TEST_INTEGRATION_PARALLEL=1 runs them one by one when chasing a timing issue.
    const integrationParallel = process.env['TEST_INTEGRATION_PARALLEL'] ?? parallel;
    steps.push(await run('integration', 'npx', nx('integration', [`--parallel=${integrationParallel}`]), infraEnv));
    steps.push(await run('e2e', 'npx', ['nx', 'run', 'e2e:e2e', '--outputStyle=static', '--skip-nx-cache'], infraEnv));
  } finally {
    await infra.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }

  const total = summarize();
  say('\n=== summary');
  for (const s of steps) say(`  ${s.ok ? 'ok    ' : 'FAILED'} ${s.name} (${s.seconds}s)`);
  say(`  ${total.files} test reports`);
  const stepFailures = steps.filter((s) => !s.ok).length;
  // A failed non-test step (lint, contracts) counts as a failure in the closing line too.
  const failed = total.failed + (total.failed === 0 ? stepFailures : 0);
  say(`${total.passed} passed, ${failed} failed, ${total.skipped} skipped`);
  process.exit(failed > 0 || total.passed === 0 ? 1 : 0);
}

main().catch((err: unknown) => {
  say(`npm test could not run: ${(err as Error).stack ?? String(err)}`);
  say('0 passed, 1 failed, 0 skipped');
  process.exit(1);
});
