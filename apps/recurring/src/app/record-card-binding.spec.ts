import { newId } from '@tolem/ids';
import { money } from '@tolem/money';
import { describe, expect, it } from 'vitest';

import type { CardBinding, NewCardBinding } from '../domain/card-binding';
import type { CardBindingRepository } from '../domain/ports';
import { makeRecordCardBinding } from './record-card-binding';

function inMemoryBindings(): CardBindingRepository {
  const rows = new Map<string, CardBinding>();
  return {
    async insertOnce(b) {
      const existing = rows.get(b.paymentId);
      if (existing) return { binding: existing, inserted: false };
      const binding = { ...b, id: newId('cbd'), createdAt: new Date() };
      rows.set(b.paymentId, binding);
      return { binding, inserted: true };
    },
    async listByMerchant(merchantId) {
      return [...rows.values()].filter((r) => r.merchantId === merchantId);
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
  });

  it('refuses an activated binding without a provider reference', async () => {
    const record = makeRecordCardBinding({ bindings: inMemoryBindings() });
    await expect(record({ ...input, providerBindingRef: '' })).rejects.toMatchObject({
      code: 'RECURRING_INVALID_REQUEST',
    });
  });
});
