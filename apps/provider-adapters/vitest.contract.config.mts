import { join } from 'node:path';

import { tolemVitest } from '../../tools/vitest/preset.mts';

/**
 * Contract tests: each adapter against provider-sandbox over HTTP, both as real processes
 * (test/contract/*.contract-spec.ts). They also run with the integration config.
 */
const config = tolemVitest(import.meta.dirname, 'integration');
const test = config.test ?? {};
export default {
  ...config,
  test: {
    ...test,
    include: ['test/contract/**/*.contract-spec.ts'],
    outputFile: {
      json: join(import.meta.dirname, '../../reports/vitest/apps-provider-adapters-contract.json'),
    },
    globalSetup: [join(import.meta.dirname, '../../libs/testing/src/global-setup.ts')],
  },
};
