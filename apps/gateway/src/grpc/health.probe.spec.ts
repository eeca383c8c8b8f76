import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { CheckoutServiceService } from '@tolem/contracts/checkout';
import { createGrpcServer, type GrpcServer, grpcTransportOf, type Handlers } from '@tolem/grpc-kit';
import { createLogger } from '@tolem/observability';
import { createLocalCa } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createHealthProbe, type HealthProbe } from './health.probe';

const log = createLogger({
  service: 'test',
  level: 'silent',
  destination: new Writable({ write: (_c, _e, done) => done() }),
});

const CHECKOUT = 'tolem.checkout.v1.CheckoutService';

/** Every method answers its empty response: only the health service is called here. */
const checkoutHandlers = Object.fromEntries(
  Object.entries(CheckoutServiceService).map(([name, method]) => [
    name,
    () => Promise.resolve(method.responseDeserialize(Buffer.alloc(0))),
  ]),
) as unknown as Handlers<typeof CheckoutServiceService>;

describe("/readyz's probe of checkout over mutual TLS", { timeout: 30_000 }, () => {
  let root: string;
  let server: GrpcServer;
  let address: string;
  const probes: HealthProbe[] = [];
  const transport = (identity: string) =>
    grpcTransportOf(identity, { tlsDir: join(root, 'ca', identity), insecure: false });
  const probe = (options: Parameters<typeof createHealthProbe>[2]) => {
    const p = createHealthProbe(address, CHECKOUT, options);
    probes.push(p);
    return p;
  };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'gateway-health-'));
    const ca = createLocalCa(join(root, 'ca'));
    for (const id of ['checkout', 'gateway', 'ledger']) ca.issue(id);
    server = createGrpcServer({ log, transport: transport('checkout') });
    server.addService(CheckoutServiceService, checkoutHandlers);
    address = `127.0.0.1:${await server.listen(0)}`;
  }, 60_000);

  afterAll(async () => {
    for (const p of probes) p.close();
    await server?.drain(1_000);
    rmSync(root, { recursive: true, force: true });
  });

  it('sees checkout serving through the mTLS port, as the gateway dials it in a cluster', async () => {
    expect(await probe({ transport: transport('gateway') }).check()).toBe(true);
  });

  it('refuses a server whose certificate names another app than checkout', async () => {
    const ledger = createGrpcServer({ log, transport: transport('ledger') });
    ledger.addService(CheckoutServiceService, checkoutHandlers);
    const ledgerAddress = `127.0.0.1:${await ledger.listen(0)}`;
    try {
      const wrong = createHealthProbe(ledgerAddress, CHECKOUT, { transport: transport('gateway') });
      probes.push(wrong);
      expect(await wrong.check()).toBe(false);
    } finally {
      await ledger.drain(1_000);
    }
  });

  it('answers false, not an error, when a plaintext probe meets the mTLS port', async () => {
    expect(await probe({ transport: { kind: 'insecure' } }).check()).toBe(false);
  });
});
