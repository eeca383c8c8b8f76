import { describe, expect, it } from 'vitest';

import { chart } from './accounts';
import { assertBalanced, totalsByAccount } from './journal';

const clearing = chart.providerClearing('webmoney', 'KGS', 3, true);
const merchant = chart.merchantAvailable('mer_1', 'KGS', true);
const merchantUsd = chart.merchantAvailable('mer_1', 'USD', true);
const clearingUsd = chart.providerClearing('webmoney', 'USD', 3, true);

describe('assertBalanced', () => {
  it('accepts postings that sum to zero in every currency', () => {
    expect(() =>
      assertBalanced([
        { account: clearing, amountMinor: 5n },
        { account: merchant, amountMinor: -5n },
        { account: clearingUsd, amountMinor: 7n },
        { account: merchantUsd, amountMinor: -7n },
      ]),
    ).not.toThrow();
  });

  it('refuses a transaction whose sum is zero overall but not per currency', () => {
    expect(() =>
      assertBalanced([
        { account: clearing, amountMinor: 5n },
        { account: merchantUsd, amountMinor: -5n },
      ]),
    ).toThrow(expect.objectContaining({ code: 'LEDGER_UNBALANCED_TRANSACTION', kind: 'internal' }));
  });

  it('refuses pending postings balanced only by posted ones', () => {
    expect(() =>
      assertBalanced([
        { account: clearing, amountMinor: 5n, pending: true },
        { account: merchant, amountMinor: -5n },
      ]),
    ).toThrow(/KGS pending sum to 5/);
    expect(() =>
      assertBalanced([
        { account: clearing, amountMinor: 5n, pending: true },
        { account: merchant, amountMinor: -5n, pending: true },
      ]),
    ).not.toThrow();
  });

  it('refuses an unbalanced, a single-leg and a zero posting', () => {
    const unbalanced = [
      { account: clearing, amountMinor: 5n },
      { account: merchant, amountMinor: -4n },
    ];
    expect(() => assertBalanced(unbalanced)).toThrow(/sum to 1/);
    expect(() => assertBalanced([{ account: clearing, amountMinor: 0n }])).toThrow(/at least two/);
    expect(() =>
      assertBalanced([
        { account: clearing, amountMinor: 0n },
        { account: merchant, amountMinor: 0n },
      ]),
    ).toThrow(/must not be zero/);
  });
});

describe('totalsByAccount', () => {
  it('splits signed postings into non-negative debit and credit totals, posted and pending', () => {
    const totals = totalsByAccount(
      [
        { id: 'a', amountMinor: 10n },
        { id: 'a', amountMinor: -3n },
        { id: 'b', amountMinor: -7n },
        { id: 'b', amountMinor: 4n, pending: true },
        { id: 'b', amountMinor: -9n, pending: true },
      ],
      (p) => p.id,
    );
    expect(Object.fromEntries(totals)).toEqual({
      a: { debits: 10n, credits: 3n, debitsPending: 0n, creditsPending: 0n },
      b: { debits: 0n, credits: 7n, debitsPending: 4n, creditsPending: 9n },
    });
  });
});
