import { isDomainError } from '@tolem/errors';

import { feeFor } from '../domain/merchant';
import { isPayable, type Payment, type PaymentStatus, type ProviderName } from '../domain/payment';
import type {
  Clock,
  Log,
  MerchantRepository,
  PaymentProviderPort,
  PaymentRepository,
} from '../domain/ports';
import {
  type HttpReply,
  type RawHttpRequest,
  textReply,
  type VerifiedCallback,
} from '../domain/provider';
import { applyTransition } from './apply-transition';
import type { PostToLedger } from './post-to-ledger';

export interface HandleProviderCallbackDeps {
  merchants: MerchantRepository;
  payments: PaymentRepository;
  provider: PaymentProviderPort;
  postToLedger: PostToLedger;
  clock: Clock;
  log: Log;
}

export interface HandleProviderCallbackOutput {
  reply: HttpReply;
  /** Empty when the callback could not be tied to one of our payments. */
  paymentId: string;
  status: PaymentStatus | null;
}

/** Refusal for a verified callback whose money does not match the payment: nothing changes. */
export const AMOUNT_MISMATCH_REPLY = textReply(400, 'amount mismatch');
/** Tells the provider to resend: the payment is succeeded but not yet in the ledger. */
export const RETRY_REPLY = textReply(503, 'retry');
/** Pre-check refused: the payment can no longer be paid, so no money should move. */
export const NOT_PAYABLE_REPLY = textReply(400, 'payment not payable');

function sameMoney(payment: Payment, amount: VerifiedCallback['amount']): boolean {
  return (
    amount !== null &&
    amount.amountMinor === payment.amount.amountMinor &&
    amount.currency === payment.amount.currency
  );
}

/**
 * Passes a provider callback to the provider adapters (which verify it against the raw bytes)
 * and applies the verified outcome: SUCCEEDED moves the payment to succeeded (amount and currency
 * re-checked here), stores the fee and provider facts and posts it to the ledger; FAILED moves
 * it to failed. Duplicates are no-ops; outcomes for final payments are refused and logged. The
 * adapter's reply goes back to the provider, except: 400 on a money mismatch and 503 `retry`
 * when the ledger could not be reached (the ledger sweeper also retries).
 */
