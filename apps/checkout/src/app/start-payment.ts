import { checkoutErrors } from '../domain/errors';
import {
  isExpiredByTime,
  isPayable,
  type PaymentMethod,
  type PaymentView,
} from '../domain/payment';
import type {
  Clock,
  MerchantRepository,
  PaymentProviderPort,
  PaymentRepository,
} from '../domain/ports';
import type { ProviderAction } from '../domain/provider';
import { applyTransition } from './apply-transition';

export interface StartPaymentDeps {
  merchants: MerchantRepository;
  payments: PaymentRepository;
  provider: PaymentProviderPort;
  clock: Clock;
}

export interface StartPaymentInput {
  paymentId: string;
  method: PaymentMethod | null;
  payer: Record<string, string>;
}

/**
 * Starts paying a created or pending payment with one of the merchant's enabled methods: asks
 * the provider adapters to register it, records method and provider and moves it to `pending`.
 * A payment past its expiry time is marked expired and refused. Provider errors keep their codes.
 */
export function makeStartPayment(deps: StartPaymentDeps) {
  return async (
    input: StartPaymentInput,
  ): Promise<{ view: PaymentView; action: ProviderAction }> => {
    const payment = input.paymentId ? await deps.payments.findById(input.paymentId) : undefined;
    if (!payment) throw checkoutErrors.create('PAYMENT_NOT_FOUND', 'payment not found');
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
    if (!input.method) {
      throw checkoutErrors.create('PAYMENT_INVALID_REQUEST', 'method is required', {
        details: { field: 'method' },
      });
    }
    const method = input.method;
    if (!merchant.enabledMethods.includes(method)) {
      throw checkoutErrors.create(
        'PAYMENT_METHOD_NOT_ENABLED',
        `${method} is not enabled for this merchant`,
        {
          details: { method },
        },
      );
    }

    const started = await deps.provider.startPayment({
      paymentId: payment.id,
      merchantId: payment.merchantId,
      method,
      amount: payment.amount,
      description: payment.description,
      successUrl: payment.successUrl,
      failUrl: payment.failUrl,
      payer: input.payer,
      providerShopId: merchant.webmoneyShopId,
    });

    const { payment: updated } = await applyTransition(
      deps,
      payment.id,
      (current) => {
        // A provider may have confirmed (or the sweeper expired it) while we were away.
        if (current.status !== 'created' && current.status !== 'pending')
          throw notPayable(current.status);
        return {
          to: 'pending',
          reason: `started:${method}`,
          patch: { method, provider: started.provider },
        };
      },
      payment,
    );
    return {
      view: { payment: updated, availableMethods: [...merchant.enabledMethods] },
      action: started.action,
    };
  };
}

function notPayable(status: string) {
  return checkoutErrors.create('PAYMENT_NOT_PAYABLE', `payment is ${status} and cannot be paid`, {
    details: { status },
  });
}
