/**
 * The rendered overlays, as an SRE would review them: schema-valid, locked-down containers, probed
 * and resourced Deployments, no inlined secret, a ServiceAccount per pod without a token, and
 * NetworkPolicies that allow exactly the traffic the code needs (the gRPC graph derived from
 * apps/<app>/src by ./graph.ts, not restated here). Needs kubectl and python3 (with venv); fails,
 * never skips, without them.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { SHUTDOWN_BUDGET_MS } from '@tolem/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';

import { appsReading, grpcGraph } from './graph';
import {
  at,
  containers,
  inNamespaceEdges,
  isObj,
  kindName,
  named,
  networkPolicies,
  objs,
  ofKind,
  peerOf,
  type Pod,
  pods,
} from './manifests';
import { type Endpoint, Network } from './netpol';
import {
  ensureVenv,
  type K8sObject,
  lintDockerfile,
  OVERLAYS,
  render,
  ROOT,
  validateSchemas,
} from './tooling';

const SECRET_NAME = /SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|PRIVATE|_KEY$|^DATABASE_URL$/;

/**
 * Dev only: the provider sandbox replaces the providers and the cash register (HTTP, not gRPC) and
 * posts the providers' callbacks to the gateway.
 */
const DEV_SANDBOX_EDGES = [
  'provider-adapters/server -> provider-sandbox/server:http',
  'recurring/server -> provider-sandbox/server:http',
  'provider-sandbox/server -> gateway/server:http',
];

/**
 * The apps that call out of the cluster over HTTP (read from their code): provider-adapters the
 * providers (HTTPS), recurring the cash register (HTTPS), notifier the merchants' webhook URLs
 * (http or https, on the port the merchant chose).
 */
const INTERNET_HTTPS = ['notifier/server', 'provider-adapters/server', 'recurring/server'];
const INTERNET_ANY_PORT = ['notifier/server'];

let bin = '';
const timings: string[] = [];
let scratch = '';

beforeAll(() => {
  const venv = ensureVenv();
  bin = venv.bin;
  timings.push(`venv ${venv.created ? 'created' : 'reused'} in ${venv.seconds.toFixed(1)}s`);
  scratch = mkdtempSync(join(tmpdir(), 'tolem-deploy-'));
}, 300_000);

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  process.stdout.write(`deploy policy: ${timings.join(', ')}\n`);
});

it('lints the Dockerfile clean with hadolint', () => {
  expect(lintDockerfile(bin)).toEqual([]);
}, 30_000);

function reachableFrom(objects: K8sObject[], source: Endpoint): string[] {
  const all = pods(objects);
  const net = new Network(String(all[0]?.endpoint.namespace), networkPolicies(objects));
  return all
    .flatMap((dst) =>
      (dst.endpoint.ports ?? [])
        .filter((p) => net.allows(source, dst.endpoint, p.containerPort, p.protocol ?? 'TCP'))
        .map((p) => `${dst.id}:${p.name ?? p.containerPort}`),
    )
    .sort();
}

function podsReaching(objects: K8sObject[], target: Endpoint, port: number, protocol = 'TCP') {
  const all = pods(objects);
  const net = new Network(String(all[0]?.endpoint.namespace), networkPolicies(objects));
  return [
    ...new Set(all.filter((p) => net.allows(p.endpoint, target, port, protocol)).map((p) => p.id)),
  ].sort();
}

const expectedGrpcEdges = () => grpcGraph().map((e) => `${e.from}/server -> ${e.to}/server:grpc`);

