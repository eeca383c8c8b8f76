import { randomUUID } from 'node:crypto';

import type { Knex } from '@tolem/db-kit';
import { isDomainError } from '@tolem/errors';
import { money } from '@tolem/money';
import type { Clock, LoopLog } from '@tolem/runtime';

import { enqueueFacts } from '../db/facts.repo';
import type { RecurringFact } from '../domain/facts';
import type { ReceiptCustomer } from '../domain/operation';
import {
  type AttemptRow,
  type ChargeRow,
  type ChargeState,
  type OperationRow,
} from './charges.repo';
import {
  afterFailure,
  declineKindOf,
  DEFAULT_RETRY_POLICY,
  type RetryPolicy,
  withinWindow,
} from './decline-policy';
import { insertCharges, type OccurrencePlan, planOccurrences } from './materialize';
import type {
  ChargeBoundCardResult,
  ChargeSucceededPort,
  CheckoutChargePort,
  NextOccurrence,
  SucceededCharge,
} from './ports';
import { noReceipts } from './ports';

export interface SchedulerOptions {
  /** Operations materialized, and charges claimed, per round. */
  batchSize: number;
  /** Attempts in flight at once per instance. */
  concurrency: number;
  /**
   * How long a claimed charge is this instance's; after it another instance retakes it (and asks
   * checkout again with the same key). Longer than a batch takes.
   */
  leaseMs: number;
  /** A pending payment is asked about again after this long. */
  pendingRecheckMs: number;
  /** Checkout unreachable: the attempt is asked again after this long, with the same key. */
  unavailableRetryMs: number;
  retryPolicy: RetryPolicy;
}

export const DEFAULT_SCHEDULER_OPTIONS: SchedulerOptions = Object.freeze({
  batchSize: 100,
  concurrency: 16,
  leaseMs: 5 * 60_000,
  pendingRecheckMs: 60_000,
  unavailableRetryMs: 30_000,
  retryPolicy: DEFAULT_RETRY_POLICY,
});

export interface SchedulerDeps {
  db: Knex;
  clock: Clock;
  checkout: CheckoutChargePort;
  nextOccurrence: NextOccurrence;
  /** The receipts code's hook; without it no receipt is issued. */
  receipts?: ChargeSucceededPort;
  log: LoopLog;
  options?: Partial<SchedulerOptions>;
}

export interface PassResult {
  /** Operations whose due occurrences became charges. */
  materialized: number;
  /** Charges asked of checkout. */
  attempted: number;
}

export interface Scheduler {
  /** Turns due occurrences into charges and charges what is due, until nothing is due now. */
  /** Until nothing is due; `signal` ends it after the batch in hand (the service stopping). */
  runPass(signal?: AbortSignal): Promise<PassResult>;
  /** One batch of due operations into charges; returns how many operations it advanced. */
  materializeDue(): Promise<number>;
  /** One batch of due charges claimed and attempted; returns how many were claimed. */
  attemptDue(): Promise<{ claimed: number; attempted: number }>;
}

/** A claimed charge with what an attempt needs from its operation and binding. */
interface ClaimedRow extends ChargeRow {
  binding_id: string;
  customer_ref: string;
  livemode: boolean;
  receipt_customer: ReceiptCustomer;
  provider_binding_ref: string;
  binding_payment_id: string;
  current_outcome: AttemptRow['outcome'] | null;
}

/** What one attempt decided, written with the rest of its batch. */
interface Decision {
  charge: ClaimedRow;
  /** The charge's columns after the attempt. */
  set: {
    state: ChargeState;
    attempt: number;
    first_attempt_at: Date | null;
    next_attempt_at: Date | null;
    payment_id: string;
  };
  attempt?: AttemptRow;
  /** In order: a payment's facts reach the ledger in this order. */
  facts: RecurringFact[];
  /** Its receipt is issued, and its fact written, in the batch's transaction. */
  succeeded?: SucceededCharge;
  /** A hard decline: the operation is canceled (once, with this fact). */
  cancel?: { failureCode: string; fact: RecurringFact };
  /** Checkout was asked. */
  asked: boolean;
}

