import { isDomainError } from '@tolem/errors';

import { checkoutErrors } from '../domain/errors';
import { availableMethods, methodTakesCurrency } from '../domain/method-capabilities';
import { requirePageSecret } from '../domain/page-secret';
import { isAttemptLimited, methodLocked, type PayerAttemptLimits } from '../domain/payer-attempts';
import {
  isExpiredByTime,
  isOpen,
  isPayable,
  type Payment,
  type PaymentMethod,
  type PaymentView,
} from '../domain/payment';
import type {
  Clock,
  MerchantRepository,
  PayerAttemptRepository,
  PaymentProviderPort,
  PaymentRepository,
  QrCodePort,
} from '../domain/ports';
import type { ProviderAction, StartedProviderPayment } from '../domain/provider';
import { qrDescriptionOf, qrKeyOf } from '../domain/qr';
import { applyTransition, type PaymentPatch } from './apply-transition';

export interface StartPaymentDeps {
  merchants: MerchantRepository;
  payments: PaymentRepository;
  provider: PaymentProviderPort;
  qr: QrCodePort;
  clock: Clock;
  attempts: PayerAttemptRepository;
  attemptLimits: PayerAttemptLimits;
}

export interface StartPaymentInput {
  paymentId: string;
  /** The hosted page's link secret; wrong or missing is PAYMENT_NOT_FOUND. */
  pageSecret: string;
  method: PaymentMethod | null;
  payer: Record<string, string>;
}

/** Payer keys only Tolem sets: the code a qr payment is registered for, and a static code's scan. */
const TOLEM_PAYER_KEYS = new Set(['qr_code_id', 'qr_scan_reference']);

/**
 * Starts paying a created or pending payment with one of the merchant's enabled methods that can
 * take the payment's currency (else PAYMENT_METHOD_UNAVAILABLE, before any provider is asked):
 * asks the provider adapters to register it, records method and provider and moves it to
 * `pending`. For `qr`, qr-platform first issues the payment's dynamic ELQR code (one per payment:
 * idempotency key `payment:{id}`, expiring with the payment), the adapters register it (payer.qr_code_id) so the payer's
 * bank confirmation maps back to the payment, and the returned Instructions carry `qr_id`, `link`
 * and `payload`. A payment past its expiry time is marked expired and refused. Provider and
 * qr-platform errors keep their codes. Every WM Keeper Mobile start pushes an invoice to a phone,
 * so each counts as a try; past the limit, and for a Wavepay locked by wrong transaction
 * numbers, the method is refused with PAYMENT_METHOD_LOCKED. The payer's own `qr_code_id` and
 * `qr_scan_reference` are dropped: which code or scan a payment is registered for is Tolem's.
 */
export function makeStartPayment(deps: StartPaymentDeps) {
  const startOwn = makeStartOwnPayment(deps);
  return async (
    input: StartPaymentInput,
  ): Promise<{ view: PaymentView; action: ProviderAction; qrCodeId: string }> => {
    const payment = requirePageSecret(
      input.paymentId ? await deps.payments.findById(input.paymentId) : undefined,
      input.pageSecret,
    );
    // The code and the scan a payment is registered under are Tolem's to choose, never the payer's.
    const payer = Object.fromEntries(
      Object.entries(input.payer).filter(([key]) => !TOLEM_PAYER_KEYS.has(key)),
    );
    return startOwn(payment, input.method, payer);
  };
}

/**
 * A static code's scan (flow of OUTCOME_UNREGISTERED_QR): the payment is registered with the
 * adapters under the bank's reference, for the code the payer scanned; no new code is issued.
 */
export interface QrScan {
  qrCodeId: string;
  /** `<acquirer>:<acquirer_reference>`: the confirmation's provider_payment_id. */
  reference: string;
}

/**
 * Starts a payment Tolem itself holds (the payer's page after its secret was checked,
 * CreateQrPayment, a static code's scan): every rule of makeStartPayment applies. `scan` starts a
 * qr payment for a scan of a static code instead of issuing it a code. The answer's qrCodeId is
 * the code a qr payment is paid by ('' for other methods), also kept in its providerAttributes
 * (`qr_code_id`) so its payment events name the code.
 */
