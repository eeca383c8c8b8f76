import { mergeConfig } from 'vitest/config';

import { tolemVitest } from '../../tools/vitest/preset.mts';

// kafka-kit's behaviour is all I/O: its tests are the integration tier.
export default mergeConfig(tolemVitest(import.meta.dirname, 'unit'), {
  test: { passWithNoTests: true },
});
