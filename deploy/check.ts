/**
 * Static checks of the Kubernetes manifests, with no cluster and no network:
 *
 *   npx tsx deploy/check.ts              parse every YAML file, check the bases and overlays,
 *                                        then render each overlay with `kubectl kustomize` if present
 *   npx tsx deploy/check.ts --no-render  skip the rendering step
 *
 * What it checks: every file parses; every kustomization's resources and patches exist; every app
 * has a base with the expected files; each Deployment has probes (native gRPC probes on the
 * plaintext health-only port, liveness on grpc-kit's "liveness" service, /readyz and /healthz for the gateway), requests
 * and limits, a locked-down securityContext, a 45 s grace period, the app's image, its own
 * ServiceAccount, the metrics port and spread over nodes (prod: and zones); migrate Jobs run `dist/apps/<app>/db/migrate.cjs` with the
 * same image, and each app's Nx build emits those files; Services select the pods and target their
 * port; no secret value is written anywhere (secret-looking variables come from secretKeyRef, no
 * Secret objects, no credentials in URLs);
 * the variables handed to an app are exactly ones its src/config.ts reads, and every variable it
 * requires is handed to it. Rendered overlays: dev runs every app once and points providers at the
 * sandbox; prod has no sandbox, two or more replicas (or an HPA owning the count), HPAs and PodDisruptionBudgets.
 * Exits 1 when anything fails. The rendered-manifest policy test (schemas, NetworkPolicies against
 * the code's gRPC graph, …) is deploy/src/policy.spec.ts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

import { METRICS_DEFAULT_PORT } from '@tolem/config';
import YAML from 'yaml';

import { SHARED_ENV, sharedEnvSpread } from './src/shared-env';

/** preStop's 5 s sleep plus the apps' shutdown budget (@tolem/runtime's SHUTDOWN_BUDGET_MS), and a margin. */
const GRACE_PERIOD_SECONDS = 45;

type Obj = Record<string, unknown>;

interface AppSpec {
  kind: 'grpc' | 'http';
  port: number;
  database: boolean;
  devOnly?: boolean;
  /** HorizontalPodAutoscaler in prod. */
  hpa?: boolean;
  /**
   * Readiness depends on a Kafka consumer (grpc-kit setReady): startup and liveness must ask the
   * "liveness" health service, or a broker outage would get the pod restarted.
   */
  consumer?: boolean;
}

const APPS: Record<string, AppSpec> = {
  gateway: { kind: 'http', port: 8080, database: true, hpa: true },
  checkout: { kind: 'grpc', port: 50051, database: true, hpa: true },
  'provider-adapters': { kind: 'grpc', port: 50052, database: true, hpa: true },
  ledger: { kind: 'grpc', port: 50053, database: true },
  notifier: { kind: 'grpc', port: 50054, database: true, hpa: true, consumer: true },
  recurring: { kind: 'grpc', port: 50055, database: true },
  'qr-platform': { kind: 'grpc', port: 50056, database: true, consumer: true },
  reporting: { kind: 'grpc', port: 50057, database: true, hpa: true, consumer: true },
  'provider-sandbox': { kind: 'http', port: 8090, database: false, devOnly: true },
};

/** Names every service reads by convention (brief), for apps whose config.ts does not exist yet. */
const CONVENTIONAL_ENV = [
  'DATABASE_URL',
  'GRPC_PORT',
  'GRPC_HOST',
  'LOG_LEVEL',
  'MIGRATE_ON_START',
  'KAFKA_BROKERS',
  'PAYMENTS_TOPIC',
  'KAFKA_GROUP_ID',
];
/** Read by Node itself, not by config.ts. */
const RUNTIME_ENV = new Set(['NODE_OPTIONS']);
/**
 * The plaintext grpc.health.v1-only port of every gRPC app (GRPC_HEALTH_PORT): kubelet's gRPC
 * probes cannot present a client certificate, and the gRPC port takes mTLS callers only.
 */
const GRPC_HEALTH_PORT = 8086;
/** Where each pod mounts its Secret `<app>-grpc-tls` (GRPC_TLS_DIR). */
const GRPC_TLS_DIR = '/var/run/tolem/grpc-tls';
/** Every app serves Prometheus metrics on this port (METRICS_PORT's default). */
const METRICS_PORT = METRICS_DEFAULT_PORT;
const SECRET_NAME = /SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|PRIVATE|_KEY$|^DATABASE_URL$/;

const ROOT = resolve(__dirname, '..');
const K8S = join(ROOT, 'deploy', 'k8s');

const errors: string[] = [];
const notes: string[] = [];
const fail = (where: string, message: string): void => {
  errors.push(`${where}: ${message}`);
};

