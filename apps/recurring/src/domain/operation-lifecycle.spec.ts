import { money } from '@tolem/money';
import { describe, expect, it } from 'vitest';

import type { CardBinding } from './card-binding';
import {
  cancelOperation,
  editOperation,
  newOperation,
  pauseOperation,
  resumeOperation,
  termsOf,
} from './operation-lifecycle';
import type { OperationTerms } from './operation-terms';
import { parseSchedule } from './schedule';

const binding: CardBinding = {
  id: 'cbd_1',
  merchantId: 'mer_1',
  paymentId: 'pay_bind',
  providerBindingRef: 'ref',
  state: 'activated',
  cardLast4: '4242',
  firstAmount: money(100n, 'EUR'),
  customerRef: 'cus_1',
  cardExpiry: '',
  failureMessage: '',
  livemode: true,
  revokedAt: null,
  createdAt: new Date('2026-01-01T00:00:00Z'),
};

// Daily 09:00 in Berlin: 08:00Z in winter, 07:00Z in summer.
const terms: OperationTerms = {
  amount: money(1000n, 'EUR'),
  description: 'Newspaper',
  schedule: parseSchedule({
    cron: '',
    timeZone: 'Europe/Berlin',
    interval: 'daily',
    day: 0,
    timeOfDay: '09:00',
  }),
  startsAt: new Date('2026-03-01T00:00:00Z'),
  endsAt: new Date('2026-04-01T00:00:00Z'),
  firesOnSkip: false,
  receiptCustomer: { email: 'a@b.de' },
  metadata: { plan: 'gold', seat: '3' },
};

const at = (iso: string) => new Date(iso);

function created(now = at('2026-02-01T00:00:00Z')) {
  return newOperation({ id: 'sop_1', merchantId: 'mer_1', binding, terms, now });
}

describe('newOperation', () => {
  it('starts at the first occurrence at or after starts_at and takes customer and mode from the binding', () => {
    const op = created();
    expect(op).toMatchObject({ state: 'active', version: 1, customerRef: 'cus_1', livemode: true });
    expect(op.nextChargeAt?.toISOString()).toBe('2026-03-01T08:00:00.000Z');
  });

  it('starts from now when starts_at has passed', () => {
    expect(created(at('2026-03-10T10:00:00Z')).nextChargeAt?.toISOString()).toBe(
      '2026-03-11T08:00:00.000Z',
    );
  });

  it('is completed when no occurrence is left before the end', () => {
    const op = created(at('2026-04-01T00:00:00Z'));
    expect(op).toMatchObject({ state: 'completed', nextChargeAt: null });
  });
});

describe('editOperation', () => {
  it('bumps the version and recomputes the next charge from now across the DST change', () => {
    const op = created();
    const now = at('2026-03-28T12:00:00Z');
    const edited = editOperation(op, { ...termsOf(op), amount: money(2000n, 'EUR') }, now);
    expect(edited).toMatchObject({
      version: 2,
      amount: { amountMinor: 2000n },
      updatedAt: now,
      createdAt: op.createdAt,
    });
    // 29 March 2026 is the first CEST day: 09:00 local is 07:00Z.
    expect(edited?.nextChargeAt?.toISOString()).toBe('2026-03-29T07:00:00.000Z');
  });

  it('keeps a paused operation paused, and completes one whose new end is already past', () => {
    const paused = pauseOperation(created(), at('2026-03-05T00:00:00Z'))!;
    const edited = editOperation(
      paused,
      { ...termsOf(paused), description: 'Magazine' },
      at('2026-03-06T00:00:00Z'),
    );
    expect(edited).toMatchObject({ state: 'paused', nextChargeAt: null, version: 2 });
    const ended = editOperation(
      created(),
      { ...terms, endsAt: at('2026-03-02T00:00:00Z') },
      at('2026-03-10T00:00:00Z'),
    );
    expect(ended).toMatchObject({ state: 'completed', nextChargeAt: null });
  });

  it('is no change (no new version) when the terms are the ones the operation has', () => {
    const op = created();
    const now = at('2026-03-05T00:00:00Z');
    expect(editOperation(op, termsOf(op), now)).toBeNull();
    // The same terms read again: a new schedule object, metadata keys in another order.
    const again = {
      ...termsOf(op),
      schedule: { ...op.schedule },
      startsAt: new Date(op.startsAt.getTime()),
      metadata: Object.fromEntries(Object.entries(op.metadata).reverse()),
    };
    expect(editOperation(op, again, now)).toBeNull();
    expect(editOperation(op, { ...again, firesOnSkip: !op.firesOnSkip }, now)?.version).toBe(2);
  });

  it('refuses a canceled operation', () => {
    const canceled = cancelOperation(
      created(),
      binding,
      'merchant',
      at('2026-03-01T00:00:00Z'),
    )!.operation;
    expect(() => editOperation(canceled, terms, at('2026-03-02T00:00:00Z'))).toThrow(
      expect.objectContaining({ code: 'RECURRING_OPERATION_FINISHED' }),
    );
  });
});

describe('pause, resume, cancel', () => {
  it('resumes from the next occurrence strictly after now, skipping what was due while paused', () => {
    const paused = pauseOperation(created(), at('2026-03-02T00:00:00Z'))!;
    expect(pauseOperation(paused, at('2026-03-03T00:00:00Z'))).toBeNull();
    const resumed = resumeOperation(paused, at('2026-03-10T08:00:00Z'))!;
    expect(resumed.state).toBe('active');
    expect(resumed.nextChargeAt?.toISOString()).toBe('2026-03-11T08:00:00.000Z');
    expect(resumeOperation(resumed, at('2026-03-10T09:00:00Z'))).toBeNull();
  });

  it('resumes to completed past the end date', () => {
    const paused = pauseOperation(created(), at('2026-03-02T00:00:00Z'))!;
    expect(resumeOperation(paused, at('2026-04-02T00:00:00Z'))).toMatchObject({
      state: 'completed',
      nextChargeAt: null,
    });
  });

  it('cancels once with a fact keyed by the operation and carried by the binding payment', () => {
    const now = at('2026-03-05T00:00:00Z');
    const change = cancelOperation(created(), binding, 'merchant', now)!;
    expect(change.operation).toMatchObject({
      state: 'canceled',
      cancelReason: 'merchant',
      nextChargeAt: null,
    });
    expect(change.facts).toEqual([
      expect.objectContaining({
        idempotencyKey: 'sop_1:canceled',
        eventType: 'recurring.operation.canceled',
        paymentId: 'pay_bind',
        operationId: 'sop_1',
        bindingId: 'cbd_1',
        cancelReason: 'merchant',
        livemode: true,
        occurredAt: now,
      }),
    ]);
    expect(cancelOperation(change.operation, binding, 'merchant', now)).toBeNull();
    const completed = created(at('2026-04-01T00:00:00Z'));
    expect(() => cancelOperation(completed, binding, 'merchant', now)).toThrow(
      expect.objectContaining({ code: 'RECURRING_OPERATION_FINISHED' }),
    );
  });
});
