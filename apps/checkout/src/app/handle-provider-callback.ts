import { isDomainError } from '@tolem/errors';

import { cardExpiryOf } from '../domain/card-binding';
import { methodTakesCurrency } from '../domain/method-capabilities';
import {
  isOpen,
  isPayable,
  isPaymentAmount,
  type Payment,
  type PaymentStatus,
  type ProviderName,
} from '../domain/payment';
import type {
  Clock,
  Log,
  MerchantRepository,
  PaymentProviderPort,
  PaymentRepository,
  QrCodePort,
} from '../domain/ports';
import { type HttpReply, type RawHttpRequest, type VerifiedCallback } from '../domain/provider';
import { applyTransition } from './apply-transition';
import { makeApplyVerifiedSuccess } from './apply-verified-success';
import type { Cases } from './cases';
import type { CreatePayment } from './create-payment';
import { failPayment } from './fail-payment';
import type { PostToLedger } from './post-to-ledger';
import type { ReportCardBinding } from './report-card-binding';
import type { makeStartOwnPayment } from './start-payment';

export interface HandleProviderCallbackDeps {
  merchants: MerchantRepository;
  payments: PaymentRepository;
  provider: PaymentProviderPort;
  postToLedger: PostToLedger;
  reportCardBinding: ReportCardBinding;
  cases: Pick<Cases, 'open' | 'ofTransfer'>;
  clock: Clock;
  log: Log;
  /** A static code's scan (OUTCOME_UNREGISTERED_QR): the code, then the scan's payment. */
  qr: Pick<QrCodePort, 'getCode'>;
  createPayment: CreatePayment;
  startOwnPayment: ReturnType<typeof makeStartOwnPayment>;
}

/** The idempotency key of a static code's scan: one payment per bank transfer, ever. */
export function qrScanKeyOf(providerPaymentId: string): string {
  return `qr-scan:${providerPaymentId}`;
}

export interface HandleProviderCallbackOutput {
  reply: HttpReply;
  /** Empty when the callback could not be tied to one of our payments. */
  paymentId: string;
  status: PaymentStatus | null;
}

/** A branch's answer, and whether the callback's outcome was accepted by the state machine. */
interface Applied {
  out: HandleProviderCallbackOutput;
  applied: boolean;
}

function reasonOf(cb: VerifiedCallback): string {
  return `callback ${cb.callbackId}`.trim();
}

/**
 * Passes a provider callback to the provider adapters (which verify it against the raw bytes)
 * and applies the verified outcome: SUCCEEDED moves the payment to succeeded and posts it to the
 * ledger, unless the money cannot settle the payment as it stands (another amount or currency,
 * no amount, a payment already paid by another transfer, or one that failed, expired or was
 * canceled): then the money is held in the ledger's unapplied funds under a case before the
 * provider is answered (domain/case.ts); FAILED moves
 * it to failed; MANUAL_REVIEW moves an open payment to requires_review (a person or a later
 * postback settles it); UNREGISTERED_QR (a static QR code's scan) creates and registers the
 * scan's payment, then settles it like any success (settleScan). Duplicates are no-ops; outcomes for final payments are refused and
 * logged. A card binding the callback reports is handed to the recurring service after the
 * transition (stored first, so recurring being down never loses it nor changes the reply). The
 * adapter's reply goes back to the provider; when the money is not yet recorded anywhere (the
 * ledger could not be reached; its sweepers retry too) the adapter's retry reply, and for a
 * refused pre-check its refusal reply. Checkout never picks a provider's status code.
 */
