/**
 * The generator's own check, run against a throwaway copy so the real app never changes:
 *
 *   npx tsx tools/generators/provider-adapter/verify.ts
 *
 * 1. builds a temp workspace (copies of apps/provider-adapters, libs, tools, proto and
 *    tsconfig.base.json, since the generator edits the catalog and the proto and regenerates
 *    libs/contracts; symlinks to node_modules and package.json),
 * 2. runs the generator for `acme-pay` in it, then runs it again (must refuse: already there),
 * 3. formats, typechecks the copy (the catalog/proto tie included) and runs its unit tests (the
 *    generated spec included),
 * 4. deletes the temp workspace, whatever happened.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { plan } from './generate';

const ROOT = join(__dirname, '..', '..', '..');
const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);

function run(command: string, args: string[], cwd: string): void {
  process.stdout.write(`$ ${[command, ...args].join(' ')}\n`);
  execFileSync(command, args, { cwd, stdio: 'inherit' });
}

function main(): void {
  const workspace = mkdtempSync(join(tmpdir(), 'tolem-provider-generator-'));
  try {
    for (const entry of ['node_modules', 'package.json']) {
      symlinkSync(join(ROOT, entry), join(workspace, entry));
    }
    for (const entry of [
      'apps/provider-adapters',
      'libs',
      'tools',
      'proto',
      'tsconfig.base.json',
    ]) {
      cpSync(join(ROOT, entry), join(workspace, entry), {
        recursive: true,
        filter: (src) => !src.includes('node_modules'),
      });
    }
    const app = join(workspace, 'apps', 'provider-adapters');

    const generator = join(__dirname, 'generate.ts');
    run(
      process.execPath,
      ['--import', 'tsx', generator, 'acme-pay', '--dry-run', '--app', app],
      ROOT,
    );
    run(process.execPath, ['--import', 'tsx', generator, 'acme-pay', '--app', app], ROOT);
    let refused = false;
    try {
      plan('acme-pay', app);
    } catch (err) {
      refused = /exists already|already registered/.test((err as Error).message);
    }
    if (!refused) throw new Error('a second run for the same name was not refused');

    run(bin('prettier'), ['--write', '--log-level', 'warn', 'src', 'migrations'], app);
    run(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit'], app);
    run(bin('vitest'), ['run', '--reporter', 'dot'], app);
    process.stdout.write(
      '\ngenerator verified: generated adapter typechecks and its spec passes\n',
    );
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

main();
