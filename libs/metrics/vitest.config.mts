import { tolemVitest } from '../../tools/vitest/preset.mts';

export default tolemVitest(import.meta.dirname, 'unit');
