import { DomainError } from '@tolem/errors';
import { describe, expect, it } from 'vitest';

import { callback, rawRequest } from '../../test/fakes/in-memory';
import { world } from '../../test/fakes/world';

/** `count` succeeded card payments whose bindings were reported while recurring was down. */
async function unrecorded(count: number) {
  const w = world();
  const { merchant } = await w.merchant();
  w.recurring.down = true;
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const { view } = await w.createPayment(
      w.paymentInput(merchant.id, { idempotencyKey: `k${i}` }),
    );
    w.provider.nextCallback = callback({
      paymentId: view.payment.id,
      amount: view.payment.amount,
      cardBinding: { bindingRef: `inv-${i}`, state: 'activated', cardLast4: '1111' },
    });
    await w.handleCallback({ provider: 'intellectmoney', request: rawRequest });
    ids.push(view.payment.id);
  }
  w.recurring.calls.length = 0;
  return { w, ids };
}

describe('sweepCardBindings', () => {
  it('stops early while recurring is unreachable and records every binding once it is back', async () => {
    const { w, ids } = await unrecorded(3);
    w.clock.advance(1_000);
    expect(await w.sweepCardBindings()).toEqual({ recorded: 0, failed: 1 });
    expect(w.recurring.calls).toHaveLength(1);

    w.recurring.down = false;
    w.clock.advance(60_000);
    expect(await w.sweepCardBindings()).toEqual({ recorded: 3, failed: 0 });
    expect([...w.recurring.recorded.keys()].sort()).toEqual([...ids].sort());
    expect(await w.sweepCardBindings()).toEqual({ recorded: 0, failed: 0 });
  });

  it('gives up on a binding recurring refuses for good, keeping it for an operator', async () => {
    const { w, ids } = await unrecorded(1);
    const id = ids[0] as string;
    w.recurring.down = false;
    w.recurring.recordCardBinding = async () => {
      throw new DomainError('RECURRING_BINDING_CONFLICT', 'conflict', 'another binding');
    };
    w.clock.advance(60_000);
    expect(await w.sweepCardBindings()).toEqual({ recorded: 0, failed: 1 });
    expect(w.bindings.rows.get(id)).toMatchObject({
      lastError: 'RECURRING_BINDING_CONFLICT',
      recordedAt: null,
    });
    expect(w.bindings.rows.get(id)?.gaveUpAt).not.toBeNull();
    w.clock.advance(60 * 60_000);
    expect(await w.sweepCardBindings()).toEqual({ recorded: 0, failed: 0 });
    expect(w.log.lines.some((l) => l.level === 'error' && l.msg.includes('operator'))).toBe(true);
  });
});