type Attempted =
  | { kind: 'answered'; result: ChargeBoundCardResult }
  | { kind: 'unavailable'; error: string };

/** Runs `work` over items with at most `limit` in flight. */
/** Runs `work` over `items`, `limit` at a time; once `signal` aborts, starts no more. */
async function forEachLimited<T>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && !signal?.aborted) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(runners);
}

/**
 * Tolem's recurring scheduler. Safe with any number of instances on one database:
 * - an operation's due occurrences are materialized under its row lock (FOR UPDATE SKIP LOCKED)
 *   into charges unique per (operation, occurrence), and next_charge_at moves past them in the
 *   same transaction, so each occurrence becomes exactly one charge;
 * - a due charge is claimed with a lease (claimed_until, claim_token) and attempted outside any
 *   transaction; its result is written only while the claim is still this instance's. The
 *   idempotency key `<operation>:<occurrence>:<attempt>` makes checkout answer a retaken attempt
 *   with the payment it already made, never a second one.
 */
export function createScheduler(deps: SchedulerDeps): Scheduler {
  const { db, clock, checkout, nextOccurrence, log } = deps;
  const receipts = deps.receipts ?? noReceipts;
  const opts: SchedulerOptions = { ...DEFAULT_SCHEDULER_OPTIONS, ...deps.options };

  async function materializeDue(): Promise<number> {
    const now = clock.now();
    return db.transaction(async (trx) => {
      const ops = (await trx<OperationRow>('scheduled_operations')
        .where({ state: 'active' })
        .whereNotNull('next_charge_at')
        .where('next_charge_at', '<=', now)
        .orderBy('next_charge_at')
        .limit(opts.batchSize)
        .forUpdate()
        .skipLocked()) as OperationRow[];
      const plans = ops.flatMap((op) => {
        const plan = planOf(op, now);
        return plan ? [plan] : [];
      });
      await insertCharges(
        trx,
        plans.flatMap((p) => p.rows),
      );
      if (plans.length > 0) {
        await trx.raw(
          `update scheduled_operations o
              set next_charge_at = u.next_charge_at,
                  state = case when u.next_charge_at is null then 'completed' else 'active' end,
                  updated_at = ?
             from jsonb_to_recordset(?::jsonb) as u(id text, next_charge_at timestamptz)
            where o.id = u.id`,
          [now, JSON.stringify(plans.map((p) => ({ id: p.operationId, next_charge_at: p.next })))],
        );
      }
      return plans.length;
    });
  }

  /** The operation's due occurrences; null when its schedule could not be read (it stays as is). */
  function planOf(op: OperationRow, now: Date): OccurrencePlan | null {
    try {
      return planOccurrences(op, now, nextOccurrence);
    } catch (err) {
      // A schedule the parser refuses (it was validated when set): the others go on; the error
      // is in the log.
      log.error({ err, operationId: op.id }, 'recurring schedule could not be read');
      return null;
    }
  }

  async function claim(): Promise<{ token: string; rows: ClaimedRow[] }> {
    const now = clock.now();
    const token = randomUUID();
    const claimed = (await db.raw(
      `update charges c set claimed_until = ?, claim_token = ?
         from (select id from charges
                where state in ('pending', 'retrying') and next_attempt_at <= ?
                  and (claimed_until is null or claimed_until <= ?)
                order by next_attempt_at
                limit ? for update skip locked) d
        where c.id = d.id
        returning c.id`,
      [new Date(now.getTime() + opts.leaseMs), token, now, now, opts.batchSize],
    )) as { rows: { id: string }[] };
    const ids = claimed.rows.map((r) => r.id);
    if (ids.length === 0) return { token, rows: [] };
    const rows = (await db('charges as c')
      .join('scheduled_operations as o', 'o.id', 'c.operation_id')
      .join('card_bindings as b', 'b.id', 'o.binding_id')
      .leftJoin('charge_attempts as a', function joinCurrent() {
        this.on('a.charge_id', '=', 'c.id').andOn('a.number', '=', 'c.attempt');
      })
      .whereIn('c.id', ids)
      .where('c.claim_token', token)
      .orderBy('c.next_attempt_at')
      .select(
        'c.*',
        'o.binding_id',
        'o.customer_ref',
        'o.livemode',
        'o.receipt_customer',
        'b.provider_binding_ref',
        'b.payment_id as binding_payment_id',
        'a.outcome as current_outcome',
      )) as ClaimedRow[];
    return { token, rows };
  }

  function factOf(
    c: ClaimedRow,
    now: Date,
  ): Omit<RecurringFact, 'idempotencyKey' | 'eventType' | 'paymentId'> {
    return {
      merchantId: c.merchant_id,
      amount: money(c.amount_minor, c.currency),
      operationId: c.operation_id,
      chargeId: c.id,
      bindingId: c.binding_id,
      description: c.description,
      livemode: c.livemode,
      occurredAt: now,
    };
  }

  async function callCheckout(c: ClaimedRow, key: string): Promise<Attempted> {
    try {
      const result = await checkout.chargeBoundCard({
        merchantId: c.merchant_id,
        idempotencyKey: key,
        bindingRef: c.provider_binding_ref,
        amount: money(c.amount_minor, c.currency),
        description: c.description,
        orderId: c.id,
        metadata: {
          recurring_operation_id: c.operation_id,
          recurring_charge_id: c.id,
          scheduled_at: c.scheduled_at.toISOString(),
        },
        livemode: c.livemode,
        customerRef: c.customer_ref,
      });
      return { kind: 'answered', result };
    } catch (err) {
      // Checkout refused the request itself (not the card): the binding is gone (hard), or
      // something an attempt again cannot change; counted as an unsuccessful attempt so the
      // budget ends it. Anything transient is asked again with the same key.
      if (isDomainError(err) && !err.retriable && err.kind !== 'internal') {
        return {
          kind: 'answered',
          result: { paymentId: '', outcome: 'failed', declineCode: '', reasonCode: err.code },
        };
      }
      return { kind: 'unavailable', error: isDomainError(err) ? err.code : String(err) };
    }
  }

  /** A charge's columns as a decision leaves them; unchanged ones keep the claimed values. */
  function keep(c: ClaimedRow): Decision['set'] {
    return {
      state: c.state,
      attempt: c.attempt,
      first_attempt_at: c.first_attempt_at,
      next_attempt_at: c.next_attempt_at,
      payment_id: c.payment_id,
    };
  }

  /**
   * Whether a new attempt may start: the operation is not paused or canceled (a completed one's
   * last charge still retries) and its binding is not revoked.
   */
  const mayStart = (opState: string, bindingState: string) =>
    (opState === 'active' || opState === 'completed') && bindingState === 'activated';

  /**
   * The operation's and binding's states as they are now, not at the claim: a batch is claimed up
   * to minutes before its last charge is sent, and a pause, cancel or revoke meanwhile must stop it.
   */
  async function statesNow(c: ClaimedRow): Promise<{ op_state: string; binding_state: string }> {
    const row = (await db('scheduled_operations as o')
      .join('card_bindings as b', 'b.id', 'o.binding_id')
      .where('o.id', c.operation_id)
      .first('o.state as op_state', 'b.state as binding_state')) as
      | { op_state: string; binding_state: string }
      | undefined;
    return row ?? { op_state: 'canceled', binding_state: 'revoked' };
  }

  /** What to do with one claimed charge: at most one checkout call, nothing written yet. */
  async function decide(c: ClaimedRow): Promise<Decision> {
    const now = clock.now();
    const n = c.attempt;
    const factBase = factOf(c, now);
    const decision: Decision = { charge: c, set: keep(c), facts: [], asked: false };

    // Paused or canceled since it was materialized, or its card revoked: not charged (a paused
    // operation's due charges are skipped, not caught up). A payment already pending is still
    // followed to its end.
    const following = c.current_outcome === 'pending';
    if (!following) {
      const current = await statesNow(c);
      if (!mayStart(current.op_state, current.binding_state)) {
        decision.set = { ...decision.set, state: 'skipped', next_attempt_at: null };
        return decision;
      }
    }
    // A new attempt after the 16-day window (the scheduler was down): given up, not charged.
    if (!following && n > 1 && !withinWindow(c.first_attempt_at, now, opts.retryPolicy)) {
      decision.set = { ...decision.set, state: 'abandoned', next_attempt_at: null };
      decision.facts.push({
        ...factBase,
        idempotencyKey: `${c.id}:abandoned`,
        eventType: 'recurring.charge.abandoned',
        paymentId: c.payment_id || c.binding_payment_id,
      });
      return decision;
    }

    const key = `${c.operation_id}:${c.scheduled_at.toISOString()}:${n}`;
    const answer = await callCheckout(c, key);
    decision.asked = true;
    if (answer.kind === 'unavailable') {
      log.error(
        { chargeId: c.id, attempt: n, error: answer.error },
        'recurring charge: checkout unavailable; asking again later',
      );
      // Sent without an answer: the card may have been charged. Recorded as pending, so it is
      // asked about again with the same key even if the operation is paused, canceled or past
      // its window meanwhile (a success then still gets its receipt and event).
      decision.attempt = {
        charge_id: c.id,
        number: n,
        payment_id: c.payment_id,
        attempted_at: now,
        outcome: 'pending',
        decline_code: '',
        decline_kind: '',
        reason_code: 'RECURRING_CHARGE_UNANSWERED',
      };
      decision.set.next_attempt_at = new Date(now.getTime() + opts.unavailableRetryMs);
      return decision;
    }
    const r = answer.result;
    const kind = r.outcome === 'failed' ? declineKindOf(r.declineCode, r.reasonCode) : '';
    decision.attempt = {
      charge_id: c.id,
      number: n,
      payment_id: r.paymentId,
      attempted_at: now,
      outcome: r.outcome,
      decline_code: r.declineCode,
      decline_kind: kind,
      reason_code: r.outcome === 'succeeded' ? '' : r.reasonCode,
    };
    const firstAttemptAt = c.first_attempt_at ?? now;
    decision.set = {
      ...decision.set,
      first_attempt_at: firstAttemptAt,
      payment_id: r.paymentId || c.payment_id,
    };
    switch (r.outcome) {
      case 'pending':
        decision.set.next_attempt_at = new Date(now.getTime() + opts.pendingRecheckMs);
        return decision;
      case 'succeeded':
        decision.set = { ...decision.set, state: 'succeeded', next_attempt_at: null };
        decision.succeeded = {
          id: c.id,
          operationId: c.operation_id,
          merchantId: c.merchant_id,
          bindingId: c.binding_id,
          scheduledAt: c.scheduled_at,
          amount: money(c.amount_minor, c.currency),
          description: c.description,
          operationVersion: c.operation_version,
          paymentId: r.paymentId,
          customerRef: c.customer_ref,
          receiptCustomer: c.receipt_customer,
          livemode: c.livemode,
          succeededAt: now,
        };
        return decision;
      case 'failed':
        return decideFailure(decision, {
          n,
          now,
          firstAttemptAt,
          result: r,
          kind: kind || 'unknown',
        });
    }
  }

  function decideFailure(
    decision: Decision,
    f: {
      n: number;
      now: Date;
      firstAttemptAt: Date;
      result: ChargeBoundCardResult;
      kind: ReturnType<typeof declineKindOf>;
    },
  ): Decision {
    const c = decision.charge;
    const factBase = factOf(c, f.now);
    const paymentId = f.result.paymentId || c.payment_id || c.binding_payment_id;
    const failureCode = f.result.declineCode || f.result.reasonCode;
    decision.facts.push({
      ...factBase,
      idempotencyKey: `${c.id}:${f.n}:failed`,
      eventType: 'recurring.charge.failed',
      paymentId,
      attempt: f.n,
      failureCode,
    });
    const next = afterFailure({
      kind: f.kind,
      failedAttempts: f.n,
      firstAttemptAt: f.firstAttemptAt,
      now: f.now,
      policy: opts.retryPolicy,
    });
    switch (next.action) {
      case 'retry':
        decision.set = {
          ...decision.set,
          state: 'retrying',
          attempt: f.n + 1,
          next_attempt_at: next.at,
        };
        return decision;
      case 'abandon':
        decision.set = { ...decision.set, state: 'abandoned', next_attempt_at: null };
        decision.facts.push({
          ...factBase,
          idempotencyKey: `${c.id}:abandoned`,
          eventType: 'recurring.charge.abandoned',
          paymentId,
          attempt: f.n,
          failureCode,
        });
        return decision;
      case 'cancel':
        decision.set = { ...decision.set, state: 'failed', next_attempt_at: null };
        decision.cancel = {
          failureCode,
          fact: {
            ...factBase,
            idempotencyKey: `${c.operation_id}:canceled`,
            eventType: 'recurring.operation.canceled',
            paymentId,
            cancelReason: 'hard_decline',
            failureCode,
          },
        };
        return decision;
    }
  }

  /**
   * Writes a batch's decisions in one transaction, for the charges still claimed by this batch
   * (a charge whose lease ran out and was retaken is the other instance's now: its answer, under
   * the same key, is the same payment).
   */
  async function writeBatch(token: string, decisions: Decision[]): Promise<void> {
    if (decisions.length === 0) return;
    const succeededMerchants = [
      ...new Set(decisions.flatMap((d) => (d.succeeded ? [d.succeeded.merchantId] : []))),
    ];
    if (succeededMerchants.length > 0) await receipts.prepare?.(succeededMerchants);
    const now = clock.now();
    await db.transaction(async (trx) => {
      const owned = (await trx('charges')
        .whereIn(
          'id',
          decisions.map((d) => d.charge.id),
        )
        .where({ claim_token: token })
        .forUpdate()
        .select('id')) as { id: string }[];
      const ownedIds = new Set(owned.map((r) => r.id));
      const mine = decisions.filter((d) => ownedIds.has(d.charge.id));
      if (mine.length < decisions.length) {
        log.info(
          { retaken: decisions.length - mine.length },
          'recurring charges retaken by another instance; their answers are dropped here',
        );
      }
      if (mine.length === 0) return;

      const attempts = mine.flatMap((d) => (d.attempt ? [d.attempt] : []));
      if (attempts.length > 0) {
        await trx('charge_attempts')
          .insert(attempts)
          .onConflict(['charge_id', 'number'])
          .merge(['payment_id', 'outcome', 'decline_code', 'decline_kind', 'reason_code']);
      }

      const facts: RecurringFact[] = [];
      const receiptIds = new Map<string, string>();
      for (const d of mine) {
        facts.push(...d.facts);
        if (!d.succeeded) continue;
        // In this transaction: the receipt exists exactly when the charge is succeeded.
        const receipt = await receipts.onChargeSucceeded(d.succeeded, trx);
        if (receipt) receiptIds.set(d.charge.id, receipt.receiptId);
        facts.push({
          ...factOf(d.charge, d.succeeded.succeededAt),
          idempotencyKey: `${d.charge.id}:succeeded`,
          eventType: 'recurring.charge.succeeded',
          paymentId: d.succeeded.paymentId,
          attempt: d.charge.attempt,
          ...(receipt ? { receiptId: receipt.receiptId } : {}),
        });
      }
      await enqueueFacts(trx, facts);

      await trx.raw(
        `update charges c
            set state = u.state, attempt = u.attempt, first_attempt_at = u.first_attempt_at,
                next_attempt_at = u.next_attempt_at, payment_id = u.payment_id,
                receipt_id = coalesce(u.receipt_id, c.receipt_id),
                claimed_until = null, claim_token = null, updated_at = ?
           from jsonb_to_recordset(?::jsonb) as u(id text, state text, attempt integer,
                first_attempt_at timestamptz, next_attempt_at timestamptz, payment_id text,
                receipt_id text)
          where c.id = u.id`,
        [
          now,
          JSON.stringify(
            mine.map((d) => ({
              id: d.charge.id,
              ...d.set,
              receipt_id: receiptIds.get(d.charge.id) ?? null,
            })),
          ),
        ],
      );

      for (const d of mine) {
        if (!d.cancel) continue;
        // The card cannot be charged again: the operation ends, and its other charges waiting
        // for an attempt (caught-up occurrences) are not tried.
        const c = d.charge;
        // One whose attempt is out and unanswered (or pending) is followed to its end instead.
        await trx('charges')
          .where({ operation_id: c.operation_id })
          .whereIn('state', ['pending', 'retrying'])
          .whereNot({ id: c.id })
          .whereNotExists(
            trx('charge_attempts as a')
              .whereRaw('a.charge_id = charges.id and a.number = charges.attempt')
              .where('a.outcome', 'pending'),
          )
          .update({ state: 'skipped', next_attempt_at: null, updated_at: now });
        const canceled = await trx('scheduled_operations')
          .where({ id: c.operation_id })
          // Completed too: its last charge failing for good is worth the merchant's notice.
          .whereIn('state', ['active', 'paused', 'completed'])
          .update({
            state: 'canceled',
            cancel_reason: 'hard_decline',
            cancel_code: d.cancel.failureCode,
            next_charge_at: null,
            updated_at: now,
          });
        if (canceled > 0) await enqueueFacts(trx, [d.cancel.fact]);
      }
    });
  }

  /** Ends this batch's claims on the charges it still holds (none recorded). */
  async function release(token: string): Promise<void> {
    await db('charges')
      .where({ claim_token: token })
      .update({ claimed_until: null, claim_token: null });
  }

  /** Hands back the claims of charges a stopping pass never started. */
  async function releaseUnstarted(token: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await db('charges')
      .where({ claim_token: token })
      .whereIn('id', ids)
      .update({ claimed_until: null, claim_token: null });
  }

  async function attemptDue(signal?: AbortSignal): Promise<{ claimed: number; attempted: number }> {
    const { token, rows } = await claim();
    const decisions: Decision[] = [];
    const started = new Set<string>();
    await forEachLimited(
      rows,
      opts.concurrency,
      async (c) => {
        started.add(c.id);
        try {
          decisions.push(await decide(c));
        } catch (err) {
          // The lease expires and the charge is retaken with the same key.
          log.error(
            { err, chargeId: c.id },
            'recurring charge attempt failed; retaken after its lease',
          );
        }
      },
      signal,
    );
    // Stopping (a deploy): what was not started goes back at once, for another instance to
    // take now rather than after the lease.
    await releaseUnstarted(
      token,
      rows.filter((c) => !started.has(c.id)).map((c) => c.id),
    );
    try {
      await writeBatch(token, decisions);
    } catch (err) {
      // Nothing of the batch was recorded: hand its charges back at once rather than after the
      // lease, so the next pass asks checkout again under the same keys (the same payments).
      await release(token).catch(() => undefined);
      throw err;
    }
    return { claimed: rows.length, attempted: decisions.filter((d) => d.asked).length };
  }

  return {
    materializeDue,
    attemptDue,
    /**
     * Materializes and attempts until nothing is due. `signal` (the service stopping) ends the
     * pass after the batch in hand: the charges being attempted finish and are recorded, the
     * rest of the batch is handed back.
     */
    async runPass(signal?: AbortSignal) {
      let materialized = 0;
      while (!signal?.aborted) {
        const n = await materializeDue();
        materialized += n;
        if (n < opts.batchSize) break;
      }
      let attempted = 0;
      while (!signal?.aborted) {
        const round = await attemptDue(signal);
        attempted += round.attempted;
        if (round.claimed < opts.batchSize) break;
      }
      return { materialized, attempted };
    },
  };
}
