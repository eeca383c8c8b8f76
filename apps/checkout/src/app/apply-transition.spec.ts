import { describe, expect, it } from 'vitest';

import { world } from '../../test/fakes/world';
import { applyTransition } from './apply-transition';

describe('applyTransition (optimistic lock)', () => {
  it('re-plans on the fresh row when another writer wins', async () => {
    const w = world();
    const { payment } = await w.created();
    let interfered = false;
    w.payments.beforeUpdate = (id) => {
      if (interfered) return;
      interfered = true;
      const current = w.payments.rows.get(id);
      if (current)
        w.payments.rows.set(id, {
          ...current,
          status: 'pending',
          method: 'webmoney_purse',
          version: current.version + 1,
        });
    };
    const seen: string[] = [];
    const { payment: saved, changed } = await applyTransition(w, payment.id, (current) => {
      seen.push(current.status);
      return { to: 'succeeded', reason: 'test' };
    });
    expect(seen).toEqual(['created', 'pending']);
    expect(changed).toBe(true);
    expect(saved).toMatchObject({ status: 'succeeded', method: 'webmoney_purse', version: 2 });
    expect(w.payments.transitions.at(-1)).toMatchObject({ from: 'pending', to: 'succeeded' });
  });

  it('refuses when the winner made the payment final with another outcome', async () => {
    const w = world();
    const { payment } = await w.created();
    w.payments.beforeUpdate = (id) => {
      const current = w.payments.rows.get(id);
      if (current && current.status === 'created') {
        w.payments.rows.set(id, { ...current, status: 'succeeded', version: current.version + 1 });
      }
    };
    await expect(
      applyTransition(w, payment.id, () => ({ to: 'expired', reason: 'test' })),
    ).rejects.toMatchObject({
      code: 'PAYMENT_ALREADY_FINAL',
    });
    expect((await w.payments.findById(payment.id))?.status).toBe('succeeded');
  });

  it('gives up with a retriable PAYMENT_CONCURRENT_UPDATE when it never wins', async () => {
    const w = world();
    const { payment } = await w.created();
    w.payments.beforeUpdate = (id) => {
      const current = w.payments.rows.get(id);
      if (current) w.payments.rows.set(id, { ...current, version: current.version + 1 });
    };
    await expect(
      applyTransition(w, payment.id, () => ({ to: 'pending', reason: 'test' })),
    ).rejects.toMatchObject({
      code: 'PAYMENT_CONCURRENT_UPDATE',
      kind: 'aborted',
      retriable: true,
    });
  });
});
