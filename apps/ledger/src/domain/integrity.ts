/** One broken invariant found by the integrity check. */
export interface IntegrityViolation {
  check: IntegrityCheckName;
  detail: string;
}

export type IntegrityCheckName =
  | 'transactions_balanced'
  | 'postings_consistent'
  | 'balances_match_postings'
  | 'outbox_published';

/** The result of the integrity check: which checks ran, over what, and what they found. */
export interface IntegrityReport {
  ok: boolean;
  checks: string[];
  violations: IntegrityViolation[];
}
