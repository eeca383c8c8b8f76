import { join } from 'node:path';

import { mergeConfig } from 'vitest/config';

import { tolemVitest } from '../vitest/preset.mts';

export default mergeConfig(tolemVitest(import.meta.dirname, 'e2e'), {
  test: { globalSetup: [join(import.meta.dirname, '../../libs/testing/src/global-setup.ts')] },
});
