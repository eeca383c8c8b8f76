import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';

import { createKnex, type Knex, migrateLatest } from '@tolem/db-kit';
import { sumSamples } from '@tolem/metrics';
import { createLogger } from '@tolem/observability';
import { freshDatabase, waitFor } from '@tolem/testing';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { migrations } from '../../migrations';
import { makeDispatcher } from '../../src/app/dispatch-due';
import { createDispatchRepo } from '../../src/db/deliveries.repo';
import { startDispatcherLoop } from '../../src/http/dispatcher.loop';
import { createMerchantHttp } from '../../src/http/merchant.client';
import { notifierMetrics } from '../../src/metrics';
import {
  addEndpoint,
  aNotificationEvent,
  type Receiver,
  recordEvent,
  startReceiver,
} from './receivers';

const HOUR = 3_600_000;
const silent = createLogger({
  service: 'notifier-metrics-it',
  level: 'silent',
  destination: new Writable({ write: (_c, _e, d) => d() }),
});

describe('notifier metrics (real dispatcher loop, PostgreSQL, HTTP receivers)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Knex;
  const receivers: Receiver[] = [];
  const clock = { now: () => new Date() };

  beforeAll(async () => {
    database = await freshDatabase('notifier_metrics_it');
    db = createKnex({ url: database.url, applicationName: 'notifier-metrics-it' });
    await migrateLatest(db, migrations);
  });

  afterAll(async () => {
    for (const r of receivers) await r.close();
    await db?.destroy();
    await database?.drop();
  });

  it('counts attempts by outcome and attempt number, and endpoints disabled by reason', async () => {
    let calls = 0;
    const flaky = await startReceiver(`whsec_${randomBytes(24).toString('base64')}`, (res) => {
      calls += 1;
      if (calls === 1) res.writeHead(500).end('down');
      else res.end('ok');
    });
    const gone = await startReceiver(`whsec_${randomBytes(24).toString('base64')}`, (res) =>
      res.writeHead(410).end(),
    );
    receivers.push(flaky, gone);
    for (const [merchantId, r] of [
      ['mer_metrics_flaky', flaky],
      ['mer_metrics_gone', gone],
    ] as const) {
      await addEndpoint(db, { merchantId, url: r.url, secret: r.secret });
      await recordEvent(db, clock, aNotificationEvent({ merchantId }));
    }

    const registry = new Registry();
    const counts = notifierMetrics(db, registry);
    const loop = startDispatcherLoop({
      dispatcher: makeDispatcher({
        dispatch: createDispatchRepo(db),
        http: createMerchantHttp({ allowPrivateNetworks: 'loopback' }),
        clock,
        random: () => 0,
        retry: { windowMs: HOUR, backoff: { minMs: 50, maxMs: 100 }, maxRetryAfterMs: 100 },
        timeoutMs: 2_000,
        disableAfterMs: HOUR,
      }),
      concurrency: 4,
      claimBatch: 10,
      pollMs: 50,
      log: silent,
      onAttempt: (summary) => counts.attempted(summary),
    });
    try {
      const attempts = async (labels: Record<string, string>) =>
        sumSamples(await registry.metrics(), 'tolem_notification_attempts_total', labels);
      await waitFor(async () => (await attempts({ outcome: 'delivered' })) === 1, {
        timeoutMs: 20_000,
        what: 'the flaky endpoint delivered on its second attempt',
      });
      await waitFor(async () => (await attempts({})) === 3, {
        timeoutMs: 20_000,
        what: 'three attempts',
      });
      const text = await registry.metrics();
      expect(await attempts({ outcome: 'delivered', attempt: '2' })).toBe(1);
      expect(await attempts({ outcome: 'pending', attempt: '1' })).toBe(2);
      expect(sumSamples(text, 'tolem_notification_attempt_duration_seconds_count')).toBe(3);
      expect(
        sumSamples(text, 'tolem_notification_endpoints_disabled_total', { reason: 'gone' }),
      ).toBe(1);
      expect(sumSamples(text, 'tolem_notification_endpoints_disabled', { reason: 'gone' })).toBe(1);
      expect(text).not.toContain('mer_metrics');
    } finally {
      await loop.stop();
    }
  });
});
