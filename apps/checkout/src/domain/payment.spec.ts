import { describe, expect, it } from 'vitest';

import {
  decideTransition,
  isExpiredByTime,
  isPayable,
  ledgerKeyOf,
  type Payment,
  type PaymentStatus,
} from './payment';

describe('payment state machine', () => {
  it.each<[PaymentStatus, PaymentStatus]>([
    ['created', 'pending'],
    ['created', 'succeeded'],
    ['created', 'failed'],
    ['created', 'expired'],
    ['pending', 'pending'],
    ['pending', 'succeeded'],
    ['pending', 'failed'],
    ['pending', 'expired'],
  ])('allows %s -> %s', (from, to) => {
    expect(decideTransition(from, to)).toBe('apply');
  });

  it.each<PaymentStatus>(['succeeded', 'failed', 'expired'])(
    'treats %s -> the same outcome as a no-op',
    (s) => {
      expect(decideTransition(s, s)).toBe('noop');
    },
  );

  it.each<[PaymentStatus, PaymentStatus]>([
    ['succeeded', 'failed'],
    ['succeeded', 'expired'],
    ['succeeded', 'pending'],
    ['failed', 'succeeded'],
    ['expired', 'failed'],
    ['expired', 'pending'],
    ['failed', 'created'],
  ])('refuses %s -> %s with PAYMENT_ALREADY_FINAL', (from, to) => {
    expect(() => decideTransition(from, to)).toThrow(
      expect.objectContaining({
        code: 'PAYMENT_ALREADY_FINAL',
        kind: 'precondition',
        details: { status: from, requested: to },
      }),
    );
  });

  it('accepts a late verified success of an expired payment: the money moved', () => {
    expect(decideTransition('expired', 'succeeded')).toBe('apply');
  });

  it('refuses going back to created', () => {
    expect(() => decideTransition('pending', 'created')).toThrow(
      expect.objectContaining({ code: 'PAYMENT_INVALID_TRANSITION' }),
    );
  });

  it('expires by time only while not final', () => {
    const base = { status: 'pending', expiresAt: new Date('2026-01-01T00:00:00Z') } as Payment;
    const before = new Date('2025-12-31T23:59:59Z');
    const at = new Date('2026-01-01T00:00:00Z');
    expect(isExpiredByTime(base, before)).toBe(false);
    expect(isExpiredByTime(base, at)).toBe(true);
    expect(isPayable(base, before)).toBe(true);
    expect(isPayable(base, at)).toBe(false);
    expect(isExpiredByTime({ ...base, status: 'succeeded' }, at)).toBe(false);
    expect(isPayable({ ...base, status: 'failed' }, before)).toBe(false);
  });

  it('derives the ledger key from the payment id only', () => {
    expect(ledgerKeyOf('pay_1')).toBe('payment:pay_1:succeeded');
  });
});
