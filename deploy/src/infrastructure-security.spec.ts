/**
 * PostgreSQL and Kafka security as deployed. Every production pod with a database has the CA that
 * verifies PostgreSQL's certificate where DATABASE_URL's sslrootcert points. Every pod that talks to Kafka reaches the TLS listener,
 * authenticates as its own KafkaUser and verifies the brokers against the cluster CA, and each
 * KafkaUser (deploy/k8s/kafka-users) may do exactly what its app's code does. The topics Job's
 * script is run here for real (against a stand-in CLI) to see the client settings it writes.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { dlqTopicOf } from '@tolem/kafka-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { at, containers, isObj, named, objs, ofKind, type Pod, pods } from './manifests';
import { K8S, type K8sObject, render, renderDir } from './tooling';

let prod: K8sObject[] = [];
let dev: K8sObject[] = [];
let users: K8sObject[] = [];
beforeAll(() => {
  prod = render('prod');
  dev = render('dev');
  users = renderDir(join(K8S, 'kafka-users'));
}, 60_000);

const configMap = (objects: K8sObject[], name: string) =>
  (at(named(objects, 'ConfigMap', name), 'data') ?? {}) as Record<string, string>;

/** The pods that read tolem-kafka, with their one container. */
function kafkaPods(objects: K8sObject[]): { pod: Pod; container: Record<string, unknown> }[] {
  return pods(objects).flatMap((pod) =>
    containers(pod)
      .filter((c) =>
        objs(c['envFrom']).some((e) => at(e, 'configMapRef', 'name') === 'tolem-kafka'),
      )
      .map((container) => ({ pod, container })),
  );
}

const envOf = (container: Record<string, unknown>, name: string) =>
  objs(container['env']).find((e) => e['name'] === name);

interface Acl {
  type: string;
  name: string;
  patternType: string;
  operations: string[];
}

function aclsOf(user: K8sObject): Acl[] {
  return objs(at(user, 'spec', 'authorization', 'acls')).map((a) => ({
    type: String(at(a, 'resource', 'type')),
    name: String(at(a, 'resource', 'name')),
    patternType: String(at(a, 'resource', 'patternType')),
    operations: (a['operations'] as string[]).map(String),
  }));
}

/** Whether `acl` grants `operation` on the resource (literal or by prefix). */
const grants = (acl: Acl, type: string, name: string, operation: string) =>
  acl.type === type &&
  (acl.patternType === 'prefix' ? name.startsWith(acl.name) : acl.name === name) &&
  acl.operations.includes(operation);

