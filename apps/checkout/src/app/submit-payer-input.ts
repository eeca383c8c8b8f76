import { isDomainError } from '@tolem/errors';

import { checkoutErrors } from '../domain/errors';
import { availableMethods, methodTakesPayerInput } from '../domain/method-capabilities';
import { requirePageSecret } from '../domain/page-secret';
import { isAttemptLimited, methodLocked, type PayerAttemptLimits } from '../domain/payer-attempts';
import { PAYER_MESSAGES, validatePayerFields } from '../domain/payer-input';
import {
  isExpiredByTime,
  isOpen,
  isPaymentAmount,
  type Payment,
  type PaymentView,
} from '../domain/payment';
import type {
  Clock,
  Log,
  MerchantRepository,
  PayerAttemptRepository,
  PaymentProviderPort,
  PaymentRepository,
} from '../domain/ports';
import type { PayerInputAnswer, ProviderAction } from '../domain/provider';
import { applyTransition } from './apply-transition';
import type { Cases } from './cases';
import type { PostToLedger } from './post-to-ledger';
import { succeedPayment } from './succeed-payment';

export interface SubmitPayerInputDeps {
  merchants: MerchantRepository;
  payments: PaymentRepository;
  provider: PaymentProviderPort;
  postToLedger: PostToLedger;
  clock: Clock;
  log: Log;
  attempts: PayerAttemptRepository;
  attemptLimits: PayerAttemptLimits;
  cases: Pick<Cases, 'open'>;
}

export interface SubmitPayerInputInput {
  paymentId: string;
  /** The hosted page's link secret; wrong or missing is PAYMENT_NOT_FOUND. */
  pageSecret: string;
  fields: Record<string, string>;
}

export interface SubmitPayerInputOutput {
  view: PaymentView;
  /** For the payer: why the input was not accepted or what happens next; empty when paid. */
  message: string;
  /** A further step the provider asks for (e.g. the wallet requisites again); null if none. */
  action: ProviderAction | null;
  /** The provider's outcome; `succeeded` also for a replay on an already succeeded payment. */
  outcome: PayerInputAnswer['outcome'];
}

function notPayable(status: string) {
  return checkoutErrors.create('PAYMENT_NOT_PAYABLE', `payment is ${status} and cannot be paid`, {
    details: { status },
  });
}

/**
 * The payer's second step on Tolem's page (Wavepay: the wallet transaction number `key1`), for a
 * pending payment started with a method that takes one; passed to the provider adapters and the
 * answer applied:
 * - SUCCEEDED: the same path as a succeeded callback (transition, fee, ledger post under
 *   `payment:{id}:succeeded`, the ledger's applied fee stored). A ledger failure does not fail
 *   the call: the payment is succeeded and the sweeper posts it.
 * - PENDING: stays pending, with the provider's message; its postback settles it.
 * - MANUAL_REVIEW: requires_review.
 * - FAILED: stays pending so the payer may try another number, unless the provider says the
 *   attempt is final (payer_may_retry false): then failed.
 * Submitting again after success is answered from the stored payment without asking the provider,
 * so a repeat never posts twice (the ledger key guarantees it for concurrent repeats).
 * Each submission reserves one of the method's tries before the provider is asked; only a refused
 * input (FAILED) keeps it, so after the limit of wrong numbers the method is locked for the
 * payment (PAYMENT_METHOD_LOCKED) and the provider is not asked again.
 */
