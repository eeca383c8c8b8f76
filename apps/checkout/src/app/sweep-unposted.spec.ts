import { describe, expect, it } from 'vitest';

import { callback, rawRequest } from '../../test/fakes/in-memory';
import { SWEEP_GRACE_MS, world } from '../../test/fakes/world';
import { makeSweepUnposted } from './sweep-unposted';

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

  it('a post already in flight for the payment is awaited, not sent again; a later one is sent', async () => {
    const { w, ids } = await succeededUnposted();
    const id = ids[0] as string;
    w.ledger.down = false;
    w.clock.advance(SWEEP_GRACE_MS + 1);
    // The ledger answers only once both callers have asked.
    const post = w.ledger.postPayment.bind(w.ledger);
    let release!: () => void;
    const answered = new Promise<void>((resolve) => (release = resolve));
    w.ledger.postPayment = async (input) => {
      await answered;
      return post(input);
    };
    // The provider's redelivered success and the sweeper, at the same moment.
    w.provider.nextCallback = callback({
      paymentId: id,
      amount: { amountMinor: 10_000n, currency: 'USD' },
    });
    const both = Promise.all([
      w.handleCallback({ provider: 'webmoney', request: rawRequest }),
      w.sweepUnposted(),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    await both;
    expect(w.ledger.calls).toHaveLength(1);
    expect((await w.payments.findById(id))?.ledgerTransactionId).toMatch(/^txn_/);

    // Nothing is remembered past the call: a failed post is tried again by the next caller.
    const { w: w2, ids: ids2 } = await succeededUnposted();
    w2.clock.advance(SWEEP_GRACE_MS + 1);
    expect(await w2.sweepUnposted()).toEqual({ posted: 0, failed: 1 });
    w2.ledger.down = false;
    expect(await w2.sweepUnposted()).toEqual({ posted: 1, failed: 0 });
    expect(w2.ledger.calls).toHaveLength(2);
    expect((await w2.payments.findById(ids2[0] as string))?.ledgerPostedAt).not.toBeNull();
  });
  it('leaves a payment the ledger refused for a while, so the ones behind it are still posted', async () => {
    const { w, ids } = await succeededUnposted(2);
    const [refused, other] = ids as [string, string];
    w.ledger.down = false;
    w.ledger.refusing.add(refused);
    w.clock.advance(SWEEP_GRACE_MS + 1);
    const sweep = makeSweepUnposted({ ...w.sweepDeps, batchSize: 1 });
    // One payment a sweep, and the refused one succeeded first: the other is posted all the same.
    expect(await sweep()).toEqual({ posted: 0, failed: 1 });
    expect(await sweep()).toEqual({ posted: 1, failed: 0 });
    expect(await sweep()).toEqual({ posted: 0, failed: 0 });
    // Asked again after 10 s, then after 20 s.
    w.clock.advance(10_000);
    expect(await sweep()).toEqual({ posted: 0, failed: 1 });
    w.clock.advance(10_000);
    expect(await sweep()).toEqual({ posted: 0, failed: 0 });
    w.ledger.refusing.delete(refused);
    w.clock.advance(10_000);
    expect(await sweep()).toEqual({ posted: 1, failed: 0 });
    expect((await w.payments.findById(refused))?.ledgerPostedAt).toBeInstanceOf(Date);
    expect((await w.payments.findById(other))?.ledgerPostedAt).toBeInstanceOf(Date);
  });
});
