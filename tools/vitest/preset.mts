import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { defineConfig, type ViteUserConfig } from 'vitest/config';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Vitest does not read tsconfig paths; derive its aliases from tsconfig.base.json. */
function aliases(): { find: RegExp; replacement: string }[] {
  const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')) as {
    compilerOptions: { paths: Record<string, string[]> };
  };
  return Object.entries(tsconfig.compilerOptions.paths)
    .sort(([a], [b]) => b.length - a.length)
    .map(([key, [target]]) =>
      key.endsWith('/*')
        ? {
            find: new RegExp(`^${key.slice(0, -2).replace('/', '\\/')}\\/(.*)$`),
            replacement: join(root, (target as string).slice(0, -1)) + '$1',
          }
        : { find: new RegExp(`^${key.replace('/', '\\/')}$`), replacement: join(root, target as string) },
    );
}

type Tier = 'unit' | 'integration' | 'e2e';

function e2eParallel(): number {
  const n = Number(process.env['TEST_E2E_PARALLEL'] ?? '2');
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/**
 * One config per test tier. Each run writes a JSON report under reports/vitest so the closing
 * `N passed, N failed` line can add every project's results up.
 */
export function tolemVitest(projectDir: string, tier: Tier): ViteUserConfig {
  const name = projectDir.slice(root.length + 1).replace(/[\\/]/g, '-');
  const include =
    tier === 'unit'
      ? ['src/**/*.spec.ts']
      : tier === 'integration'
        ? ['test/integration/**/*.integration-spec.ts']
        : ['test/e2e/**/*.e2e-spec.ts'];
  const slow = tier !== 'unit';
  return defineConfig({
    resolve: { alias: aliases() },
    test: {
      root: projectDir,
      include,
      passWithNoTests: false,
      testTimeout: slow ? 180_000 : 10_000,
      hookTimeout: slow ? 300_000 : 10_000,
      // Integration files share one database server and broker; run them one at a time (projects
      // run side by side instead, tools/test/run.ts). E2e files each start a whole stack with its
      // own databases, topics and consumer groups, mostly waiting on processes and timers: two at
      // a time by default, TEST_E2E_PARALLEL=1 runs them one by one when chasing a timing issue.
      fileParallelism: tier === 'e2e' ? e2eParallel() > 1 : !slow,
      ...(tier === 'e2e' ? { maxWorkers: e2eParallel() } : {}),
      reporters: ['default', 'json'],
      outputFile: { json: join(root, 'reports', 'vitest', `${name}-${tier}.json`) },
    },
  });
}
