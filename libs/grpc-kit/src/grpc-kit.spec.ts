import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { Writable } from 'node:stream';

import {
  type ClientDuplexStream,
  credentials,
  loadPackageDefinition,
  Metadata,
  type ServiceClientConstructor,
  status,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import {
  GetPaymentFactResponse,
  ReportingServiceClient,
  ReportingServiceService,
} from '@tolem/contracts/reporting';
import { DomainError } from '@tolem/errors';
import { createLogger } from '@tolem/observability';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import {
  createClient,
  createGrpcServer,
  createStreamingClient,
  fromServiceError,
  type GrpcServer,
  grpcStatusOf,
  LIVENESS_SERVICE,
  type PromiseClient,
  toWireError,
} from './index';

const silent = createLogger({
  service: 'test',
  level: 'silent',
  destination: new Writable({ write: (_c, _e, d) => d() }),
});

const unused = () => Promise.reject(new Error('unused'));
/** The ReportingService methods these tests do not call. */
const otherMethods = {
  listPayments: unused,
  listRefunds: unused,
  getDailyTotals: unused,
  getConsistency: unused,
  checkConsistency: unused,
};

/** An export filter on one merchant and nothing else. */
const filterOf = (merchantId: string) => ({
  merchantId,
  status: '',
  method: '',
  currency: '',
  createdFrom: undefined,
  createdTo: undefined,
});

/** How many items the streaming handler was asked for so far. */
let produced = 0;
/** How many 'stall' streams ran their cleanup (finally). */
let cleanedUp = 0;
const CHUNK = 'x'.repeat(16 * 1024);

describe('grpc-kit over loopback', () => {
  /** The abort signal each call's handler saw, by payment id. */
  const signals = new Map<string, AbortSignal>();
  let server: GrpcServer;
  let client: PromiseClient<ReportingServiceClient>;
  let slowClient: PromiseClient<ReportingServiceClient>;
  let port: number;

  beforeAll(async () => {
    server = createGrpcServer({ log: silent });
    server.addService(ReportingServiceService, {
      async getPaymentFact(req, ctx) {
        signals.set(req.paymentId, ctx.signal);
        if (req.paymentId === 'missing') {
          throw new DomainError('REPORTING_FACT_NOT_FOUND', 'not_found', 'no such payment', {
            details: { payment_id: 'missing' },
          });
        }
        if (req.paymentId === 'declined')
          throw new DomainError('PAYMENT_DECLINED', 'declined', 'issuer said no');
        if (req.paymentId === 'boom') throw new Error('secret database password leaked in message');
        if (req.paymentId === 'slow') await new Promise((r) => setTimeout(r, 500));
        return GetPaymentFactResponse.fromPartial({
          fact: { paymentId: req.paymentId, gross: { amountMinor: 2n ** 62n, currency: 'KGS' } },
        });
      },
      async listPaymentFacts() {
        throw new DomainError('NOT_IMPLEMENTED', 'unimplemented', 'later');
      },
      ...otherMethods,
      async *exportPaymentsCsv(req, ctx) {
        if (req.filter?.merchantId === 'idle') {
          // A live stream with nothing new to say (a watch): it ends only when the client cancels.
          signals.set('idle', ctx.signal);
          yield { data: 'first' };
          await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
          return;
        }
        if (req.filter?.merchantId === 'refused') {
          throw new DomainError('REPORTING_INVALID_REQUEST', 'invalid', 'bad filter', {
            details: { field: 'merchant_id' },
          });
        }
        const stalledCleanup = req.filter?.merchantId === 'stall';
        try {
          for (let i = 0; i < 10_000; i += 1) {
            if (!stalledCleanup) produced += 1;
            yield { data: CHUNK };
          }
        } finally {
          if (stalledCleanup) cleanedUp += 1;
        }
      },
    });
    port = await server.listen(0);
    client = createClient(ReportingServiceClient, `127.0.0.1:${port}`);
    slowClient = createClient(ReportingServiceClient, `127.0.0.1:${port}`, {
      defaultDeadlineMs: 100,
    });
  });

  afterAll(async () => {
    client.close();
    slowClient.close();
    await server.drain(1_000);
  });

  it('aborts the signal of a call the client gave up on, not of one that was answered', async () => {
    await client.getPaymentFact({ paymentId: 'answered' });
    await expect(slowClient.getPaymentFact({ paymentId: 'slow' })).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 100));
    expect(signals.get('answered')?.aborted).toBe(false);
    expect(signals.get('slow')?.aborted).toBe(true);
  });

  it('round-trips a call with int64 money intact', async () => {
    const res = await client.getPaymentFact({ paymentId: 'pay_1' });
    expect(res.fact?.paymentId).toBe('pay_1');
    expect(res.fact?.gross?.amountMinor).toBe(2n ** 62n);
  });

  it('carries the domain code, kind and details across the wire', async () => {
    await expect(client.getPaymentFact({ paymentId: 'missing' })).rejects.toMatchObject({
      code: 'REPORTING_FACT_NOT_FOUND',
      kind: 'not_found',
      details: { payment_id: 'missing' },
    });
  });

  it('keeps declined apart from precondition although both travel as FAILED_PRECONDITION', async () => {
    const err = (await client
      .getPaymentFact({ paymentId: 'declined' })
      .catch((e: unknown) => e)) as DomainError;
    expect(err).toMatchObject({ code: 'PAYMENT_DECLINED', kind: 'declined' });
    expect(err.details).toEqual({});
  });

  it('scrubs unknown errors to INTERNAL', async () => {
    const err = (await client
      .getPaymentFact({ paymentId: 'boom' })
      .catch((e: unknown) => e)) as DomainError;
    expect(err.kind).toBe('internal');
    expect(err.code).toBe('INTERNAL');
    expect(err.message).not.toContain('password');
  });

  it('refuses a time no database holds before the handler runs, naming the proto field', async () => {
    // A Timestamp can carry any int64 of seconds; the handler (NOT_IMPLEMENTED here) never sees it.
    await expect(
      client.listPaymentFacts({
        merchantId: 'mer_1',
        from: new Date('+010000-01-01T00:00:00Z'),
        to: undefined,
        pageSize: 10,
        pageToken: '',
      }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      kind: 'invalid',
      details: { field: 'from' },
    });
  });

  it('refuses a NUL character in any field before the handler runs, naming the proto field', async () => {
    await expect(client.getPaymentFact({ paymentId: 'pay_\u0000' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      kind: 'invalid',
      details: { field: 'payment_id' },
    });
    expect(signals.has('pay_\u0000')).toBe(false);

    const before = produced;
    const streams = createStreamingClient(ReportingServiceClient, `127.0.0.1:${port}`);
    const refused = streams.exportPaymentsCsv({
      filter: filterOf('mer_\u0000'),
    });
    await expect(
      (async () => {
        for await (const _ of refused) break;
      })(),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { field: 'filter.merchant_id' },
    });
    expect(produced).toBe(before);
    streams.close();
  });

  it('enforces the client deadline', async () => {
    await expect(slowClient.getPaymentFact({ paymentId: 'slow' })).rejects.toMatchObject({
      kind: 'timeout',
      code: 'UPSTREAM_TIMEOUT',
    });
  });

  it('serves the standard health and reflection services', async () => {
    const address = `127.0.0.1:${port}`;
    const health = loadPackageDefinition(
      loadSync(require.resolve('grpc-health-check/proto/health/v1/health.proto'), {
        enums: String,
      }),
    ) as unknown as { grpc: { health: { v1: { Health: ServiceClientConstructor } } } };
    const healthClient = new health.grpc.health.v1.Health(address, credentials.createInsecure());
    const status = await new Promise<string>((resolve, reject) =>
      (healthClient as unknown as Record<string, (...a: unknown[]) => void>)['check']?.(
        { service: 'tolem.reporting.v1.ReportingService' },
        (err: Error | null, res: { status: string }) => (err ? reject(err) : resolve(res.status)),
      ),
    );
    healthClient.close();
    expect(status).toBe('SERVING');

    const reflection = loadPackageDefinition(
      loadSync(require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto')),
    ) as unknown as {
      grpc: { reflection: { v1: { ServerReflection: ServiceClientConstructor } } };
    };
    const reflectionClient = new reflection.grpc.reflection.v1.ServerReflection(
      address,
      credentials.createInsecure(),
    );
    const call = (
      reflectionClient as unknown as Record<
        string,
        () => ClientDuplexStream<
          unknown,
          { listServicesResponse?: { service: { name: string }[] } }
        >
      >
    )['serverReflectionInfo']?.();
    const names = await new Promise<string[]>((resolve, reject) => {
      call?.on('data', (msg) => {
        resolve((msg.listServicesResponse?.service ?? []).map((s: { name: string }) => s.name));
        call.end();
      });
      call?.on('error', reject);
      call?.write({ listServices: '' });
    });
    reflectionClient.close();
    expect(names).toContain('tolem.reporting.v1.ReportingService');
  });

  it('reaches a peer within about a second of it listening, after seconds of refused connects', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const latePort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const early = createClient(ReportingServiceClient, `127.0.0.1:${latePort}`);
    const answers = () =>
      early.getPaymentFact({ paymentId: 'p' }).then(
        () => true,
        () => false,
      );
    // Refused for 5 s: grpc-js's default wait between connects would have grown past 2.5 s.
    const until = Date.now() + 5_000;
    while (Date.now() < until) {
      expect(await answers()).toBe(false);
      await new Promise((r) => setTimeout(r, 100));
    }
    const late = createGrpcServer({ log: silent });
    late.addService(ReportingServiceService, {
      getPaymentFact: () => Promise.resolve(GetPaymentFactResponse.fromPartial({})),
      listPaymentFacts: () => Promise.reject(new Error('unused')),
      ...otherMethods,
      exportPaymentsCsv: async function* () {
        throw new Error('unused');
      },
    });
    await late.listen(latePort, '127.0.0.1');
    const listening = Date.now();
    while (!(await answers()) && Date.now() - listening < 3_000) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(Date.now() - listening).toBeLessThan(1_800);
    early.close();
    await late.drain(1_000);
  }, 15_000);

  it('reports readiness by its conditions, and liveness regardless of them', async () => {
    const own = createGrpcServer({ log: silent });
    own.addService(ReportingServiceService, {
      getPaymentFact: () => Promise.resolve(GetPaymentFactResponse.fromPartial({})),
      listPaymentFacts: () => Promise.reject(new Error('unused')),
      ...otherMethods,

      exportPaymentsCsv: async function* () {
        throw new Error('unused');
      },
    });
    own.setReady('kafka-consumer', false);
    const ownPort = await own.listen(0);
    const health = loadPackageDefinition(
      loadSync(require.resolve('grpc-health-check/proto/health/v1/health.proto'), {
        enums: String,
      }),
    ) as unknown as { grpc: { health: { v1: { Health: ServiceClientConstructor } } } };
    const healthClient = new health.grpc.health.v1.Health(
      `127.0.0.1:${ownPort}`,
      credentials.createInsecure(),
    );
    const check = (service: string) =>
      new Promise<string>((resolve, reject) =>
        (healthClient as unknown as Record<string, (...a: unknown[]) => void>)['check']?.(
          { service },
          (err: Error | null, res: { status: string }) => (err ? reject(err) : resolve(res.status)),
        ),
      );
    const statuses = async () => [
      await check(''),
      await check('tolem.reporting.v1.ReportingService'),
      await check(LIVENESS_SERVICE),
    ];

    expect(await statuses()).toEqual(['NOT_SERVING', 'NOT_SERVING', 'SERVING']);
    own.setReady('kafka-consumer', true);
    expect(await statuses()).toEqual(['SERVING', 'SERVING', 'SERVING']);
    own.setReady('kafka-consumer', false);
    own.setReady('other', false);
    own.setReady('kafka-consumer', true);
    expect(await statuses()).toEqual(['NOT_SERVING', 'NOT_SERVING', 'SERVING']);
    own.setReady('other', true);
    expect(await statuses()).toEqual(['SERVING', 'SERVING', 'SERVING']);
    // A part's own status (a consumer waiting for the broker) leaves readiness alone.
    own.reportStatus('kafka-consumer', false);
    expect([...(await statuses()), await check('kafka-consumer')]).toEqual([
      'SERVING',
      'SERVING',
      'SERVING',
      'NOT_SERVING',
    ]);
    own.reportStatus('kafka-consumer', true);
    expect(await check('kafka-consumer')).toBe('SERVING');
    expect(() => own.reportStatus('', false)).toThrow();
    expect(() => own.reportStatus(LIVENESS_SERVICE, false)).toThrow();
    expect(() => own.reportStatus('tolem.reporting.v1.ReportingService', false)).toThrow();
    healthClient.close();
    await own.drain(1_000);
  });

  it('asks a stream handler for more only as the client reads (160 MB never buffered)', async () => {
    const streams = createStreamingClient(ReportingServiceClient, `127.0.0.1:${port}`);
    const iterator = streams.exportPaymentsCsv({ filter: undefined })[Symbol.asyncIterator]();
    await iterator.next();
    // The client stops reading: flow control fills, then the handler is not asked again.
    await new Promise((r) => setTimeout(r, 300));
    const stalled = produced;
    await new Promise((r) => setTimeout(r, 300));
    expect(produced).toBe(stalled);
    expect(produced).toBeLessThan(1_000);
    let received = 1;
    for await (const _ of { [Symbol.asyncIterator]: () => iterator }) received += 1;
    expect(received).toBe(10_000);
    expect(produced).toBe(10_000);

    // A refusal arrives as the server's DomainError, code and details intact.
    const refused = streams.exportPaymentsCsv({
      filter: filterOf('refused'),
    });
    await expect(
      (async () => {
        for await (const _ of refused) break;
      })(),
    ).rejects.toMatchObject({
      code: 'REPORTING_INVALID_REQUEST',
      kind: 'invalid',
      details: { field: 'merchant_id' },
    });
    streams.close();
  });

  it('runs a stream handler cleanup when a client that stopped reading cancels', async () => {
    const streams = createStreamingClient(ReportingServiceClient, `127.0.0.1:${port}`);
    const stalled = streams.exportPaymentsCsv({
      filter: filterOf('stall'),
    });
    const iterator = stalled[Symbol.asyncIterator]();
    await iterator.next();
    // Flow control fills while the client does not read: the server waits for 'drain'.
    await new Promise((r) => setTimeout(r, 300));
    expect(cleanedUp).toBe(0);
    await iterator.return?.(undefined);
    await vi.waitFor(() => expect(cleanedUp).toBe(1), { timeout: 3_000 });
    streams.close();
  });

  it("cancels a server stream on the caller's abort signal while it waits for the next message", async () => {
    const streams = createStreamingClient(ReportingServiceClient, `127.0.0.1:${port}`);
    const abort = new AbortController();
    const received: string[] = [];
    const reading = (async () => {
      const filter = {
        merchantId: 'idle',
        status: '',
        method: '',
        currency: '',
        createdFrom: undefined,
        createdTo: undefined,
      };
      for await (const m of streams.exportPaymentsCsv({ filter }, { signal: abort.signal })) {
        received.push(m.data);
      }
    })().catch((e: unknown) => e);
    const deadline = Date.now() + 2_000;
    while (received.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 5));
    expect(received).toEqual(['first']);
    expect(signals.get('idle')?.aborted).toBe(false);
    abort.abort();
    await reading;
    await new Promise((r) => setTimeout(r, 100));
    expect(signals.get('idle')?.aborted).toBe(true);
    streams.close();
  });

  it('maps every kind to its gRPC status', () => {
    expect(grpcStatusOf('invalid')).toBe(status.INVALID_ARGUMENT);
    expect(grpcStatusOf('conflict')).toBe(status.ALREADY_EXISTS);
    expect(grpcStatusOf('aborted')).toBe(status.ABORTED);
    expect(grpcStatusOf('precondition')).toBe(status.FAILED_PRECONDITION);
    expect(grpcStatusOf('declined')).toBe(status.FAILED_PRECONDITION);
    expect(grpcStatusOf('unavailable')).toBe(status.UNAVAILABLE);
    expect(grpcStatusOf('timeout')).toBe(status.DEADLINE_EXCEEDED);
    expect(toWireError(new Error('x')).code).toBe(status.INTERNAL);
  });

  it("reads a transport's RESOURCE_EXHAUSTED as the peer unavailable, and a peer's as rate limited", () => {
    const serviceError = (code: status, metadata = new Metadata()) =>
      Object.assign(new Error('grpc'), {
        code,
        details: 'Received message larger than max',
        metadata,
      });
    expect(fromServiceError(serviceError(status.RESOURCE_EXHAUSTED), 'm')).toMatchObject({
      kind: 'unavailable',
      code: 'UPSTREAM_UNAVAILABLE',
    });
    expect(fromServiceError(serviceError(status.OUT_OF_RANGE), 'm')).toMatchObject({
      kind: 'internal',
      code: 'UPSTREAM_ERROR',
    });
    const wire = toWireError(new DomainError('TOO_MANY', 'rate_limited', 'slow down'));
    expect(fromServiceError(serviceError(wire.code, wire.metadata), 'm')).toMatchObject({
      kind: 'rate_limited',
      code: 'TOO_MANY',
    });
  });
});