describe('Kafka security in production', () => {
  it('reaches the brokers over SASL_SSL with SCRAM, verifying them against a CA file', () => {
    expect(configMap(prod, 'tolem-kafka')).toMatchObject({
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_TLS_CA_FILE: expect.stringMatching(/^\/.+\.crt$/),
    });
    const egress = named(prod, 'NetworkPolicy', 'allow-kafka-egress');
    const ports = objs(at(egress, 'spec', 'egress')).flatMap((r) => objs(r['ports']));
    expect(ports.map((p) => p['port'])).toEqual([9093]);
  });

  it('gives every pod that talks to Kafka its own user, its password from that Secret, and the CA', () => {
    const caFile = configMap(prod, 'tolem-kafka')['KAFKA_TLS_CA_FILE'] ?? '';
    const found = kafkaPods(prod);
    expect(found.map(({ pod }) => pod.id).sort()).toEqual([
      'kafka-topics/topics',
      'ledger/server',
      'notifier/server',
      'qr-platform/server',
      'reporting/server',
    ]);
    const problems: string[] = [];
    for (const { pod, container } of found) {
      const app = pod.id.split('/')[0] ?? '';
      const user = `tolem-${app}`;
      if (envOf(container, 'KAFKA_SASL_USERNAME')?.['value'] !== user)
        problems.push(`${pod.id}: KAFKA_SASL_USERNAME is not ${user}`);
      const ref = at(envOf(container, 'KAFKA_SASL_PASSWORD'), 'valueFrom', 'secretKeyRef');
      if (!isObj(ref) || ref['name'] !== user || ref['key'] !== 'password')
        problems.push(`${pod.id}: KAFKA_SASL_PASSWORD is not Secret ${user}'s password`);
      const mount = objs(container['volumeMounts']).find(
        (m) => `${String(m['mountPath'])}/ca.crt` === caFile,
      );
      const volume = objs(pod.spec['volumes']).find((v) => v['name'] === mount?.['name']);
      if (!mount || mount['readOnly'] !== true || !volume)
        problems.push(`${pod.id}: nothing mounted read-only at ${caFile}`);
      else if (
        at(volume, 'secret', 'secretName') !== 'tolem-cluster-ca-cert' ||
        !objs(at(volume, 'secret', 'items')).some((i) => i['key'] === 'ca.crt')
      )
        problems.push(`${pod.id}: ${caFile} is not the cluster CA's ca.crt`);
    }
    expect(problems).toEqual([]);
  });

  it('has a KafkaUser of cluster tolem for every username a pod uses, and no other', () => {
    const usernames = kafkaPods(prod).map(({ container }) =>
      String(envOf(container, 'KAFKA_SASL_USERNAME')?.['value']),
    );
    expect(
      ofKind(users, 'KafkaUser')
        .map((u) => String(at(u, 'metadata', 'name')))
        .sort(),
    ).toEqual(usernames.sort());
    for (const user of ofKind(users, 'KafkaUser')) {
      expect(at(user, 'metadata', 'labels', 'strimzi.io/cluster')).toBe('tolem');
      expect(at(user, 'spec', 'authentication', 'type')).toBe('scram-sha-512');
      expect(at(user, 'spec', 'authorization', 'type')).toBe('simple');
    }
  });

  it('lets each user do only what its app does', () => {
    const topic = configMap(prod, 'tolem-kafka')['PAYMENTS_TOPIC'] ?? '';
    const groups = (configMap(prod, 'kafka-topics-config')['CONSUMER_GROUPS'] ?? '').split(/\s+/);
    const acls = new Map(
      ofKind(users, 'KafkaUser').map((u) => [String(at(u, 'metadata', 'name')), aclsOf(u)]),
    );
    const may = (user: string, type: string, name: string, operation: string) =>
      (acls.get(user) ?? []).some((a) => grants(a, type, name, operation));

    expect(may('tolem-ledger', 'topic', topic, 'Write')).toBe(true);
    expect(may('tolem-ledger', 'topic', topic, 'Read')).toBe(false);
    for (const group of groups) {
      expect(may('tolem-ledger', 'topic', dlqTopicOf(topic, group), 'Write')).toBe(false);
      expect(may('tolem-ledger', 'group', group, 'Read')).toBe(false);
    }
    // The topics Job creates and describes; it never reads or writes events.
    for (const op of ['Read', 'Write'])
      expect(may('tolem-kafka-topics', 'topic', topic, op), op).toBe(false);
    for (const group of groups) {
      const user = `tolem-${group}`;
      expect(may(user, 'topic', topic, 'Read'), user).toBe(true);
      expect(may(user, 'group', group, 'Read'), user).toBe(true);
      expect(may(user, 'topic', dlqTopicOf(topic, group), 'Write'), user).toBe(true);
      // Never forge a payment event, nor touch another group's offsets or dead letters.
      expect(may(user, 'topic', topic, 'Write'), user).toBe(false);
      for (const other of groups.filter((g) => g !== group)) {
        expect(may(user, 'group', other, 'Read'), user).toBe(false);
        expect(may(user, 'topic', dlqTopicOf(topic, other), 'Write'), user).toBe(false);
      }
    }
    for (const name of [topic, ...groups.map((g) => dlqTopicOf(topic, g))])
      expect(may('tolem-kafka-topics', 'topic', name, 'Create'), name).toBe(true);
    // Creating, altering, deleting and anything cluster-wide belong to the topics Job or to nobody.
    for (const [user, list] of acls) {
      for (const acl of list) {
        expect(acl.type, `${user}: ${acl.type}`).toMatch(/^(topic|group)$/);
        const forbidden = ['All', 'Alter', 'AlterConfigs', 'Delete'];
        if (user !== 'tolem-kafka-topics') forbidden.push('Create');
        expect(
          acl.operations.filter((o) => forbidden.includes(o)),
          user,
        ).toEqual([]);
      }
    }
  });
});

describe('PostgreSQL over TLS in production', () => {
  it('mounts the CA of sslrootcert=/var/run/tolem/pg-ca/ca.crt into every pod with a database', () => {
    const problems: string[] = [];
    let withDatabase = 0;
    for (const pod of pods(prod)) {
      for (const container of containers(pod)) {
        if (!envOf(container, 'DATABASE_URL')) continue;
        withDatabase += 1;
        const mount = objs(container['volumeMounts']).find(
          (m) => m['mountPath'] === '/var/run/tolem/pg-ca',
        );
        const volume = objs(pod.spec['volumes']).find((v) => v['name'] === mount?.['name']);
        if (
          mount?.['readOnly'] !== true ||
          at(volume, 'secret', 'secretName') !== 'tolem-pg-ca' ||
          !objs(at(volume, 'secret', 'items')).some((i) => i['key'] === 'ca.crt')
        )
          problems.push(`${pod.id}: no read-only tolem-pg-ca ca.crt at /var/run/tolem/pg-ca`);
      }
    }
    // Eight apps and their eight migrate Jobs.
    expect(withDatabase).toBe(16);
    expect(problems).toEqual([]);
  });
});

/**
 * The password a `sasl.jaas.config` properties line gives Kafka: the properties file's escapes
 * undone (`\x` is x), then the JAAS quoted string's (`\x` is x, as Java's StreamTokenizer reads it).
 */
