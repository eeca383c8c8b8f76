import { checkoutErrors } from '../domain/errors';
import { requireSameMode } from '../domain/livemode';
import { availableMethods } from '../domain/method-capabilities';
import { requirePageSecret } from '../domain/page-secret';
import type { PaymentView } from '../domain/payment';
import type { MerchantRepository, PaymentRepository } from '../domain/ports';

export interface GetPaymentDeps {
  merchants: Pick<MerchantRepository, 'findById'>;
  payments: PaymentRepository;
}

/**
 * Reads one payment with the methods the customer may pick: the merchant's enabled methods that can
 * take the payment's currency. Scoped to a merchant when merchantId is given: another merchant's
 * payment is PAYMENT_NOT_FOUND, indistinguishable from a missing one. Without a merchant it is the
 * payer's page reading it, and the page secret must match (else the same PAYMENT_NOT_FOUND). With
 * the key's mode, a payment of the other mode is PAYMENT_NOT_FOUND with the mode hint.
 */
export function makeGetPayment(deps: GetPaymentDeps) {
  return async (input: {
    paymentId: string;
    merchantId: string;
    pageSecret: string;
    /** The API key's mode; undefined: any. */
    livemode?: boolean;
  }): Promise<PaymentView> => {
    const found = input.paymentId ? await deps.payments.findById(input.paymentId) : undefined;
    if (input.merchantId && found?.merchantId !== input.merchantId) {
      throw checkoutErrors.create('PAYMENT_NOT_FOUND', 'payment not found');
    }
    const payment = input.merchantId && found ? found : requirePageSecret(found, input.pageSecret);
    requireSameMode('payment', payment.id, payment.livemode, input.livemode);
    const merchant = await deps.merchants.findById(payment.merchantId);
    return {
      payment,
      availableMethods: merchant
        ? availableMethods(merchant.enabledMethods, payment.amount.currency)
        : [],
    };
  };
}
