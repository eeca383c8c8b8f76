/**
 * promtool, for the alert rules (deploy/observability): Debian's `prometheus` package ships it.
 * Installing that package would also install and start a Prometheus daemon, so the .deb is only
 * downloaded (`apt-get download`, no root) and the one binary extracted (`dpkg-deb -x`) into
 * .cache/promtool/ (gitignored), reused from then on (about 19 MB, a second to fetch).
 *
 *   npx tsx deploy/src/promtool.ts     provide promtool, then check and unit-test the rules
 *
 * Never skips: without apt-get, or with no package lists (`apt-get update`), it throws saying so.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { ROOT } from './tooling';

export const OBSERVABILITY = join(ROOT, 'deploy', 'observability');
export const RULES = join(OBSERVABILITY, 'alerts.yaml');
export const RULE_TESTS = join(OBSERVABILITY, 'alerts.test.yaml');
const CACHE = join(ROOT, '.cache', 'promtool');
const BINARY = join(CACHE, 'promtool');

function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 180_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { code?: string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error(
        `${command} is not installed: promtool comes from Debian's prometheus package, fetched with apt-get download and unpacked with dpkg-deb (a Debian machine, as CI)`,
      );
    throw new Error(
      `${command} ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`.trim(),
    );
  }
}

/** The path of a working promtool, fetched on first use. */
export function ensurePromtool(): { bin: string; fetched: boolean; seconds: number } {
  const started = Date.now();
  const seconds = () => (Date.now() - started) / 1000;
  if (existsSync(BINARY)) return { bin: BINARY, fetched: false, seconds: seconds() };
  mkdirSync(CACHE, { recursive: true });
  const work = mkdtempSync(join(CACHE, 'fetch-'));
  try {
    try {
      run('apt-get', ['download', 'prometheus'], work);
    } catch (err) {
      const message = (err as Error).message;
      if (message.includes('is not installed')) throw err;
      throw new Error(
        `${message}\n(no package lists? run \`sudo apt-get update\`; .ci/run does when prometheus has no candidate)`,
      );
    }
    const deb = readdirSync(work).find((f) => f.startsWith('prometheus_') && f.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download prometheus left no .deb in ${work}`);
    run('dpkg-deb', ['-x', deb, 'x'], work);
    const extracted = join(work, 'x', 'usr', 'bin', 'promtool');
    if (!existsSync(extracted)) throw new Error(`${deb} has no usr/bin/promtool`);
    run(extracted, ['--version'], work);
    // Moved into place last: an interrupted fetch is redone next time, never half-used.
    renameSync(extracted, BINARY);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { bin: BINARY, fetched: true, seconds: seconds() };
}

export interface PromtoolResult {
  ok: boolean;
  output: string;
}

function promtool(bin: string, args: string[]): PromtoolResult {
  try {
    const output = execFileSync(bin, args, {
      cwd: OBSERVABILITY,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    });
    return { ok: true, output };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message };
  }
}

/** `promtool check rules`: the file (by default alerts.yaml) parses, every expression is valid PromQL. */
export const checkRules = (bin: string, file = RULES): PromtoolResult =>
  promtool(bin, ['check', 'rules', file]);

/** `promtool test rules`: the unit tests of every alert (deploy/observability/alerts.test.yaml). */
export const testRules = (bin: string): PromtoolResult =>
  promtool(bin, ['test', 'rules', RULE_TESTS]);

if (require.main === module) {
  const { bin, fetched, seconds } = ensurePromtool();
  process.stdout.write(
    `promtool ${fetched ? 'fetched' : 'cached'} (${seconds.toFixed(1)}s): ${bin}\n`,
  );
  let failed = false;
  for (const result of [checkRules(bin), testRules(bin)]) {
    process.stdout.write(result.output);
    failed ||= !result.ok;
  }
  process.exit(failed ? 1 : 0);
}
