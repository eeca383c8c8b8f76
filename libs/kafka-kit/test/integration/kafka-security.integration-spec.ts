import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { kafkaSecurityEnv, kafkaSecurityOf, parseEnv } from '@tolem/config';
import {
  createTopics,
  DEFAULT_KAFKA_VERSION,
  type KafkaHandle,
  startLocalKafka,
} from '@tolem/infra';
import { createLogger } from '@tolem/observability';
import { createLocalCa } from '@tolem/testing';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { createKafka } from '../../src';

/**
 * A broker of its own with the listeners a cluster has (SASL_SSL with SCRAM, SSL with client
 * certificates), reached through the same variables and createKafka the services use: what works
 * and, as much, what must not.
 */
const PASSWORD = 'notifier-Scram-pw-7f3a';
const dir = mkdtempSync(join(tmpdir(), 'kafka-security-'));
const ca = createLocalCa(join(dir, 'ca'), 'Tolem Kafka test CA');
const broker = ca.issue('kafka', { ips: ['127.0.0.1'] });
const client = ca.issue('notifier');
/** Certificates of a CA the broker does not trust, and a CA that did not sign the broker. */
const rogue = createLocalCa(join(dir, 'rogue'), 'Somebody else').issue('notifier');

const logLines: string[] = [];
const log = createLogger({
  service: 'kafka-security-test',
  level: 'debug',
  destination: new Writable({
    write: (chunk: Buffer, _e, done) => {
      logLines.push(chunk.toString());
      done();
    },
  }),
});
const securitySchema = z.object({ ...kafkaSecurityEnv() });

let kafka: KafkaHandle;
const topic = 'secure.events.v1';

beforeAll(async () => {
  kafka = await startLocalKafka(join(dir, 'state'), DEFAULT_KAFKA_VERSION, undefined, {
    certFile: join(broker, 'tls.crt'),
    keyFile: join(broker, 'tls.key'),
    caFile: join(broker, 'ca.crt'),
    users: [{ name: 'notifier', password: PASSWORD }],
  });
  await createTopics(kafka.brokers, [{ topic, numPartitions: 1 }]);
}, 120_000);

afterAll(async () => {
  await kafka?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A client as a service builds it from its environment. */
function clientFrom(brokers: string, env: Record<string, string>): Kafka {
  const { security, problems } = kafkaSecurityOf(parseEnv(securitySchema, env));
  if (!security) throw new Error(`bad test environment: ${problems.join('; ')}`);
  return createKafka({ brokers: [brokers], clientId: 'security-test', log, security });
}

/** Publishes one message and answers the topic's end offset read back through the same client. */
async function roundTrip(k: Kafka): Promise<number> {
  const producer = k.producer({ retry: { retries: 0 } });
  const admin = k.admin({ retry: { retries: 0 } });
  try {
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'v' }] });
    await admin.connect();
    const [offsets] = await admin.fetchTopicOffsets(topic);
    return Number(offsets?.high);
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

/** How the client's first request ends: 'accepted', or the error's name and message. */
async function refusal(k: Kafka): Promise<string> {
  const admin = k.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    await admin.listTopics();
    return 'accepted';
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

const saslSsl = (over: Record<string, string> = {}) => ({
  KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
  KAFKA_TLS_CA_FILE: join(broker, 'ca.crt'),
  KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
  KAFKA_SASL_USERNAME: 'notifier',
  KAFKA_SASL_PASSWORD: PASSWORD,
  ...over,
});

describe('Kafka over SASL_SSL and SSL: what goes through', () => {
  it('publishes over SASL_SSL with SCRAM-SHA-512, verifying the broker against the CA', async () => {
    const before = await roundTrip(clientFrom(kafka.secure!.saslSsl, saslSsl()));
    expect(await roundTrip(clientFrom(kafka.secure!.saslSsl, saslSsl()))).toBe(before + 1);
  });

  it.each(['SCRAM-SHA-256', 'PLAIN'])('authenticates with %s over TLS too', async (mechanism) => {
    expect(
      await refusal(
        clientFrom(kafka.secure!.saslSsl, saslSsl({ KAFKA_SASL_MECHANISM: mechanism })),
      ),
    ).toBe('accepted');
  });

  it('publishes over SSL with a client certificate the broker trusts', async () => {
    const env = {
      KAFKA_SECURITY_PROTOCOL: 'SSL',
      KAFKA_TLS_CA_FILE: join(client, 'ca.crt'),
      KAFKA_TLS_CERT_FILE: join(client, 'tls.crt'),
      KAFKA_TLS_KEY_FILE: join(client, 'tls.key'),
    };
    const before = await roundTrip(clientFrom(kafka.secure!.ssl, env));
    expect(await roundTrip(clientFrom(kafka.secure!.ssl, env))).toBe(before + 1);
  });
});

// A refused connection waits out the client's connection retries (about 10 s): side by side.
describe.concurrent('Kafka over SASL_SSL and SSL: what is refused', () => {
  it('a wrong password, which is never logged', async () => {
    const outcome = await refusal(
      clientFrom(kafka.secure!.saslSsl, saslSsl({ KAFKA_SASL_PASSWORD: `${PASSWORD}-not` })),
    );
    expect(outcome).toMatch(/^KafkaJSSASLAuthenticationError: .*invalid credentials/);
    expect(logLines.join('\n')).not.toContain(PASSWORD);
  });

  it('a broker whose certificate the configured CA did not sign', async () => {
    const outcome = await refusal(
      clientFrom(kafka.secure!.saslSsl, saslSsl({ KAFKA_TLS_CA_FILE: join(rogue, 'ca.crt') })),
    );
    expect(outcome).toMatch(/unable to verify the first certificate/);
  });

  it('SSL without a client certificate', async () => {
    const env = { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_TLS_CA_FILE: join(client, 'ca.crt') };
    expect(await refusal(clientFrom(kafka.secure!.ssl, env))).toMatch(/alert bad certificate/);
  });

  it('SSL with a client certificate of another CA', async () => {
    const env = {
      KAFKA_SECURITY_PROTOCOL: 'SSL',
      KAFKA_TLS_CA_FILE: join(client, 'ca.crt'),
      KAFKA_TLS_CERT_FILE: join(rogue, 'tls.crt'),
      KAFKA_TLS_KEY_FILE: join(rogue, 'tls.key'),
    };
    expect(await refusal(clientFrom(kafka.secure!.ssl, env))).toMatch(/alert certificate unknown/);
  });

  it('a plaintext client on the SASL_SSL listener', async () => {
    expect(await refusal(clientFrom(kafka.secure!.saslSsl, {}))).toMatch(/Closed connection/);
  });
});