// ---------------------------------------------------------------- small helpers

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const objs = (v: unknown): Obj[] => arr(v).filter(isObj);
function at(v: unknown, ...path: (string | number)[]): unknown {
  let cur = v;
  for (const key of path) {
    if (Array.isArray(cur) && typeof key === 'number') cur = cur[key];
    else if (isObj(cur) && typeof key === 'string') cur = cur[key];
    else return undefined;
  }
  return cur;
}
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const rel = (file: string) => relative(ROOT, file);

function cpuMilli(q: unknown): number | undefined {
  const s = String(q ?? '');
  if (/^\d+m$/.test(s)) return Number(s.slice(0, -1));
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  return undefined;
}

function memBytes(q: unknown): number | undefined {
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(String(q ?? ''));
  if (!m) return undefined;
  const unit = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[m[2] ?? ''] ?? 1;
  return Number(m[1]) * unit;
}

interface Doc {
  file: string;
  obj: Obj;
}

function parseYaml(text: string, where: string): Obj[] {
  const out: Obj[] = [];
  for (const doc of YAML.parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) fail(where, `YAML: ${e.message}`);
      continue;
    }
    const value: unknown = doc.toJSON();
    if (value === null || value === undefined) continue;
    if (!isObj(value)) fail(where, 'a YAML document that is not a mapping');
    else out.push(value);
  }
  return out;
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...yamlFiles(path));
    else if (/\.ya?ml$/.test(name)) out.push(path);
  }
  return out.sort();
}

const kindName = (o: Obj) => `${str(o['kind'])}/${str(at(o, 'metadata', 'name'))}`;

// ---------------------------------------------------------------- config.ts: which env names an app reads

interface EnvContract {
  reads: Set<string>;
  required: Set<string>;
  source: string;
}

/**
 * Reads the zod schema keys of apps/<app>/src/config.ts. A key counts as required unless its
 * definition has a default or is optional (envs.port(n), bool, durationMs and logLevel default).
 * A spread shared set (`...<name>Env(…)`, SHARED_ENV) adds its names; an unknown one is refused,
 * as its names could not be known.
 */
