import { randomBytes } from 'node:crypto';

import { databaseUrlFor, ensureDatabase } from '@tolem/db-kit';
import pg from 'pg';

/**
 * The PostgreSQL server and Kafka brokers of an integration run. The vitest global setup
 * (globalSetup.ts) provisions them through tools/infra unless DATABASE_URL / KAFKA_BROKERS are set.
 */
export function integrationEnv(): { databaseUrl: string; kafkaBrokers: string } {
  const databaseUrl = process.env['DATABASE_URL'];
  const kafkaBrokers = process.env['KAFKA_BROKERS'];
  if (!databaseUrl || !kafkaBrokers) {
    throw new Error(
      'DATABASE_URL and KAFKA_BROKERS must be set (the integration global setup sets them)',
    );
  }
  return { databaseUrl, kafkaBrokers };
}

export function randomSuffix(): string {
  return randomBytes(4).toString('hex');
}

/** A new empty database for one test file; drop() removes it. */
export async function freshDatabase(
  prefix: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const { databaseUrl } = integrationEnv();
  const name = `${prefix.replace(/[^a-z0-9_]/g, '_')}_${randomSuffix()}`;
  await ensureDatabase(databaseUrl, name);
  return {
    url: databaseUrlFor(databaseUrl, name),
    async drop() {
      const client = new pg.Client({ connectionString: databaseUrlFor(databaseUrl, 'postgres') });
      await client.connect();
      try {
        await client.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A topic name no other test uses. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}.${randomSuffix()}`;
}
