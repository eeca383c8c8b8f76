import { tolemVitest } from '../../tools/vitest/preset.mts';

// No globalSetup: the sandbox keeps its state in memory and needs neither PostgreSQL nor Kafka.
export default tolemVitest(import.meta.dirname, 'integration');