function envContract(app: string): EnvContract {
  const file = join(ROOT, 'apps', app, 'src', 'config.ts');
  if (!existsSync(file)) {
    notes.push(
      `apps/${app}/src/config.ts does not exist yet: its env names were checked against the brief's conventions`,
    );
    return {
      reads: new Set(CONVENTIONAL_ENV),
      required: new Set(['DATABASE_URL']),
      source: 'conventions',
    };
  }
  const reads = new Set<string>();
  const required = new Set<string>();
  let current: string | undefined;
  let text = '';
  const settle = () => {
    if (!current) return;
    reads.add(current);
    const hasDefault =
      /\.default\(|\.optional\(|envs\.port\(\d|envs\.bool\(|envs\.durationMs\(|envs\.logLevel\(/.test(
        text,
      );
    if (!hasDefault) required.add(current);
  };
  const source = readFileSync(file, 'utf8');
  for (const line of source.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('/*') || trimmed.startsWith('*') || trimmed.startsWith('//')) continue;
    const spread = sharedEnvSpread(line);
    if (spread) {
      settle();
      current = undefined;
      text = '';
      const shared = SHARED_ENV[spread];
      if (!shared) {
        fail(rel(file), `...${spread}(…): not a known set of variables (see SHARED_ENV)`);
        continue;
      }
      for (const [name, field] of Object.entries(shared)) {
        reads.add(name);
        if (!field.isOptional()) required.add(name);
      }
      continue;
    }
    const key = /^\s+([A-Z][A-Z0-9_]+):\s*(.*)$/.exec(line);
    if (key) {
      settle();
      current = key[1];
      text = key[2] ?? '';
    } else if (/^\s*\}\)/.test(line)) {
      settle();
      current = undefined;
      text = '';
    } else if (current) {
      text += trimmed;
    }
  }
  settle();
  // One-line schemas, e.g. `z.object({ DATABASE_URL: envs.url() })`.
  for (const m of source.matchAll(/z\.object\(\{([^\n{}]*)\}\)/g)) {
    for (const k of (m[1] ?? '').matchAll(/\b([A-Z][A-Z0-9_]+):\s*([^,]*)/g)) {
      current = k[1];
      text = k[2] ?? '';
      settle();
    }
  }
  return { reads, required, source: rel(file) };
}

// ---------------------------------------------------------------- workload checks (base and rendered)

function checkContainerSecurity(where: string, pod: Obj, container: Obj): void {
  const podSc = at(pod, 'securityContext');
  const sc = at(container, 'securityContext');
  if (at(sc, 'runAsNonRoot') !== true && at(podSc, 'runAsNonRoot') !== true)
    fail(where, 'runAsNonRoot is not true');
  const uid = at(sc, 'runAsUser') ?? at(podSc, 'runAsUser');
  if (typeof uid !== 'number' || uid === 0) {
    fail(
      where,
      'runAsUser must be a numeric non-root uid (a named USER cannot be verified by runAsNonRoot)',
    );
  }
  if (at(sc, 'readOnlyRootFilesystem') !== true) fail(where, 'readOnlyRootFilesystem is not true');
  if (at(sc, 'allowPrivilegeEscalation') !== false)
    fail(where, 'allowPrivilegeEscalation is not false');
  if (!arr(at(sc, 'capabilities', 'drop')).includes('ALL'))
    fail(where, 'capabilities.drop does not include ALL');
  if (at(pod, 'automountServiceAccountToken') !== false)
    fail(where, 'automountServiceAccountToken is not false');
}

function checkResources(where: string, container: Obj): void {
  const r = at(container, 'resources');
  for (const kind of ['requests', 'limits'] as const) {
    if (cpuMilli(at(r, kind, 'cpu')) === undefined)
      fail(where, `resources.${kind}.cpu missing or malformed`);
    if (memBytes(at(r, kind, 'memory')) === undefined)
      fail(where, `resources.${kind}.memory missing or malformed`);
  }
  const [rc, lc] = [cpuMilli(at(r, 'requests', 'cpu')), cpuMilli(at(r, 'limits', 'cpu'))];
  const [rm, lm] = [memBytes(at(r, 'requests', 'memory')), memBytes(at(r, 'limits', 'memory'))];
  if (rc !== undefined && lc !== undefined && rc > lc) fail(where, 'cpu request above its limit');
  if (rm !== undefined && lm !== undefined && rm > lm)
    fail(where, 'memory request above its limit');
}

/** The env names a container gets, resolving envFrom against the ConfigMaps in `docs`. */
function envOf(
  where: string,
  container: Obj,
  docs: Doc[],
): Map<string, { literal?: string; secret: boolean }> {
  const env = new Map<string, { literal?: string; secret: boolean }>();
  for (const from of objs(at(container, 'envFrom'))) {
    if (at(from, 'secretRef')) {
      fail(
        where,
        'envFrom.secretRef hides which secret variables an app gets; use env[].valueFrom.secretKeyRef',
      );
    }
    const cmName = str(at(from, 'configMapRef', 'name'));
    if (!cmName) continue;
    const cm = docs.find(
      (d) => d.obj['kind'] === 'ConfigMap' && at(d.obj, 'metadata', 'name') === cmName,
    );
    if (!cm) {
      fail(where, `envFrom references ConfigMap ${cmName}, which is not among the manifests`);
      continue;
    }
    for (const [k, v] of Object.entries(isObj(cm.obj['data']) ? cm.obj['data'] : {})) {
      env.set(k, { literal: String(v), secret: false });
    }
  }
  for (const e of objs(at(container, 'env'))) {
    const name = str(e['name']) ?? '?';
    if (at(e, 'valueFrom', 'secretKeyRef')) env.set(name, { secret: true });
    else if (e['value'] !== undefined)
      env.set(name, { literal: String(e['value']), secret: false });
    else env.set(name, { secret: false });
  }
  return env;
}

function checkEnv(
  where: string,
  app: string,
  container: Obj,
  docs: Doc[],
  role: 'server' | 'migrate',
): void {
  const env = envOf(where, container, docs);
  for (const [name, v] of env) {
    if (SECRET_NAME.test(name) && !v.secret)
      fail(where, `${name} looks secret but is not from a secretKeyRef`);
    if (v.literal && /:\/\/[^/\s:@]+:[^/\s@]+@/.test(v.literal))
      fail(where, `${name} embeds credentials in a URL`);
  }
  const spec = APPS[app] as AppSpec;
  if (spec.database && !env.get('DATABASE_URL')?.secret)
    fail(where, 'DATABASE_URL must come from a secretKeyRef');
  if (role === 'migrate') return;

  const contract = envContract(app);
  for (const name of env.keys()) {
    if (!contract.reads.has(name) && !RUNTIME_ENV.has(name)) {
      fail(where, `${name} is not read by ${contract.source}`);
    }
  }
  for (const name of contract.required) {
    if (!env.has(name)) fail(where, `${contract.source} requires ${name}, which is not set`);
  }
  const hostVar = spec.kind === 'grpc' ? 'GRPC_HOST' : 'HTTP_HOST';
  const portVar = spec.kind === 'grpc' ? 'GRPC_PORT' : 'HTTP_PORT';
  if (env.get(hostVar)?.literal !== '0.0.0.0') {
    fail(
      where,
      `${hostVar} must be 0.0.0.0 (the default 127.0.0.1 is unreachable for probes and peers)`,
    );
  }
  if (env.get(portVar)?.literal !== String(spec.port))
    fail(where, `${portVar} must be ${spec.port}`);
  // mTLS on every gRPC connection: plaintext is for single-app tests only.
  if (contract.reads.has('GRPC_TLS_DIR') && env.get('GRPC_TLS_DIR')?.literal !== GRPC_TLS_DIR)
    fail(where, `GRPC_TLS_DIR must be ${GRPC_TLS_DIR} (the mounted <app>-grpc-tls Secret)`);
  if (env.has('GRPC_INSECURE')) fail(where, 'GRPC_INSECURE must not be set in a pod');
  if (spec.kind === 'grpc' && env.get('GRPC_HEALTH_PORT')?.literal !== String(GRPC_HEALTH_PORT))
    fail(where, `GRPC_HEALTH_PORT must be ${GRPC_HEALTH_PORT} (the probes' port)`);
  if (contract.reads.has('MIGRATE_ON_START') && env.get('MIGRATE_ON_START')?.literal !== 'false') {
    fail(
      where,
      'MIGRATE_ON_START must be "false" (the migrate Job runs migrations before rollout)',
    );
  }
}

function checkProbes(where: string, app: string, container: Obj): void {
  const spec = APPS[app] as AppSpec;
  for (const probe of ['readinessProbe', 'livenessProbe'] as const) {
    const p = at(container, probe);
    if (!isObj(p)) {
      fail(where, `${probe} missing`);
      continue;
    }
    if (spec.kind === 'grpc') {
      if (at(p, 'grpc', 'port') !== GRPC_HEALTH_PORT)
        fail(
          where,
          `${probe} must be a native gRPC probe on the plaintext health port ${GRPC_HEALTH_PORT}`,
        );
      const service = at(p, 'grpc', 'service');
      if (probe === 'readinessProbe' && service !== undefined && service !== '')
        fail(where, `readinessProbe must ask the health service "" (found ${String(service)})`);
      // grpc-kit's "liveness" stays SERVING while the process listens; readiness ("") also
      // follows dependencies (a stalled Kafka consumer), which must not restart the pod.
      if (probe === 'livenessProbe' && service !== 'liveness')
        fail(
          where,
          'livenessProbe must ask the health service "liveness", distinct from readiness',
        );
    } else {
      const path = str(at(p, 'httpGet', 'path'));
      const expected = app === 'gateway' && probe === 'readinessProbe' ? '/readyz' : '/healthz';
      if (path !== expected) fail(where, `${probe} must GET ${expected} (found ${String(path)})`);
    }
  }
  if (spec.consumer && at(container, 'startupProbe', 'grpc', 'service') !== 'liveness')
    fail(where, 'startupProbe must ask the health service "liveness" (readiness follows Kafka)');
}

function imageOf(container: Obj): string {
  return str(container['image']) ?? '';
}

function checkDeployment(d: Doc, app: string, docs: Doc[], rendered: boolean): void {
  const where = `${rel(d.file)} Deployment/${app}`;
  const pod = at(d.obj, 'spec', 'template', 'spec');
  if (!isObj(pod)) return fail(where, 'no pod template');
  if (pod['terminationGracePeriodSeconds'] !== GRACE_PERIOD_SECONDS)
    fail(where, `terminationGracePeriodSeconds must be ${GRACE_PERIOD_SECONDS}`);
  const selector = at(d.obj, 'spec', 'selector', 'matchLabels');
  const podLabels = at(d.obj, 'spec', 'template', 'metadata', 'labels');
  for (const [k, v] of Object.entries(isObj(selector) ? selector : {})) {
    if (at(podLabels, k) !== v)
      fail(where, `selector ${k}=${String(v)} does not match the pod labels`);
  }
  const containers = objs(pod['containers']);
  if (containers.length !== 1) fail(where, `expected one container, found ${containers.length}`);
  const c = containers[0];
  if (!c) return;
  const image = imageOf(c);
  const expectedImage = new RegExp(
    `(^|/)tolem/${app}${rendered ? '(:[\\w.-]+|@sha256:[0-9a-f]{64})' : ''}$`,
  );
  if (!expectedImage.test(image))
    fail(where, `image ${image} is not tolem/${app}${rendered ? ' with a tag' : ''}`);
  const command = arr(c['command']).map(String);
  if (command[0] !== 'node' || command[command.length - 1] !== `dist/apps/${app}/main.cjs`) {
    fail(where, `command must run node dist/apps/${app}/main.cjs`);
  }
  const ports = objs(c['ports']);
  if (!ports.some((p) => p['containerPort'] === APPS[app]?.port))
    fail(where, `no containerPort ${APPS[app]?.port}`);
  if (!ports.some((p) => p['name'] === 'metrics' && p['containerPort'] === METRICS_PORT))
    fail(where, `no containerPort ${METRICS_PORT} named metrics (Prometheus scrapes it)`);
  if (pod['serviceAccountName'] !== app) fail(where, `serviceAccountName must be ${app}`);
  const spread = objs(pod['topologySpreadConstraints']);
  if (!spread.some((t) => t['topologyKey'] === 'kubernetes.io/hostname'))
    fail(where, 'no topologySpreadConstraints by kubernetes.io/hostname');
  checkProbes(where, app, c);
  checkResources(where, c);
  checkContainerSecurity(where, pod, c);
  checkEnv(where, app, c, docs, 'server');
}

function checkJob(j: Doc, app: string, docs: Doc[], deploymentImage: string | undefined): void {
  const where = `${rel(j.file)} Job/${str(at(j.obj, 'metadata', 'name'))}`;
  const pod = at(j.obj, 'spec', 'template', 'spec');
  if (!isObj(pod)) return fail(where, 'no pod template');
  if (pod['restartPolicy'] !== 'Never')
    fail(where, 'restartPolicy must be Never (backoffLimit retries)');
  const c = objs(pod['containers'])[0];
  if (!c) return fail(where, 'no container');
  if (deploymentImage !== undefined && imageOf(c) !== deploymentImage) {
    fail(where, `image ${imageOf(c)} differs from the Deployment's ${deploymentImage}`);
  }
  const command = arr(c['command']).map(String);
  if (command.join(' ') !== `node dist/apps/${app}/db/migrate.cjs`)
    fail(where, `command must be node dist/apps/${app}/db/migrate.cjs`);
  if (at(j.obj, 'metadata', 'labels', 'app.kubernetes.io/component') !== 'migrate') {
    fail(
      where,
      'label app.kubernetes.io/component=migrate is missing (the rollout selects Jobs by it)',
    );
  }
  checkResources(where, c);
  checkContainerSecurity(where, pod, c);
  checkEnv(where, app, c, docs, 'migrate');
}

function checkService(s: Doc, app: string, deployment: Doc | undefined): void {
  const where = `${rel(s.file)} Service/${app}`;
  const spec = APPS[app] as AppSpec;
  const ports = objs(at(s.obj, 'spec', 'ports'));
  const port = ports.find((p) => p['port'] === spec.port);
  if (!port) return fail(where, `does not expose port ${spec.port}`);
  if (!deployment) return fail(where, 'no Deployment of the same name');
  const podLabels = at(deployment.obj, 'spec', 'template', 'metadata', 'labels');
  const selector = at(s.obj, 'spec', 'selector');
  if (!isObj(selector) || Object.keys(selector).length === 0) fail(where, 'empty selector');
  for (const [k, v] of Object.entries(isObj(selector) ? selector : {})) {
    if (at(podLabels, k) !== v)
      fail(where, `selector ${k}=${String(v)} matches no pod of Deployment/${app}`);
  }
  if (at(selector, 'app.kubernetes.io/component') !== 'server') {
    fail(
      where,
      'selector must include app.kubernetes.io/component=server (or migrate Job pods get traffic)',
    );
  }
  const container = objs(at(deployment.obj, 'spec', 'template', 'spec', 'containers'))[0];
  const target = port['targetPort'];
  const named = objs(container?.['ports']).find(
    (p) => p['name'] === target || p['containerPort'] === target,
  );
  if (!named) fail(where, `targetPort ${String(target)} is not a container port`);
}

/** Checks the objects of one app found in `docs` (one app's base, or a rendered overlay). */
function checkApp(app: string, docs: Doc[], rendered: boolean): void {
  const named = (kind: string, name: string) =>
    docs.find((d) => d.obj['kind'] === kind && at(d.obj, 'metadata', 'name') === name);
  const deployment = named('Deployment', app);
  const where = rendered ? `render` : `deploy/k8s/base/${app}`;
  if (!deployment) return fail(where, `no Deployment/${app}`);
  checkDeployment(deployment, app, docs, rendered);
  const service = named('Service', app);
  if (!service) fail(where, `no Service/${app}`);
  else checkService(service, app, deployment);
  const job = named('Job', `${app}-migrate`);
  const spec = APPS[app] as AppSpec;
  if (spec.database && !job) fail(where, `no Job/${app}-migrate although ${app} has a database`);
  if (!spec.database && job) fail(where, `Job/${app}-migrate although ${app} has no database`);
  const container = objs(at(deployment.obj, 'spec', 'template', 'spec', 'containers'))[0];
  if (job) checkJob(job, app, docs, container ? imageOf(container) : undefined);
}

function checkNoSecrets(docs: Doc[]): void {
  for (const d of docs) {
    const kind = str(d.obj['kind']);
    if (kind === 'Secret' && (d.obj['data'] !== undefined || d.obj['stringData'] !== undefined)) {
      fail(
        rel(d.file),
        `${kindName(d.obj)} carries secret values; create Secrets outside the repository`,
      );
    }
    if (kind === 'ConfigMap') {
      for (const [k, v] of Object.entries(isObj(d.obj['data']) ? d.obj['data'] : {})) {
        if (SECRET_NAME.test(k))
          fail(rel(d.file), `${kindName(d.obj)} holds ${k}, which belongs in a Secret`);
        if (/:\/\/[^/\s:@]+:[^/\s@]+@/.test(String(v)))
          fail(rel(d.file), `${kindName(d.obj)} ${k} embeds credentials`);
      }
    }
    if (kind === 'Kustomization') {
      for (const g of objs(d.obj['secretGenerator'])) {
        if (arr(g['literals']).length > 0)
          fail(rel(d.file), `secretGenerator ${String(g['name'])} has literal values`);
      }
    }
  }
}

// ---------------------------------------------------------------- kustomizations

interface Kustomization {
  dir: string;
  obj: Obj;
}

/** Resources, patches and generator files of every kustomization exist; returns them by directory. */
function checkKustomizations(docs: Doc[]): Map<string, Kustomization> {
  const byDir = new Map<string, Kustomization>();
  for (const d of docs) {
    if (!/kustomization\.ya?ml$/.test(d.file)) continue;
    const dir = dirname(d.file);
    byDir.set(dir, { dir, obj: d.obj });
    const where = rel(d.file);
    if (d.obj['kind'] !== 'Kustomization') fail(where, 'kind is not Kustomization');
    for (const r of arr(d.obj['resources']).map(String)) {
      const path = resolve(dir, r);
      if (!existsSync(path)) fail(where, `resource ${r} does not exist`);
      else if (statSync(path).isDirectory() && !existsSync(join(path, 'kustomization.yaml'))) {
        fail(where, `resource ${r} is a directory without kustomization.yaml`);
      }
    }
    const patchFiles = [
      ...objs(d.obj['patches']).map((p) => str(p['path'])),
      ...arr(d.obj['patchesStrategicMerge']).map(String),
    ].filter((p): p is string => p !== undefined);
    for (const p of patchFiles)
      if (!existsSync(resolve(dir, p))) fail(where, `patch ${p} does not exist`);
    for (const g of [...objs(d.obj['configMapGenerator']), ...objs(d.obj['secretGenerator'])]) {
      for (const f of [...arr(g['files']), ...arr(g['envs'])].map(String)) {
        const path = f.includes('=') ? (f.split('=')[1] ?? f) : f;
        if (!existsSync(resolve(dir, path))) fail(where, `generator file ${f} does not exist`);
      }
    }
  }
  return byDir;
}

/** Every YAML document reachable from a kustomization directory (its resources, recursively). */
function reachable(
  dir: string,
  all: Map<string, Kustomization>,
  seen = new Set<string>(),
): string[] {
  if (seen.has(dir)) return [];
  seen.add(dir);
  const k = all.get(dir);
  if (!k) return [];
  const files: string[] = [];
  for (const r of arr(k.obj['resources']).map(String)) {
    const path = resolve(dir, r);
    if (!existsSync(path)) continue;
    if (statSync(path).isDirectory()) files.push(...reachable(path, all, seen));
    else files.push(path);
  }
  return files;
}

function checkOverlay(name: string, all: Map<string, Kustomization>, docs: Doc[]): void {
  const dir = join(K8S, 'overlays', name);
  const k = all.get(dir);
  if (!k) return fail(`deploy/k8s/overlays/${name}`, 'missing kustomization.yaml');
  const where = rel(join(dir, 'kustomization.yaml'));
  const files = new Set(reachable(dir, all));
  const included = docs.filter((d) => files.has(d.file));
  const has = (kind: string, n: string) =>
    included.some((d) => d.obj['kind'] === kind && at(d.obj, 'metadata', 'name') === n);
  // Strategic-merge patches must name an object the overlay includes, or kustomize fails.
  for (const p of objs(k.obj['patches'])) {
    const path = str(p['path']);
    if (!path || p['target']) continue;
    for (const patch of docs.filter((d) => d.file === resolve(dir, path))) {
      const kind = str(patch.obj['kind']) ?? '?';
      const n = str(at(patch.obj, 'metadata', 'name')) ?? '?';
      if (!has(kind, n))
        fail(rel(patch.file), `patches ${kind}/${n}, which ${name} does not include`);
    }
  }
  for (const r of objs(k.obj['replicas'])) {
    if (!has('Deployment', String(r['name'])))
      fail(where, `replicas for unknown Deployment ${String(r['name'])}`);
  }
  const images = new Set(
    included.flatMap((d) => objs(at(d.obj, 'spec', 'template', 'spec', 'containers')).map(imageOf)),
  );
  for (const i of objs(k.obj['images'])) {
    if (!images.has(String(i['name'])))
      fail(where, `images entry ${String(i['name'])} matches no container`);
  }
  for (const [app, spec] of Object.entries(APPS)) {
    const present = has('Deployment', app);
    if (name === 'prod' && spec.devOnly && present) fail(where, `${app} must not run in prod`);
    if (!present && (name === 'dev' || !spec.devOnly)) fail(where, `${app} is not included`);
  }
}

// ---------------------------------------------------------------- rendered overlays

function render(overlay: string): Doc[] | undefined {
  try {
    const out = execFileSync('kubectl', ['kustomize', join(K8S, 'overlays', overlay)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    const file = join(K8S, 'overlays', overlay, '(rendered)');
    return parseYaml(out, `render ${overlay}`).map((obj) => ({ file, obj }));
  } catch (err) {
    const e = err as { code?: string; stderr?: string };
    if (e.code === 'ENOENT') {
      notes.push('kubectl is not installed: overlays were not rendered (static checks only)');
      return undefined;
    }
    fail(`render ${overlay}`, `kubectl kustomize failed: ${e.stderr ?? String(err)}`);
    return undefined;
  }
}

function checkRendered(overlay: 'dev' | 'prod', docs: Doc[]): void {
  const where = `render ${overlay}`;
  const deployments = docs.filter((d) => d.obj['kind'] === 'Deployment');
  const names = deployments.map((d) => String(at(d.obj, 'metadata', 'name')));
  const expected = Object.keys(APPS).filter((a) => overlay === 'dev' || !APPS[a]?.devOnly);
  if (names.sort().join() !== [...expected].sort().join()) {
    fail(where, `Deployments ${names.join(', ')}; expected ${expected.join(', ')}`);
  }
  for (const app of expected) checkApp(app, docs, true);
  checkNoSecrets(docs);
  const namespaces = new Set(docs.map((d) => String(at(d.obj, 'metadata', 'namespace'))));
  if (namespaces.size !== 1 || namespaces.has('undefined'))
    fail(where, `objects span namespaces ${[...namespaces].join(', ')}`);
  const hpas = docs.filter((d) => d.obj['kind'] === 'HorizontalPodAutoscaler');
  const pdbs = docs.filter((d) => d.obj['kind'] === 'PodDisruptionBudget');
  const cm = (n: string) =>
    at(
      docs.find((d) => d.obj['kind'] === 'ConfigMap' && at(d.obj, 'metadata', 'name') === n)?.obj,
      'data',
    );

  if (overlay === 'dev') {
    for (const d of deployments) {
      // No replicas (the apps the prod HPA scales) is Kubernetes' default: 1.
      if ((at(d.obj, 'spec', 'replicas') ?? 1) !== 1)
        fail(where, `${kindName(d.obj)} must run 1 replica in dev`);
    }
    const adapters = cm('provider-adapters-config');
    for (const key of ['WEBMONEY_MERCHANT_URL']) {
      const url = str(at(adapters, key)) ?? '';
      if (!/^http:\/\/provider-sandbox(\.[a-z0-9.-]+)?:8090\//.test(url))
        fail(where, `${key} ${url} is not the sandbox Service`);
    }
    if (
      !/^http:\/\/gateway(\.[a-z0-9.-]+)?:8080\//.test(str(at(adapters, 'CALLBACK_BASE_URL')) ?? '')
    ) {
      fail(
        where,
        'CALLBACK_BASE_URL must reach the gateway Service (the sandbox posts callbacks to it)',
      );
    }
    if (hpas.length > 0) fail(where, 'dev should not autoscale');
    return;
  }

  if (docs.some((d) => JSON.stringify(d.obj).includes('provider-sandbox')))
    fail(where, 'prod mentions provider-sandbox');
  for (const d of deployments) {
    const app = String(at(d.obj, 'metadata', 'name'));
    const replicas = at(d.obj, 'spec', 'replicas');
    const hpa = hpas.find((h) => at(h.obj, 'spec', 'scaleTargetRef', 'name') === app);
    const min = Number(at(hpa?.obj, 'spec', 'minReplicas') ?? 0);
    // An autoscaled Deployment leaves the count to its HPA (an apply would reset it mid-rollout).
    if (hpa) {
      if (replicas !== undefined)
        fail(where, `Deployment/${app} sets replicas ${String(replicas)}; its HPA owns the count`);
    } else if (typeof replicas !== 'number' || replicas < 2)
      fail(where, `Deployment/${app} has ${String(replicas)} replicas; prod needs 2+`);
    if (APPS[app]?.hpa) {
      if (!hpa) fail(where, `no HorizontalPodAutoscaler for ${app}`);
      else {
        if (min < 2) fail(where, `HPA ${app} minReplicas ${min} < 2`);
        if (at(hpa.obj, 'spec', 'scaleTargetRef', 'kind') !== 'Deployment')
          fail(where, `HPA ${app} does not target a Deployment`);
        const metric = objs(at(hpa.obj, 'spec', 'metrics'))[0];
        if (at(metric, 'resource', 'name') !== 'cpu')
          fail(where, `HPA ${app} does not scale on CPU`);
      }
    }
    const podLabels = at(d.obj, 'spec', 'template', 'metadata', 'labels');
    const pdb = pdbs.find((p) => {
      const sel = at(p.obj, 'spec', 'selector', 'matchLabels');
      return isObj(sel) && Object.entries(sel).every(([k, v]) => at(podLabels, k) === v);
    });
    if (!pdb) fail(where, `no PodDisruptionBudget selects Deployment/${app}`);
    const keys = objs(at(d.obj, 'spec', 'template', 'spec', 'topologySpreadConstraints')).map(
      (t) => t['topologyKey'],
    );
    for (const key of ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'])
      if (!keys.includes(key)) fail(where, `Deployment/${app} does not spread by ${key}`);
  }
  for (const h of hpas) {
    const target = String(at(h.obj, 'spec', 'scaleTargetRef', 'name'));
    if (!names.includes(target))
      fail(where, `HPA ${kindName(h.obj)} targets missing Deployment ${target}`);
  }
}

// ---------------------------------------------------------------- build outputs the manifests run

/**
 * The commands above run what `nx run <app>:build` writes: esbuild in cjs format emits `.cjs`, and
 * each entry keeps its path below src/ (src/db/migrate.ts -> db/migrate.cjs).
 */
function checkBuildTarget(app: string): void {
  const file = join(ROOT, 'apps', app, 'project.json');
  const where = rel(file);
  if (!existsSync(file)) return fail(where, 'missing: the image has nothing to build');
  const options = at(
    JSON.parse(readFileSync(file, 'utf8')) as unknown,
    'targets',
    'build',
    'options',
  );
  if (at(options, 'main') !== `apps/${app}/src/main.ts`)
    fail(where, `build.options.main is not apps/${app}/src/main.ts`);
  if (at(options, 'outputPath') !== `dist/apps/${app}`)
    fail(where, `build.options.outputPath is not dist/apps/${app}`);
  if (!arr(at(options, 'format')).includes('cjs'))
    fail(where, 'build.options.format must be ["cjs"] (main.cjs)');
  if (at(options, 'generatePackageJson') !== true) {
    fail(
      where,
      'build.options.generatePackageJson must be true (the image installs its package.json)',
    );
  }
  const migrate = arr(at(options, 'additionalEntryPoints')).includes(
    `apps/${app}/src/db/migrate.ts`,
  );
  if (APPS[app]?.database && !migrate) {
    fail(
      where,
      `build.options.additionalEntryPoints lacks apps/${app}/src/db/migrate.ts (the migrate Job runs it)`,
    );
  }
}

// ---------------------------------------------------------------- main

function main(): void {
  const noRender = process.argv.includes('--no-render');
  const files = yamlFiles(K8S);
  const docs: Doc[] = files.flatMap((file) =>
    parseYaml(readFileSync(file, 'utf8'), rel(file)).map((obj) => ({ file, obj })),
  );
  const kustomizations = checkKustomizations(docs);

  const base = kustomizations.get(join(K8S, 'base'));
  const baseResources = arr(base?.obj['resources']).map(String);
  for (const [app, spec] of Object.entries(APPS)) {
    const dir = join(K8S, 'base', app);
    const required = ['deployment.yaml', 'service.yaml', 'configmap.yaml', 'kustomization.yaml'];
    if (spec.database) required.push('migrate-job.yaml');
    for (const f of required)
      if (!existsSync(join(dir, f))) fail(`deploy/k8s/base/${app}`, `missing ${f}`);
    checkBuildTarget(app);
    if (spec.devOnly === baseResources.includes(app)) {
      fail(
        'deploy/k8s/base/kustomization.yaml',
        `${app} must ${spec.devOnly ? 'not ' : ''}be listed`,
      );
    }
    // An app's base plus the shared ConfigMaps it may reference.
    const own = new Set([
      ...reachable(dir, kustomizations),
      ...reachable(join(K8S, 'base', 'common'), kustomizations),
    ]);
    checkApp(
      app,
      docs.filter((d) => own.has(d.file)),
      false,
    );
  }
  checkNoSecrets(docs);
  for (const overlay of ['dev', 'prod'] as const) checkOverlay(overlay, kustomizations, docs);

  if (!noRender) {
    for (const overlay of ['dev', 'prod'] as const) {
      const rendered = render(overlay);
      if (rendered) checkRendered(overlay, rendered);
    }
  }

  for (const n of new Set(notes)) process.stdout.write(`note: ${n}\n`);
  for (const e of errors) process.stdout.write(`FAIL ${e}\n`);
  const rendering = noRender
    ? 'not rendered'
    : 'overlays rendered with kubectl kustomize where available';
  process.stdout.write(
    `deploy check: ${files.length} YAML files, ${docs.length} documents, ${rendering}: ` +
      `${errors.length === 0 ? 'all checks passed' : `${errors.length} problem(s)`}\n`,
  );
  process.exit(errors.length === 0 ? 0 : 1);
}

main();
