import { isDomainError } from '@tolem/errors';
import { newId } from '@tolem/ids';

import { checkoutErrors } from '../domain/errors';
import { fingerprintOf, firstDifferingField } from '../domain/fingerprint';
import { requireSameMode } from '../domain/livemode';
import { pageLimit } from '../domain/page-limit';
import type {
  Clock,
  LedgerRefundPort,
  Log,
  ProviderRefundPort,
  RefundRepository,
} from '../domain/ports';
import {
  canonicalRefundRequest,
  decideRefundAmount,
  payerAccountOf,
  type Refund,
  REFUND_REQUEST_FIELDS,
  type RefundOutcome,
  type RefundPayout,
  type RefundRequest,
  validateRefundRequest,
} from '../domain/refund';

export interface RefundsDeps {
  refunds: RefundRepository;
  ledger: LedgerRefundPort;
  provider: ProviderRefundPort;
  clock: Clock;
  log: Log;
}

/** A peer's refusal that will never change (as opposed to it being down or slow). */
function isDefinitive(err: unknown): boolean {
  if (!isDomainError(err)) return false;
  return (
    err.kind === 'invalid' ||
    err.kind === 'precondition' ||
    err.kind === 'not_found' ||
    err.kind === 'declined'
  );
}

function codeOf(err: unknown): string | undefined {
  return isDomainError(err) ? err.code : undefined;
}

/**
 * Refunds as one use case with persisted steps (domain/refund.ts RefundStep): stored first, then
 * the ledger moves the money to refunds payable, then the provider refunds (or the refund waits
 * for an operator in the payout queue), then the ledger records the end. Each step is taken at
 * most once by a conditional update; a step a peer did not answer is retried by the sweeper,
 * and every peer call is idempotent on the refund id, so a refund is never executed twice.
 */
