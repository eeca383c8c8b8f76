import { PaymentMethod, Provider } from '@tolem/contracts/common';
import type { Knex } from '@tolem/db-kit';
import { freePort, freshDatabase, waitFor } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  openDb,
  rowCounts,
  runIntegrityCli,
  type RunningLedger,
  startLedger,
  unpublishedCount,
} from './helpers';

const GRACE_MS = 3_000;

describe('ledger with Kafka unreachable', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Knex;
  let ledger: RunningLedger;

  beforeAll(async () => {
    database = await freshDatabase('ledger_it_nokafka');
    db = openDb(database.url);
    // Nothing listens on a port the OS just handed out and released.
    const closedPort = await freePort();
    ledger = await startLedger({
      DATABASE_URL: database.url,
      KAFKA_BROKERS: `127.0.0.1:${closedPort}`,
      INTEGRITY_OUTBOX_GRACE_MS: String(GRACE_MS),
    });
  });

  afterAll(async () => {
    await ledger?.stop();
    await db?.destroy();
    await database?.drop();
  });

  it('still posts payments; the event waits in the outbox and is reported only after the grace period', async () => {
    const res = await ledger.client.postPayment({
      idempotencyKey: 'payment:pay_down_1:succeeded',
      paymentId: 'pay_down_1',
      merchantId: 'mer_down',
      gross: { amountMinor: 5_000n, currency: 'RUB' },
      method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
      provider: Provider.PROVIDER_WEBMONEY,
      providerPaymentId: 'wm-1',
      providerAttributes: { payer_purse: 'R123456789012', payer_wmid: '123456789012' },
      orderId: 'o-1',
      livemode: true,
      description: '',
      occurredAt: undefined,
    });
    const postedAt = Date.now();
    expect(res.alreadyExisted).toBe(false);
    expect(
      (await ledger.client.getBalance({ merchantId: 'mer_down', currency: 'RUB', asOf: undefined }))
        .available?.amountMinor,
    ).toBe(5_000n);
    expect(await rowCounts(db)).toMatchObject({ transactions: 1, postings: 2, outbox: 1 });

    const early = await ledger.client.checkIntegrity({});
    expect(Date.now() - postedAt).toBeLessThan(GRACE_MS);
    expect(early.violations).toEqual([]);
    expect(early.ok).toBe(true);

    const late = await waitFor(
      async () => {
        const report = await ledger.client.checkIntegrity({});
        return !report.ok && report;
      },
      { timeoutMs: GRACE_MS + 10_000, intervalMs: 250, what: 'the unpublished row to be reported' },
    );
    expect(Date.now() - postedAt).toBeGreaterThanOrEqual(GRACE_MS - 250);
    expect(late.violations).toHaveLength(1);
    expect(late.violations[0]).toMatchObject({ check: 'outbox_published' });
    expect(late.violations[0]?.detail).toContain('key pay_down_1');
    expect(await unpublishedCount(db)).toBe(1);

    const cli = await runIntegrityCli({
      DATABASE_URL: database.url,
      INTEGRITY_OUTBOX_GRACE_MS: String(GRACE_MS),
    });
    expect(cli.stdout).toContain('VIOLATION outbox_published');
    expect(cli.stdout).toContain('result: FAILED (1 violation(s))');
    expect(cli.code).toBe(1);
  });

  it('shuts down cleanly while still trying to reach Kafka', async () => {
    expect(await ledger.stop()).toBe(0);
  });
});
