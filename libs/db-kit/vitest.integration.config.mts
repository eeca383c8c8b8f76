import { join } from 'node:path';

import { mergeConfig } from 'vitest/config';

import { tolemVitest } from '../../tools/vitest/preset.mts';

export default mergeConfig(tolemVitest(import.meta.dirname, 'integration'), {
  test: { globalSetup: [join(import.meta.dirname, '../testing/src/global-setup.ts')] },
});
