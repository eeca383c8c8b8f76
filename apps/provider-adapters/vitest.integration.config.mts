import { join } from 'node:path';

import { tolemVitest } from '../../tools/vitest/preset.mts';

/** Integration tests and the contract tests against provider-sandbox (both real processes). */
const config = tolemVitest(import.meta.dirname, 'integration');
const test = config.test ?? {};
export default {
  ...config,
  test: {
    ...test,
    include: ['test/integration/**/*.integration-spec.ts', 'test/contract/**/*.contract-spec.ts'],
    globalSetup: [join(import.meta.dirname, '../../libs/testing/src/global-setup.ts')],
  },
};
