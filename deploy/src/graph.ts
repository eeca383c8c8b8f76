/**
 * What the apps' code says about the network, read from apps/<app>/src (never from the manifests):
 *
 * - the gRPC service graph: app A calls app B when A's code creates a client of a service that B's
 *   main.ts serves (`createClient(XServiceClient, …)` / `createStreamingClient(XServiceClient, …)`
 *   against `addService(XServiceService, …)`; ts-proto names both after the proto service X);
 * - which apps use PostgreSQL and Kafka: their src/config.ts reads DATABASE_URL / KAFKA_BROKERS.
 *
 * src/tools/ is left out: those are operators' CLIs (npm run cases, refunds, …), run from an
 * operator's machine through a port-forward, not from the app's pods.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

import { sharedEnvNames } from './shared-env';
import { ROOT } from './tooling';

export interface GrpcEdge {
  from: string;
  to: string;
  /** The services called, e.g. ["CheckoutService", "MerchantService"]. */
  services: string[];
  /** Where the clients are created (for failure messages). */
  sources: string[];
}

const APPS_DIR = join(ROOT, 'apps');

function apps(): string[] {
  return readdirSync(APPS_DIR)
    .filter((a) => existsSync(join(APPS_DIR, a, 'src', 'main.ts')))
    .sort();
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'tools') out.push(...sourceFiles(path));
    } else if (name.endsWith('.ts') && !/\.(spec|integration-spec|e2e-spec)\.ts$/.test(name)) {
      out.push(path);
    }
  }
  return out;
}

/** Comments out, so a commented-out client is not an edge. */
function code(file: string): string {
  return readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:])\/\/.*$/gm, '$1');
}

/** Service name (e.g. "LedgerService") -> the app whose main.ts serves it. */
export function grpcServers(): Map<string, string> {
  const servers = new Map<string, string>();
  for (const app of apps()) {
    const main = code(join(APPS_DIR, app, 'src', 'main.ts'));
    for (const m of main.matchAll(/\.addService\(\s*(\w+Service)Service\b/g)) {
      const service = m[1] as string;
      const other = servers.get(service);
      if (other && other !== app) throw new Error(`${service} is served by ${other} and ${app}`);
      servers.set(service, app);
    }
  }
  return servers;
}

/** Every caller -> callee pair whose client the caller's code creates. */
export function grpcGraph(): GrpcEdge[] {
  const servers = grpcServers();
  const edges = new Map<string, GrpcEdge>();
  for (const app of apps()) {
    for (const file of sourceFiles(join(APPS_DIR, app, 'src'))) {
      // A client whose service is not spelled out (a variable, a wrapper) would be an edge this
      // reading cannot see: refuse it rather than under-count.
      const calls = code(file).match(/\bcreate(?:Streaming)?Client\(/g)?.length ?? 0;
      const named =
        code(file).match(/\bcreate(?:Streaming)?Client\(\s*\w+ServiceClient\b/g)?.length ?? 0;
      if (calls !== named)
        throw new Error(
          `${relative(ROOT, file)} creates a gRPC client without naming its XServiceClient`,
        );
      for (const m of code(file).matchAll(
        /\bcreate(?:Streaming)?Client\(\s*(\w+Service)Client\b/g,
      )) {
        const service = m[1] as string;
        const to = servers.get(service);
        if (!to) throw new Error(`${relative(ROOT, file)} calls ${service}, which no app serves`);
        if (to === app) continue;
        const key = `${app}->${to}`;
        const edge = edges.get(key) ?? { from: app, to, services: [], sources: [] };
        if (!edge.services.includes(service)) edge.services.push(service);
        const source = relative(ROOT, file);
        if (!edge.sources.includes(source)) edge.sources.push(source);
        edges.set(key, edge);
      }
    }
  }
  return [...edges.values()].sort((a, b) => `${a.from}>${a.to}`.localeCompare(`${b.from}>${b.to}`));
}

/**
 * The apps whose src/config.ts reads the environment variable `name`, by name or through a shared
 * set it spreads (`...kafkaEnv(…)`, SHARED_ENV).
 */
export function appsReading(name: string): string[] {
  return apps().filter((app) => {
    const config = join(APPS_DIR, app, 'src', 'config.ts');
    if (!existsSync(config)) return false;
    const source = code(config);
    return new RegExp(`\\b${name}\\b`).test(source) || sharedEnvNames(source).has(name);
  });
}
