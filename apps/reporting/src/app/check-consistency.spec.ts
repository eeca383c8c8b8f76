import { describe, expect, it } from 'vitest';

import type { MoneyDay } from '../domain/consistency';
import type { MoneyDaysSource } from '../domain/ports';
import { makeCheckConsistency, makeConsistencyMonitor, recentRange } from './check-consistency';

const day = (over: Partial<MoneyDay> = {}): MoneyDay => ({
  merchantId: 'mer_1',
  currency: 'KGS',
  day: '2026-03-01',
  livemode: false,
  paymentsCount: 2n,
  grossMinor: 20_000n,
  feeMinor: 600n,
  netMinor: 19_400n,
  refundsStartedCount: 1n,
  refundsStartedMinor: 5_000n,
  refundsSucceededCount: 1n,
  refundsSucceededMinor: 5_000n,
  ...over,
});
const source = (days: MoneyDay[]): MoneyDaysSource => ({ moneyDays: async () => days });
const clock = { now: () => new Date('2026-03-03T12:00:00Z') };
const range = { fromDay: '2026-03-01', toDay: '2026-03-03' };

describe('checkConsistency', () => {
  it('is consistent when every merchant, currency and day agrees', async () => {
    const check = makeCheckConsistency({
      reporting: source([day(), day({ currency: 'USD' })]),
      ledger: source([day({ currency: 'USD' }), day()]),
      clock,
    });
    expect(await check(range)).toEqual({
      consistent: true,
      checkedAt: clock.now(),
      fromDay: '2026-03-01',
      toDay: '2026-03-03',
      differences: [],
      error: '',
    });
  });

  it('names each metric that differs, and a day one side lacks entirely', async () => {
    const check = makeCheckConsistency({
      reporting: source([
        day({ paymentsCount: 1n, grossMinor: 10_000n, feeMinor: 300n, netMinor: 9_700n }),
      ]),
      ledger: source([
        day(),
        day({
          day: '2026-03-02',
          refundsStartedCount: 0n,
          refundsStartedMinor: 0n,
          refundsSucceededCount: 0n,
          refundsSucceededMinor: 0n,
          paymentsCount: 1n,
          grossMinor: 1n,
          feeMinor: 0n,
          netMinor: 1n,
        }),
      ]),
      clock,
    });
    const report = await check(range);
    expect(report.consistent).toBe(false);
    expect(report.differences.map((d) => [d.day, d.metric, d.reporting, d.ledger])).toEqual([
      ['2026-03-01', 'payments_count', 1n, 2n],
      ['2026-03-01', 'gross_minor', 10_000n, 20_000n],
      ['2026-03-01', 'fee_minor', 300n, 600n],
      ['2026-03-01', 'net_minor', 9_700n, 19_400n],
      ['2026-03-02', 'payments_count', 0n, 1n],
      ['2026-03-02', 'gross_minor', 0n, 1n],
      ['2026-03-02', 'net_minor', 0n, 1n],
    ]);
  });

  it('compares test and live money apart, and names the mode of a difference', async () => {
    const test = day();
    const live = day({ livemode: true, grossMinor: 30_000n, netMinor: 29_400n });
    const agreeing = makeCheckConsistency({
      reporting: source([test, live]),
      ledger: source([live, test]),
      totals: source([test, live]),
      clock,
    });
    expect((await agreeing(range)).differences).toEqual([]);

    // The same money in total, but a live payment counted as a test one: never consistent.
    const swapped = makeCheckConsistency({
      reporting: source([day({ paymentsCount: 3n }), day({ livemode: true, paymentsCount: 1n })]),
      ledger: source([day(), day({ livemode: true })]),
      clock,
    });
    expect((await swapped(range)).differences.map((d) => [d.livemode, d.metric])).toEqual([
      [false, 'payments_count'],
      [true, 'payments_count'],
    ]);

    // The live row gone from reporting: every metric of that mode, and only that mode, differs.
    const missing = makeCheckConsistency({
      reporting: source([test]),
      ledger: source([test, live]),
      clock,
    });
    const report = await missing(range);
    expect(report.consistent).toBe(false);
    expect(new Set(report.differences.map((d) => d.livemode))).toEqual(new Set([true]));
    expect(report.differences[0]).toEqual({
      merchantId: 'mer_1',
      currency: 'KGS',
      day: '2026-03-01',
      livemode: true,
      metric: 'payments_count',
      reporting: 0n,
      ledger: 2n,
    });
  });

  it('holds the maintained daily totals to the ledger too, on what they can say', async () => {
    const check = makeCheckConsistency({
      reporting: source([day()]),
      ledger: source([day()]),
      // Totals know no refunds started; one payment's row is missing from them.
      totals: source([
        day({
          paymentsCount: 1n,
          grossMinor: 10_000n,
          feeMinor: 300n,
          netMinor: 9_700n,
          refundsStartedCount: 0n,
          refundsStartedMinor: 0n,
        }),
      ]),
      clock,
    });
    const report = await check(range);
    expect(report.differences.map((d) => [d.metric, d.reporting, d.ledger])).toEqual([
      ['daily_totals.payments_count', 1n, 2n],
      ['daily_totals.gross_minor', 10_000n, 20_000n],
      ['daily_totals.fee_minor', 300n, 600n],
      ['daily_totals.net_minor', 9_700n, 19_400n],
    ]);
  });

  it('is never consistent when a side cannot be read', async () => {
    const check = makeCheckConsistency({
      reporting: source([]),
      ledger: { moneyDays: async () => Promise.reject(new Error('ledger unavailable')) },
      clock,
    });
    expect(await check(range)).toMatchObject({ consistent: false, error: 'ledger unavailable' });
  });

  it('refuses a malformed range', async () => {
    const check = makeCheckConsistency({ reporting: source([]), ledger: source([]), clock });
    await expect(check({ fromDay: '2026-02-30', toDay: '2026-03-01' })).rejects.toMatchObject({
      code: 'REPORTING_INVALID_REQUEST',
    });
    await expect(check({ fromDay: '2026-03-02', toDay: '2026-03-01' })).rejects.toMatchObject({
      code: 'REPORTING_INVALID_REQUEST',
    });
  });

  it('keeps the latest report of the continuous check over the recent days', async () => {
    let ledgerDays = [day()];
    const monitor = makeConsistencyMonitor({
      check: makeCheckConsistency({
        reporting: source([day()]),
        ledger: { moneyDays: async () => ledgerDays },
        clock,
      }),
      clock,
      days: 3,
    });
    expect(monitor.latest()).toBeUndefined();
    expect(recentRange(clock.now(), 3)).toEqual(range);
    expect((await monitor.runOnce()).consistent).toBe(true);
    ledgerDays = [];
    await monitor.runOnce();
    expect(monitor.latest()).toMatchObject({ consistent: false, fromDay: '2026-03-01' });
  });
});