export function makeHandleProviderCallback(deps: HandleProviderCallbackDeps) {
  const { log } = deps;
  const applyVerifiedSuccess = makeApplyVerifiedSuccess(deps);

  /** Logs a refused outcome for a final payment and answers with the adapter's reply. */
  async function refusedAsFinal(
    err: unknown,
    cb: VerifiedCallback,
    payment: Payment,
  ): Promise<Applied> {
    if (!isDomainError(err) || err.code !== 'PAYMENT_ALREADY_FINAL') throw err;
    log.error(
      {
        paymentId: payment.id,
        callbackId: cb.callbackId,
        outcome: cb.outcome,
        code: err.code,
        status: err.details['status'],
      },
      `${cb.outcome} callback for a final payment refused; payment left unchanged`,
    );
    const fresh = (await deps.payments.findById(payment.id)) ?? payment;
    return {
      out: { reply: cb.reply, paymentId: payment.id, status: fresh.status },
      applied: false,
    };
  }

  async function succeeded(
    cb: VerifiedCallback,
    provider: ProviderName,
    payment: Payment,
  ): Promise<Applied> {
    const verdict = await applyVerifiedSuccess(payment, {
      provider,
      method: cb.method,
      providerPaymentId: cb.providerPaymentId,
      amount: cb.amount,
      attributes: cb.attributes,
      callbackId: cb.callbackId,
      reason: reasonOf(cb),
    });
    const answer = (reply: HttpReply, current: Payment, applied: boolean): Applied => ({
      out: { reply, paymentId: current.id, status: current.status },
      applied,
    });
    switch (verdict.kind) {
      case 'applied':
        // The provider resends until the ledger has it; the sweeper retries meanwhile too.
        return answer(verdict.posted ? cb.reply : cb.retryReply, verdict.payment, true);
      case 'case':
        // Until the ledger holds the case's money the provider is told to retry.
        return answer(verdict.held ? cb.reply : cb.retryReply, verdict.payment, false);
      case 'refused':
        return answer(cb.reply, verdict.payment, false);
    }
  }

  async function failed(
    cb: VerifiedCallback,
    provider: ProviderName,
    payment: Payment,
  ): Promise<Applied> {
    try {
      const { payment: current } = await failPayment(deps, payment, {
        reason: reasonOf(cb),
        method: cb.method,
        provider,
        providerPaymentId: cb.providerPaymentId,
        attributes: cb.attributes,
        failureCode: cb.reasonCode,
      });
      return {
        out: { reply: cb.reply, paymentId: current.id, status: current.status },
        applied: true,
      };
    } catch (err) {
      return refusedAsFinal(err, cb, payment);
    }
  }

  /** Verified but unmatched money: the payment waits for a person, it is never dropped. */
  async function manualReview(
    cb: VerifiedCallback,
    provider: ProviderName,
    payment: Payment,
  ): Promise<Applied> {
    try {
      const { payment: current, changed } = await applyTransition(
        deps,
        payment.id,
        (p) =>
          p.status === 'requires_review'
            ? null
            : {
                to: 'requires_review',
                reason: `${reasonOf(cb)} ${cb.reasonCode}`.trim(),
                patch: {
                  method: cb.method ?? p.method,
                  provider,
                  providerPaymentId: cb.providerPaymentId || p.providerPaymentId,
                  providerAttributes: { ...p.providerAttributes, ...cb.attributes },
                },
              },
        payment,
      );
      if (changed) {
        log.warn(
          { paymentId: current.id, callbackId: cb.callbackId, reasonCode: cb.reasonCode },
          'provider asks for a manual review; payment requires review',
        );
      }
      return {
        out: { reply: cb.reply, paymentId: current.id, status: current.status },
        applied: true,
      };
    } catch (err) {
      return refusedAsFinal(err, cb, payment);
    }
  }

  /** WebMoney's pre-request: refuse before any money moves if we know the payment cannot be paid. */
  function precheck(cb: VerifiedCallback, payment: Payment): Applied {
    const now = deps.clock.now();
    const out = (reply: HttpReply) => ({
      out: { reply, paymentId: payment.id, status: payment.status },
      applied: false,
    });
    if (cb.amount && !isPaymentAmount(payment, cb.amount)) {
      log.error(
        { paymentId: payment.id, callbackId: cb.callbackId },
        'pre-check amount mismatch; refused',
      );
      return out(cb.refusalReply);
    }
    if (!isPayable(payment, now)) {
      log.warn(
        { paymentId: payment.id, status: payment.status },
        'pre-check for an unpayable payment; refused',
      );
      return out(cb.refusalReply);
    }
    return out(cb.reply);
  }

  function apply(cb: VerifiedCallback, provider: ProviderName, payment: Payment) {
    switch (cb.outcome) {
      case 'succeeded':
        return succeeded(cb, provider, payment);
      case 'failed':
        return failed(cb, provider, payment);
      case 'manual_review':
        return manualReview(cb, provider, payment);
      case 'precheck_accepted':
        return precheck(cb, payment);
      case 'pending':
      case 'rejected':
        return {
          out: { reply: cb.reply, paymentId: payment.id, status: payment.status },
          applied: cb.outcome === 'pending',
        };
      case 'unregistered_qr':
        // Never has a payment id (handled before); should it, the bank resends.
        return {
          out: { reply: cb.retryReply, paymentId: payment.id, status: payment.status },
          applied: false,
        };
    }
  }

  /**
   * A bank's verified confirmation of a static code's scan: the code must exist and be static;
   * the scan's payment is created once per bank transfer (key qr-scan:<provider_payment_id>,
   * the code's merchant, description and mode, the confirmed amount) and registered with the
   * adapters under that transfer (no code is issued for it); then the same request is handed to
   * the adapters again, which now settle it like any QR payment. An unknown or dynamic code is
   * refused (the adapter's refusal, nothing written); qr-platform, the adapters or our store
   * being unreachable makes the bank resend (retry reply), so no money is ever dropped.
   */
  async function settleScan(
    cb: VerifiedCallback,
    input: { provider: ProviderName; request: RawHttpRequest },
  ): Promise<{ cb: VerifiedCallback } | { out: HandleProviderCallbackOutput }> {
    const logged = {
      provider: input.provider,
      callbackId: cb.callbackId,
      qrCodeId: cb.qrCodeId,
      providerPaymentId: cb.providerPaymentId,
    };
    const answer = (reply: HttpReply) => ({ out: { reply, paymentId: '', status: null } });
    const refuse = (note: string) => {
      log.warn(logged, `QR scan refused: ${note}; nothing written`);
      return answer(cb.refusalReply);
    };
    try {
      const code = cb.qrCodeId ? await deps.qr.getCode(cb.qrCodeId) : undefined;
      if (!code) return refuse('no such QR code');
      if (code.kind !== 'static') {
        log.error(logged, 'verified money for a dynamic QR code no payment is registered for');
        return refuse('a dynamic code is paid through its own payment');
      }
      const amount = cb.amount;
      if (!amount || !cb.providerPaymentId) return refuse('no amount or bank reference');
      const merchant = await deps.merchants.findById(code.merchantId);
      if (!merchant?.enabledMethods.includes('qr') || !methodTakesCurrency('qr', amount.currency))
        return refuse('the merchant takes no QR payments in this currency');

      const { view } = await deps.createPayment(
        {
          merchantId: code.merchantId,
          idempotencyKey: qrScanKeyOf(cb.providerPaymentId),
          amountMinor: amount.amountMinor,
          currency: amount.currency,
          orderId: '',
          description: code.description,
          successUrl: '',
          failUrl: '',
          metadata: { qr_code_id: code.id },
          livemode: code.livemode,
        },
        { kind: 'qr_scan' },
      );
      // A replay finds the scan's payment started (or settled) already: the adapters know it.
      if (isOpen(view.payment.status)) {
        await deps.startOwnPayment(
          view.payment,
          'qr',
          {},
          {
            qrCodeId: code.id,
            reference: cb.providerPaymentId,
          },
        );
      }
      const again = await deps.provider.handleCallback(input.provider, input.request);
      if (again.outcome === 'unregistered_qr' || again.outcome === 'rejected') {
        log.error(
          { ...logged, paymentId: view.payment.id, outcome: again.outcome },
          'QR scan still not settled by the adapters after registering it; the bank resends',
        );
        return answer(cb.retryReply);
      }
      return { cb: again };
    } catch (err) {
      if (isDomainError(err) && !err.retriable) {
        log.error({ ...logged, err, code: err.code }, 'QR scan could not be registered; refused');
        return answer(cb.refusalReply);
      }
      log.warn({ ...logged, err }, 'QR scan not registered yet; the bank resends');
      return answer(cb.retryReply);
    }
  }

  return async (input: {
    provider: ProviderName;
    request: RawHttpRequest;
  }): Promise<HandleProviderCallbackOutput> => {
    let cb = await deps.provider.handleCallback(input.provider, input.request);
    if (cb.outcome === 'unregistered_qr') {
      const scan = await settleScan(cb, input);
      if ('out' in scan) return scan.out;
      cb = scan.cb;
    }
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
      if (cb.outcome === 'succeeded' || cb.outcome === 'failed' || cb.outcome === 'manual_review') {
        log.error(logged, 'verified callback for an unknown payment; nothing changed');
      } else {
        log.warn(logged, 'callback for an unknown payment; nothing changed');
      }
      return { reply: cb.reply, paymentId: '', status: null };
    }
    const { out, applied } = await apply(cb, input.provider, payment);
    if (applied && cb.cardBinding) {
      const cardExpiry = cb.cardBinding.cardExpiry || cardExpiryOf(cb.attributes);
      await deps.reportCardBinding(payment, { ...cb.cardBinding, cardExpiry });
    }
    return out;
  };
}