export function makeRefunds(deps: RefundsDeps) {
  const { log } = deps;

  /** Ledger start: refunds payable holds the money. A definitive refusal fails the refund. */
  async function reserve(r: Refund): Promise<Refund | undefined> {
    try {
      await deps.ledger.refundPayment({
        refundId: r.id,
        paymentId: r.paymentId,
        amount: r.amount,
        reason: r.reason,
        occurredAt: r.createdAt,
      });
    } catch (err) {
      if (!isDefinitive(err)) {
        log.warn({ refundId: r.id, code: codeOf(err) }, 'ledger did not start the refund yet');
        return undefined;
      }
      // No money moved: the refund fails without a ledger end.
      log.warn({ refundId: r.id, code: codeOf(err) }, 'ledger refused the refund');
      return deps.refunds.advance(
        r.id,
        'reserve',
        {
          ...r,
          step: 'done',
          status: 'failed',
          failureCode: (codeOf(err) ?? 'ledger_refused').toLowerCase(),
        },
        deps.clock.now(),
      );
    }
    return deps.refunds.advance(r.id, 'reserve', { ...r, step: 'execute' }, deps.clock.now());
  }

  /** Provider refund, or the payout queue where the provider has none. */
  async function execute(r: Refund): Promise<Refund | undefined> {
    // The provider refused it for good: the ledger returns the money to the merchant.
    const declined = (code: string) =>
      deps.refunds.advance(
        r.id,
        'execute',
        {
          ...r,
          step: 'resolve',
          execution: 'provider',
          outcome: 'failed',
          outcomeReference: code,
          failureCode: code,
        },
        deps.clock.now(),
      );
    let answer: Awaited<ReturnType<ProviderRefundPort['refundPayment']>>;
    try {
      answer = await deps.provider.refundPayment({
        idempotencyKey: r.id,
        paymentId: r.paymentId,
        amount: r.amount,
      });
    } catch (err) {
      if (codeOf(err) === 'PROVIDER_OPERATION_UNSUPPORTED') {
        log.info(
          { refundId: r.id },
          'the provider has no refund: queued for a payout to the payer',
        );
        return deps.refunds.advance(
          r.id,
          'execute',
          { ...r, step: 'await_payout', execution: 'payout_queue' },
          deps.clock.now(),
        );
      }
      if (isDefinitive(err)) return declined('provider_declined');
      log.warn({ refundId: r.id, code: codeOf(err) }, 'provider refund not answered; retried');
      return undefined;
    }
    switch (answer.outcome) {
      case 'succeeded':
        return deps.refunds.advance(
          r.id,
          'execute',
          {
            ...r,
            step: 'resolve',
            execution: 'provider',
            outcome: 'refunded_by_provider',
            outcomeReference: answer.providerRefundId,
          },
          deps.clock.now(),
        );
      case 'failed':
        return declined(answer.reasonCode || 'provider_declined');
      case 'pending':
        // Asked again by the sweeper with the same key until the provider knows.
        return undefined;
    }
  }

  /** Ledger end, then the refund is final (and its payment's refunded amount grows). */
  async function resolve(r: Refund): Promise<Refund | undefined> {
    if (!r.outcome) throw new Error(`refund ${r.id} at resolve without an outcome`);
    try {
      await deps.ledger.resolveRefund({
        refundId: r.id,
        outcome: r.outcome,
        reference: r.outcomeReference,
        occurredAt: r.updatedAt,
      });
    } catch (err) {
      if (isDefinitive(err)) {
        // The money has already moved (or failed to) at the provider or in a payout, so the
        // refund cannot be failed here: it stays at this step, retried with the sweep's backoff,
        // and an operator must fix the cause (tolem_refunds_stalled{step="resolve"}).
        log.error(
          { refundId: r.id, paymentId: r.paymentId, outcome: r.outcome, code: codeOf(err) },
          'ledger refused to end a refund already executed; retried until an operator fixes it',
        );
      } else {
        log.warn({ refundId: r.id, code: codeOf(err) }, 'ledger did not end the refund yet');
      }
      return undefined;
    }
    const status = r.outcome === 'failed' ? 'failed' : 'succeeded';
    return deps.refunds.advance(r.id, 'resolve', { ...r, step: 'done', status }, deps.clock.now());
  }

  /** Takes the refund as far as its peers allow now; the latest state either way. */
  async function drive(start: Refund): Promise<Refund> {
    let r = start;
    for (let i = 0; i < 4; i += 1) {
      let next: Refund | undefined;
      switch (r.step) {
        case 'reserve':
          next = await reserve(r);
          break;
        case 'execute':
          next = await execute(r);
          break;
        case 'resolve':
          next = await resolve(r);
          break;
        case 'await_payout':
        case 'done':
          return r;
      }
      if (!next) return (await deps.refunds.findById(r.id)) ?? r;
      r = next;
    }
    return r;
  }

  async function create(request: RefundRequest): Promise<{ refund: Refund; replayed: boolean }> {
    validateRefundRequest(request);
    const canonical = canonicalRefundRequest(request);
    const fingerprint = fingerprintOf(canonical);
    const result = await deps.refunds.createIdempotent(
      {
        merchantId: request.merchantId,
        idempotencyKey: request.idempotencyKey,
        paymentId: request.paymentId,
      },
      { canonical, fingerprint },
      (payment, taken) => {
        // A key of the other mode never refunds (nor learns the amount left of) this payment.
        requireSameMode('payment', payment.id, payment.livemode, request.livemode);
        const now = deps.clock.now();
        return {
          id: newId('re'),
          merchantId: request.merchantId,
          paymentId: payment.id,
          amount: decideRefundAmount(payment, taken, request.amount),
          status: 'pending',
          step: 'reserve',
          execution: null,
          reason: request.reason,
          outcome: null,
          outcomeReference: '',
          failureCode: '',
          operator: '',
          idempotencyKey: request.idempotencyKey,
          livemode: payment.livemode,
          createdAt: now,
          updatedAt: now,
        };
      },
    );
    if (!result.created) {
      if (result.fingerprint !== fingerprint) {
        const field =
          firstDifferingField(result.request, canonical, REFUND_REQUEST_FIELDS) ?? 'payment';
        throw checkoutErrors.create(
          'IDEMPOTENCY_KEY_REUSED',
          `this Idempotency-Key was used with a different ${field}`,
          { details: { field } },
        );
      }
      // The same request from a key of the other mode is not answered with this mode's refund.
      requireSameMode('payment', result.refund.paymentId, result.refund.livemode, request.livemode);
      return { refund: result.refund, replayed: true };
    }
    log.info({ refundId: result.refund.id, paymentId: result.refund.paymentId }, 'refund created');
    return { refund: await drive(result.refund), replayed: false };
  }

  /** livemode: the API key's mode (a refund of the other mode is REFUND_NOT_FOUND); undefined: any. */
  async function get(merchantId: string, refundId: string, livemode?: boolean): Promise<Refund> {
    const found = refundId ? await deps.refunds.findById(refundId) : undefined;
    if (!found || (merchantId && found.merchantId !== merchantId)) {
      throw checkoutErrors.create('REFUND_NOT_FOUND', 'refund not found');
    }
    requireSameMode('refund', found.id, found.livemode, livemode);
    return found;
  }

  /** With the key's mode only that mode's refunds are listed; undefined: any. */
  async function list(filter: {
    merchantId: string;
    paymentId: string;
    limit: number;
    startingAfter: string;
    livemode?: boolean;
  }): Promise<{ refunds: Refund[]; hasMore: boolean }> {
    const limit = pageLimit(filter.limit, {
      fallback: 10,
      max: 100,
      code: 'REFUND_INVALID_REQUEST',
    });
    if (filter.startingAfter) await get(filter.merchantId, filter.startingAfter, filter.livemode);
    const rows = await deps.refunds.list({
      merchantId: filter.merchantId,
      paymentId: filter.paymentId,
      startingAfter: filter.startingAfter,
      limit: limit + 1,
      livemode: filter.livemode ?? null,
    });
    return { refunds: rows.slice(0, limit), hasMore: rows.length > limit };
  }

  /**
   * Refunds interrupted at a step (a peer was down, or checkout restarted), oldest first. One the
   * sweep cannot move on waits before it is tried again, so such refunds never fill every round.
   */
  async function sweep(graceMs: number): Promise<number> {
    const now = deps.clock.now();
    const due = await deps.refunds.listUnfinished(new Date(now.getTime() - graceMs), 100, now);
    let moved = 0;
    for (const r of due) {
      const after = await drive(r);
      if (after.step !== r.step) moved += 1;
      else await deps.refunds.deferSweep(r.id, now);
    }
    return moved;
  }

  /** The operators' queue, oldest first, a page at a time (any merchant, any mode). */
  async function listPayouts(page: {
    limit: number;
    startingAfter: string;
  }): Promise<{ payouts: RefundPayout[]; hasMore: boolean }> {
    const n = pageLimit(page.limit, { fallback: 50, max: 100, code: 'REFUND_INVALID_REQUEST' });
    const after = page.startingAfter ? await get('', page.startingAfter) : undefined;
    const rows = await deps.refunds.listAwaitingPayout(n + 1, after);
    const payouts = rows.slice(0, n).map(({ refund, payment }) => {
      const payer = payerAccountOf(payment);
      return {
        refund,
        method: payment.method,
        provider: payment.provider,
        payerAccountKind: payer.kind,
        payerAccount: payer.account,
      };
    });
    return { payouts, hasMore: rows.length > n };
  }

  function requireText(value: string, field: string, max: number): void {
    if (!value.trim() || value.length > max) {
      throw checkoutErrors.create('REFUND_INVALID_REQUEST', `${field} is required (1..${max})`, {
        details: { field },
      });
    }
  }

  /** An operator ends a queued refund; the same end again answers the refund as it is. */
  async function endPayout(input: {
    refundId: string;
    outcome: Extract<RefundOutcome, 'paid_out' | 'failed'>;
    reference: string;
    operator: string;
  }): Promise<Refund> {
    requireText(input.operator, 'operator', 200);
    requireText(input.reference, input.outcome === 'paid_out' ? 'reference' : 'reason', 200);
    const reference = input.outcome === 'paid_out' ? input.reference : 'payout_failed';
    /** A queued refund an operator already ended is answered only to the same end again. */
    const requireSameEnd = (r: Refund): Refund => {
      const sameOutcome = r.outcome === input.outcome;
      const sameReference = r.outcomeReference === reference;
      if (
        r.execution === 'payout_queue' &&
        (r.step === 'await_payout' || (sameOutcome && sameReference))
      ) {
        return r;
      }
      throw checkoutErrors.create(
        'REFUND_NOT_IN_PAYOUT_QUEUE',
        `refund ${r.id} is not waiting for a payout (${r.status})`,
        // Paid out under another reference: a second payout would be money sent twice.
        { details: { status: r.status, ...(sameOutcome ? { field: 'reference' } : {}) } },
      );
    };
    const r = requireSameEnd(await get('', input.refundId));
    if (r.step !== 'await_payout') return drive(r);
    const moved = await deps.refunds.advance(
      r.id,
      'await_payout',
      {
        ...r,
        step: 'resolve',
        outcome: input.outcome,
        outcomeReference: reference,
        failureCode: input.outcome === 'failed' ? 'payout_failed' : '',
        operator: input.operator,
      },
      deps.clock.now(),
    );
    log.info(
      { refundId: r.id, outcome: input.outcome, operator: input.operator },
      'queued refund ended by an operator',
    );
    // Another operator's end won the race: answered as above.
    return drive(moved ?? requireSameEnd(await get('', r.id)));
  }

  return {
    create,
    get,
    list,
    sweep,
    listPayouts,
    completePayout: (input: { refundId: string; reference: string; operator: string }) =>
      endPayout({ ...input, outcome: 'paid_out' }),
    failPayout: (input: { refundId: string; reason: string; operator: string }) =>
      endPayout({ ...input, outcome: 'failed', reference: input.reason }),
  };
}

export type Refunds = ReturnType<typeof makeRefunds>;
