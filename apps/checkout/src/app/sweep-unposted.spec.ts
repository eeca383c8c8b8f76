import { describe, expect, it } from 'vitest';

import { callback, rawRequest } from '../../test/fakes/in-memory';
import { SWEEP_GRACE_MS, world } from '../../test/fakes/world';

async function succeededUnposted(count = 1) {
  const w = world();
  const { merchant } = await w.merchant();
  const ids: string[] = [];
  w.ledger.down = true;
  for (let i = 0; i < count; i += 1) {
    const { view } = await w.createPayment(
      w.paymentInput(merchant.id, { idempotencyKey: `k${i}` }),
    );
    w.provider.nextCallback = callback({ paymentId: view.payment.id, amount: view.payment.amount });
    await w.handleCallback({ provider: 'webmoney', request: rawRequest });
    ids.push(view.payment.id);
  }
  w.ledger.calls.length = 0;
  return { w, ids };
}

describe('sweepUnposted', () => {
  it('posts a succeeded payment the ledger missed, after the grace period, exactly once', async () => {
    const { w, ids } = await succeededUnposted();
    w.ledger.down = false;
    expect(await w.sweepUnposted()).toEqual({ posted: 0, failed: 0 });
    expect(w.ledger.calls).toHaveLength(0);

    w.clock.advance(SWEEP_GRACE_MS + 1);
    expect(await w.sweepUnposted()).toEqual({ posted: 1, failed: 0 });
    expect(w.ledger.calls).toEqual([
      expect.objectContaining({ idempotencyKey: `payment:${ids[0]}:succeeded` }),
    ]);
    expect((await w.payments.findById(ids[0] as string))?.ledgerTransactionId).toMatch(/^txn_/);

    expect(await w.sweepUnposted()).toEqual({ posted: 0, failed: 0 });
    expect(w.ledger.calls).toHaveLength(1);
  });

  it('stops the sweep early while the ledger is unreachable and catches up later', async () => {
    const { w, ids } = await succeededUnposted(3);
    w.clock.advance(SWEEP_GRACE_MS + 1);
    expect(await w.sweepUnposted()).toEqual({ posted: 0, failed: 1 });
    expect(w.ledger.calls).toHaveLength(1);
    w.ledger.down = false;
    expect(await w.sweepUnposted()).toEqual({ posted: 3, failed: 0 });
    for (const id of ids) expect((await w.payments.findById(id))?.ledgerPostedAt).not.toBeNull();
  });
});
