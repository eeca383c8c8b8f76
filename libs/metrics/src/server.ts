import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Registry } from 'prom-client';

import { initMetrics, metricsRegistry } from './registry';

export interface MetricsServer {
  /** Binds host:port (0 picks a free port) and answers the bound port. */
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` in Prometheus' text format and nothing else (404 elsewhere, 405 for other
 * methods), on a port of its own: the scraper never shares the API's port, auth or rate limits,
 * and the API never exposes the metrics.
 */
export function createMetricsServer(registry: Registry = metricsRegistry): MetricsServer {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res
        .writeHead(405, { allow: 'GET', 'content-type': 'text/plain' })
        .end('method not allowed\n');
      return;
    }
    registry.metrics().then(
      (body) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      () => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
      },
    );
  });
  return {
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** What startMetrics logs through; pino satisfies it. */
export interface MetricsLog {
  info(fields: object, message: string): void;
}

export interface StartMetricsOptions {
  service: string;
  /** METRICS_PORT: 0 turns the endpoint off (the metrics are still counted). */
  port: number;
  /** METRICS_HOST: 0.0.0.0 in a pod so Prometheus reaches it. */
  host: string;
  log: MetricsLog;
  registry?: Registry;
}

export interface RunningMetrics {
  /** The bound port, or undefined when the endpoint is off. */
  port: number | undefined;
  close(): Promise<void>;
}

/** A service's metrics: labels the registry with the service and serves it on METRICS_PORT. */
export async function startMetrics(options: StartMetricsOptions): Promise<RunningMetrics> {
  const registry = options.registry ?? metricsRegistry;
  initMetrics(options.service, registry);
  if (options.port === 0) return { port: undefined, close: async () => undefined };
  const server = createMetricsServer(registry);
  const port = await server.listen(options.port, options.host);
  options.log.info({ metricsPort: port }, `metrics on http://${options.host}:${port}/metrics`);
  return { port, close: () => server.close() };
}
