import { isDomainError } from '@tolem/errors';
import { newId } from '@tolem/ids';

import { type Case, caseKeys, type CaseKind, dedupeKeyOf, newCase } from '../domain/case';
import { checkoutErrors } from '../domain/errors';
import type { Payment, PaymentMethod, ProviderName } from '../domain/payment';
import type { CaseRepository, Clock, LedgerPort, Log, PaymentRepository } from '../domain/ports';
import type { VerifiedCallback } from '../domain/provider';
import { applyTransition } from './apply-transition';

export interface CasesDeps {
  cases: CaseRepository;
  payments: PaymentRepository;
  ledger: Pick<LedgerPort, 'holdUnappliedFunds' | 'applyUnappliedFunds' | 'returnUnappliedFunds'>;
  clock: Clock;
  log: Log;
}

export interface OpenCaseInput {
  kind: CaseKind;
  payment: Payment;
  provider: ProviderName;
  method: PaymentMethod | null;
  success: Pick<VerifiedCallback, 'providerPaymentId' | 'attributes' | 'callbackId' | 'amount'>;
}

/**
 * Cases: verified money that cannot simply settle its payment. Opening stores the case first
 * (one per provider transfer), then asks the ledger to hold the money in unapplied funds; only
 * once the ledger holds it may the provider be told "accepted" (`held`). Resolving applies the
 * money to the merchant or records its return to the payer, once, through the ledger (whose key
 * per case step makes every retry safe), then in checkout.
 */