describe.each(OVERLAYS)('overlay %s', (overlay) => {
  let objects: K8sObject[] = [];
  let all: Pod[] = [];
  beforeAll(() => {
    objects = render(overlay);
    all = pods(objects);
  }, 60_000);

  it('renders and validates offline against the Kubernetes schemas', () => {
    const started = Date.now();
    const file = join(scratch, `${overlay}.yaml`);
    writeFileSync(file, objects.map((o) => YAML.stringify(o)).join('---\n'));
    expect(objects.length).toBeGreaterThan(50);
    expect(validateSchemas(bin, file, objects)).toEqual([]);
    timings.push(`${overlay} validated in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  }, 60_000);

  it('runs every container as a non-root uid with a read-only root filesystem', () => {
    const problems: string[] = [];
    for (const pod of all) {
      const podSc = pod.spec['securityContext'];
      for (const c of containers(pod)) {
        const where = `${pod.owner} ${String(c['name'])}`;
        const sc = c['securityContext'];
        if (at(sc, 'runAsNonRoot') !== true && at(podSc, 'runAsNonRoot') !== true)
          problems.push(`${where}: runAsNonRoot`);
        const uid = at(sc, 'runAsUser') ?? at(podSc, 'runAsUser');
        if (typeof uid !== 'number' || uid === 0)
          problems.push(`${where}: runAsUser ${String(uid)}`);
        if (at(sc, 'readOnlyRootFilesystem') !== true)
          problems.push(`${where}: readOnlyRootFilesystem`);
        if (at(sc, 'allowPrivilegeEscalation') !== false)
          problems.push(`${where}: allowPrivilegeEscalation`);
      }
    }
    expect(all.length).toBeGreaterThan(10);
    expect(problems).toEqual([]);
  });

  it('probes and resources every Deployment; gRPC liveness asks another health service than readiness', () => {
    const problems: string[] = [];
    for (const d of ofKind(objects, 'Deployment')) {
      for (const c of objs(at(d, 'spec', 'template', 'spec', 'containers'))) {
        const where = `${kindName(d)} ${String(c['name'])}`;
        const readiness = c['readinessProbe'];
        const liveness = c['livenessProbe'];
        if (!isObj(readiness)) problems.push(`${where}: no readinessProbe`);
        if (!isObj(liveness)) problems.push(`${where}: no livenessProbe`);
        if (at(readiness, 'grpc') !== undefined || at(liveness, 'grpc') !== undefined) {
          // grpc-kit: "" follows dependencies (e.g. a Kafka consumer), "liveness" only the process.
          if ((at(readiness, 'grpc', 'service') ?? '') !== '')
            problems.push(`${where}: readiness must ask the overall health ("")`);
          if (at(liveness, 'grpc', 'service') !== 'liveness')
            problems.push(`${where}: liveness must ask the "liveness" health service`);
        }
        for (const kind of ['requests', 'limits'])
          for (const r of ['cpu', 'memory'])
            if (at(c, 'resources', kind, r) === undefined)
              problems.push(`${where}: no ${kind}.${r}`);
      }
    }
    for (const j of ofKind(objects, 'Job'))
      for (const c of objs(at(j, 'spec', 'template', 'spec', 'containers')))
        for (const kind of ['requests', 'limits'])
          if (!isObj(at(c, 'resources', kind))) problems.push(`${kindName(j)}: no ${kind}`);
    expect(problems).toEqual([]);
  });

  it("gives every pod the time its shutdown takes: preStop sleep plus the apps' shutdown budget", () => {
    for (const d of ofKind(objects, 'Deployment')) {
      const spec = at(d, 'spec', 'template', 'spec');
      const grace = Number(at(spec, 'terminationGracePeriodSeconds'));
      const command = at(
        objs(at(spec, 'containers'))[0],
        'lifecycle',
        'preStop',
        'exec',
        'command',
      );
      const sleep = Array.isArray(command) && command[0] === 'sleep' ? Number(command[1]) : 0;
      // The process exits by itself after SHUTDOWN_BUDGET_MS: Kubernetes never has to SIGKILL it.
      expect(grace, kindName(d)).toBeGreaterThan(sleep + SHUTDOWN_BUDGET_MS / 1000);
    }
  });

  it("caps every Node container's heap well under its memory limit, Jobs included", () => {
    const mib = (quantity: string) => {
      const m = /^(\d+)(Mi|Gi)$/.exec(quantity);
      if (!m) throw new Error(`unexpected memory quantity ${quantity}`);
      return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
    };
    const problems: string[] = [];
    for (const pod of all) {
      for (const c of containers(pod)) {
        const fromConfigMaps = objs(c['envFrom'])
          .map((e) => named(objects, 'ConfigMap', String(at(e, 'configMapRef', 'name'))))
          .map((cm) => at(cm, 'data', 'NODE_OPTIONS'));
        const own = objs(c['env']).find((e) => e['name'] === 'NODE_OPTIONS')?.['value'];
        const options = String(own ?? fromConfigMaps.find((v) => v !== undefined) ?? '');
        const heap = /--max-old-space-size=(\d+)/.exec(options)?.[1];
        const limit = at(c, 'resources', 'limits', 'memory');
        if (heap === undefined || typeof limit !== 'string') continue;
        // The old space is not all a Node process holds (young generation, code, buffers).
        if (Number(heap) > mib(limit) * 0.75)
          problems.push(`${pod.owner} ${String(c['name'])}: heap ${heap} MiB, limit ${limit}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('references every Secret and inlines none', () => {
    const problems: string[] = [];
    for (const s of ofKind(objects, 'Secret'))
      if (s['data'] !== undefined || s['stringData'] !== undefined)
        problems.push(`${kindName(s)} carries values`);
    for (const cm of ofKind(objects, 'ConfigMap'))
      for (const k of Object.keys(isObj(cm['data']) ? cm['data'] : {}))
        if (SECRET_NAME.test(k)) problems.push(`${kindName(cm)} holds ${k}`);
    const referenced: string[] = [];
    for (const pod of all) {
      for (const v of objs(pod.spec['volumes'])) {
        const name = at(v, 'secret', 'secretName');
        if (typeof name === 'string') referenced.push(name);
      }
      for (const c of containers(pod)) {
        for (const from of objs(c['envFrom']))
          if (from['secretRef'] !== undefined)
            problems.push(`${pod.owner}: envFrom.secretRef hides which keys it reads`);
        for (const e of objs(c['env'])) {
          const ref = at(e, 'valueFrom', 'secretKeyRef', 'name');
          if (typeof ref === 'string') referenced.push(ref);
          else if (SECRET_NAME.test(String(e['name'])) && e['value'] !== undefined)
            problems.push(`${pod.owner}: ${String(e['name'])} inlined`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(referenced.length).toBeGreaterThan(8);
    // TLS material is referenced by name too (the Ingress), never shipped.
    for (const ing of ofKind(objects, 'Ingress'))
      for (const tls of objs(at(ing, 'spec', 'tls')))
        expect(typeof tls['secretName'], kindName(ing)).toBe('string');
  });

  it("runs each pod as its app's own ServiceAccount, which exists and mounts no token", () => {
    const problems: string[] = [];
    for (const pod of all) {
      const sa = pod.spec['serviceAccountName'];
      const app = pod.id.split('/')[0];
      if (sa !== app) problems.push(`${pod.owner}: serviceAccountName ${String(sa)}, not ${app}`);
      const account = named(objects, 'ServiceAccount', String(sa));
      if (!account) problems.push(`${pod.owner}: ServiceAccount/${String(sa)} is not rendered`);
      else if (account['automountServiceAccountToken'] !== false)
        problems.push(`ServiceAccount/${String(sa)} automounts its token`);
      if (pod.spec['automountServiceAccountToken'] === true)
        problems.push(`${pod.owner}: mounts a token`);
    }
    // The rollout applies these first, by label, so Jobs find their account and their egress.
    for (const o of [...ofKind(objects, 'ServiceAccount'), ...ofKind(objects, 'NetworkPolicy')]) {
      const component = at(o, 'metadata', 'labels', 'app.kubernetes.io/component');
      const want = o['kind'] === 'ServiceAccount' ? 'identity' : 'network';
      if (component !== want)
        problems.push(`${kindName(o)}: component ${String(component)}, not ${want}`);
    }
    expect(problems).toEqual([]);
  });

  it('spreads every Deployment over nodes (prod: and zones) and exposes the metrics port', () => {
    const keys =
      overlay === 'prod'
        ? ['kubernetes.io/hostname', 'topology.kubernetes.io/zone']
        : ['kubernetes.io/hostname'];
    for (const d of ofKind(objects, 'Deployment')) {
      const spec = at(d, 'spec', 'template', 'spec');
      const spread = objs(at(spec, 'topologySpreadConstraints'));
      expect(spread.map((t) => t['topologyKey']).sort(), kindName(d)).toEqual(keys);
      for (const t of spread) {
        expect(at(t, 'labelSelector', 'matchLabels'), kindName(d)).toEqual(
          at(d, 'spec', 'selector', 'matchLabels'),
        );
        // Strict, yet a lost zone's (tainted) nodes do not hold its replacements Pending.
        expect(t['nodeTaintsPolicy'], kindName(d)).toBe('Honor');
      }
      const ports = objs(at(objs(at(spec, 'containers'))[0], 'ports'));
      expect(ports, kindName(d)).toContainEqual({
        name: 'metrics',
        containerPort: 9464,
        protocol: 'TCP',
      });
      // The metrics server binds 127.0.0.1 unless told otherwise: Prometheus must reach it.
      const configMaps = objs(at(objs(at(spec, 'containers'))[0], 'envFrom'))
        .map((e) => at(e, 'configMapRef', 'name'))
        .filter((n): n is string => typeof n === 'string');
      const hosts = ofKind(objects, 'ConfigMap')
        .filter((c) => configMaps.includes(String(at(c, 'metadata', 'name'))))
        .map((c) => at(c, 'data', 'METRICS_HOST'));
      expect(hosts, kindName(d)).toContain('0.0.0.0');
    }
  });

  it("is scraped: Prometheus's PodMonitor selects every Deployment's pods", () => {
    const monitor =
      ofKind(objects, 'PodMonitor')[0] ??
      (YAML.parse(
        readFileSync(join(ROOT, 'deploy/observability/podmonitor.yaml'), 'utf8'),
      ) as K8sObject);
    const selector = at(monitor, 'spec', 'selector', 'matchLabels') as Record<string, string>;
    expect(Object.keys(selector).length).toBeGreaterThan(0);
    for (const d of ofKind(objects, 'Deployment'))
      expect(at(d, 'spec', 'template', 'metadata', 'labels'), kindName(d)).toMatchObject(selector);
  });

  it('leaves the replica count of an autoscaled Deployment to its HorizontalPodAutoscaler', () => {
    const scaled = ofKind(objects, 'HorizontalPodAutoscaler').map((h) =>
      String(at(h, 'spec', 'scaleTargetRef', 'name')),
    );
    if (overlay === 'prod') expect(scaled.length).toBeGreaterThan(0);
    for (const name of scaled) {
      const deployment = named(objects, 'Deployment', name);
      expect(deployment, name).toBeDefined();
      expect(at(deployment, 'spec', 'replicas'), name).toBeUndefined();
    }
    // The others run as many as the overlay says: at least two in production.
    for (const d of ofKind(objects, 'Deployment').filter(
      (d) => !scaled.includes(String(at(d, 'metadata', 'name'))),
    ))
      if (overlay === 'prod')
        expect(at(d, 'spec', 'replicas'), kindName(d)).toBeGreaterThanOrEqual(2);
  });

  it('allows exactly the gRPC edges the code creates between the apps (and nothing else inside)', () => {
    const expected = [...expectedGrpcEdges(), ...(overlay === 'dev' ? DEV_SANDBOX_EDGES : [])];
    expect(expectedGrpcEdges().length).toBeGreaterThanOrEqual(10);
    expect(inNamespaceEdges(objects)).toEqual(expected.sort());
  });

  it("points each app's *_ADDR at exactly the Services of the apps it calls", () => {
    const calls = new Map<string, string[]>();
    for (const e of grpcGraph()) calls.set(e.from, [...(calls.get(e.from) ?? []), e.to].sort());
    for (const d of ofKind(objects, 'Deployment')) {
      const app = String(at(d, 'metadata', 'name'));
      const data = at(named(objects, 'ConfigMap', `${app}-config`), 'data') as Record<
        string,
        string
      >;
      const targets = Object.entries(data ?? {})
        .filter(([k]) => k.endsWith('_ADDR'))
        .map(([, v]) => v.split(':')[0] as string)
        .sort();
      expect(targets, app).toEqual(calls.get(app) ?? []);
      for (const t of targets) expect(named(objects, 'Service', t), `Service/${t}`).toBeDefined();
    }
  });

  it('runs provider-adapters in the environment of the providers it reaches: test keys never pay for real', () => {
    const data = at(named(objects, 'ConfigMap', 'provider-adapters-config'), 'data') as Record<
      string,
      string
    >;
    const sandboxUrls = Object.entries(data)
      .filter(([k]) => k.endsWith('_URL') && k !== 'CALLBACK_BASE_URL')
      .filter(([, v]) => v.startsWith('http://provider-sandbox:'));
    if (overlay === 'prod') {
      expect(data).toMatchObject({ PROVIDER_ENVIRONMENT: 'live', WEBMONEY_MODE: '0' });
      expect(sandboxUrls).toEqual([]);
    } else {
      expect(data).toMatchObject({ PROVIDER_ENVIRONMENT: 'sandbox', WEBMONEY_MODE: '1' });
      expect(sandboxUrls.length).toBeGreaterThanOrEqual(5);
    }
  });

  it('admits from outside only the ingress controller (gateway) and Prometheus (metrics ports)', () => {
    const ingress = peerOf(objects, 'allow-ingress-controller', 'ingress').endpoint;
    expect(ingress.namespace).not.toBe(all[0]?.endpoint.namespace);
    expect(reachableFrom(objects, ingress)).toEqual(['gateway/server:http']);
    const prometheus = peerOf(objects, 'allow-metrics-scrape', 'ingress').endpoint;
    const servers = ofKind(objects, 'Deployment')
      .map((d) => `${String(at(d, 'metadata', 'name'))}/server:metrics`)
      .sort();
    expect(reachableFrom(objects, prometheus)).toEqual(servers);
    const stranger: Endpoint = {
      namespace: 'elsewhere',
      namespaceLabels: { 'kubernetes.io/metadata.name': 'elsewhere' },
      labels: { 'app.kubernetes.io/name': 'ingress-nginx' },
    };
    expect(reachableFrom(objects, stranger)).toEqual([]);
    // The Ingress sends to the port the policy opens, with TLS and a body limit at the edge.
    const ing = named(objects, 'Ingress', 'gateway');
    const paths = objs(at(objs(at(ing, 'spec', 'rules'))[0], 'http', 'paths'));
    expect(paths.map((p) => p['path'])).not.toContain('/admin');
    for (const p of paths)
      expect(at(p, 'backend', 'service')).toEqual({ name: 'gateway', port: { name: 'http' } });
    expect(objs(at(ing, 'spec', 'tls'))[0]?.['secretName']).toBe('gateway-tls');
    expect(at(ing, 'metadata', 'annotations', 'nginx.ingress.kubernetes.io/proxy-body-size')).toBe(
      '256k',
    );
  });

  it('lets pods out only to DNS, PostgreSQL and Kafka for the apps that read them, and the internet for three', () => {
    const ids = [...new Set(all.map((p) => p.id))].sort();
    const dns: Endpoint = {
      namespace: 'kube-system',
      namespaceLabels: { 'kubernetes.io/metadata.name': 'kube-system' },
      labels: { 'k8s-app': 'kube-dns' },
    };
    expect(podsReaching(objects, dns, 53, 'UDP')).toEqual(ids);
    expect(podsReaching(objects, dns, 53, 'TCP')).toEqual(ids);

    const postgres = peerOf(objects, 'allow-postgres-egress', 'egress');
    const dbApps = appsReading('DATABASE_URL');
    expect(postgres.ports).toEqual([5432]);
    expect(podsReaching(objects, postgres.endpoint, 5432)).toEqual(
      ids.filter((id) => dbApps.includes(id.split('/')[0] as string)),
    );
    const kafka = peerOf(objects, 'allow-kafka-egress', 'egress');
    const kafkaApps = appsReading('KAFKA_BROKERS');
    // The port the apps are configured to reach: dev's plaintext 9092, prod's TLS listener 9093.
    const brokers = String(at(named(objects, 'ConfigMap', 'tolem-kafka'), 'data', 'KAFKA_BROKERS'));
    const kafkaPort = Number(brokers.split(',')[0]?.split(':').pop());
    expect(kafkaPort).toBe(overlay === 'prod' ? 9093 : 9092);
    expect(kafka.ports).toEqual([kafkaPort]);
    expect(podsReaching(objects, kafka.endpoint, kafkaPort)).toEqual(
      [...kafkaApps.map((a) => `${a}/server`), 'kafka-topics/topics'].sort(),
    );

    const internet = (ip: string, port: number) => podsReaching(objects, { ip }, port);
    expect(internet('203.0.113.10', 443)).toEqual(INTERNET_HTTPS);
    expect(internet('203.0.113.10', 8443)).toEqual(INTERNET_ANY_PORT);
    // Never the cluster's own addresses or the cloud metadata endpoint through those rules.
    for (const ip of ['10.0.0.7', '172.20.1.1', '192.168.3.4', '169.254.169.254', '100.64.0.9'])
      expect(internet(ip, 443), ip).toEqual([]);
    // Nothing else in another namespace (a pod there with arbitrary labels).
    const stranger: Endpoint = {
      namespace: 'elsewhere',
      namespaceLabels: { 'kubernetes.io/metadata.name': 'elsewhere' },
      labels: { 'app.kubernetes.io/name': 'anything' },
    };
    for (const port of [53, 443, 5432, kafkaPort])
      expect(podsReaching(objects, stranger, port)).toEqual([]);
  });

  it("creates the payments topic and every consumer group's DLQ with explicit partitions and replication", () => {
    const job = named(objects, 'Job', 'kafka-topics');
    const c = objs(at(job, 'spec', 'template', 'spec', 'containers'))[0];
    const script = (Array.isArray(c?.['command']) ? c['command'] : []).join(' ');
    for (const flag of [
      'kafka-topics.sh',
      '--create',
      '--if-not-exists',
      '--partitions',
      '--replication-factor',
    ])
      expect(script).toContain(flag);
    const env: Record<string, string> = {};
    for (const from of objs(c?.['envFrom']))
      Object.assign(
        env,
        at(named(objects, 'ConfigMap', String(at(from, 'configMapRef', 'name'))), 'data'),
      );
    // The topic and groups the apps use, read from the launcher that runs them locally.
    const stack = readFileSync(join(ROOT, 'tools', 'stack', 'src', 'services.ts'), 'utf8');
    const topic = /PAYMENTS_TOPIC = '([^']+)'/.exec(stack)?.[1];
    const groups: string[] =
      /CONSUMER_GROUPS = \[([^\]]+)\]/.exec(stack)?.[1]?.match(/[\w-]+/g) ?? [];
    expect(groups.length).toBeGreaterThan(0);
    expect(env['PAYMENTS_TOPIC']).toBe(topic);
    expect(env['CONSUMER_GROUPS']?.split(/\s+/).sort()).toEqual([...groups].sort());
    // A partition per consumer the HPAs may run, or the extra ones idle.
    const maxConsumers = Math.max(
      1,
      ...ofKind(objects, 'HorizontalPodAutoscaler')
        .filter((h) => groups.includes(String(at(h, 'spec', 'scaleTargetRef', 'name'))))
        .map((h) => Number(at(h, 'spec', 'maxReplicas'))),
    );
    expect(Number(env['PAYMENTS_PARTITIONS'])).toBeGreaterThanOrEqual(maxConsumers);
    expect(Number(env['DLQ_PARTITIONS'])).toBeGreaterThanOrEqual(1);
    const rf = Number(env['REPLICATION_FACTOR']);
    const isr = Number(env['MIN_INSYNC_REPLICAS']);
    if (overlay === 'prod') {
      expect(rf).toBeGreaterThanOrEqual(3);
      expect(isr).toBe(rf - 1);
    } else {
      expect(rf).toBe(1);
      expect(isr).toBe(1);
    }
  });

  it('mounts every gRPC app its own cert-manager certificate, read-only, and never runs gRPC in the clear', () => {
    const problems: string[] = [];
    // Every app that serves or calls gRPC (read from the code), and nothing else, speaks mTLS.
    const grpcApps = [...new Set(grpcGraph().flatMap((e) => [e.from, e.to]))].sort();
    expect(grpcApps).toContain('ledger');
    for (const app of grpcApps) {
      const d = named(objects, 'Deployment', app);
      const pod = at(d, 'spec', 'template', 'spec');
      const secretVolume = objs(at(pod, 'volumes')).find(
        (v) => at(v, 'secret', 'secretName') === `${app}-grpc-tls`,
      );
      if (!secretVolume) {
        problems.push(`${app}: no volume of the Secret ${app}-grpc-tls`);
        continue;
      }
      const c = objs(at(pod, 'containers'))[0];
      const mount = objs(at(c, 'volumeMounts')).find((m) => m['name'] === secretVolume['name']);
      if (!mount || mount['readOnly'] !== true || mount['subPath'] !== undefined)
        problems.push(`${app}: the TLS Secret must be mounted read-only, whole (no subPath)`);
      const env: Record<string, unknown> = {};
      for (const from of objs(at(c, 'envFrom')))
        Object.assign(
          env,
          at(named(objects, 'ConfigMap', String(at(from, 'configMapRef', 'name'))), 'data'),
        );
      for (const e of objs(at(c, 'env'))) env[String(e['name'])] = e['value'];
      if (env['GRPC_TLS_DIR'] !== mount?.['mountPath'])
        problems.push(`${app}: GRPC_TLS_DIR is not where the Secret is mounted`);
      if ('GRPC_INSECURE' in env) problems.push(`${app}: GRPC_INSECURE set in a pod`);
      // The probes cannot present a certificate: they use the plaintext health-only port.
      const healthPort = Number(env['GRPC_HEALTH_PORT']);
      for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
        const port = at(c, probe, 'grpc', 'port');
        if (port !== undefined && port !== healthPort)
          problems.push(`${app}: ${probe} on ${String(port)}, not the health port`);
      }
      const cert = ofKind(objects, 'Certificate').find(
        (o) => at(o, 'spec', 'secretName') === `${app}-grpc-tls`,
      );
      if (!cert) problems.push(`${app}: no Certificate writes ${app}-grpc-tls`);
    }
    expect(problems).toEqual([]);
  });

  it('issues each certificate for its app, both TLS ends, renewed ahead, from an Issuer in the overlay', () => {
    // The offline schemas do not know cert-manager's kinds (validateSchemas lets exactly those
    // through): their shape is checked here instead.
    const hours = (d: unknown) => {
      const m = /^(\d+)h$/.exec(String(d));
      return m ? Number(m[1]) : NaN;
    };
    const problems: string[] = [];
    const certs = ofKind(objects, 'Certificate');
    const issuers = ofKind(objects, 'Issuer').map((i) => String(at(i, 'metadata', 'name')));
    expect(certs.length).toBeGreaterThanOrEqual(8);
    for (const cert of certs) {
      const where = kindName(cert);
      if (cert['apiVersion'] !== 'cert-manager.io/v1') problems.push(`${where}: apiVersion`);
      const spec = at(cert, 'spec');
      if (!isObj(spec)) {
        problems.push(`${where}: no spec`);
        continue;
      }
      const issuer = at(spec, 'issuerRef', 'name');
      if (at(spec, 'issuerRef', 'kind') !== 'Issuer' || !issuers.includes(String(issuer)))
        problems.push(`${where}: issuer ${String(issuer)} is not an Issuer of this overlay`);
      const duration = hours(spec['duration']);
      const renewBefore = hours(spec['renewBefore']);
      if (!(renewBefore > 0 && renewBefore < duration))
        problems.push(`${where}: renewBefore must be set and shorter than duration`);
      if (spec['isCA'] === true) continue;
      const app = String(at(cert, 'metadata', 'labels', 'app.kubernetes.io/name'));
      if (spec['secretName'] !== `${app}-grpc-tls`) problems.push(`${where}: secretName`);
      if (spec['commonName'] !== app) problems.push(`${where}: commonName`);
      if (JSON.stringify(spec['uris']) !== JSON.stringify([`spiffe://tolem/${app}`]))
        problems.push(`${where}: uris must be [spiffe://tolem/${app}] (grpc-kit's identity)`);
      const usages = (spec['usages'] ?? []) as unknown[];
      for (const u of ['server auth', 'client auth'])
        if (!usages.includes(u)) problems.push(`${where}: usage ${u} missing`);
    }
    for (const i of ofKind(objects, 'Issuer')) {
      const spec = at(i, 'spec');
      if (!isObj(spec) || (spec['ca'] === undefined && spec['selfSigned'] === undefined))
        problems.push(`${kindName(i)}: must be a CA (or the dev bootstrap's selfSigned) issuer`);
    }
    if (overlay === 'prod' && ofKind(objects, 'Issuer').some((i) => at(i, 'spec', 'selfSigned')))
      problems.push('prod must not self-sign: its CA comes from the Secret tolem-grpc-ca');
    expect(problems).toEqual([]);
  });
});
