import { money } from '@tolem/money';
import { describe, expect, it } from 'vitest';

import type { CardBinding } from './card-binding';
import {
  checkBindingAllows,
  createTerms,
  editTerms,
  fingerprintConflictField,
  fingerprintOf,
  type SetOperationInput,
} from './operation-terms';

const create: SetOperationInput = {
  merchantId: 'mer_1',
  operationId: '',
  idempotencyKey: 'k1',
  bindingId: 'cbd_1',
  amount: { amountMinor: 500n, currency: 'KGS' },
  description: '  Internet, 100 Mbit/s ',
  schedule: {
    cron: '',
    timeZone: 'Asia/Bishkek',
    interval: 'monthly',
    day: 31,
    timeOfDay: '09:00',
  },
  startsAt: new Date('2027-01-01T00:00:00Z'),
  clearEndsAt: false,
  receiptCustomer: { email: 'a@b.kg' },
  metadata: { b: '2', a: '1' },
};

const binding: CardBinding = {
  id: 'cbd_1',
  merchantId: 'mer_1',
  paymentId: 'pay_1',
  providerBindingRef: 'ref',
  state: 'activated',
  cardLast4: '4242',
  firstAmount: money(100n, 'KGS'),
  customerRef: '',
  cardExpiry: '',
  failureMessage: '',
  livemode: false,
  revokedAt: null,
  createdAt: new Date(),
};

describe('createTerms', () => {
  it('normalises what it keeps: trimmed description, no end, fire_on_skip false by default', () => {
    const terms = createTerms(create);
    expect(terms).toMatchObject({
      amount: { amountMinor: 500n, currency: 'KGS' },
      description: 'Internet, 100 Mbit/s',
      endsAt: null,
      firesOnSkip: false,
      receiptCustomer: { email: 'a@b.kg' },
    });
    expect(Object.keys(terms.metadata)).toEqual(['a', 'b']);
  });

  it('counts a description in characters, not bytes: 128 Cyrillic letters pass', () => {
    expect(createTerms({ ...create, description: 'ж'.repeat(128) }).description).toHaveLength(128);
  });

  it.each<[string, Partial<SetOperationInput>, string, string]>([
    ['no merchant', { merchantId: '' }, 'RECURRING_INVALID_REQUEST', 'merchant_id'],
    [
      'no idempotency key',
      { idempotencyKey: '' },
      'RECURRING_IDEMPOTENCY_KEY_REQUIRED',
      'idempotency_key',
    ],
    ['no binding', { bindingId: '' }, 'RECURRING_INVALID_REQUEST', 'binding_id'],
    [
      'clear_ends_at on create',
      { clearEndsAt: true },
      'RECURRING_INVALID_REQUEST',
      'clear_ends_at',
    ],
    [
      'a negative amount',
      { amount: { amountMinor: -1n, currency: 'KGS' } },
      'RECURRING_INVALID_AMOUNT',
      'amount.amount_minor',
    ],
    [
      'an unknown currency',
      { amount: { amountMinor: 1n, currency: 'XXX' } },
      'RECURRING_INVALID_AMOUNT',
      'amount.currency',
    ],
    ['no description', { description: undefined }, 'RECURRING_INVALID_DESCRIPTION', 'description'],
    ['no schedule', { schedule: undefined }, 'RECURRING_INVALID_SCHEDULE', 'schedule'],
    [
      'ends_at equal to starts_at',
      { endsAt: new Date('2027-01-01T00:00:00Z') },
      'RECURRING_INVALID_DATES',
      'ends_at',
    ],
    [
      'an email without domain',
      { receiptCustomer: { email: 'a@b' } },
      'RECURRING_INVALID_RECEIPT_CUSTOMER',
      'receipt_customer.email',
    ],
    [
      'a phone with a plus',
      { receiptCustomer: { phone: '+996555123456' } },
      'RECURRING_INVALID_RECEIPT_CUSTOMER',
      'receipt_customer.phone',
    ],
    [
      'an INN of 11 digits',
      { receiptCustomer: { email: 'a@b.kg', inn: '12345678901' } },
      'RECURRING_INVALID_RECEIPT_CUSTOMER',
      'receipt_customer.inn',
    ],
    [
      '21 metadata keys',
      { metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) },
      'RECURRING_INVALID_METADATA',
      'metadata',
    ],
  ])('refuses %s with a stable code naming the field', (_name, patch, code, field) => {
    expect(() => createTerms({ ...create, ...patch })).toThrow(
      expect.objectContaining({ code, details: { field } }),
    );
  });

  it('never echoes a refused phone number', () => {
    try {
      createTerms({ ...create, receiptCustomer: { phone: '+996700111222' } });
      expect.unreachable();
    } catch (err) {
      expect(JSON.stringify(err) + String(err)).not.toContain('700111222');
    }
  });
});

describe('editTerms', () => {
  const current = createTerms({ ...create, endsAt: new Date('2028-01-01T00:00:00Z') });

  it('keeps every field not sent, and empty metadata keeps the metadata', () => {
    expect(
      editTerms(current, {
        ...create,
        operationId: 'sop_1',
        amount: undefined,
        description: undefined,
        schedule: undefined,
        startsAt: undefined,
        receiptCustomer: undefined,
        metadata: {},
      }),
    ).toEqual(current);
  });

  it('replaces what is sent, clears the end date on request, and checks dates against the kept ones', () => {
    const edited = editTerms(current, {
      ...create,
      amount: { amountMinor: 900n, currency: 'KGS' },
      description: undefined,
      schedule: undefined,
      startsAt: undefined,
      receiptCustomer: undefined,
      metadata: {},
      clearEndsAt: true,
    });
    expect(edited.amount.amountMinor).toBe(900n);
    expect(edited.endsAt).toBeNull();
    expect(() =>
      editTerms(current, { ...create, startsAt: new Date('2029-01-01T00:00:00Z'), metadata: {} }),
    ).toThrow(
      expect.objectContaining({ code: 'RECURRING_INVALID_DATES', details: { field: 'ends_at' } }),
    );
  });
});

describe('checkBindingAllows', () => {
  const terms = createTerms(create);

  it('needs an activated binding in the operation currency', () => {
    expect(() => checkBindingAllows(binding, terms)).not.toThrow();
    expect(() => checkBindingAllows({ ...binding, state: 'revoked' }, terms)).toThrow(
      expect.objectContaining({ code: 'RECURRING_BINDING_NOT_ACTIVE', kind: 'precondition' }),
    );
    expect(() =>
      checkBindingAllows({ ...binding, firstAmount: money(100n, 'RUB') }, terms),
    ).toThrow(
      expect.objectContaining({
        code: 'RECURRING_INVALID_AMOUNT',
        details: { field: 'amount.currency' },
      }),
    );
  });
});

describe('fingerprints', () => {
  it('are equal for the same request however metadata keys are ordered, and name the first differing field', () => {
    const a = fingerprintOf('cbd_1', createTerms(create));
    const same = fingerprintOf('cbd_1', createTerms({ ...create, metadata: { a: '1', b: '2' } }));
    expect(fingerprintConflictField(a, same)).toBeUndefined();
    const other = fingerprintOf(
      'cbd_1',
      createTerms({ ...create, schedule: { ...create.schedule!, day: 30 } }),
    );
    expect(fingerprintConflictField(a, other)).toBe('schedule');
    expect(fingerprintConflictField(a, fingerprintOf('cbd_2', createTerms(create)))).toBe(
      'binding_id',
    );
  });
});