function jaasPassword(line: string): string {
  const unescape = (text: string) => text.replace(/\\(.)/g, '$1');
  const value = unescape(line.slice(line.indexOf('=') + 1));
  const quoted = /password="((?:\\.|[^"\\])*)"/.exec(value)?.[1] ?? '';
  return unescape(quoted);
}

describe("the topics Job's script", () => {
  const scratch = mkdtempSync(join(tmpdir(), 'kafka-topics-job-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** Runs the Job's command with its ConfigMaps' variables and a stand-in kafka-topics.sh. */
  function runJob(objects: K8sObject[], extraEnv: Record<string, string>) {
    const dir = mkdtempSync(join(scratch, 'run-'));
    const job = pods(objects).find((p) => p.id === 'kafka-topics/topics');
    const container = job ? containers(job)[0] : undefined;
    const command = (container?.['command'] ?? []) as string[];
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'kafka-topics.sh'), '#!/bin/sh\necho "$*" >> "$OUT/calls"\n', {
      mode: 0o755,
    });
    const env = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      ...configMap(objects, 'tolem-kafka'),
      ...configMap(objects, 'kafka-topics-config'),
      // The image's CLI is $KAFKA_HOME/bin/kafka-topics.sh; its /tmp is TMPDIR here.
      KAFKA_HOME: dir,
      TMPDIR: dir,
      OUT: dir,
      ...extraEnv,
    };
    const result = spawnSync(command[0] ?? 'false', command.slice(1), { env, encoding: 'utf8' });
    const calls = readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n');
    return { result, calls, dir };
  }

  it('writes SASL_SSL client settings (owner-only) and passes them to every call in prod', () => {
    // Quotes and backslashes survive both the properties file and the JAAS string; dash's echo
    // would have read `\c` as "stop here".
    const password = 'pw"with\\back\\cslash';
    const { result, calls, dir } = runJob(prod, {
      KAFKA_SASL_USERNAME: 'tolem-kafka-topics',
      KAFKA_SASL_PASSWORD: password,
    });
    expect(result.status, result.stderr).toBe(0);
    const data = configMap(prod, 'tolem-kafka');
    const groups = (configMap(prod, 'kafka-topics-config')['CONSUMER_GROUPS'] ?? '').split(/\s+/);
    expect(calls).toHaveLength(groups.length + 2);
    for (const call of calls) expect(call).toContain(`--command-config ${dir}/client.properties`);
    expect(calls.map((c) => /--topic (\S+)/.exec(c)?.[1])).toEqual([
      data['PAYMENTS_TOPIC'],
      ...groups.map((g) => dlqTopicOf(data['PAYMENTS_TOPIC'] ?? '', g)),
      data['PAYMENTS_TOPIC'],
    ]);
    const lines = readFileSync(join(dir, 'client.properties'), 'utf8').split('\n');
    expect(lines).toEqual([
      'security.protocol=SASL_SSL',
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${data['KAFKA_TLS_CA_FILE']}`,
      'sasl.mechanism=SCRAM-SHA-512',
      'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="tolem-kafka-topics" password="pw\\\\"with\\\\\\\\back\\\\\\\\cslash";',
      '',
    ]);
    expect(jaasPassword(lines[4] ?? '')).toBe(password);
    expect(statSync(join(dir, 'client.properties')).mode & 0o077).toBe(0);
  });

  it('adds the client certificate as a PEM key store for SSL', () => {
    const pem = (what: string) => `-----BEGIN ${what}-----\nAAAA\n-----END ${what}-----\n`;
    const certs = mkdtempSync(join(scratch, 'certs-'));
    writeFileSync(join(certs, 'tls.key'), pem('PRIVATE KEY'));
    writeFileSync(join(certs, 'tls.crt'), pem('CERTIFICATE'));
    const { result, dir } = runJob(prod, {
      KAFKA_SECURITY_PROTOCOL: 'SSL',
      KAFKA_TLS_CERT_FILE: join(certs, 'tls.crt'),
      KAFKA_TLS_KEY_FILE: join(certs, 'tls.key'),
    });
    expect(result.status, result.stderr).toBe(0);
    const data = configMap(prod, 'tolem-kafka');
    expect(readFileSync(join(dir, 'client.properties'), 'utf8').split('\n')).toEqual([
      'security.protocol=SSL',
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${data['KAFKA_TLS_CA_FILE']}`,
      'ssl.keystore.type=PEM',
      `ssl.keystore.location=${dir}/client.pem`,
      '',
    ]);
    expect(readFileSync(join(dir, 'client.pem'), 'utf8')).toBe(
      pem('PRIVATE KEY') + pem('CERTIFICATE'),
    );
    expect(statSync(join(dir, 'client.pem')).mode & 0o077).toBe(0);
  });

  it('passes no client settings to a plaintext broker (dev)', () => {
    const { result, calls } = runJob(dev, {});
    expect(result.status, result.stderr).toBe(0);
    expect(calls.length).toBeGreaterThan(1);
    for (const call of calls) expect(call).not.toContain('--command-config');
  });
});
