import { isDomainError } from '@tolem/errors';

import { type Case, caseKindOf } from '../domain/case';
import {
  isExpiredByTime,
  type Payment,
  type PaymentMethod,
  type ProviderName,
} from '../domain/payment';
import type { Clock, Log, PaymentRepository } from '../domain/ports';
import type { VerifiedCallback } from '../domain/provider';
import { applyTransition } from './apply-transition';
import type { Cases } from './cases';
import type { PostToLedger } from './post-to-ledger';
import { succeedPayment } from './succeed-payment';

export interface ApplyVerifiedSuccessDeps {
  payments: PaymentRepository;
  postToLedger: PostToLedger;
  cases: Pick<Cases, 'open' | 'ofTransfer'>;
  clock: Clock;
  log: Log;
}

/** Verified money a provider moved for a payment: from a callback or the reconciler. */
export interface VerifiedSuccess {
  provider: ProviderName;
  method: PaymentMethod | null;
  providerPaymentId: string;
  /** As the provider confirmed it; null when it did not say (never the payment's own). */
  amount: VerifiedCallback['amount'];
  attributes: Record<string, string>;
  /** The raw callback's id, or the reconciler's reference for the transfer. */
  callbackId: string;
  /** The audit trail's reason, e.g. `callback cb_…`. */
  reason: string;
  /** When the provider settled the money, if known (the reconciler); absent: now. */
  arrivedAt?: Date;
}

/**
 * applied: the payment is succeeded with this transfer (posted: the ledger has it; else the
 * ledger sweeper retries). case: the money could not settle the payment as it stands and is
 * held under a case (held: the ledger holds it; else the case sweeper retries the hold).
 * refused: the payment turned final with another outcome and the money is no case.
 */
export type SuccessVerdict =
  | { kind: 'applied'; payment: Payment; posted: boolean }
  | { kind: 'case'; case: Case; held: boolean; payment: Payment }
  | { kind: 'refused'; payment: Payment };

/**
 * The one path of a verified success for a known payment, whoever learned of it (a provider
 * callback, the reconciler): a transfer that already opened a case is that case's money; then
 * the case rules (domain/case.ts: another amount or currency, no amount, a second transfer, a
 * payment failed, expired or canceled), else the payment
 * succeeds and is posted to the ledger. A payment that turns final meanwhile is judged again on
 * its fresh state, so late money still becomes a case.
 */
export function makeApplyVerifiedSuccess(deps: ApplyVerifiedSuccessDeps) {
  const { log } = deps;

  async function asCase(
    kind: NonNullable<ReturnType<typeof caseKindOf>>,
    payment: Payment,
    success: VerifiedSuccess,
  ): Promise<SuccessVerdict> {
    const { case: opened, held } = await deps.cases.open({
      kind,
      payment,
      provider: success.provider,
      method: success.method,
      success,
    });
    log.warn(
      { paymentId: payment.id, callbackId: success.callbackId, caseId: opened.id, kind, held },
      'verified money held for a case; payment left as it is',
    );
    return { kind: 'case', case: opened, held, payment };
  }

  /**
   * A QR payment's expiry is its code's, shown to the payer and refused by the payer's bank
   * after it: money arriving past it (when the provider settled it, for the reconciler) is late
   * even before the expiry sweeper saw the payment, so the payment expires first and the money
   * becomes a late_payment case. (Other providers keep their own payment windows; their
   * payments are not cut off here.)
   */
  async function expireLateQr(payment: Payment, success: VerifiedSuccess): Promise<Payment> {
    const qr = payment.method === 'qr' || success.method === 'qr';
    const arrived = success.arrivedAt ?? deps.clock.now();
    if (!qr || !isExpiredByTime(payment, arrived)) return payment;
    const { payment: expired } = await applyTransition(
      deps,
      payment.id,
      (current) =>
        isExpiredByTime(current, arrived) ? { to: 'expired', reason: 'expired' } : null,
      payment,
    );
    return expired;
  }

  return async (found: Payment, success: VerifiedSuccess): Promise<SuccessVerdict> => {
    const payment = await expireLateQr(found, success);
    // A transfer that already opened a case stays that case's money, whatever it says now.
    const prior = await deps.cases.ofTransfer(payment, success.provider, success);
    const kind = prior?.kind ?? caseKindOf(payment, success);
    if (kind) return asCase(kind, payment, success);
    try {
      const result = await succeedPayment(deps, payment, {
        reason: success.reason,
        method: success.method,
        provider: success.provider,
        providerPaymentId: success.providerPaymentId,
        attributes: success.attributes,
      });
      return { kind: 'applied', ...result };
    } catch (err) {
      if (!isDomainError(err) || err.code !== 'PAYMENT_ALREADY_FINAL') throw err;
      // The payment turned final meanwhile (failed, expired, canceled): the money is a case.
      const fresh = (await deps.payments.findById(payment.id)) ?? payment;
      const late = caseKindOf(fresh, success);
      if (late) return asCase(late, fresh, success);
      log.error(
        {
          paymentId: payment.id,
          callbackId: success.callbackId,
          code: err.code,
          status: err.details['status'],
        },
        'succeeded callback for a final payment refused; payment left unchanged',
      );
      return { kind: 'refused', payment: fresh };
    }
  };
}

export type ApplyVerifiedSuccess = ReturnType<typeof makeApplyVerifiedSuccess>;
