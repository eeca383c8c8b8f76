import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { credentials, Metadata, status } from '@grpc/grpc-js';
import {
  GetBalanceRequest,
  LedgerServiceClient,
  LedgerServiceService,
  PostPaymentRequest,
} from '@tolem/contracts/ledger';
import { isDomainError } from '@tolem/errors';
import { createLogger } from '@tolem/observability';
import { createLocalCa, freePort, grpcServing, type LocalCa } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  CALLER_NOT_ALLOWED,
  createClient,
  createGrpcServer,
  type GrpcServer,
  type GrpcTransport,
  grpcTransportOf,
  type Handlers,
} from './index';

const lines: string[] = [];
const log = createLogger({
  service: 'test',
  level: 'info',
  destination: new Writable({
    write: (chunk: Buffer, _e, done) => {
      lines.push(chunk.toString());
      done();
    },
  }),
});

/** Every ledger method answers its empty response: these tests are about who gets through. */
const ledgerHandlers = Object.fromEntries(
  Object.entries(LedgerServiceService).map(([name, method]) => [
    name,
    () => Promise.resolve(method.responseDeserialize(Buffer.alloc(0))),
  ]),
) as unknown as Handlers<typeof LedgerServiceService>;

function mtls(dir: string, identity: string, extra: Partial<GrpcTransport> = {}): GrpcTransport {
  return {
    ...grpcTransportOf(identity, { tlsDir: dir, insecure: false }),
    ...extra,
  } as GrpcTransport;
}

/** The stable code a refused call carries, or 'OK'. */
async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'OK';
  } catch (err) {
    return isDomainError(err) ? `${err.kind}:${err.code}` : String(err);
  }
}

