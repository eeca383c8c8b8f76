import { Merchant, Payment, PaymentStatus } from '@tolem/contracts/checkout';
import { PaymentMethod } from '@tolem/contracts/common';
import { DomainError } from '@tolem/errors';

import type { GatewayDeps } from '../../src/http/server';
import {
  authenticateByKeys,
  gatewayDeps,
  recorded,
  type RecordedCall,
  type ScriptedDeps,
} from './gateway-deps.fake';

/** pay_1's page secret, as its payment_url and hosted page carry it. */
export const PAGE_SECRET = 'c2VjcmV0LW9mLXBheV8xLWZvci10aGUtdW5pdC1zcGVj';

/** mer_1's one payment, still to be paid. */
export const payment = Payment.fromPartial({
  id: 'pay_1',
  pageSecret: PAGE_SECRET,
  merchantId: 'mer_1',
  amount: { amountMinor: 1999n, currency: 'USD' },
  status: PaymentStatus.PAYMENT_STATUS_CREATED,
  availableMethods: [PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE],
});

/** checkout's payment methods over `payment`; all but startPayment (always refused) recorded. */
function paymentsCheckout(calls: RecordedCall[]): Partial<GatewayDeps['checkout']> {
  return {
    ...recorded<GatewayDeps['checkout']>(calls, {
      createPayment: async () => ({ payment, replayed: false }),
      getPayment: async () => ({ payment }),
      submitPayerInput: async () => ({
        payment: { ...payment, status: PaymentStatus.PAYMENT_STATUS_SUCCEEDED },
        message: '',
        action: undefined,
        outcome: 'succeeded',
      }),
      cancelPayment: async (req) => {
        if (req.paymentId === 'pay_paid') {
          throw new DomainError(
            'PAYMENT_NOT_CANCELABLE',
            'precondition',
            'a succeeded payment cannot be canceled',
          );
        }
        return { payment: { ...payment, status: PaymentStatus.PAYMENT_STATUS_CANCELED } };
      },
      listPayments: async () => ({ payments: [payment], hasMore: true }),
      listPaymentEvents: async (req) => {
        if (req.merchantId !== payment.merchantId) {
          throw new DomainError('PAYMENT_NOT_FOUND', 'not_found', 'payment not found');
        }
        return {
          events: [
            {
              sequence: 7n,
              type: 'payment.created',
              fromStatus: PaymentStatus.PAYMENT_STATUS_UNSPECIFIED,
              toStatus: PaymentStatus.PAYMENT_STATUS_CREATED,
              reason: 'created',
              occurredAt: new Date('2026-12-01T10:00:00.000Z'),
            },
          ],
        };
      },
      handleProviderCallback: async () => ({
        reply: { statusCode: 200, contentType: 'text/plain', body: Buffer.from('YES') },
        paymentId: 'pay_1',
        status: PaymentStatus.PAYMENT_STATUS_PENDING,
      }),
    }),
    startPayment: async () => {
      throw new DomainError(
        'PAYMENT_NOT_PAYABLE',
        'precondition',
        'this payment can no longer be paid',
      );
    },
  };
}

/**
 * The gateway in front of mer_1 and its `payment`: `sk_test_good` and `sk_live_good` are mer_1's
 * keys (the live one sees live money), the hosted page shows the merchant as "Shop", and the
 * checkout calls land in `calls`. `more` scripts the rest (other peers, settings) over the same
 * calls.
 */
export function paymentsDeps(more: (calls: RecordedCall[]) => ScriptedDeps = () => ({})): {
  deps: GatewayDeps;
  calls: RecordedCall[];
} {
  const calls: RecordedCall[] = [];
  const { checkout, merchants, ...rest } = more(calls);
  const deps = gatewayDeps({
    checkout: { ...paymentsCheckout(calls), ...checkout },
    merchants: {
      authenticateApiKey: authenticateByKeys({ sk_test_good: 'mer_1', sk_live_good: 'mer_1' }),
      getMerchant: async () => ({ merchant: Merchant.fromPartial({ id: 'mer_1', name: 'Shop' }) }),
      ...merchants,
    },
    ...rest,
  });
  return { deps, calls };
}
