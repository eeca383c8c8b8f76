import { Writable } from 'node:stream';

import {
  GetPaymentFactResponse,
  ReportingServiceClient,
  ReportingServiceService,
} from '@tolem/contracts/reporting';
import { DomainError } from '@tolem/errors';
import { createMetricsServer, type MetricsServer, sumSamples } from '@tolem/metrics';
import { createLogger } from '@tolem/observability';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createClient, createGrpcServer, createStreamingClient, type GrpcServer } from './index';

const silent = createLogger({
  service: 'test',
  level: 'silent',
  destination: new Writable({ write: (_c, _e, d) => d() }),
});
const unused = () => Promise.reject(new Error('unused'));
const GET_FACT = '/tolem.reporting.v1.ReportingService/GetPaymentFact';
const EXPORT = '/tolem.reporting.v1.ReportingService/ExportPaymentsCsv';
const filterOf = (merchantId: string) => ({
  merchantId,
  status: '',
  method: '',
  currency: '',
  createdFrom: undefined,
  createdTo: undefined,
});

describe('grpc-kit metrics over loopback', () => {
  const serverRegistry = new Registry();
  const clientRegistry = new Registry();
  let server: GrpcServer;
  let scrape: MetricsServer;
  let metricsUrl: string;
  let address: string;
  let releaseIdle: () => void = () => undefined;

  beforeAll(async () => {
    server = createGrpcServer({ log: silent, metrics: serverRegistry });
    server.addService(ReportingServiceService, {
      async getPaymentFact(req) {
        if (req.paymentId === 'missing') {
          throw new DomainError('REPORTING_FACT_NOT_FOUND', 'not_found', 'no such payment');
        }
        return GetPaymentFactResponse.fromPartial({ fact: { paymentId: req.paymentId } });
      },
      listPaymentFacts: unused,
      listPayments: unused,
      listRefunds: unused,
      getDailyTotals: unused,
      getConsistency: unused,
      checkConsistency: unused,
      async *exportPaymentsCsv(req) {
        yield { data: 'a' };
        if (req.filter?.merchantId === 'idle') {
          await new Promise<void>((resolve) => {
            releaseIdle = resolve;
          });
        }
        yield { data: 'b' };
      },
    });
    address = `127.0.0.1:${await server.listen(0)}`;
    scrape = createMetricsServer(serverRegistry);
    metricsUrl = `http://127.0.0.1:${await scrape.listen(0)}/metrics`;
  });

  afterAll(async () => {
    await server.drain(1_000);
    await scrape.close();
  });

  it('counts server and client calls by method and gRPC code, with durations', async () => {
    const client = createClient(ReportingServiceClient, address, { metrics: clientRegistry });
    await client.getPaymentFact({ paymentId: 'pay_1' });
    await client.getPaymentFact({ paymentId: 'pay_2' });
    await expect(client.getPaymentFact({ paymentId: 'missing' })).rejects.toMatchObject({
      code: 'REPORTING_FACT_NOT_FOUND',
    });
    client.close();

    const text = await (await fetch(metricsUrl)).text();
    expect(
      sumSamples(text, 'tolem_grpc_server_handled_total', { method: GET_FACT, code: 'OK' }),
    ).toBe(2);
    expect(
      sumSamples(text, 'tolem_grpc_server_handled_total', { method: GET_FACT, code: 'NOT_FOUND' }),
    ).toBe(1);
    expect(sumSamples(text, 'tolem_grpc_server_handling_seconds_count', { method: GET_FACT })).toBe(
      3,
    );
    expect(text).not.toContain('pay_1');

    const calls = await clientRegistry.metrics();
    expect(
      sumSamples(calls, 'tolem_grpc_client_handled_total', { method: GET_FACT, code: 'OK' }),
    ).toBe(2);
    expect(
      sumSamples(calls, 'tolem_grpc_client_handled_total', { method: GET_FACT, code: 'NOT_FOUND' }),
    ).toBe(1);
    expect(
      sumSamples(calls, 'tolem_grpc_client_handling_seconds_count', { method: GET_FACT }),
    ).toBe(3);
  });

  it('shows a server stream in flight while it is open, and counts it once it ends', async () => {
    const streams = createStreamingClient(ReportingServiceClient, address);
    const iterator = streams
      .exportPaymentsCsv({ filter: filterOf('idle') })
      [Symbol.asyncIterator]();
    await iterator.next();

    let text = await (await fetch(metricsUrl)).text();
    expect(sumSamples(text, 'tolem_grpc_server_streams_in_flight', { method: EXPORT })).toBe(1);
    expect(sumSamples(text, 'tolem_grpc_server_handled_total', { method: EXPORT })).toBe(0);

    releaseIdle();
    for await (const _ of { [Symbol.asyncIterator]: () => iterator });
    streams.close();
    // The server finishes its bookkeeping right after the last write.
    await new Promise((r) => setTimeout(r, 50));
    text = await (await fetch(metricsUrl)).text();
    expect(sumSamples(text, 'tolem_grpc_server_streams_in_flight', { method: EXPORT })).toBe(0);
    expect(
      sumSamples(text, 'tolem_grpc_server_handled_total', { method: EXPORT, code: 'OK' }),
    ).toBe(1);
  });
});
