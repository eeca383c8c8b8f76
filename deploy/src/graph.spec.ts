import { describe, expect, it } from 'vitest';

import { appsReading, grpcGraph, grpcServers } from './graph';

describe('the service graph read from the code', () => {
  it('finds the server of every service and the clients of each app', () => {
    const servers = grpcServers();
    expect(servers.get('LedgerService')).toBe('ledger');
    expect(servers.get('MerchantService')).toBe('checkout');
    const edges = grpcGraph();
    const reporting = edges.find((e) => e.from === 'reporting' && e.to === 'ledger');
    expect(reporting?.sources).toContain('apps/reporting/src/main.ts');
    for (const e of edges) for (const s of e.services) expect(servers.get(s)).toBe(e.to);
  });

  it("leaves out operators' CLIs (src/tools) and an app's calls to itself", () => {
    const edges = grpcGraph();
    expect(edges.some((e) => e.from === e.to)).toBe(false);
    expect(edges.flatMap((e) => e.sources).some((s) => s.includes('/src/tools/'))).toBe(false);
  });

  it('reads which apps use PostgreSQL and Kafka from their config.ts', () => {
    expect(appsReading('KAFKA_BROKERS')).toContain('ledger');
    // The consumers read it through `...kafkaEnv(…)`, never spelling it out.
    expect(appsReading('KAFKA_BROKERS')).toEqual(
      expect.arrayContaining(['notifier', 'qr-platform', 'reporting']),
    );
    expect(appsReading('KAFKA_BROKERS')).not.toContain('checkout');
    expect(appsReading('DATABASE_URL')).not.toContain('provider-sandbox');
  });
});