describe('grpc-kit call logs', () => {
  /**
   * A server logging at `level` into lines, whose handler logs once through its context; with
   * `next`, its handler also calls that client (as a service calls the next one).
   */
  async function serverLoggingAt(level: string, next?: PromiseClient<ReportingServiceClient>) {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger({
      service: 'test',
      level,
      destination: new Writable({
        write: (chunk: Buffer, _e, done) => {
          lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      }),
    });
    const own = createGrpcServer({ log });
    own.addService(ReportingServiceService, {
      async getPaymentFact(req, ctx) {
        if (req.paymentId === 'logs') ctx.log.info('handler says hello');
        // A handler that calls the next service, passing no request id itself.
        if (req.paymentId === 'relay' && next) {
          await next.getPaymentFact({ paymentId: 'logs' });
          log.info('relayed');
        }
        return GetPaymentFactResponse.fromPartial({});
      },
      listPaymentFacts: () => Promise.reject(new Error('unused')),
      ...otherMethods,
      exportPaymentsCsv: async function* () {
        throw new Error('unused');
      },
    });
    const ownPort = await own.listen(0);
    const ownClient = createClient(ReportingServiceClient, `127.0.0.1:${ownPort}`);
    return {
      lines,
      client: ownClient,
      port: ownPort,
      close: async () => {
        ownClient.close();
        await own.drain(1_000);
      },
    };
  }

  it("tags the handler's lines and the call's own line with the caller's request id", async () => {
    const { lines, client: ownClient, close } = await serverLoggingAt('debug');
    await ownClient.getPaymentFact({ paymentId: 'logs' }, { requestId: 'req_from_caller' });
    await ownClient.getPaymentFact({ paymentId: 'quiet' }, { requestId: 'req_second' });
    await close();

    expect(lines.map((l) => [l['msg'], l['requestId']])).toEqual([
      ['handler says hello', 'req_from_caller'],
      ['grpc ok', 'req_from_caller'],
      ['grpc ok', 'req_second'],
    ]);
  });

  it('carries the request id to the next hop and puts the payment of the request on every line', async () => {
    const downstream = await serverLoggingAt('info');
    const upstream = await serverLoggingAt(
      'info',
      createClient(ReportingServiceClient, `127.0.0.1:${downstream.port}`),
    );
    await upstream.client.getPaymentFact({ paymentId: 'relay' }, { requestId: 'req_edge' });
    await upstream.close();
    await downstream.close();

    // The next service logs under the caller's request id though nobody passed it on by hand.
    expect(downstream.lines.map((l) => [l['msg'], l['requestId'], l['paymentId']])).toEqual([
      ['handler says hello', 'req_edge', 'logs'],
    ]);
    // A line written with the root logger while serving the call has the call's fields too.
    expect(upstream.lines.map((l) => [l['msg'], l['requestId'], l['paymentId']])).toEqual([
      ['relayed', 'req_edge', 'relay'],
    ]);
  });

  it('writes nothing for an answered call below its level', async () => {
    const { lines, client: ownClient, close } = await serverLoggingAt('info');
    await ownClient.getPaymentFact({ paymentId: 'quiet' }, { requestId: 'req_quiet' });
    await ownClient.getPaymentFact({ paymentId: 'logs' }, { requestId: 'req_loud' });
    await close();

    expect(lines.map((l) => [l['msg'], l['requestId']])).toEqual([
      ['handler says hello', 'req_loud'],
    ]);
  });
});

describe('connection age', () => {
  /** A TCP relay to the server that counts the connections clients open through it. */
  async function countingRelay(
    target: number,
  ): Promise<{ port: number; opened(): number; close(): void }> {
    let opened = 0;
    const sockets = new Set<Socket>();
    const relay = createServer((socket) => {
      opened += 1;
      const upstream = connect(target, '127.0.0.1');
      for (const s of [socket, upstream]) {
        sockets.add(s);
        s.on('error', () => s.destroy());
        s.on('close', () => {
          socket.destroy();
          upstream.destroy();
        });
      }
      socket.pipe(upstream).pipe(socket);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    return {
      port: (relay.address() as AddressInfo).port,
      opened: () => opened,
      close: () => {
        for (const s of sockets) s.destroy();
        relay.close();
      },
    };
  }

  it('has clients reconnect after the maximum age, so new replicas get calls, without cutting a stream in flight', async () => {
    const watching: AbortSignal[] = [];
    const server = createGrpcServer({ log: silent, maxConnectionAgeMs: 300 });
    server.addService(ReportingServiceService, {
      getPaymentFact: async (req) =>
        GetPaymentFactResponse.fromPartial({ fact: { paymentId: req.paymentId } }),
      listPaymentFacts: unused,
      ...otherMethods,
      async *exportPaymentsCsv(_req, ctx) {
        watching.push(ctx.signal);
        yield { data: 'first' };
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
      },
    });
    const relay = await countingRelay(await server.listen(0));
    const client = createClient(ReportingServiceClient, `127.0.0.1:${relay.port}`);
    const streams = createStreamingClient(ReportingServiceClient, `127.0.0.1:${relay.port}`);
    const abort = new AbortController();
    try {
      expect((await client.getPaymentFact({ paymentId: 'p1' })).fact?.paymentId).toBe('p1');
      const watch = streams.exportPaymentsCsv({ filter: filterOf('m') }, { signal: abort.signal });
      const first = await watch[Symbol.asyncIterator]().next();
      expect(first.value).toMatchObject({ data: 'first' });
      const before = relay.opened();
      await new Promise((resolve) => setTimeout(resolve, 900));
      expect((await client.getPaymentFact({ paymentId: 'p2' })).fact?.paymentId).toBe('p2');
      expect(relay.opened()).toBeGreaterThan(before);
      // The watch opened before the GOAWAY is still being served.
      expect(watching.map((s) => s.aborted)).toEqual([false]);
    } finally {
      abort.abort();
      client.close();
      streams.close();
      relay.close();
      await server.drain(1_000);
    }
  });
});