export function makeStartOwnPayment(deps: StartPaymentDeps) {
  async function startWithProvider(
    payment: Payment,
    method: PaymentMethod,
    payer: Record<string, string>,
    merchant: { webmoneyShopId: string; name: string },
    scan: QrScan | undefined,
  ): Promise<StartedProviderPayment & { qrCodeId: string }> {
    const request = {
      paymentId: payment.id,
      merchantId: payment.merchantId,
      method,
      amount: payment.amount,
      description: payment.description,
      successUrl: payment.successUrl,
      failUrl: payment.failUrl,
      payer,
      providerShopId: merchant.webmoneyShopId,
      livemode: payment.livemode,
    };
    if (method !== 'qr') return { ...(await deps.provider.startPayment(request)), qrCodeId: '' };
    if (scan) {
      const started = await deps.provider.startPayment({
        ...request,
        payer: { ...payer, qr_code_id: scan.qrCodeId, qr_scan_reference: scan.reference },
      });
      return { ...started, qrCodeId: scan.qrCodeId };
    }

    const code = await deps.qr.createDynamicCode({
      merchantId: payment.merchantId,
      idempotencyKey: qrKeyOf(payment.id),
      amount: payment.amount,
      description: qrDescriptionOf(payment.description),
      livemode: payment.livemode,
      expiresAt: payment.expiresAt,
      paymentId: payment.id,
      // What the payer's bank app shows; qr-platform fits it to ELQR.
      merchantName: merchant.name,
    });
    const started = await deps.provider.startPayment({
      ...request,
      payer: { ...payer, qr_code_id: code.id },
    });
    const values = started.action.kind === 'instructions' ? started.action.values : {};
    const action: ProviderAction = {
      kind: 'instructions',
      title: started.action.kind === 'instructions' ? started.action.title : 'Pay by QR code',
      // Ours last: the code qr-platform issued is what the payer scans.
      values: { ...values, qr_id: code.id, link: code.link, payload: code.payload },
    };
    return { ...started, action, qrCodeId: code.id };
  }

  /**
   * Keeper Mobile: reserves a try before the provider is asked (a failure the payer did not cause,
   * a provider that is down, gives it back). Wavepay: its tries are the transaction numbers
   * (submit-payer-input.ts); starting it again is only refused once it is locked.
   */
  async function withAttemptLimit<T>(
    paymentId: string,
    method: PaymentMethod,
    at: Date,
    start: () => Promise<T>,
  ): Promise<T> {
    if (!isAttemptLimited(method)) return start();
    const limit = deps.attemptLimits[method];
    if (method === 'wavepay') {
      if (await deps.attempts.isLocked(paymentId, method, limit)) throw methodLocked(method);
      return start();
    }
    if (!(await deps.attempts.reserve(paymentId, method, limit, at))) throw methodLocked(method);
    try {
      return await start();
    } catch (err) {
      if (!isDomainError(err) || err.retriable) await deps.attempts.release(paymentId, method, at);
      throw err;
    }
  }

  return async (
    payment: Payment,
    requested: PaymentMethod | null,
    payer: Record<string, string>,
    scan?: QrScan,
  ): Promise<{ view: PaymentView; action: ProviderAction; qrCodeId: string }> => {
    const merchant = await deps.merchants.findById(payment.merchantId);
    if (!merchant) throw new Error(`payment ${payment.id} has no merchant ${payment.merchantId}`);

    const now = deps.clock.now();
    if (isExpiredByTime(payment, now)) {
      await applyTransition(
        deps,
        payment.id,
        (current, at) =>
          isExpiredByTime(current, at) ? { to: 'expired', reason: 'expired' } : null,
        payment,
      );
      throw notPayable('expired');
    }
    if (!isPayable(payment, now)) throw notPayable(payment.status);
    if (!requested) {
      throw checkoutErrors.create('PAYMENT_INVALID_REQUEST', 'method is required', {
        details: { field: 'method' },
      });
    }
    const method = requested;
    if (!merchant.enabledMethods.includes(method)) {
      throw checkoutErrors.create(
        'PAYMENT_METHOD_NOT_ENABLED',
        `${method} is not enabled for this merchant`,
        {
          details: { method },
        },
      );
    }
    const currency = payment.amount.currency;
    if (!methodTakesCurrency(method, currency)) {
      throw checkoutErrors.create(
        'PAYMENT_METHOD_UNAVAILABLE',
        `${method} cannot take payments in ${currency}`,
        { details: { method, currency } },
      );
    }

    const started = await withAttemptLimit(payment.id, method, now, () =>
      startWithProvider(payment, method, payer, merchant, scan),
    );

    const { payment: updated } = await applyTransition(
      deps,
      payment.id,
      (current) => {
        // A provider may have confirmed (or the sweeper expired it) while we were away.
        if (!isOpen(current.status)) throw notPayable(current.status);
        const patch: PaymentPatch = { method, provider: started.provider };
        if (started.qrCodeId) {
          patch.providerAttributes = {
            ...current.providerAttributes,
            qr_code_id: started.qrCodeId,
          };
        }
        return { to: 'pending', reason: `started:${method}`, patch };
      },
      payment,
    );
    return {
      view: {
        payment: updated,
        availableMethods: availableMethods(merchant.enabledMethods, currency),
      },
      action: started.action,
      qrCodeId: started.qrCodeId,
    };
  };
}

function notPayable(status: string) {
  return checkoutErrors.create('PAYMENT_NOT_PAYABLE', `payment is ${status} and cannot be paid`, {
    details: { status },
  });
}
