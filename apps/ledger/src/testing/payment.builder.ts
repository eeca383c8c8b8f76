import type { PostPaymentCommand } from '../domain/payment';

/** A valid Keeper Mobile payment of 100.00 KGS with a 2.50 fee; override what a test is about. */
export const aPayment = (over: Partial<PostPaymentCommand> = {}): PostPaymentCommand => ({
  idempotencyKey: 'payment:pay_1:succeeded',
  paymentId: 'pay_1',
  merchantId: 'mer_1',
  gross: { amountMinor: 10_000n, currency: 'KGS' },
  fee: { amountMinor: 250n, currency: 'KGS' },
  method: 'webmoney_keeper_mobile',
  provider: 'webmoney',
  providerPaymentId: 'wm-777',
  providerAttributes: { payer_phone: '+996700000000', keeper_mobile_payment_no: '42' },
  orderId: 'order-1',
  description: 'Tea',
  occurredAt: new Date('2026-11-23T10:00:00.000Z'),
  ...over,
});
