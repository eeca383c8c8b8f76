/**
 * grpc-kit's runtime allowlist (SERVICE_GRAPH) against the graph the code creates: every app that
 * creates a client of a service must be allowed to call it, and no app that does not may be.
 * Operators' CLIs (apps/<app>/src/tools) call as the `operator` identity, allowed on every service.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { LedgerServiceService } from '@tolem/contracts/ledger';
import { isCallerAllowed, METHOD_CALLERS, OPERATOR_IDENTITY, SERVICE_GRAPH } from '@tolem/grpc-kit';
import { describe, expect, it } from 'vitest';

import { grpcGraph, grpcServers } from './graph';
import { ROOT } from './tooling';

const short = (service: string) => service.split('.').pop() as string;

describe("grpc-kit's caller allowlist", () => {
  it('equals the gRPC edges derived from the code, service by service', () => {
    const fromCode = grpcGraph()
      .flatMap((e) => e.services.map((s) => `${e.from} -> ${s}`))
      .sort();
    const fromTable = Object.entries(SERVICE_GRAPH)
      .flatMap(([service, { callers }]) => callers.map((c) => `${c} -> ${short(service)}`))
      .sort();
    expect(fromTable).toEqual(fromCode);
  });

  it('names the app serving each service as the code does', () => {
    const servers = grpcServers();
    const table = Object.fromEntries(
      Object.entries(SERVICE_GRAPH).map(([service, { server }]) => [short(service), server]),
    );
    expect(table).toEqual(Object.fromEntries(servers));
  });

  it("lets the operators' tools reach every service they create a client of", () => {
    const called: string[] = [];
    for (const app of readdirSync(join(ROOT, 'apps'))) {
      const dir = join(ROOT, 'apps', app, 'src', 'tools');
      let files: string[] = [];
      try {
        files = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
      } catch {
        continue;
      }
      for (const f of files)
        for (const m of readFileSync(join(dir, f), 'utf8').matchAll(
          /\bcreate(?:Streaming)?Client\(\s*(\w+Service)Client\b/g,
        ))
          called.push(m[1] as string);
    }
    expect(called).toContain('CaseService');
    for (const service of called) {
      const full = Object.keys(SERVICE_GRAPH).find((s) => short(s) === service) as string;
      const server = SERVICE_GRAPH[full]?.server as string;
      expect(isCallerAllowed(server, OPERATOR_IDENTITY, `/${full}/Any`)).toBe(true);
    }
  });

  it("keeps the ledger's money-moving methods from the gateway, and names only real methods", () => {
    const paths = Object.values(LedgerServiceService).map((m) => m.path);
    for (const path of Object.keys(METHOD_CALLERS)) expect(paths).toContain(path);
    const post = '/tolem.ledger.v1.LedgerService/PostPayment';
    for (const caller of ['checkout', 'recurring', OPERATOR_IDENTITY])
      expect(isCallerAllowed('ledger', caller, post)).toBe(true);
    for (const caller of ['gateway', 'reporting', 'notifier', undefined])
      expect(isCallerAllowed('ledger', caller, post)).toBe(false);
    // The gateway still reads balances.
    expect(isCallerAllowed('ledger', 'gateway', '/tolem.ledger.v1.LedgerService/GetBalance')).toBe(
      true,
    );
  });
});