export function makeCases(deps: CasesDeps) {
  const { log } = deps;

  /**
   * Asks the ledger to hold the case's money; `payment` is the case's payment when the caller read
   * it already. Answers what the ledger did.
   */
  async function hold(
    c: Case,
    known?: Payment | null,
  ): Promise<'held' | 'unreachable' | 'refused'> {
    const payment = known === undefined ? await deps.payments.findById(c.paymentId) : known;
    try {
      await deps.ledger.holdUnappliedFunds({
        idempotencyKey: caseKeys.hold(c.id),
        case: c,
        orderId: payment?.orderId ?? '',
        description: payment?.description ?? '',
        // A case always names a payment checkout has; without it the mode reads as unset (false).
        livemode: payment?.livemode ?? false,
      });
    } catch (err) {
      log.warn(
        { caseId: c.id, paymentId: c.paymentId, code: isDomainError(err) ? err.code : undefined },
        'ledger did not hold the case money yet; the provider is asked to retry',
      );
      return isDomainError(err) && !err.retriable ? 'refused' : 'unreachable';
    }
    await deps.cases.markHeld(c.id, deps.clock.now());
    return 'held';
  }

  async function open(input: OpenCaseInput): Promise<{ case: Case; held: boolean }> {
    const now = deps.clock.now();
    const { case: stored, created } = await deps.cases.openOnce(
      newCase({ ...input, id: newId('case'), now }),
    );
    if (created) {
      log.warn(
        {
          caseId: stored.id,
          kind: stored.kind,
          paymentId: stored.paymentId,
          provider: stored.provider,
          callbackId: stored.callbackId,
          amount: {
            amountMinor: String(stored.amount.amountMinor),
            currency: stored.amount.currency,
          },
        },
        'verified money does not match its payment; case opened',
      );
    }
    if (stored.status !== 'opening') return { case: stored, held: true };
    const held = (await hold(stored)) === 'held';
    return { case: (await deps.cases.findById(stored.id)) ?? stored, held };
  }

  /**
   * Retries the ledger hold of cases still opening (the provider may never resend), their
   * payments read in one query. Stops at the first the ledger could not be asked about (the rest
   * would fail alike); one it refused waits before it is asked again.
   */
  async function sweepOpening(graceMs: number): Promise<number> {
    const now = deps.clock.now();
    const due = await deps.cases.listOpening(new Date(now.getTime() - graceMs), 100, now);
    if (due.length === 0) return 0;
    const payments = await deps.payments.findByIds(due.map((c) => c.paymentId));
    let held = 0;
    for (const c of due) {
      const outcome = await hold(c, payments.get(c.paymentId) ?? null);
      if (outcome === 'held') held += 1;
      else if (outcome === 'refused') await deps.cases.deferHold(c.id, now);
      else break;
    }
    return held;
  }

  async function mustFind(caseId: string): Promise<Case> {
    const found = caseId ? await deps.cases.findById(caseId) : undefined;
    if (!found) throw checkoutErrors.create('CASE_NOT_FOUND', `case ${caseId} not found`);
    return found;
  }

  function requireOperator(operator: string, note: string): void {
    if (!operator.trim() || operator.length > 200) {
      throw checkoutErrors.create('CASE_INVALID_REQUEST', 'operator is required (1..200)', {
        details: { field: 'operator' },
      });
    }
    if (note.length > 1_000) {
      throw checkoutErrors.create('CASE_INVALID_REQUEST', 'note is longer than 1000', {
        details: { field: 'note' },
      });
    }
  }

  function alreadyResolved(c: Case): never {
    throw checkoutErrors.create('CASE_ALREADY_RESOLVED', `case ${c.id} was already ${c.status}`, {
      details: { status: c.status },
    });
  }

  /** A case still opening is held first: it is resolved only once the ledger holds its money. */
  async function requireHeld(c: Case): Promise<void> {
    if (c.status === 'opening' && (await hold(c)) !== 'held') {
      throw checkoutErrors.create('CHECKOUT_UPSTREAM_UNAVAILABLE', 'the ledger is unavailable', {
        retriable: true,
      });
    }
  }

  /** The ledger's verdict that the other resolution won, in checkout's words. */
  function translate(err: unknown, c: Case): never {
    if (isDomainError(err) && err.code === 'LEDGER_CASE_ALREADY_RESOLVED') alreadyResolved(c);
    throw err;
  }

  /**
   * Credits the case's money to the merchant. A payment that was not paid (late money, a
   * different amount, an unknown one) becomes succeeded with the ledger's transaction; a paid
   * one keeps its status and receives the money on top. The ledger emits the merchant's event.
   */
  async function apply(input: { caseId: string; operator: string; note: string }): Promise<Case> {
    requireOperator(input.operator, input.note);
    let c = await mustFind(input.caseId);
    if (c.status === 'applied') return c;
    if (c.status === 'returned') alreadyResolved(c);
    await requireHeld(c);
    const result = await deps.ledger
      .applyUnappliedFunds({
        idempotencyKey: caseKeys.apply(c.id),
        caseId: c.id,
        operator: input.operator,
        note: input.note,
        returnReference: '',
      })
      .catch((err: unknown) => translate(err, c));
    const now = deps.clock.now();
    const { payment, changed } = await applyTransition(deps, c.paymentId, (p) =>
      p.status === 'succeeded'
        ? null
        : {
            to: 'succeeded',
            reason: `case ${c.id} applied by ${input.operator}`,
            patch: {
              method: c.method,
              provider: c.provider,
              providerPaymentId: c.providerPaymentId,
              providerAttributes: { ...p.providerAttributes, ...c.providerAttributes },
              failureCode: null,
              succeededAt: now,
            },
          },
    );
    // The ledger posted this payment with the case's money: never post it again.
    if (changed || !payment.ledgerPostedAt) {
      await deps.payments.markLedgerPosted(payment.id, result.transactionId, now, result.fee);
    }
    await deps.cases.markResolved(c.id, {
      status: 'applied',
      at: now,
      actor: input.operator,
      note: input.note,
      returnReference: '',
    });
    c = await mustFind(c.id);
    log.info({ caseId: c.id, paymentId: c.paymentId, operator: input.operator }, 'case applied');
    return c;
  }

  /** Records that the case's money went back to the payer with the transfer's reference. */
  async function giveBack(input: {
    caseId: string;
    operator: string;
    note: string;
    returnReference: string;
  }): Promise<Case> {
    requireOperator(input.operator, input.note);
    if (!input.returnReference.trim() || input.returnReference.length > 200) {
      throw checkoutErrors.create('CASE_INVALID_REQUEST', 'return_reference is required (1..200)', {
        details: { field: 'return_reference' },
      });
    }
    const c = await mustFind(input.caseId);
    if (c.status === 'returned') {
      if (c.returnReference === input.returnReference) return c;
      // Returned with another transfer: a second return would be the payer paid twice.
      throw checkoutErrors.create(
        'CASE_ALREADY_RESOLVED',
        `case ${c.id} was already returned with another reference`,
        { details: { status: c.status, field: 'return_reference' } },
      );
    }
    if (c.status === 'applied') alreadyResolved(c);
    await requireHeld(c);
    await deps.ledger
      .returnUnappliedFunds({
        idempotencyKey: caseKeys.return(c.id),
        caseId: c.id,
        operator: input.operator,
        note: input.note,
        returnReference: input.returnReference,
      })
      .catch((err: unknown) => translate(err, c));
    await deps.cases.markResolved(c.id, {
      status: 'returned',
      at: deps.clock.now(),
      actor: input.operator,
      note: input.note,
      returnReference: input.returnReference,
    });
    log.info({ caseId: c.id, paymentId: c.paymentId, operator: input.operator }, 'case returned');
    return mustFind(c.id);
  }

  /**
   * The case a provider transfer already opened, if any: the same money reported again (e.g. the
   * postback that later confirms a deposit whose amount was unknown) stays that case's money and
   * never settles the payment a second time beside it.
   */
  function ofTransfer(
    payment: Payment,
    provider: ProviderName,
    success: Pick<VerifiedCallback, 'providerPaymentId' | 'callbackId'>,
  ): Promise<Case | undefined> {
    return deps.cases.findByDedupeKey(
      dedupeKeyOf(payment.id, provider, success.providerPaymentId, success.callbackId),
    );
  }

  return { open, sweepOpening, apply, giveBack, find: mustFind, ofTransfer };
}

export type Cases = ReturnType<typeof makeCases>;
