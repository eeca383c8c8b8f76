import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { provisionInfra } from '@tolem/infra';

/**
 * Vitest globalSetup for integration tiers: reuse DATABASE_URL / KAFKA_BROKERS when set (npm test
 * provisions once for every project), else provision real PostgreSQL and Kafka for this run.
 */
export default async function setup(): Promise<() => Promise<void>> {
  if (process.env['DATABASE_URL'] && process.env['KAFKA_BROKERS']) return async () => undefined;
  const stateDir = mkdtempSync(join(tmpdir(), 'tolem-it-'));
  const infra = await provisionInfra({
    stateDir,
    log: (m) => process.stderr.write(`[infra] ${m}\n`),
  });
  process.env['DATABASE_URL'] = infra.databaseUrl;
  process.env['KAFKA_BROKERS'] = infra.kafkaBrokers;
  return async () => {
    await infra.stop();
    rmSync(stateDir, { recursive: true, force: true });
  };
}
