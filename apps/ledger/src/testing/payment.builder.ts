import type { FeePlanRule } from '../domain/fees';
import type { PostPaymentCommand } from '../domain/payment';

/** A valid Keeper Mobile payment of 100.00 KGS; override what a test is about. */
export const aPayment = (over: Partial<PostPaymentCommand> = {}): PostPaymentCommand => ({
  idempotencyKey: 'payment:pay_1:succeeded',
  paymentId: 'pay_1',
  merchantId: 'mer_1',
  gross: { amountMinor: 10_000n, currency: 'KGS' },
  method: 'webmoney_keeper_mobile',
  provider: 'webmoney',
  providerPaymentId: 'wm-777',
  providerAttributes: { payer_phone: '+996700000000', keeper_mobile_payment_no: '42' },
  orderId: 'order-1',
  description: 'Tea',
  livemode: true,
  occurredAt: new Date('2026-11-23T10:00:00.000Z'),
  ...over,
});

/** A fee plan rule charging aPayment() a flat 2.50 KGS (fee 250, net 9750). */
export const aFlatFeeRule = (fixedMinor = 250n): FeePlanRule => ({
  method: 'webmoney_keeper_mobile',
  percentBps: 0,
  fixed: [{ amountMinor: fixedMinor, currency: 'KGS' }],
});
