import { join } from 'node:path';

import { mergeConfig } from 'vitest/config';

import { tolemVitest } from '../../tools/vitest/preset.mts';

// PostgreSQL only (the idempotency keys); the peers are scripted gRPC servers started in the test.
export default mergeConfig(tolemVitest(import.meta.dirname, 'integration'), {
  test: { globalSetup: [join(import.meta.dirname, '../../libs/testing/src/global-setup.ts')] },
});