describe('mutual TLS between services', { timeout: 30_000 }, () => {
  let root: string;
  let ca: LocalCa;
  let other: LocalCa;
  let server: GrpcServer;
  let address: string;
  const clients: { close(): void }[] = [];

  const ledgerAs = (transport: GrpcTransport) => {
    const client = createClient(LedgerServiceClient, address, {
      transport,
      defaultDeadlineMs: 3_000,
    });
    clients.push(client);
    return client;
  };
  const post = PostPaymentRequest.fromPartial({ paymentId: 'pay_1', merchantId: 'm_1' });

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'grpc-mtls-'));
    ca = createLocalCa(join(root, 'ca'));
    other = createLocalCa(join(root, 'other-ca'), 'Somebody else');
    for (const id of ['ledger', 'checkout', 'gateway', 'notifier', 'operator']) ca.issue(id);
    other.issue('checkout');
    server = createGrpcServer({ log, transport: mtls(join(root, 'ca', 'ledger'), 'ledger') });
    server.addService(LedgerServiceService, ledgerHandlers);
    address = `127.0.0.1:${await server.listen(0)}`;
    // Eight RSA keys and certificates: seconds on a loaded machine.
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await server.drain(1_000);
    rmSync(root, { recursive: true, force: true });
  });

  it('lets the callers the service graph allows through, per method', async () => {
    const checkout = ledgerAs(mtls(join(root, 'ca', 'checkout'), 'checkout'));
    expect(await outcome(checkout.postPayment(post))).toBe('OK');
    const operator = ledgerAs(mtls(join(root, 'ca', 'operator'), 'operator'));
    expect(await outcome(operator.postPayment(post))).toBe('OK');
    const gateway = ledgerAs(mtls(join(root, 'ca', 'gateway'), 'gateway'));
    expect(await outcome(gateway.getBalance(GetBalanceRequest.fromPartial({})))).toBe('OK');
  });

  it("refuses the gateway's valid certificate on PostPayment with PERMISSION_DENIED, and logs it", async () => {
    const gateway = ledgerAs(mtls(join(root, 'ca', 'gateway'), 'gateway'));
    expect(await outcome(gateway.postPayment(post))).toBe(`forbidden:${CALLER_NOT_ALLOWED}`);
    const line = lines.find((l) => l.includes('grpc caller refused'));
    expect(line).toContain('"caller":"gateway"');
    expect(line).toContain('/tolem.ledger.v1.LedgerService/PostPayment');
  });

  it('refuses a service the graph does not let call the ledger at all', async () => {
    const notifier = ledgerAs(mtls(join(root, 'ca', 'notifier'), 'notifier'));
    expect(await outcome(notifier.getBalance(GetBalanceRequest.fromPartial({})))).toBe(
      `forbidden:${CALLER_NOT_ALLOWED}`,
    );
  });

  it('refuses a caller without a certificate, plaintext or TLS', async () => {
    const plaintext = ledgerAs({ kind: 'insecure' });
    expect(await outcome(plaintext.getBalance(GetBalanceRequest.fromPartial({})))).toMatch(
      /^unavailable:/,
    );
    // Trusts our CA (and checks the ledger's name) but presents no certificate: the server's
    // handshake refuses it.
    const raw = new LedgerServiceClient(address, credentials.createSsl(Buffer.from(ca.caCert)), {
      'grpc.ssl_target_name_override': 'ledger',
    });
    const code = await new Promise<number | undefined>((resolve) => {
      raw.getBalance(
        GetBalanceRequest.fromPartial({}),
        new Metadata(),
        { deadline: new Date(Date.now() + 3_000) },
        (err) => resolve(err?.code),
      );
    });
    raw.close();
    expect(code).toBe(status.UNAVAILABLE);
  });

  it('refuses a certificate of another CA, even one naming an allowed caller', async () => {
    // Trusts our CA (so it would accept the ledger) but its own certificate is the other CA's.
    const forgedDir = join(root, 'forged');
    mkdirSync(forgedDir);
    copyFileSync(join(root, 'ca', 'ca.crt'), join(forgedDir, 'ca.crt'));
    for (const f of ['tls.crt', 'tls.key'])
      copyFileSync(join(root, 'other-ca', 'checkout', f), join(forgedDir, f));
    const forged = ledgerAs(mtls(forgedDir, 'checkout'));
    expect(await outcome(forged.postPayment(post))).toMatch(/^unavailable:/);
  });

  it('a client refuses a server whose certificate names another service', async () => {
    const impostor = createGrpcServer({
      log,
      transport: mtls(join(root, 'ca', 'notifier'), 'notifier'),
    });
    impostor.addService(LedgerServiceService, ledgerHandlers);
    const port = await impostor.listen(0);
    const checkout = createClient(LedgerServiceClient, `127.0.0.1:${port}`, {
      transport: mtls(join(root, 'ca', 'checkout'), 'checkout'),
      defaultDeadlineMs: 3_000,
    });
    expect(await outcome(checkout.postPayment(post))).toMatch(/^unavailable:/);
    checkout.close();
    await impostor.drain(1_000);
  });

  it('serves health alone, in plaintext, on the health port for the probes', async () => {
    const probePort = await freePort();
    const s = createGrpcServer({
      log,
      transport: mtls(join(root, 'ca', 'ledger'), 'ledger', { healthPort: probePort }),
    });
    s.addService(LedgerServiceService, ledgerHandlers);
    await s.listen(0);
    expect(await grpcServing(`127.0.0.1:${probePort}`)).toBe(true);
    const overHealthPort = createClient(LedgerServiceClient, `127.0.0.1:${probePort}`, {
      transport: { kind: 'insecure' },
    });
    expect(await outcome(overHealthPort.postPayment(post))).toMatch(/^unimplemented:/);
    overHealthPort.close();
    await s.drain(1_000);
    expect(await grpcServing(`127.0.0.1:${probePort}`, 300)).toBe(false);
  });

  it('picks up a renewed certificate from the mounted files without a restart', async () => {
    // The server starts with a certificate of the other CA (a caller of our CA cannot connect),
    // then "cert-manager" writes one of our CA into the same files.
    const dir = join(root, 'rotating');
    other.issue('ledger', { into: dir });
    const rotating = createGrpcServer({
      log,
      transport: mtls(dir, 'ledger', { refreshIntervalMs: 200 }),
    });
    rotating.addService(LedgerServiceService, ledgerHandlers);
    const port = await rotating.listen(0);
    const connect = () =>
      createClient(LedgerServiceClient, `127.0.0.1:${port}`, {
        transport: mtls(join(root, 'ca', 'checkout'), 'checkout'),
        defaultDeadlineMs: 2_000,
      });
    const before = connect();
    expect(await outcome(before.postPayment(post))).toMatch(/^unavailable:/);
    before.close();
    ca.issue('ledger', { into: dir });
    await new Promise((r) => setTimeout(r, 600));
    const after = connect();
    expect(await outcome(after.postPayment(post))).toBe('OK');
    after.close();
    await rotating.drain(1_000);
  });
});

describe('choosing the transport', () => {
  it('refuses to start with neither GRPC_TLS_DIR nor GRPC_INSECURE=true, or with both', () => {
    expect(() => grpcTransportOf('ledger', { insecure: false })).toThrow(/GRPC_TLS_DIR/);
    expect(() => grpcTransportOf('ledger', { tlsDir: tmpdir(), insecure: true })).toThrow(
      /choose one/,
    );
    expect(grpcTransportOf('ledger', { insecure: true }).kind).toBe('insecure');
  });

  it('names a certificate file that is missing at start-up', () => {
    const dir = mkdtempSync(join(tmpdir(), 'grpc-mtls-missing-'));
    expect(() => grpcTransportOf('ledger', { tlsDir: dir, insecure: false })).toThrow(
      /ca\.crt is missing/,
    );
    rmSync(dir, { recursive: true, force: true });
  });
});
