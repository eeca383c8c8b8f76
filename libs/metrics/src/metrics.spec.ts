import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';

import { instrumentFastify } from './http';
import { counter, gaugeOnScrape, initMetrics } from './registry';
import { createMetricsServer, type MetricsServer, startMetrics } from './server';
import { sumSamples } from './text';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function serve(registry: Registry): Promise<string> {
  const server: MetricsServer = createMetricsServer(registry);
  const port = await server.listen(0);
  cleanups.push(() => server.close());
  return `http://127.0.0.1:${port}`;
}

describe('metrics server', () => {
  it('serves the registry in the text format with the service label and Node metrics', async () => {
    const registry = new Registry();
    initMetrics('ledger', registry);
    counter('tolem_test_things_total', 'things', ['kind'], registry).inc({ kind: 'a' }, 3);
    const base = await serve(registry);

    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(sumSamples(text, 'tolem_test_things_total', { kind: 'a', service: 'ledger' })).toBe(3);
    expect(text).toContain('process_cpu_user_seconds_total{service="ledger"}');
  });

  it('answers 404 for any other path and 405 for other methods', async () => {
    const base = await serve(new Registry());
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('reads a scrape gauge when scraped and shows NaN when the read fails', async () => {
    const registry = new Registry();
    let backlog: number | Error = 7;
    let reads = 0;
    gaugeOnScrape(
      'tolem_test_backlog',
      'backlog',
      [],
      async (set) => {
        reads += 1;
        if (backlog instanceof Error) throw backlog;
        set({}, backlog);
      },
      registry,
    );
    const base = await serve(registry);
    expect(reads).toBe(0);

    expect(sumSamples(await (await fetch(`${base}/metrics`)).text(), 'tolem_test_backlog')).toBe(7);
    backlog = 9;
    expect(sumSamples(await (await fetch(`${base}/metrics`)).text(), 'tolem_test_backlog')).toBe(9);
    backlog = new Error('database down');
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^tolem_test_backlog nan$/im);
    expect(reads).toBe(3);
  });

  it('startMetrics with port 0 serves nothing, and closes the server it started', async () => {
    const log = { info: () => undefined };
    const off = await startMetrics({
      service: 's',
      port: 0,
      host: '127.0.0.1',
      log,
      registry: new Registry(),
    });
    expect(off.port).toBeUndefined();

    const probe = createMetricsServer(new Registry());
    const free = await probe.listen(0);
    await probe.close();
    const on = await startMetrics({
      service: 's',
      port: free,
      host: '127.0.0.1',
      log,
      registry: new Registry(),
    });
    expect(on.port).toBe(free);
    expect((await fetch(`http://127.0.0.1:${free}/metrics`)).status).toBe(200);
    await on.close();
    await expect(fetch(`http://127.0.0.1:${free}/metrics`)).rejects.toThrow();
  });
});

describe('instrumentFastify', () => {
  it('counts requests by route template, method and status, with durations', async () => {
    const registry = new Registry();
    const app = Fastify();
    instrumentFastify(app, registry);
    app.get('/v1/payments/:id', async (request, reply) =>
      (request.params as { id: string }).id === 'missing' ? reply.code(404).send({}) : { ok: true },
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => app.close());
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

    await fetch(`${base}/v1/payments/pay_1`);
    await fetch(`${base}/v1/payments/pay_2`);
    await fetch(`${base}/v1/payments/missing`);
    await fetch(`${base}/nowhere`);

    const text = await registry.metrics();
    const route = '/v1/payments/:id';
    expect(
      sumSamples(text, 'tolem_http_requests_total', { route, method: 'GET', status: '200' }),
    ).toBe(2);
    expect(sumSamples(text, 'tolem_http_requests_total', { route, status: '404' })).toBe(1);
    expect(
      sumSamples(text, 'tolem_http_requests_total', { route: 'unmatched', status: '404' }),
    ).toBe(1);
    expect(sumSamples(text, 'tolem_http_request_duration_seconds_count', { route })).toBe(3);
    expect(text).not.toContain('pay_1');
  });
});
