import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  createDatabases,
  createTopics,
  dropDatabases,
  type InfraHandle,
  provisionInfra,
  type ProvisionOptions,
} from '../src/index';
import { acceptsConnections } from '../src/ports';
import { destroyLocalPostgres } from '../src/postgres';

const suffix = `${process.pid}_${Date.now()}`;
const dbName = `infra_it_${suffix}`;
const topic = `infra-it-${suffix}`;

/** host:port pairs a handle points at, to check they are closed after stop(). */
function endpoints(infra: InfraHandle): { host: string; port: number }[] {
  const pg = new URL(infra.databaseUrl);
  const brokers = infra.kafkaBrokers.split(',').map((b) => {
    const [host, port] = b.trim().split(':');
    return { host: host ?? '127.0.0.1', port: Number(port) };
  });
  return [{ host: pg.hostname, port: Number(pg.port || 5432) }, ...brokers];
}

describe('tools/infra provisioning (real PostgreSQL + Kafka)', () => {
  let stateDir = '';
  let opts: ProvisionOptions;
  let infra: InfraHandle | undefined;
  let stopped = false;

  beforeAll(async () => {
    stateDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tolem-infra-it-'));
    // env is process.env: DATABASE_URL / KAFKA_BROKERS, when set, are used as they are.
    opts = { stateDir, env: process.env, log: (m) => process.stderr.write(`[infra] ${m}\n`) };
  });

  afterAll(async () => {
    if (infra && !stopped) await infra.stop();
    // mkdtemp dirs are 0700, so as root the cluster lives under os.tmpdir(): remove it too.
    await destroyLocalPostgres(stateDir);
    await fsp.rm(stateDir, { recursive: true, force: true });
  });

  it('provisions PostgreSQL and Kafka', async () => {
    const t0 = Date.now();
    infra = await provisionInfra(opts);
    process.stderr.write(
      `[infra] first provision: ${Date.now() - t0} ms (${infra.postgres.source}, ${infra.kafka.source})\n`,
    );
    expect(infra.databaseUrl).toMatch(/^postgres(ql)?:\/\//);
    expect(infra.kafkaBrokers).toMatch(/:\d+/);
    expect(infra.postgres.url).toBe(infra.databaseUrl);
    expect(infra.kafka.brokers).toBe(infra.kafkaBrokers);
  });

  it('creates a database and runs a query in it', async () => {
    const urls = await createDatabases(infra!.databaseUrl, [dbName]);
    // Idempotent: a second call neither fails nor changes the URL.
    expect(await createDatabases(infra!.databaseUrl, [dbName])).toEqual(urls);
    const client = new Client({ connectionString: urls[dbName] });
    await client.connect();
    try {
      const res = await client.query<{ db: string; n: number }>(
        'SELECT current_database() AS db, 6 * 7 AS n',
      );
      expect(res.rows[0]).toEqual({ db: dbName, n: 42 });
    } finally {
      await client.end();
    }
    await dropDatabases(infra!.databaseUrl, [dbName]);
    const su = new Client({ connectionString: infra!.databaseUrl });
    await su.connect();
    try {
      const left = await su.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName]);
      expect(left.rowCount).toBe(0);
    } finally {
      await su.end();
    }
  });

  it('creates a 3-partition topic, produces and consumes a message', async () => {
    await createTopics(infra!.kafkaBrokers, [{ topic, numPartitions: 3 }]);
    await createTopics(infra!.kafkaBrokers, [{ topic, numPartitions: 3 }]); // idempotent
    const kafka = new Kafka({
      clientId: 'infra-it',
      brokers: infra!.kafkaBrokers.split(','),
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(meta.topics[0]?.partitions).toHaveLength(3);

    const value = `hello-${suffix}`;
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value }] });
    await producer.disconnect();

    const consumer = kafka.consumer({
      groupId: `infra-it-${suffix}`,
      maxWaitTimeInMs: 200,
      allowAutoTopicCreation: false,
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = new Promise<string>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => resolve(message.value?.toString() ?? ''),
      });
    });
    const got = await Promise.race([
      received,
      new Promise<string>((_, rej) =>
        setTimeout(() => rej(new Error('no message in 30 s')), 30_000),
      ),
    ]);
    await consumer.disconnect();
    expect(got).toBe(value);
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  });

  it('reuses the running servers on a second provision, quickly', async () => {
    const t0 = Date.now();
    const again = await provisionInfra(opts);
    const ms = Date.now() - t0;
    process.stderr.write(`[infra] reuse provision: ${ms} ms\n`);
    expect(again.databaseUrl).toBe(infra!.databaseUrl);
    expect(again.kafkaBrokers).toBe(infra!.kafkaBrokers);
    expect(again.postgres.source).toBe(infra!.postgres.source);
    expect(again.kafka.source).toBe(infra!.kafka.source);
    // A fresh Kafka broker alone takes > 2 s to start; reuse is a status check plus two probes.
    if (infra!.postgres.source === 'local' && infra!.kafka.source === 'local')
      expect(ms).toBeLessThan(2000);
  });

  it('stops both, after which their ports refuse connections', async () => {
    const points = endpoints(infra!);
    await infra!.stop();
    stopped = true;
    const local = infra!.postgres.source === 'local' && infra!.kafka.source === 'local';
    if (!local) return; // env/container services: stop() is a no-op or the container is gone
    for (const p of points)
      expect(await acceptsConnections(p.port, p.host), `${p.host}:${p.port}`).toBe(false);
  });
});
