import { isDomainError } from '@tolem/errors';

import { checkoutErrors } from '../domain/errors';
import type { Payment, ProviderName } from '../domain/payment';
import type {
  CaseRepository,
  Clock,
  Log,
  PaymentProviderPort,
  PaymentRepository,
  ReconcilerCursorRepository,
  ReconcilerDifferenceRepository,
  SettledTransaction,
} from '../domain/ports';
import type { ApplyVerifiedSuccess, VerifiedSuccess } from './apply-verified-success';
import type { ReportCardBinding } from './report-card-binding';

export interface ReconcileDeps {
  provider: Pick<PaymentProviderPort, 'listSettledTransactions' | 'queryPaymentStatus'>;
  payments: Pick<PaymentRepository, 'findById' | 'findByIds' | 'listPendingSince' | 'listUnposted'>;
  cases: Pick<CaseRepository, 'list'>;
  cursors: ReconcilerCursorRepository;
  differences: ReconcilerDifferenceRepository;
  applyVerifiedSuccess: ApplyVerifiedSuccess;
  /** A settled payment's card binding, reported as its callback would have. */
  reportCardBinding: ReportCardBinding;
  clock: Clock;
  log: Log;
  /**
   * Money settled or a payment changed this recently is left alone: its callback may still be
   * in flight, and checkout applies it itself (and a transaction committing late is still read).
   */
  graceMs: number;
  /** A payment pending longer than this is asked of its provider. */
  pendingQueryAfterMs: number;
  pageSize?: number;
  /** Bounds one pass; the cursor keeps the rest for the next. */
  maxPages?: number;
}

/** Something the reconciler could not explain; a person must look. */
export interface ReconcileDifference {
  code: 'RECONCILE_UNKNOWN_PAYMENT' | 'RECONCILE_SUCCESS_REFUSED' | 'RECONCILE_APPLY_FAILED';
  paymentId: string;
  provider: ProviderName | null;
  providerPaymentId: string;
  detail: string;
  /** provider-adapters' `ptx_…`: what an operator acknowledges. */
  transactionId: string;
}

export interface ReconcileReport {
  settledSeen: number;
  applied: number;
  alreadyConsistent: number;
  casesOpened: number;
  statusQueriesAsked: number;
  statusQueriesAnswered: number;
  statusQueriesUnsupported: number;
  unposted: number;
  /** Could not be applied yet (a peer was unreachable); the next pass retries. */
  deferred: number;
  unexplained: ReconcileDifference[];
}

/** The name of the cursor over provider-adapters' settled transactions. */
export const SETTLED_CURSOR = 'provider-adapters.settled';
/** The name of the cursor over provider-adapters' extra transfers (money that did not settle). */
export const EXTRA_TRANSFERS_CURSOR = 'provider-adapters.extra-transfers';
/** The last pending payment asked of its provider: passes take turns through all of them. */
export const PENDING_CURSOR = 'payments.pending-asked';

function pendingPosition(cursor: string): { updatedAt: Date; id: string } | null {
  const [at, id] = cursor.split('|');
  const updatedAt = new Date(at ?? '');
  return id && !Number.isNaN(updatedAt.getTime()) ? { updatedAt, id } : null;
}

function emptyReport(): ReconcileReport {
  return {
    settledSeen: 0,
    applied: 0,
    alreadyConsistent: 0,
    casesOpened: 0,
    statusQueriesAsked: 0,
    statusQueriesAnswered: 0,
    statusQueriesUnsupported: 0,
    unposted: 0,
    deferred: 0,
    unexplained: [],
  };
}

/** A peer (the adapters, the ledger) did not answer: retry on the next pass. */
function isTransient(err: unknown): boolean {
  return isDomainError(err) && err.retriable;
}

/**
 * One reconciliation pass over what provider-adapters settled, what checkout recorded and what
 * the ledger posted:
 * - every settled transaction whose payment is not succeeded with it (and whose money no case
 *   holds) is applied through the same rules as a verified callback: a pending payment succeeds
 *   and is posted, late, second or different money becomes a case;
 * - payments pending longer than `pendingQueryAfterMs` are asked of provider-adapters; a
 *   verified success is applied the same way (providers without a status query are counted);
 * - succeeded payments the ledger has not posted are counted (the ledger sweeper posts them);
 * - a settled transaction for a payment checkout never had is reported (it has no payment to
 *   hold a case against) and kept: every pass reports it again until a pass can explain it.
 * Passes never overlap within a process; the cursor advances only past fully handled pages.
 */
