import { tolemVitest } from '../../tools/vitest/preset.mts';

// No globalSetup: the gateway owns nothing durable, so its contract tests need neither PostgreSQL
// nor Kafka; its peers are scripted gRPC servers started inside the test.
export default tolemVitest(import.meta.dirname, 'integration');
