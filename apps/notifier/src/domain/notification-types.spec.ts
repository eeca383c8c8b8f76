import { describe, expect, it } from 'vitest';

import { isMerchantNotification } from './notification-types';

describe('isMerchantNotification', () => {
  it.each([
    'payment.succeeded',
    'payment.failed',
    'payment.expired',
    'payment.canceled',
    'payment.requires_review',
    'payment.funds_applied',
    'refund.pending',
    'refund.succeeded',
    'refund.failed',
    'payment.reversed',
    'refund.reversed',
    'recurring.charge.succeeded',
    'recurring.charge.failed',
    'recurring.charge.abandoned',
    'recurring.operation.canceled',
  ])('sends %s to the merchant', (type) => {
    expect(isMerchantNotification(type)).toBe(true);
  });

  it.each([
    'payment.pending',
    'funds.unapplied',
    'funds.returned',
    'case.opened',
    'case.resolved',
    'payment.held',
    'payment.hold_voided',
    'payout.succeeded',
    'payout.reversed',
    'recurring.charge.refunded',
    'payment.disputed',
    '',
    'constructor',
  ])('keeps %s internal (unknown and future types included)', (type) => {
    expect(isMerchantNotification(type)).toBe(false);
  });
});