/** A batch's payments by id, read once; null for one checkout does not have. */
type KnownPayments = Map<string, Payment | null>;

export function makeReconcile(deps: ReconcileDeps) {
  const { log } = deps;
  const pageSize = deps.pageSize ?? 100;
  const maxPages = deps.maxPages ?? 50;
  let running: Promise<ReconcileReport> | undefined;

  /** Whether a case already holds this transfer's money (a callback or a pass opened it). */
  async function caseHolds(payment: Payment, success: VerifiedSuccess): Promise<boolean> {
    const cases = await deps.cases.list({
      status: null,
      merchantId: '',
      paymentId: payment.id,
      limit: 200,
      after: null,
    });
    return cases.some(
      (c) => c.provider === success.provider && c.providerPaymentId === success.providerPaymentId,
    );
  }

  /** `transactionId`: the settled transaction's `ptx_…`; empty for a status query's answer. */
  async function apply(
    payment: Payment,
    success: VerifiedSuccess,
    report: ReconcileReport,
    transactionId: string,
  ): Promise<Payment | undefined> {
    const verdict = await deps.applyVerifiedSuccess(payment, success);
    switch (verdict.kind) {
      case 'applied':
        report.applied += 1;
        log.warn(
          { paymentId: payment.id, provider: success.provider, posted: verdict.posted },
          'reconciler applied a success checkout had missed',
        );
        return verdict.payment;
      case 'case':
        report.casesOpened += 1;
        return undefined;
      case 'refused':
        report.unexplained.push({
          code: 'RECONCILE_SUCCESS_REFUSED',
          paymentId: payment.id,
          provider: success.provider,
          providerPaymentId: success.providerPaymentId,
          detail: `settled at the provider, but the payment is ${verdict.payment.status}`,
          transactionId,
        });
        return undefined;
    }
  }

  function successOf(tx: SettledTransaction): VerifiedSuccess {
    return {
      provider: tx.provider,
      method: tx.method,
      providerPaymentId: tx.providerPaymentId,
      amount: tx.amount,
      attributes: tx.attributes,
      callbackId: `reconcile:${tx.transactionId}`,
      reason: `reconciler: settled at ${tx.provider} (${tx.transactionId})`,
      arrivedAt: tx.settledAt,
    };
  }

  function unknownPayment(tx: SettledTransaction): ReconcileDifference {
    return {
      code: 'RECONCILE_UNKNOWN_PAYMENT',
      paymentId: tx.paymentId,
      provider: tx.provider,
      providerPaymentId: tx.providerPaymentId,
      detail: `settled at ${tx.provider} (${tx.transactionId}) for a payment checkout does not have`,
      transactionId: tx.transactionId,
    };
  }

  /**
   * The payments of a batch of transactions in one read (null: checkout does not have it). A
   * payment the pass applies a transfer to is dropped from it, and read again if met again.
   */
  async function paymentsOf(transactions: readonly SettledTransaction[]): Promise<KnownPayments> {
    const ids = transactions.map((tx) => tx.paymentId);
    if (ids.length === 0) return new Map();
    const found = await deps.payments.findByIds(ids);
    return new Map(ids.map((id) => [id, found.get(id) ?? null]));
  }

  /** Applies or counts one settled transaction; false when its payment is unknown here. */
  async function reconcileSettled(
    tx: SettledTransaction,
    report: ReconcileReport,
    known: KnownPayments,
  ): Promise<boolean> {
    const payment = known.has(tx.paymentId)
      ? known.get(tx.paymentId)
      : await deps.payments.findById(tx.paymentId);
    if (!payment) return false;
    const success = successOf(tx);
    const sameTransfer =
      payment.status === 'succeeded' &&
      payment.provider === tx.provider &&
      (payment.providerPaymentId ?? '') === tx.providerPaymentId;
    let paid: Payment | undefined;
    if (sameTransfer || (await caseHolds(payment, success))) {
      report.alreadyConsistent += 1;
      paid = sameTransfer ? payment : undefined;
    } else {
      known.delete(payment.id);
      paid = await apply(payment, success, report, tx.transactionId);
    }
    // Paid with this transfer: its card binding is recorded even when the callback that carried
    // it was missed, or checkout stopped between the payment and the binding (stored once).
    if (paid && tx.cardBinding) await deps.reportCardBinding(paid, tx.cardBinding);
    return true;
  }

  function applyFailed(tx: SettledTransaction, err: unknown): ReconcileDifference {
    const code = isDomainError(err) ? err.code : 'INTERNAL';
    return {
      code: 'RECONCILE_APPLY_FAILED',
      paymentId: tx.paymentId,
      provider: tx.provider,
      providerPaymentId: tx.providerPaymentId,
      detail: `settled at ${tx.provider} (${tx.transactionId}); applying it failed with ${code}`,
      transactionId: tx.transactionId,
    };
  }

  /**
   * Reconciles one settled transaction; what it cannot explain is returned (not yet kept). A
   * transient failure (a peer away) is thrown for the caller to retry the next pass; any other
   * failure is a difference, so one transaction can never hold the cursor back for good.
   */
  async function explain(
    tx: SettledTransaction,
    report: ReconcileReport,
    known: KnownPayments,
  ): Promise<ReconcileDifference | null> {
    try {
      return (await reconcileSettled(tx, report, known)) ? null : unknownPayment(tx);
    } catch (err) {
      if (isTransient(err)) throw err;
      log.error(
        { paymentId: tx.paymentId, transactionId: tx.transactionId, err },
        'reconciler could not apply a settled transaction',
      );
      return applyFailed(tx, err);
    }
  }

  async function settledOne(
    tx: SettledTransaction,
    report: ReconcileReport,
    known: KnownPayments,
  ): Promise<void> {
    report.settledSeen += 1;
    const difference = await explain(tx, report, known);
    if (!difference) return;
    await deps.differences.record(
      { transaction: tx, code: difference.code, detail: difference.detail },
      deps.clock.now(),
    );
    report.unexplained.push(difference);
  }

  /** Differences earlier passes kept: explained now (e.g. the payment exists), or reported again. */
  async function earlier(report: ReconcileReport): Promise<void> {
    const open = await deps.differences.listOpen(1000);
    let known: KnownPayments;
    try {
      known = await paymentsOf(open.map((kept) => kept.transaction));
    } catch (err) {
      if (!isTransient(err)) throw err;
      // The rest of the pass goes on; these are re-checked next pass.
      report.deferred += open.length;
      log.warn(
        { differences: open.length, code: isDomainError(err) ? err.code : undefined },
        'reconciler could not re-check kept differences yet; retrying next pass',
      );
      return;
    }
    for (const kept of open) {
      const tx = kept.transaction;
      let difference;
      try {
        difference = await explain(tx, report, known);
      } catch (err) {
        report.deferred += 1;
        log.warn(
          { paymentId: tx.paymentId, code: isDomainError(err) ? err.code : undefined },
          'reconciler could not re-check a kept difference yet; retrying next pass',
        );
        continue;
      }
      if (difference) report.unexplained.push(difference);
      else await deps.differences.resolve(tx.transactionId, deps.clock.now());
    }
  }

  /**
   * The adapters' settlements, then (`extraTransfers`) the money they verified that did not
   * settle its payment: each transfer is applied as its callback would have been, so money whose
   * callback checkout missed is a payment's or a case's, never nobody's.
   */
  async function settled(
    report: ReconcileReport,
    settledBefore: Date,
    extraTransfers = false,
  ): Promise<void> {
    const name = extraTransfers ? EXTRA_TRANSFERS_CURSOR : SETTLED_CURSOR;
    let cursor = await deps.cursors.get(name);
    for (let page = 0; page < maxPages; page += 1) {
      const { transactions, nextCursor } = await deps.provider.listSettledTransactions({
        cursor,
        settledBefore,
        limit: pageSize,
        extraTransfers,
      });
      let known: KnownPayments = new Map();
      for (const [i, tx] of transactions.entries()) {
        try {
          if (i === 0) known = await paymentsOf(transactions);
          await settledOne(tx, report, known);
        } catch (err) {
          if (!isTransient(err)) throw err;
          // The cursor stays before this page: the rest is read again next pass.
          report.deferred += transactions.length - i;
          log.warn(
            { paymentId: tx.paymentId, code: (err as { code?: string }).code },
            'reconciler could not apply a settled transaction yet; retrying next pass',
          );
          return;
        }
      }
      if (nextCursor !== cursor) await deps.cursors.set(name, nextCursor, deps.clock.now());
      cursor = nextCursor;
      if (transactions.length < pageSize) return;
    }
  }

  async function pendingOne(payment: Payment, report: ReconcileReport): Promise<void> {
    report.statusQueriesAsked += 1;
    let status;
    try {
      status = await deps.provider.queryPaymentStatus(payment.id);
    } catch (err) {
      if (isDomainError(err) && err.code === 'PROVIDER_OPERATION_UNSUPPORTED') {
        report.statusQueriesUnsupported += 1;
        return;
      }
      if (!isTransient(err) && !(isDomainError(err) && err.kind === 'not_found')) throw err;
      // Not started at any provider, or the adapters are away: nothing to learn now.
      report.deferred += 1;
      return;
    }
    if (status.checkedWithProvider) report.statusQueriesAnswered += 1;
    else report.statusQueriesUnsupported += 1;
    if (status.outcome !== 'succeeded') return;
    const success: VerifiedSuccess = {
      provider: status.provider,
      method: status.method,
      providerPaymentId: status.providerPaymentId,
      amount: status.amount,
      attributes: status.attributes,
      callbackId: `reconcile:status:${payment.id}`,
      reason: `reconciler: ${status.provider} reports it succeeded`,
    };
    if (await caseHolds(payment, success)) {
      report.alreadyConsistent += 1;
      return;
    }
    await apply(payment, success, report, '');
  }

  /**
   * One page of payments pending too long, after the last one asked; at the end of the list
   * the next pass starts again from the longest waiting, so none starves behind the oldest.
   */
  async function pending(report: ReconcileReport, now: Date): Promise<void> {
    const before = new Date(now.getTime() - Math.max(deps.pendingQueryAfterMs, deps.graceMs));
    const after = pendingPosition(await deps.cursors.get(PENDING_CURSOR));
    const due = await deps.payments.listPendingSince(before, after, pageSize);
    for (const payment of due) await pendingOne(payment, report);
    const last = due.at(-1);
    const next =
      due.length === pageSize && last ? `${last.updatedAt.toISOString()}|${last.id}` : '';
    if (next !== '' || after) await deps.cursors.set(PENDING_CURSOR, next, deps.clock.now());
  }

  async function pass(): Promise<ReconcileReport> {
    const report = emptyReport();
    const now = deps.clock.now();
    const settledBefore = new Date(now.getTime() - deps.graceMs);
    await earlier(report);
    await settled(report, settledBefore);
    await settled(report, settledBefore, true);
    await pending(report, now);
    report.unposted = (await deps.payments.listUnposted(settledBefore, 1000)).length;
    const summary = { ...report, unexplained: report.unexplained.length };
    if (report.unexplained.length > 0) {
      log.error(
        { ...summary, differences: report.unexplained },
        'reconciliation found differences it cannot explain',
      );
    } else if (report.applied + report.casesOpened > 0) {
      log.warn(summary, 'reconciliation healed differences');
    }
    return report;
  }

  return async (): Promise<ReconcileReport> => {
    // A pass asked for while one runs waits for it, then runs its own on fresh state.
    while (running) await running.catch(() => undefined);
    running = pass();
    try {
      return await running;
    } finally {
      running = undefined;
    }
  };
}

