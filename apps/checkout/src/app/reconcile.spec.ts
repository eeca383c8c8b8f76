import { DomainError } from '@tolem/errors';
import { money } from '@tolem/money';
import { describe, expect, it } from 'vitest';

import { callback, rawRequest } from '../../test/fakes/in-memory';
import { PENDING_QUERY_AFTER_MS, RECONCILE_GRACE_MS, world } from '../../test/fakes/world';
import type { SettledTransaction } from '../domain/ports';
import { SETTLED_CURSOR } from './reconcile';

async function started(w = world(), key = 'order-1001') {
  const { merchant } = await w.merchant();
  const { view } = await w.createPayment(w.paymentInput(merchant.id, { idempotencyKey: key }));
  const payment = view.payment;
  await w.startPayment({
    paymentId: payment.id,
    pageSecret: payment.pageSecret,
    method: 'webmoney_purse',
    payer: {},
  });
  return { w, payment };
}

function settledTx(
  w: ReturnType<typeof world>,
  paymentId: string,
  overrides: Partial<SettledTransaction> = {},
): SettledTransaction {
  return {
    paymentId,
    merchantId: 'mer_x',
    provider: 'webmoney',
    method: 'webmoney_purse',
    providerPaymentId: `wm-${paymentId}`,
    amount: money(10_000n, 'USD'),
    attributes: { payer_purse: 'Z366393600555' },
    settledAt: w.clock.now(),
    transactionId: `ptx_${paymentId}`,
    ...overrides,
  };
}

const afterGrace = (w: ReturnType<typeof world>) => w.clock.advance(RECONCILE_GRACE_MS + 1);

/** The payment's success callback (`wm-<payment id>`, the full amount) reached checkout. */
async function paidByItsCallback(w: ReturnType<typeof world>, paymentId: string) {
  w.provider.nextCallback = callback({
    paymentId,
    amount: { amountMinor: 10_000n, currency: 'USD' },
    providerPaymentId: `wm-${paymentId}`,
  });
  await w.handleCallback({ provider: 'webmoney', request: rawRequest });
}

