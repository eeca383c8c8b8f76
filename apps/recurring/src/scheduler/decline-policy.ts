/**
 * What the scheduler does after a recurring charge attempt was refused: the card schemes' rules as
 * seed 003 (IntellectMoney) states them, completed from protocols.md §3.6. The same table is in
 * docs/recurring.md for merchants; change both together.
 *
 * - `soft`: may succeed later (funds, limits). Retried within the budget below.
 * - `hard`: retrying cannot help and the schemes forbid it (lost/stolen card, closed account,
 *   transaction not permitted…). Never retried: the charge fails and the operation is canceled.
 * - `unknown`: a code outside the table, or a refusal without a scheme code. Retried like a soft
 *   decline within the same (strict) budget: IntellectMoney's 4-in-16-days budget is far below the
 *   schemes' caps for retryable categories (Visa: 15, from 2026 20, per 30 days), and every code the
 *   schemes list as never-retry is in the hard table. This includes PROVIDER_REQUEST_REFUSED, the
 *   provider refusing the request without asking the issuer (IntellectMoney does once a binding
 *   had 4 soft declines within 16 days, over all its charges): no scheme sees it, the provider's
 *   window rolls so a later retry can be accepted, and canceling would end an operation over a
 *   temporary stop; each refusal still counts towards the charge's 4 attempts.
 *
 * This table alone decides retries. The payment's own `decline_kind` attribute, which the provider
 * adapter sets from the seed's short lists (anything else "hard" there), is not read here.
 */
export type DeclineKind = 'soft' | 'hard' | 'unknown';

/** Seed 003: soft declines IntellectMoney retries. */
const SOFT: Readonly<Record<string, string>> = {
  '05': 'do not honour',
  '51': 'insufficient funds',
  '61': 'exceeds withdrawal amount limit',
  '65': 'exceeds withdrawal frequency limit',
};

/**
 * Seed 003's hard declines (14, 54, 57; 54 is hard here although Visa files it as retryable),
 * Visa's category 1 "issuer will never approve" codes, and Mastercard's merchant advice codes 03
 * and 21 ("do not try again", "payment cancellation") as the adapters pass them (`MAC03`, `MAC21`).
 */
const HARD: Readonly<Record<string, string>> = {
  '04': 'pick up card',
  '07': 'pick up card, special condition',
  '12': 'invalid transaction',
  '14': 'invalid card number',
  '15': 'no such issuer',
  '41': 'lost card',
  '43': 'stolen card',
  '46': 'closed account',
  '54': 'expired card',
  '57': 'transaction not permitted to cardholder',
  R0: 'stop payment order',
  R1: 'revocation of authorization order',
  R3: 'revocation of all authorizations order',
  MAC03: 'Mastercard: do not try again',
  MAC21: 'Mastercard: payment cancellation',
};

/** Tolem reason codes that mean the card binding itself is gone: as final as a hard decline. */
const HARD_REASONS: ReadonlySet<string> = new Set([
  'PROVIDER_BINDING_INACTIVE',
  'PROVIDER_BINDING_NOT_FOUND',
]);

/** The kind of a refusal, from the scheme's code when there is one, else Tolem's reason code. */
export function declineKindOf(declineCode: string, reasonCode: string): DeclineKind {
  const code = declineCode.trim().toUpperCase();
  if (code in HARD) return 'hard';
  if (code in SOFT) return 'soft';
  if (HARD_REASONS.has(reasonCode)) return 'hard';
  return 'unknown';
}

/** The codes of each kind, for the docs and the tests. */
export const DECLINE_TABLE = { soft: SOFT, hard: HARD, hardReasons: [...HARD_REASONS] } as const;

const DAY_MS = 24 * 60 * 60 * 1000;

/** The retry budget of one due charge (seed 003). */
export interface RetryPolicy {
  /** Unsuccessful attempts after which the charge is abandoned. */
  maxFailedAttempts: number;
  /** No attempt is made later than this after the first attempt. */
  windowMs: number;
  /**
   * The pause after the n-th failed attempt (index n - 1); the last entry repeats. Default 1, 3
   * and 7 days: attempts on days 0, 1, 4 and 11, inside the 16-day window with room for downtime.
   */
  delaysMs: readonly number[];
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxFailedAttempts: 4,
  windowMs: 16 * DAY_MS,
  delaysMs: Object.freeze([1 * DAY_MS, 3 * DAY_MS, 7 * DAY_MS]),
});

export type AfterFailure =
  | { action: 'cancel' }
  | { action: 'abandon'; why: 'attempts' | 'window' }
  | { action: 'retry'; at: Date };

/**
 * What follows the `failedAttempts`-th unsuccessful attempt of a charge first attempted at
 * `firstAttemptAt`: a hard decline cancels; a soft or unknown one is retried unless the 4th
 * failure is reached or the next attempt would fall after the 16-day window, whichever first.
 */
export function afterFailure(input: {
  kind: DeclineKind;
  failedAttempts: number;
  firstAttemptAt: Date;
  now: Date;
  policy?: RetryPolicy;
}): AfterFailure {
  const policy = input.policy ?? DEFAULT_RETRY_POLICY;
  if (input.kind === 'hard') return { action: 'cancel' };
  if (input.failedAttempts >= policy.maxFailedAttempts)
    return { action: 'abandon', why: 'attempts' };
  const delays = policy.delaysMs;
  const delay = delays[Math.min(input.failedAttempts, delays.length) - 1] ?? DAY_MS;
  const at = new Date(input.now.getTime() + delay);
  if (at.getTime() > input.firstAttemptAt.getTime() + policy.windowMs) {
    return { action: 'abandon', why: 'window' };
  }
  return { action: 'retry', at };
}

/** False when a new attempt now would fall outside the window (the scheduler was down). */
export function withinWindow(
  firstAttemptAt: Date | null,
  now: Date,
  policy = DEFAULT_RETRY_POLICY,
): boolean {
  return firstAttemptAt === null || now.getTime() <= firstAttemptAt.getTime() + policy.windowMs;
}
