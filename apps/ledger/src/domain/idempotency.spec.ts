import { describe, expect, it } from 'vitest';

import { aPayment } from '../testing/payment.builder';
import { type Fingerprint, fingerprintConflictField, paymentFingerprint } from './idempotency';
import { type PostPaymentCommand, validatePayment } from './payment';

const fp = (over: Partial<PostPaymentCommand> = {}) =>
  paymentFingerprint(validatePayment(aPayment(over)));
/** As PostgreSQL hands jsonb back: a fresh object, keys in its own order. */
const roundTrip = (f: Fingerprint): Fingerprint => JSON.parse(JSON.stringify(f)) as Fingerprint;

describe('idempotency comparison', () => {
  it('finds no difference for the same request, whatever the map key order', () => {
    const stored = roundTrip(fp());
    expect(fingerprintConflictField(stored, fp())).toBeUndefined();
    const reordered = fp({
      providerAttributes: { keeper_mobile_payment_no: '42', payer_phone: '+996700000000' },
    });
    expect(fingerprintConflictField(stored, reordered)).toBeUndefined();
  });

  it.each<[string, Partial<PostPaymentCommand>]>([
    ['payment_id', { paymentId: 'pay_2' }],
    ['merchant_id', { merchantId: 'mer_2' }],
    ['gross', { gross: { amountMinor: 10_001n, currency: 'KGS' } }],
    ['gross', { gross: { amountMinor: 10_000n, currency: 'USD' } }],
    ['method', { method: 'webmoney_purse' }],
    ['provider', { provider: 'intellectmoney' }],
    ['provider_payment_id', { providerPaymentId: 'wm-778' }],
    ['provider_attributes', { providerAttributes: { payer_phone: '+996700000000' } }],
    [
      'provider_attributes',
      { providerAttributes: { payer_phone: '+996700000001', keeper_mobile_payment_no: '42' } },
    ],
    ['order_id', { orderId: 'order-2' }],
    ['description', { description: 'Coffee' }],
    ['occurred_at', { occurredAt: new Date('2026-11-23T10:00:00.001Z') }],
    ['occurred_at', { occurredAt: undefined }],
  ])('names %s when it differs', (field, over) => {
    expect(fingerprintConflictField(roundTrip(fp()), fp(over))).toBe(field);
  });

  it('names the first differing field in request order', () => {
    expect(
      fingerprintConflictField(
        fp(),
        fp({
          description: 'x',
          gross: { amountMinor: 1n, currency: 'KGS' },
        }),
      ),
    ).toBe('gross');
  });

  it('has no fee: the ledger computes it, so a request cannot differ by one', () => {
    expect(fp()).not.toHaveProperty('fee');
  });

  it('matches a fingerprint stored while requests still carried a fee', () => {
    const stored = { ...roundTrip(fp()), fee: { amount_minor: '250', currency: 'KGS' } };
    expect(fingerprintConflictField(stored, fp())).toBeUndefined();
  });

  it('treats a field missing from the stored fingerprint as different', () => {
    const { order_id: _omitted, ...older } = fp();
    expect(fingerprintConflictField(older, fp())).toBe('order_id');
  });

  it('keeps amounts beyond 2^53 exact', () => {
    const big = { amountMinor: 9_007_199_254_740_993n, currency: 'KGS' };
    const stored = roundTrip(fp({ gross: big }));
    expect(
      fingerprintConflictField(
        stored,
        fp({ gross: { ...big, amountMinor: big.amountMinor - 1n } }),
      ),
    ).toBe('gross');
    expect(fingerprintConflictField(stored, fp({ gross: big }))).toBeUndefined();
  });
});
