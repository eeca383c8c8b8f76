import { join } from 'node:path';

import { defineConfig } from 'vitest/config';

const root = join(import.meta.dirname, '..', '..');

export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['test/**/*.integration-spec.ts'],
    passWithNoTests: false,
    // A cold first run resolves Kafka's jars from Maven Central and initdb's a cluster.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Child processes (pg_ctl, java) behave best from a real process, not a worker thread.
    pool: 'forks',
    // Same report location as tools/vitest/preset.mts, so the repo's pass/fail summary counts these too.
    reporters: ['default', 'json'],
    outputFile: { json: join(root, 'reports', 'vitest', 'tools-infra-integration.json') },
  },
});