export type Reconcile = ReturnType<typeof makeReconcile>;

export interface AcknowledgeDifferenceDeps {
  differences: Pick<ReconcilerDifferenceRepository, 'acknowledge'>;
  clock: Clock;
  log: Log;
}

/**
 * An operator looked at an unexplained difference (e.g. returned money settled for a payment
 * Tolem never had): passes stop reporting it. Idempotent; who and why are kept with it.
 */
export function makeAcknowledgeDifference(deps: AcknowledgeDifferenceDeps) {
  return async (input: {
    transactionId: string;
    operator: string;
    note: string;
  }): Promise<{ already: boolean }> => {
    const invalid = (field: string, message: string) =>
      checkoutErrors.create('RECONCILE_INVALID_REQUEST', message, { details: { field } });
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(input.transactionId)) {
      throw invalid('transaction_id', 'transaction_id is required (a ptx_… id)');
    }
    if (!input.operator.trim() || input.operator.length > 200) {
      throw invalid('operator', 'operator is required (1..200)');
    }
    if (input.note.length > 2000) throw invalid('note', 'note is at most 2000 characters');
    const done = await deps.differences.acknowledge(input.transactionId, {
      operator: input.operator,
      note: input.note,
      at: deps.clock.now(),
    });
    if (!done) {
      throw checkoutErrors.create(
        'RECONCILE_DIFFERENCE_NOT_FOUND',
        `no unexplained difference for ${input.transactionId}`,
      );
    }
    deps.log.info(
      { transactionId: input.transactionId, operator: input.operator, already: done.already },
      'reconciliation difference acknowledged',
    );
    return done;
  };
}

export type AcknowledgeDifference = ReturnType<typeof makeAcknowledgeDifference>;
