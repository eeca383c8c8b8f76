import { describe, expect, it } from 'vitest';

import { type DailyMoneyQuery, makeGetDailyMoneyTotals } from './daily-money-totals';

describe('getDailyMoneyTotals', () => {
  it('reads a valid range of days as given', async () => {
    const seen: DailyMoneyQuery[] = [];
    const get = makeGetDailyMoneyTotals({
      read: async (q) => {
        seen.push(q);
        return [];
      },
    });
    await get({ merchantId: '', fromDay: '2026-03-01', toDay: '2026-03-31' });
    expect(seen).toEqual([{ merchantId: '', fromDay: '2026-03-01', toDay: '2026-03-31' }]);
  });

  it.each([
    ['2026-3-01', '2026-03-02', 'from_day'],
    ['2026-03-01', '2026-02-30', 'to_day'],
    ['2026-03-02', '2026-03-01', 'from_day'],
    ['2025-01-01', '2026-03-01', 'to_day'],
  ])('refuses from %s to %s (field %s) without reading', async (fromDay, toDay, field) => {
    const get = makeGetDailyMoneyTotals({
      read: async () => {
        throw new Error('must not read');
      },
    });
    await expect(get({ merchantId: 'm', fromDay, toDay })).rejects.toMatchObject({
      code: 'LEDGER_INVALID_REQUEST',
      details: { field },
    });
  });
});
