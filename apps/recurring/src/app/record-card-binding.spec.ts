import { newId } from '@tolem/ids';
import { money } from '@tolem/money';
import { describe, expect, it } from 'vitest';

import {
  BINDING_ERROR_MESSAGE,
  type CardBinding,
  type NewCardBinding,
} from '../domain/card-binding';
import type { RecordCardBindingDeps } from './record-card-binding';
import { makeRecordCardBinding } from './record-card-binding';

function inMemoryBindings(): RecordCardBindingDeps['bindings'] & {
  rows: Map<string, CardBinding>;
} {
  const rows = new Map<string, CardBinding>();
  return {
    rows,
    async insertOnce(b) {
      const existing = rows.get(b.paymentId);
      if (existing) return { binding: existing, inserted: false };
      const binding: CardBinding = {
        ...b,
        id: newId('cbd'),
        revokedAt: null,
        createdAt: new Date(),
      };
      rows.set(b.paymentId, binding);
      return { binding, inserted: true };
    },
  };
}

const input: NewCardBinding = {
  merchantId: 'mer_1',
  paymentId: 'pay_1',
  providerBindingRef: 'im-rec-42',
  state: 'activated',
  cardLast4: '4242',
  firstAmount: money(1000n, 'RUB'),
  customerRef: 'cus_7',
  cardExpiry: '12/29',
  livemode: false,
};

describe('recordCardBinding', () => {
  it('is idempotent for the same content and a conflict naming the field otherwise', async () => {
    const record = makeRecordCardBinding({ bindings: inMemoryBindings() });
    const first = await record(input);
    const again = await record(input);
    expect(again.alreadyExisted).toBe(true);
    expect(again.binding.id).toBe(first.binding.id);
    await expect(record({ ...input, cardLast4: '1111' })).rejects.toMatchObject({
      code: 'RECURRING_BINDING_CONFLICT',
      details: { field: 'card_last4' },
    });
    await expect(record({ ...input, customerRef: 'cus_other' })).rejects.toMatchObject({
      code: 'RECURRING_BINDING_CONFLICT',
      details: { field: 'customer_ref' },
    });
  });

  it('keeps the customer, expiry and mode and gives an ERROR binding the advice to contact support', async () => {
    const record = makeRecordCardBinding({ bindings: inMemoryBindings() });
    const ok = await record(input);
    expect(ok.binding).toMatchObject({
      customerRef: 'cus_7',
      cardExpiry: '12/29',
      livemode: false,
      failureMessage: '',
    });
    const failed = await record({
      ...input,
      paymentId: 'pay_2',
      state: 'error',
      providerBindingRef: '',
    });
    expect(failed.binding.failureMessage).toBe(BINDING_ERROR_MESSAGE);
    expect(failed.binding.failureMessage).toMatch(/contact support/);
  });

  it('answers a revoked binding when its activation is recorded again', async () => {
    const bindings = inMemoryBindings();
    const record = makeRecordCardBinding({ bindings });
    const first = await record(input);
    bindings.rows.set('pay_1', { ...first.binding, state: 'revoked', revokedAt: new Date() });
    const again = await record(input);
    expect(again).toMatchObject({ alreadyExisted: true, binding: { state: 'revoked' } });
  });

  it('refuses an activated binding without a provider reference and a malformed expiry', async () => {
    const record = makeRecordCardBinding({ bindings: inMemoryBindings() });
    await expect(record({ ...input, providerBindingRef: '' })).rejects.toMatchObject({
      code: 'RECURRING_INVALID_REQUEST',
    });
    await expect(record({ ...input, cardExpiry: '13/29' })).rejects.toMatchObject({
      code: 'RECURRING_INVALID_REQUEST',
      details: { field: 'card_expiry' },
    });
  });

  it.each([
    ['merchant_id', { merchantId: `mer_${'x'.repeat(252)}` }],
    ['payment_id', { paymentId: `pay_${'x'.repeat(252)}` }],
    ['customer_ref', { customerRef: 'c'.repeat(191) }],
    ['provider_binding_ref', { providerBindingRef: 'r'.repeat(65) }],
  ])(
    'refuses a %s longer than an index entry or a charge takes, storing nothing',
    async (field, change) => {
      const bindings = inMemoryBindings();
      const record = makeRecordCardBinding({ bindings });
      await expect(record({ ...input, ...change })).rejects.toMatchObject({
        code: 'RECURRING_INVALID_REQUEST',
        details: { field },
      });
      expect(bindings.rows.size).toBe(0);
      // At the bound it is recorded.
      const longest = Object.fromEntries(
        Object.entries(change).map(([k, v]) => [k, v.slice(0, -1)]),
      );
      await expect(record({ ...input, ...longest })).resolves.toMatchObject({
        alreadyExisted: false,
      });
    },
  );
});
