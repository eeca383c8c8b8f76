import { describe, expect, it } from 'vitest';

import {
  decideTransition,
  isExpiredByTime,
  isFinal,
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
    ['created', 'requires_review'],
    ['pending', 'requires_review'],
    ['requires_review', 'succeeded'],
    ['requires_review', 'failed'],
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
    ['canceled', 'failed'],
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

  it.each<PaymentStatus>(['failed', 'expired', 'canceled'])(
    'lets %s become succeeded: an operator applied the late money of a case',
    (from) => {
      expect(decideTransition(from, 'succeeded')).toBe('apply');
    },
  );

  it.each<[PaymentStatus, PaymentStatus]>([
    ['requires_review', 'pending'],
    ['requires_review', 'expired'],
    ['requires_review', 'created'],
  ])('refuses %s -> %s: a payment under review is only settled', (from, to) => {
    expect(() => decideTransition(from, to)).toThrow(
      expect.objectContaining({ code: 'PAYMENT_INVALID_TRANSITION', kind: 'precondition' }),
    );
  });

  it.each<PaymentStatus>(['succeeded', 'failed', 'expired'])(
    'refuses %s -> requires_review: final states stay final',
    (from) => {
      expect(() => decideTransition(from, 'requires_review')).toThrow(
        expect.objectContaining({ code: 'PAYMENT_ALREADY_FINAL' }),
      );
    },
  );

  it('keeps requires_review open but neither final, payable nor expirable', () => {
    const review = {
      status: 'requires_review',
      expiresAt: new Date('2026-01-01T00:00:00Z'),
    } as Payment;
    const long = new Date('2027-01-01T00:00:00Z');
    expect(isFinal('requires_review')).toBe(false);
    expect(isExpiredByTime(review, long)).toBe(false);
    expect(isPayable(review, new Date('2025-01-01T00:00:00Z'))).toBe(false);
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