export function makeSubmitPayerInput(deps: SubmitPayerInputDeps) {
  const { log } = deps;

  return async (input: SubmitPayerInputInput): Promise<SubmitPayerInputOutput> => {
    const payment = requirePageSecret(
      input.paymentId ? await deps.payments.findById(input.paymentId) : undefined,
      input.pageSecret,
    );
    const merchant = await deps.merchants.findById(payment.merchantId);
    if (!merchant) throw new Error(`payment ${payment.id} has no merchant ${payment.merchantId}`);
    const view = (p: Payment): PaymentView => ({
      payment: p,
      availableMethods: availableMethods(merchant.enabledMethods, p.amount.currency),
    });
    const takesInput = payment.method !== null && methodTakesPayerInput(payment.method);

    if (payment.status === 'succeeded' && takesInput) {
      // A repeat after success (double submit, reload): the stored answer, never a second post.
      const posted = payment.ledgerPostedAt ? payment : await postQuietly(payment);
      return { view: view(posted), message: '', action: null, outcome: 'succeeded' };
    }
    if (isExpiredByTime(payment, deps.clock.now())) {
      await applyTransition(
        deps,
        payment.id,
        (current, at) =>
          isExpiredByTime(current, at) ? { to: 'expired', reason: 'expired' } : null,
        payment,
      );
      throw notPayable('expired');
    }
    if (!isOpen(payment.status)) throw notPayable(payment.status);
    if (payment.status !== 'pending' || !payment.method || !takesInput) {
      throw checkoutErrors.create(
        'PAYMENT_INPUT_NOT_EXPECTED',
        payment.method
          ? `${payment.method} payments take no payer input`
          : 'the payment has not been started',
        { details: { status: payment.status, method: payment.method ?? '' } },
      );
    }
    validatePayerFields(input.fields);

    const method = payment.method;
    const limited = isAttemptLimited(method) ? method : null;
    const at = deps.clock.now();
    if (limited) {
      const limit = deps.attemptLimits[limited];
      if (!(await deps.attempts.reserve(payment.id, limited, limit, at))) {
        throw methodLocked(limited);
      }
    }
    let answer: PayerInputAnswer;
    try {
      answer = await deps.provider.submitPayerInput({
        paymentId: payment.id,
        method,
        fields: { ...input.fields },
      });
    } catch (err) {
      // Not the payer's doing (provider down, timed out, broken): the try does not count.
      if (limited) await deps.attempts.release(payment.id, limited, at);
      throw err;
    }
    // Only a refused input counts; accepted, still checking or under review give the try back.
    if (limited && answer.outcome !== 'failed') {
      await deps.attempts.release(payment.id, limited, at);
    }
    const action = answer.nextAction;
    const reason = `payer_input ${answer.reasonCode}`.trim();

    switch (answer.outcome) {
      case 'succeeded': {
        if (!answer.amount || !isPaymentAmount(payment, answer.amount)) {
          // Money moved, but not (or not known to be) what the payment asked: it is held in
          // the ledger under a case, and the payment waits for the operator's decision.
          const kind = answer.amount ? 'amount_mismatch' : 'amount_unknown';
          const { case: opened } = await deps.cases.open({
            kind,
            payment,
            provider: payment.provider ?? 'paykassma',
            method: payment.method,
            success: {
              providerPaymentId: answer.providerPaymentId,
              attributes: answer.attributes,
              callbackId: '',
              amount: answer.amount ?? null,
            },
          });
          log.error(
            {
              paymentId: payment.id,
              caseId: opened.id,
              kind,
              reported: answer.amount && {
                amountMinor: String(answer.amount.amountMinor),
                currency: answer.amount.currency,
              },
            },
            "provider confirmed payer input without the payment's amount; case opened, payment requires review",
          );
          const reviewed = await toReview(payment, answer, `payer_input ${kind} ${opened.id}`);
          return {
            view: view(reviewed),
            message: PAYER_MESSAGES.review,
            action,
            outcome: 'manual_review',
          };
        }
        try {
          const { payment: paid } = await succeedPayment(deps, payment, {
            reason: 'payer_input',
            method: payment.method,
            provider: payment.provider,
            providerPaymentId: answer.providerPaymentId,
            attributes: answer.attributes,
          });
          return { view: view(paid), message: '', action: null, outcome: 'succeeded' };
        } catch (err) {
          if (!isDomainError(err) || err.code !== 'PAYMENT_ALREADY_FINAL') throw err;
          log.error(
            { paymentId: payment.id, code: err.code, status: err.details['status'] },
            'provider confirmed payer input for a final payment; payment left unchanged',
          );
          const fresh = (await deps.payments.findById(payment.id)) ?? payment;
          return { view: view(fresh), message: answer.message, action, outcome: 'succeeded' };
        }
      }
      case 'pending':
        return {
          view: view(payment),
          message: answer.message || PAYER_MESSAGES.pending,
          action,
          outcome: 'pending',
        };
      case 'manual_review': {
        const reviewed = await toReview(payment, answer, reason);
        log.warn(
          { paymentId: payment.id, reasonCode: answer.reasonCode },
          'provider asks for a manual review of payer input; payment requires review',
        );
        return {
          view: view(reviewed),
          message: answer.message || PAYER_MESSAGES.review,
          action,
          outcome: 'manual_review',
        };
      }
      case 'failed': {
        if (answer.payerMayRetry) {
          return {
            view: view(payment),
            message: answer.message || PAYER_MESSAGES.retry,
            action,
            outcome: 'failed',
          };
        }
        const { payment: failed } = await applyTransition(
          deps,
          payment.id,
          (p) => ({
            to: 'failed',
            reason,
            patch: {
              providerPaymentId: answer.providerPaymentId || p.providerPaymentId,
              providerAttributes: { ...p.providerAttributes, ...answer.attributes },
              failureCode: answer.reasonCode || 'PROVIDER_PAYMENT_FAILED',
            },
          }),
          payment,
        );
        return {
          view: view(failed),
          message: answer.message || PAYER_MESSAGES.failed,
          action,
          outcome: 'failed',
        };
      }
    }
  };

  async function toReview(
    payment: Payment,
    answer: PayerInputAnswer,
    reason: string,
  ): Promise<Payment> {
    const { payment: reviewed } = await applyTransition(
      deps,
      payment.id,
      (p) =>
        p.status === 'requires_review'
          ? null
          : {
              to: 'requires_review',
              reason,
              patch: {
                providerPaymentId: answer.providerPaymentId || p.providerPaymentId,
                providerAttributes: { ...p.providerAttributes, ...answer.attributes },
              },
            },
      payment,
    );
    return reviewed;
  }

  /** A repeat may find the post still missing; the sweeper covers a failure here too. */
  async function postQuietly(payment: Payment): Promise<Payment> {
    try {
      return await deps.postToLedger(payment);
    } catch (err) {
      log.warn(
        { paymentId: payment.id, code: isDomainError(err) ? err.code : undefined },
        'ledger post on a repeated payer input failed; the ledger sweeper retries',
      );
      return payment;
    }
  }
}