export function makeHandleProviderCallback(deps: HandleProviderCallbackDeps) {
  const { log } = deps;

  async function succeeded(cb: VerifiedCallback, provider: ProviderName, payment: Payment) {
    if (!sameMoney(payment, cb.amount)) {
      log.error(
        {
          paymentId: payment.id,
          callbackId: cb.callbackId,
          expected: {
            amountMinor: String(payment.amount.amountMinor),
            currency: payment.amount.currency,
          },
          reported: cb.amount && {
            amountMinor: String(cb.amount.amountMinor),
            currency: cb.amount.currency,
          },
        },
        'provider reported a different amount or currency; payment left unchanged',
      );
      return { reply: AMOUNT_MISMATCH_REPLY, paymentId: payment.id, status: payment.status };
    }
    const merchant = await deps.merchants.findById(payment.merchantId);
    if (!merchant) throw new Error(`payment ${payment.id} has no merchant ${payment.merchantId}`);

    let current: Payment;
    try {
      ({ payment: current } = await applyTransition(
        deps,
        payment.id,
        (p, now) => {
          const method = cb.method ?? p.method;
          return {
            to: 'succeeded',
            reason: `callback ${cb.callbackId}`.trim(),
            patch: {
              method,
              provider,
              providerPaymentId: cb.providerPaymentId || p.providerPaymentId,
              providerAttributes: { ...p.providerAttributes, ...cb.attributes },
              fee: feeFor(merchant, method, p.amount),
              failureCode: null,
              succeededAt: now,
            },
          };
        },
        payment,
      ));
    } catch (err) {
      if (isDomainError(err) && err.code === 'PAYMENT_ALREADY_FINAL') {
        // Money moved at the provider for a payment we consider final: needs reconciliation.
        log.error(
          {
            paymentId: payment.id,
            callbackId: cb.callbackId,
            code: err.code,
            status: err.details['status'],
          },
          'succeeded callback for a final payment refused; payment left unchanged',
        );
        const fresh = (await deps.payments.findById(payment.id)) ?? payment;
        return { reply: cb.reply, paymentId: payment.id, status: fresh.status };
      }
      throw err;
    }

    if (!current.ledgerPostedAt) {
      try {
        await deps.postToLedger(current);
      } catch (err) {
        log.warn(
          { paymentId: current.id, err, code: isDomainError(err) ? err.code : undefined },
          'ledger post failed; asking the provider to resend, the sweeper retries too',
        );
        return { reply: RETRY_REPLY, paymentId: current.id, status: current.status };
      }
    }
    return { reply: cb.reply, paymentId: current.id, status: current.status };
  }

  async function failed(cb: VerifiedCallback, provider: ProviderName, payment: Payment) {
    try {
      const { payment: current } = await applyTransition(
        deps,
        payment.id,
        (p) => ({
          to: 'failed',
          reason: `callback ${cb.callbackId}`.trim(),
          patch: {
            method: cb.method ?? p.method,
            provider,
            providerPaymentId: cb.providerPaymentId || p.providerPaymentId,
            providerAttributes: { ...p.providerAttributes, ...cb.attributes },
            failureCode: cb.reasonCode || 'PROVIDER_PAYMENT_FAILED',
          },
        }),
        payment,
      );
      return { reply: cb.reply, paymentId: current.id, status: current.status };
    } catch (err) {
      if (isDomainError(err) && err.code === 'PAYMENT_ALREADY_FINAL') {
        log.error(
          {
            paymentId: payment.id,
            callbackId: cb.callbackId,
            code: err.code,
            status: err.details['status'],
          },
          'failed callback for a final payment refused; payment left unchanged',
        );
        const fresh = (await deps.payments.findById(payment.id)) ?? payment;
        return { reply: cb.reply, paymentId: payment.id, status: fresh.status };
      }
      throw err;
    }
  }

  /** WebMoney's pre-request: refuse before any money moves if we know the payment cannot be paid. */
  function precheck(cb: VerifiedCallback, payment: Payment) {
    const now = deps.clock.now();
    if (cb.amount && !sameMoney(payment, cb.amount)) {
      log.error(
        { paymentId: payment.id, callbackId: cb.callbackId },
        'pre-check amount mismatch; refused',
      );
      return { reply: AMOUNT_MISMATCH_REPLY, paymentId: payment.id, status: payment.status };
    }
    if (!isPayable(payment, now)) {
      log.warn(
        { paymentId: payment.id, status: payment.status },
        'pre-check for an unpayable payment; refused',
      );
      return { reply: NOT_PAYABLE_REPLY, paymentId: payment.id, status: payment.status };
    }
    return { reply: cb.reply, paymentId: payment.id, status: payment.status };
  }

  return async (input: {
    provider: ProviderName;
    request: RawHttpRequest;
  }): Promise<HandleProviderCallbackOutput> => {
    const cb = await deps.provider.handleCallback(input.provider, input.request);
    if (cb.outcome === 'rejected') {
      log.warn(
        { provider: input.provider, callbackId: cb.callbackId, reasonCode: cb.reasonCode },
        'provider callback rejected by the adapter; nothing changed',
      );
      return { reply: cb.reply, paymentId: '', status: null };
    }
    const payment = cb.paymentId ? await deps.payments.findById(cb.paymentId) : undefined;
    if (!payment) {
      const logged = {
        provider: input.provider,
        callbackId: cb.callbackId,
        paymentId: cb.paymentId,
        outcome: cb.outcome,
      };
      if (cb.outcome === 'succeeded' || cb.outcome === 'failed') {
        log.error(logged, 'verified callback for an unknown payment; nothing changed');
      } else {
        log.warn(logged, 'callback for an unknown payment; nothing changed');
      }
      return { reply: cb.reply, paymentId: '', status: null };
    }
    switch (cb.outcome) {
      case 'succeeded':
        return succeeded(cb, input.provider, payment);
      case 'failed':
        return failed(cb, input.provider, payment);
      case 'precheck_accepted':
        return precheck(cb, payment);
      case 'pending':
        return { reply: cb.reply, paymentId: payment.id, status: payment.status };
    }
  };
}