describe('reconcile', () => {
  it('applies a success the adapter settled while checkout missed it: succeeded, posted once', async () => {
    const { w, payment } = await started();
    w.provider.settled.push(settledTx(w, payment.id));

    // Within the grace period the callback may still be on its way: nothing is touched.
    expect(await w.reconcile()).toMatchObject({ settledSeen: 0, applied: 0 });
    expect((await w.payments.findById(payment.id))?.status).toBe('pending');

    afterGrace(w);
    const report = await w.reconcile();
    expect(report).toMatchObject({
      settledSeen: 1,
      applied: 1,
      alreadyConsistent: 0,
      casesOpened: 0,
      unposted: 0,
      unexplained: [],
    });
    expect(await w.payments.findById(payment.id)).toMatchObject({
      status: 'succeeded',
      provider: 'webmoney',
      providerPaymentId: `wm-${payment.id}`,
      providerAttributes: expect.objectContaining({ payer_purse: 'Z366393600555' }) as unknown,
    });
    expect(w.ledger.calls).toEqual([
      expect.objectContaining({ idempotencyKey: `payment:${payment.id}:succeeded` }),
    ]);

    // The cursor moved on: the next pass reads nothing and posts nothing again.
    expect(await w.reconcile()).toMatchObject({ settledSeen: 0, applied: 0 });
    expect(w.cursors.rows.get(SETTLED_CURSOR)).toBe('1');
    expect(w.ledger.calls).toHaveLength(1);
  });

  it('counts a transfer checkout already recorded as consistent, and reads it again harmlessly', async () => {
    const { w, payment } = await started();
    await paidByItsCallback(w, payment.id);
    w.provider.settled.push(settledTx(w, payment.id));
    afterGrace(w);
    expect(await w.reconcile()).toMatchObject({ settledSeen: 1, alreadyConsistent: 1, applied: 0 });
    w.cursors.rows.clear();
    expect(await w.reconcile()).toMatchObject({ settledSeen: 1, alreadyConsistent: 1 });
    expect(w.ledger.calls).toHaveLength(1);
  });

  it('records the card binding of a settled payment whose callback checkout missed, once', async () => {
    const { w, payment } = await started();
    const binding = { bindingRef: '3000000701', state: 'activated' as const, cardLast4: '4242' };
    w.provider.settled.push(settledTx(w, payment.id, { cardBinding: binding }));
    afterGrace(w);
    expect(await w.reconcile()).toMatchObject({ applied: 1 });
    expect(w.recurring.calls).toEqual([
      expect.objectContaining({ paymentId: payment.id, binding: { ...binding } }),
    ]);
    // Read again (a cursor reset): stored once, recurring not asked again.
    w.cursors.rows.clear();
    expect(await w.reconcile()).toMatchObject({ alreadyConsistent: 1 });
    expect(w.recurring.calls).toHaveLength(1);
  });

  it('records the card binding of a payment checkout settled but stopped before storing it', async () => {
    const { w, payment } = await started();
    // The callback settled the payment; its binding was lost (a crash before it was stored).
    await paidByItsCallback(w, payment.id);
    const binding = { bindingRef: '3000000702', state: 'activated' as const, cardLast4: '' };
    w.provider.settled.push(settledTx(w, payment.id, { cardBinding: binding }));
    afterGrace(w);
    expect(await w.reconcile()).toMatchObject({ alreadyConsistent: 1, applied: 0 });
    expect(w.recurring.calls).toEqual([expect.objectContaining({ paymentId: payment.id })]);
  });

  it('opens a case for settled money that cannot settle its payment, once', async () => {
    const { w, payment } = await started();
    w.provider.settled.push(settledTx(w, payment.id, { amount: money(9_000n, 'USD') }));
    afterGrace(w);
    expect(await w.reconcile()).toMatchObject({ casesOpened: 1, applied: 0, unexplained: [] });
    const [opened] = [...w.caseRepo.rows.values()];
    expect(opened).toMatchObject({
      kind: 'amount_mismatch',
      paymentId: payment.id,
      status: 'open',
      amount: { amountMinor: 9_000n, currency: 'USD' },
    });
    expect((await w.payments.findById(payment.id))?.status).toBe('pending');
    expect(w.ledger.calls).toHaveLength(0);

    w.cursors.rows.clear();
    expect(await w.reconcile()).toMatchObject({ casesOpened: 0, alreadyConsistent: 1 });
    expect(w.caseRepo.rows.size).toBe(1);
  });

  it('holds a second transfer the adapters recorded as extra, though its callback never reached checkout', async () => {
    const { w, payment } = await started();
    await paidByItsCallback(w, payment.id);
    // The payer paid again; the adapters recorded it, checkout crashed before its case.
    w.provider.extraTransfers.push(
      settledTx(w, payment.id, {
        providerPaymentId: 'wm-second',
        transactionId: `ptx_${payment.id}-x1`,
      }),
    );
    afterGrace(w);
    expect(await w.reconcile()).toMatchObject({ casesOpened: 1, unexplained: [] });
    const [opened] = [...w.caseRepo.rows.values()];
    expect(opened).toMatchObject({
      kind: 'duplicate_payment',
      paymentId: payment.id,
      providerPaymentId: 'wm-second',
      status: 'open',
    });
    expect(w.ledger.unapplied.get(opened!.id)).toMatchObject({ resolution: 'held' });
    // Listed again (another transfer arrived, or a cursor reset): the same case, once.
    w.cursors.rows.clear();
    expect(await w.reconcile()).toMatchObject({ casesOpened: 0, alreadyConsistent: 1 });
    expect(w.caseRepo.rows.size).toBe(1);
    expect((await w.payments.findById(payment.id))?.status).toBe('succeeded');
  });

  it('makes late money for an expired payment a case, not a success', async () => {
    const { w, payment } = await started();
    w.clock.advance(2 * 60 * 60 * 1000);
    await w.expirePayments();
    expect((await w.payments.findById(payment.id))?.status).toBe('expired');
    w.provider.settled.push(settledTx(w, payment.id));
    afterGrace(w);
    expect(await w.reconcile()).toMatchObject({ casesOpened: 1, applied: 0 });
    expect([...w.caseRepo.rows.values()][0]).toMatchObject({ kind: 'late_payment' });
    expect((await w.payments.findById(payment.id))?.status).toBe('expired');
  });

  it('reports money settled for a payment checkout never had, and pages through the rest', async () => {
    const { w, payment } = await started();
    w.provider.settled.push(
      settledTx(w, 'pay_unknown'),
      settledTx(w, 'pay_unknown2'),
      settledTx(w, payment.id),
    );
    afterGrace(w);
    const report = await w.reconcile();
    expect(report).toMatchObject({ settledSeen: 3, applied: 1 });
    expect(report.unexplained).toEqual([
      expect.objectContaining({ code: 'RECONCILE_UNKNOWN_PAYMENT', paymentId: 'pay_unknown' }),
      expect.objectContaining({ code: 'RECONCILE_UNKNOWN_PAYMENT', paymentId: 'pay_unknown2' }),
    ]);
    expect(w.log.lines).toContainEqual(
      expect.objectContaining({ msg: 'reconciliation found differences it cannot explain' }),
    );

    // Kept: every later pass reports them again, though the cursor moved on.
    const again = await w.reconcile();
    expect(again).toMatchObject({ settledSeen: 0 });
    expect(again.unexplained.map((d) => d.paymentId)).toEqual(['pay_unknown', 'pay_unknown2']);
  });

  it("reads a page's payments in one read, and again only a payment it just moved on", async () => {
    const { w, payment } = await started();
    // Pages of two (the world's page size): the same transfer twice (a provider listing it
    // twice) on one page, then four payments checkout never had.
    w.provider.settled.push(
      settledTx(w, payment.id),
      settledTx(w, payment.id, { transactionId: 'ptx_again' }),
      ...['pay_u1', 'pay_u2', 'pay_u3', 'pay_u4'].map((id) => settledTx(w, id)),
    );
    afterGrace(w);
    const before = w.payments.reads;
    const report = await w.reconcile();
    expect(report).toMatchObject({ settledSeen: 6, applied: 1, alreadyConsistent: 1 });
    expect(w.ledger.calls).toHaveLength(1);
    // Three pages, one read each, and one more for the payment the first page moved on.
    expect(w.payments.reads - before).toBe(4);

    // The kept differences are read back together on the next pass.
    const next = w.payments.reads;
    expect((await w.reconcile()).unexplained).toHaveLength(4);
    expect(w.payments.reads - next).toBe(1);
  });

  it('defers the kept differences when their payments cannot be read, and runs the rest of the pass', async () => {
    const { w, payment } = await started();
    await w.differences.record(
      { transaction: settledTx(w, 'pay_kept'), code: 'RECONCILE_UNKNOWN_PAYMENT', detail: 'then' },
      w.clock.now(),
    );
    w.provider.settled.push(settledTx(w, payment.id));
    afterGrace(w);
    const findByIds = w.payments.findByIds.bind(w.payments);
    let calls = 0;
    w.payments.findByIds = async (ids) => {
      calls += 1;
      if (calls === 1) {
        throw new DomainError('PAYMENT_CONCURRENT_UPDATE', 'unavailable', 'busy', {
          retriable: true,
        });
      }
      return findByIds(ids);
    };
    expect(await w.reconcile()).toMatchObject({ deferred: 1, settledSeen: 1, applied: 1 });
    expect(await w.differences.listOpen(10)).toHaveLength(1);
  });

  it('explains a kept difference once its payment exists, and stops reporting it', async () => {
    const { w, payment } = await started();
    const tx = settledTx(w, payment.id);
    await w.differences.record(
      { transaction: tx, code: 'RECONCILE_UNKNOWN_PAYMENT', detail: 'not here then' },
      w.clock.now(),
    );
    afterGrace(w);
    expect(await w.reconcile()).toMatchObject({ applied: 1, unexplained: [] });
    expect((await w.payments.findById(payment.id))?.status).toBe('succeeded');
    expect(await w.differences.listOpen(10)).toEqual([]);
    expect(await w.reconcile()).toMatchObject({ applied: 0, unexplained: [] });
  });

  it('keeps its cursor before a page it could not apply while a peer is down, and retries', async () => {
    const { w, payment } = await started();
    w.provider.settled.push(settledTx(w, payment.id));
    afterGrace(w);
    const findByIds = w.payments.findByIds.bind(w.payments);
    w.payments.findByIds = async () => {
      throw new DomainError('PAYMENT_CONCURRENT_UPDATE', 'unavailable', 'busy', {
        retriable: true,
      });
    };
    expect(await w.reconcile()).toMatchObject({ deferred: 1, applied: 0 });
    expect(w.cursors.rows.get(SETTLED_CURSOR)).toBeUndefined();
    w.payments.findByIds = findByIds;
    expect(await w.reconcile()).toMatchObject({ applied: 1 });
  });

  it('asks providers about payments pending too long and applies a verified success', async () => {
    const w = world();
    const asked = await started(w, 'k-asked');
    const unsupported = await started(w, 'k-unsupported');
    w.provider.statuses.set(asked.payment.id, {
      provider: 'webmoney',
      method: 'webmoney_purse',
      outcome: 'succeeded',
      providerPaymentId: 'wm-asked',
      amount: money(10_000n, 'USD'),
      attributes: {},
      checkedWithProvider: true,
    });

    afterGrace(w);
    expect(await w.reconcile()).toMatchObject({ statusQueriesAsked: 0 });

    w.clock.advance(PENDING_QUERY_AFTER_MS);
    const report = await w.reconcile();
    expect(report).toMatchObject({
      statusQueriesAsked: 2,
      statusQueriesAnswered: 1,
      statusQueriesUnsupported: 1,
      applied: 1,
      unexplained: [],
    });
    expect(w.provider.queried.sort()).toEqual([asked.payment.id, unsupported.payment.id].sort());
    expect((await w.payments.findById(asked.payment.id))?.status).toBe('succeeded');
    expect((await w.payments.findById(unsupported.payment.id))?.status).toBe('pending');
  });

  it('counts succeeded payments the ledger has not posted yet', async () => {
    const { w, payment } = await started();
    w.ledger.down = true;
    w.provider.nextCallback = callback({
      paymentId: payment.id,
      amount: { amountMinor: 10_000n, currency: 'USD' },
    });
    await w.handleCallback({ provider: 'webmoney', request: rawRequest });
    afterGrace(w);
    expect(await w.reconcile()).toMatchObject({ unposted: 1, unexplained: [] });
  });

  it('runs one pass at a time', async () => {
    const { w, payment } = await started();
    w.provider.settled.push(settledTx(w, payment.id));
    afterGrace(w);
    const [a, b] = await Promise.all([w.reconcile(), w.reconcile()]);
    expect(a.applied + b.applied).toBe(1);
    expect(a.settledSeen + b.settledSeen).toBe(1);
    expect(w.ledger.calls).toHaveLength(1);
  });

  it('stops reporting a difference an operator acknowledged, once, with who and why', async () => {
    const w = world();
    w.provider.settled.push(settledTx(w, 'pay_unknown'));
    afterGrace(w);
    const [difference] = (await w.reconcile()).unexplained;
    expect(difference?.transactionId).toBe('ptx_pay_unknown');

    const ack = { transactionId: 'ptx_pay_unknown', operator: 'ops-ana', note: 'returned WM-77' };
    expect(await w.acknowledgeDifference(ack)).toEqual({ already: false });
    expect(await w.acknowledgeDifference(ack)).toEqual({ already: true });
    expect((await w.reconcile()).unexplained).toEqual([]);

    await expect(
      w.acknowledgeDifference({ ...ack, transactionId: 'ptx_never' }),
    ).rejects.toMatchObject({ code: 'RECONCILE_DIFFERENCE_NOT_FOUND' });
    await expect(w.acknowledgeDifference({ ...ack, operator: ' ' })).rejects.toMatchObject({
      code: 'RECONCILE_INVALID_REQUEST',
      details: { field: 'operator' },
    });
    await expect(
      w.acknowledgeDifference({ ...ack, transactionId: 'ptx x; drop' }),
    ).rejects.toMatchObject({ code: 'RECONCILE_INVALID_REQUEST' });
  });

  it('takes turns through payments pending too long, a page per pass, then starts over', async () => {
    const w = world();
    const ids: string[] = [];
    for (const key of ['k1', 'k2', 'k3']) {
      ids.push((await started(w, key)).payment.id);
      w.clock.advance(1);
    }
    w.clock.advance(PENDING_QUERY_AFTER_MS + RECONCILE_GRACE_MS);
    // The page size is 2 in this world.
    await w.reconcile();
    expect(w.provider.queried).toEqual([ids[0], ids[1]]);
    await w.reconcile();
    expect(w.provider.queried.slice(2)).toEqual([ids[2]]);
    await w.reconcile();
    expect(w.provider.queried.slice(3)).toEqual([ids[0], ids[1]]);
  });

  it('keeps a transaction it cannot apply as a difference and moves on, so it never blocks', async () => {
    const w = world();
    const broken = await started(w, 'k-broken');
    const fine = await started(w, 'k-fine');
    w.provider.settled.push(settledTx(w, broken.payment.id), settledTx(w, fine.payment.id));
    afterGrace(w);
    const update = w.payments.update.bind(w.payments);
    w.payments.update = async (next, version, transition) => {
      if (next.id === broken.payment.id) throw new Error('check constraint violated');
      return update(next, version, transition);
    };
    const report = await w.reconcile();
    expect(report).toMatchObject({ settledSeen: 2, applied: 1 });
    expect(report.unexplained).toEqual([
      expect.objectContaining({ code: 'RECONCILE_APPLY_FAILED', paymentId: broken.payment.id }),
    ]);
    expect((await w.payments.findById(fine.payment.id))?.status).toBe('succeeded');

    // Reported until it applies; then explained and gone.
    expect((await w.reconcile()).unexplained).toHaveLength(1);
    w.payments.update = update;
    expect(await w.reconcile()).toMatchObject({ applied: 1, unexplained: [] });
    expect((await w.payments.findById(broken.payment.id))?.status).toBe('succeeded');
  });
});
