import { describe, expect, it } from 'vitest';

import type { IntegrityRepository, IntegrityScan } from '../domain/ports';
import { makeCheckIntegrity } from './check-integrity';

const clean: IntegrityScan = {
  transactions: 2n,
  postings: 6n,
  unbalanced: [],
  underPosted: [],
  strayPostings: [],
  accounts: 3n,
  testAccounts: 1n,
  balanceMismatches: [],
  outboxRows: 2n,
  outboxMessages: 2n,
  unpublished: [],
};

function repo(scan: IntegrityScan): IntegrityRepository & { graceSeen?: number } {
  const r: IntegrityRepository & { graceSeen?: number } = {
    async scan(options) {
      r.graceSeen = options.outboxGraceMs;
      return scan;
    },
  };
  return r;
}

describe('checkIntegrity', () => {
  it('is ok and lists each check with what it covered when nothing is wrong', async () => {
    const integrity = repo(clean);
    const report = await makeCheckIntegrity({ integrity, outboxGraceMs: 5_000 })();
    expect(report.ok).toBe(true);
    expect(report.violations).toEqual([]);
    expect(report.checks).toEqual([
      'transactions_balanced: 2 transactions, 6 postings',
      'postings_consistent: 6 postings have their transaction and an account of their currency',
      'balances_match_postings: 3 accounts (2 live, 1 test)',
      'outbox_published: 2 outbox rows (2 events), grace 5000 ms',
    ]);
    expect(integrity.graceSeen).toBe(5_000);
  });

  it('reports every kind of violation under its check', async () => {
    const report = await makeCheckIntegrity({
      integrity: repo({
        ...clean,
        unbalanced: [{ transactionId: 'txn_a', currency: 'KGS', sum: 5n }],
        underPosted: [{ transactionId: 'txn_b', postings: 1 }],
        strayPostings: [
          {
            postingId: '9',
            transactionId: 'txn_c',
            accountId: 'acc_c',
            problem: 'no such transaction',
          },
        ],
        balanceMismatches: [
          {
            accountId: 'acc_a',
            stored: { debits: 10n, credits: 0n, debitsPending: 0n, creditsPending: 0n },
            fromPostings: { debits: 9n, credits: 0n, debitsPending: 0n, creditsPending: 0n },
          },
          {
            accountId: 'acc_b',
            stored: { debits: 1n, credits: 0n, debitsPending: 5n, creditsPending: 0n },
            fromPostings: { debits: 1n, credits: 0n, debitsPending: 4n, creditsPending: 0n },
          },
        ],
        unpublished: [
          {
            id: '7',
            topic: 'payments.events.v1',
            keys: ['pay_1'],
            createdAt: new Date('2026-11-23T00:00:00Z'),
          },
          {
            id: '8',
            topic: 'payments.events.v1',
            keys: ['pay_a', 'pay_b', 'pay_c', 'pay_d', 'pay_e', 'pay_f', 'pay_g'],
            createdAt: new Date('2026-11-23T00:00:00Z'),
          },
        ],
      }),
      outboxGraceMs: 1_000,
    })();
    expect(report.ok).toBe(false);
    expect(report.violations.map((v) => v.check)).toEqual([
      'transactions_balanced',
      'transactions_balanced',
      'postings_consistent',
      'balances_match_postings',
      'balances_match_postings',
      'outbox_published',
      'outbox_published',
    ]);
    expect(report.violations[1]?.detail).toContain('txn_a');
    expect(report.violations[2]?.detail).toBe('posting 9 of txn_c on acc_c: no such transaction');
    expect(report.violations[3]?.detail).toContain('debits=10');
    expect(report.violations[4]?.detail).toContain(
      '(pending debits=5 credits=0 but postings debits=4 credits=0)',
    );
    expect(report.violations[5]?.detail).toContain('key pay_1');
    expect(report.violations[6]?.detail).toContain(
      'outbox row 8 (payments.events.v1, 7 events: keys pay_a, pay_b, pay_c, pay_d, pay_e and 2 more)',
    );
  });
});
