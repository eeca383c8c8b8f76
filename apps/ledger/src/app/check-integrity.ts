import type { IntegrityReport, IntegrityViolation } from '../domain/integrity';
import type { IntegrityRepository } from '../domain/ports';

export interface CheckIntegrityDeps {
  integrity: IntegrityRepository;
  /** Outbox rows younger than this are in flight, not stuck (the relay publishes within ms). */
  outboxGraceMs: number;
  /** Most violations listed per check; the check line still counts them all as found. */
  limit?: number;
}

/** "key pay_1" for one event; "3 events: keys pay_1, pay_2, pay_3" (first 5) for a batch row. */
function describeKeys(keys: string[]): string {
  if (keys.length === 1) return `key ${keys[0]}`;
  const shown = keys.slice(0, 5).join(', ');
  const more = keys.length > 5 ? ` and ${keys.length - 5} more` : '';
  return `${keys.length} events: keys ${shown}${more}`;
}

/**
 * Verifies the ledger's invariants: (1) every transaction's postings sum to zero per currency and
 * mode, test and live apart (its pending postings too), (2) every posting has its transaction and
 * an account of its currency, (3) every balance (posted and pending totals) equals the sums of its
 * account's postings, (4) every outbox row older than the grace period was published. Read-only; ok
 * only when nothing was found.
 */
export function makeCheckIntegrity(deps: CheckIntegrityDeps) {
  return async (): Promise<IntegrityReport> => {
    const scan = await deps.integrity.scan({
      outboxGraceMs: deps.outboxGraceMs,
      limit: deps.limit ?? 1000,
    });
    const violations: IntegrityViolation[] = [];
    for (const u of scan.underPosted) {
      violations.push({
        check: 'transactions_balanced',
        detail: `transaction ${u.transactionId} has ${u.postings} posting(s), needs at least 2`,
      });
    }
    for (const u of scan.unbalanced) {
      violations.push({
        check: 'transactions_balanced',
        detail: `transaction ${u.transactionId} postings in ${u.currency} sum to ${u.sum.toString()}`,
      });
    }
    for (const p of scan.strayPostings) {
      violations.push({
        check: 'postings_consistent',
        detail: `posting ${p.postingId} of ${p.transactionId} on ${p.accountId}: ${p.problem}`,
      });
    }
    for (const m of scan.balanceMismatches) {
      const pending =
        m.stored.debitsPending !== m.fromPostings.debitsPending ||
        m.stored.creditsPending !== m.fromPostings.creditsPending
          ? ` (pending debits=${m.stored.debitsPending} credits=${m.stored.creditsPending} ` +
            `but postings debits=${m.fromPostings.debitsPending} credits=${m.fromPostings.creditsPending})`
          : '';
      violations.push({
        check: 'balances_match_postings',
        detail:
          `account ${m.accountId} balance debits=${m.stored.debits} credits=${m.stored.credits} ` +
          `but postings debits=${m.fromPostings.debits} credits=${m.fromPostings.credits}${pending}`,
      });
    }
    for (const o of scan.unpublished) {
      violations.push({
        check: 'outbox_published',
        detail: `outbox row ${o.id} (${o.topic}, ${describeKeys(o.keys)}) unpublished since ${o.createdAt.toISOString()}`,
      });
    }
    return {
      ok: violations.length === 0,
      checks: [
        `transactions_balanced: ${scan.transactions} transactions, ${scan.postings} postings`,
        `postings_consistent: ${scan.postings} postings have their transaction and an account of their currency`,
        `balances_match_postings: ${scan.accounts} accounts (${scan.accounts - scan.testAccounts} live, ${scan.testAccounts} test)`,
        `outbox_published: ${scan.outboxRows} outbox rows (${scan.outboxMessages} events), grace ${deps.outboxGraceMs} ms`,
      ],
      violations,
    };
  };
}
