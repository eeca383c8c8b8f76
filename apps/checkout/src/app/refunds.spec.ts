import { DomainError } from '@tolem/errors';
import { money } from '@tolem/money';
import { describe, expect, it } from 'vitest';

import {
  fixedClock,
  inMemoryPayments,
  inMemoryRefunds,
  recordingLog,
} from '../../test/fakes/in-memory';
import type { Payment } from '../domain/payment';
import type { LedgerRefundPort, ProviderRefundPort } from '../domain/ports';
import { payerAccountOf, refundedStatusOf } from '../domain/refund';
import { makeRefunds } from './refunds';

const paid: Payment = {
  id: 'pay_1',
  merchantId: 'mer_1',
  amount: money(10_000n, 'USD'),
  status: 'succeeded',
  orderId: 'o-1',
  description: '',
  successUrl: '',
  failUrl: '',
  metadata: {},
  pageSecret: 'secret',
  livemode: false,
  customerRef: '',
  initiator: '',
  method: 'webmoney_purse',
  provider: 'webmoney',
  providerPaymentId: 'wm-1',
  providerAttributes: { payer_purse: 'Z123456789012' },
  fee: money(0n, 'USD'),
  failureCode: null,
  succeededAt: new Date('2026-12-07T09:00:00Z'),
  ledgerPostedAt: new Date('2026-12-07T09:00:01Z'),
  ledgerTransactionId: 'txn_1',
  refundedMinor: 0n,
  version: 3,
  createdAt: new Date('2026-12-07T08:00:00Z'),
  updatedAt: new Date('2026-12-07T09:00:01Z'),
  expiresAt: new Date('2026-12-08T08:00:00Z'),
};

function setup(payment: Partial<Payment> = {}) {
  const payments = inMemoryPayments();
  payments.rows.set('pay_1', { ...paid, ...payment });
  const refunds = inMemoryRefunds(payments);
  const ledgerCalls: string[] = [];
  const ledger: LedgerRefundPort & { down: boolean; refuseEnd: boolean } = {
    down: false,
    refuseEnd: false,
    async refundPayment(input) {
      if (this.down) throw new DomainError('LEDGER_UNAVAILABLE', 'unavailable', 'down');
      ledgerCalls.push(`start ${input.refundId} ${input.amount.amountMinor}`);
      return { transactionId: 'txn_r' };
    },
    async resolveRefund(input) {
      if (this.down) throw new DomainError('LEDGER_UNAVAILABLE', 'unavailable', 'down');
      if (this.refuseEnd) throw new DomainError('REFUND_NOT_FOUND', 'not_found', 'no such refund');
      ledgerCalls.push(`end ${input.refundId} ${input.outcome} ${input.reference}`);
      return { transactionId: 'txn_e', paymentStatus: '' };
    },
  };
  const providerCalls: string[] = [];
  const provider: ProviderRefundPort & { answer: 'unsupported' | 'succeeded' | 'failed' | 'down' } =
    {
      answer: 'unsupported',
      async refundPayment(input) {
        providerCalls.push(input.idempotencyKey);
        switch (this.answer) {
          case 'unsupported':
            throw new DomainError('PROVIDER_OPERATION_UNSUPPORTED', 'precondition', 'no refunds');
          case 'down':
            throw new DomainError('UPSTREAM_UNAVAILABLE', 'unavailable', 'down');
          case 'succeeded':
            return { outcome: 'succeeded', providerRefundId: 'prv_1', reasonCode: '' };
          case 'failed':
            return { outcome: 'failed', providerRefundId: '', reasonCode: 'declined_by_bank' };
        }
      },
    };
  const clock = fixedClock(new Date('2026-12-07T10:00:00Z'));
  const log = recordingLog();
  const uc = makeRefunds({ refunds, ledger, provider, clock, log });
  return { uc, payments, refunds, ledger, ledgerCalls, provider, providerCalls, clock, log };
}

const ask = (over: Partial<Parameters<ReturnType<typeof makeRefunds>['create']>[0]> = {}) => ({
  merchantId: 'mer_1',
  idempotencyKey: 'k1',
  paymentId: 'pay_1',
  amount: { amountMinor: 4_000n, currency: '' },
  reason: '',
  ...over,
});

describe('refunds', () => {
  it('queues a refund for a payout when the provider has no refund, after the ledger took the money', async () => {
    const s = setup();
    const { refund, replayed } = await s.uc.create(ask());
    expect(replayed).toBe(false);
    expect(refund).toMatchObject({
      status: 'pending',
      step: 'await_payout',
      execution: 'payout_queue',
      amount: money(4_000n, 'USD'),
    });
    expect(s.ledgerCalls).toEqual([`start ${refund.id} 4000`]);
    expect(s.providerCalls).toEqual([refund.id]);
    const {
      payouts: [queued],
    } = await s.uc.listPayouts({ limit: 0, startingAfter: '' });
    expect(queued).toMatchObject({
      payerAccountKind: 'webmoney_purse',
      payerAccount: 'Z123456789012',
    });
    const done = await s.uc.completePayout({
      refundId: refund.id,
      reference: 'WM-1',
      operator: 'a',
    });
    expect(done).toMatchObject({ status: 'succeeded', step: 'done', outcome: 'paid_out' });
    expect(s.ledgerCalls.at(-1)).toBe(`end ${refund.id} paid_out WM-1`);
    expect(s.payments.rows.get('pay_1')?.refundedMinor).toBe(4_000n);
  });

  it('succeeds through the provider, or fails with its code (the ledger returns the money)', async () => {
    const s = setup();
    s.provider.answer = 'succeeded';
    const ok = await s.uc.create(ask());
    expect(ok.refund).toMatchObject({
      status: 'succeeded',
      execution: 'provider',
      outcomeReference: 'prv_1',
    });
    s.provider.answer = 'failed';
    const declined = await s.uc.create(ask({ idempotencyKey: 'k2' }));
    expect(declined.refund).toMatchObject({ status: 'failed', failureCode: 'declined_by_bank' });
    expect(s.ledgerCalls.at(-1)).toBe(`end ${declined.refund.id} failed declined_by_bank`);
    expect(s.payments.rows.get('pay_1')?.refundedMinor).toBe(4_000n);
  });

  it('leaves an unanswered step to the sweeper, which never calls the provider twice for a done step', async () => {
    const s = setup();
    s.ledger.down = true;
    const { refund } = await s.uc.create(ask());
    expect(refund).toMatchObject({ status: 'pending', step: 'reserve' });
    expect(s.providerCalls).toEqual([]);
    s.ledger.down = false;
    s.provider.answer = 'down';
    s.clock.advance(60_000);
    await s.uc.sweep(1_000);
    expect((await s.refunds.findById(refund.id))?.step).toBe('execute');
    s.provider.answer = 'succeeded';
    s.clock.advance(60_000);
    await s.uc.sweep(1_000);
    expect(await s.refunds.findById(refund.id)).toMatchObject({
      status: 'succeeded',
      step: 'done',
    });
    s.clock.advance(60_000);
    await s.uc.sweep(1_000);
    expect(s.providerCalls).toEqual([refund.id, refund.id]);
  });

  it('keeps a refund the provider executed when the ledger refuses its end, loudly, until it accepts', async () => {
    const s = setup();
    s.provider.answer = 'succeeded';
    s.ledger.refuseEnd = true;
    const { refund } = await s.uc.create(ask());
    // Not failed: the provider has refunded the payer; the money must end in the ledger.
    expect(refund).toMatchObject({ status: 'pending', step: 'resolve' });
    expect(s.log.lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        obj: expect.objectContaining({ refundId: refund.id, code: 'REFUND_NOT_FOUND' }),
      }),
    );
    s.clock.advance(60_000);
    expect(await s.uc.sweep(1_000)).toBe(0);
    expect((await s.refunds.findById(refund.id))?.step).toBe('resolve');
    // Fixed by an operator: the sweep ends it, and the provider was asked once.
    s.ledger.refuseEnd = false;
    s.clock.advance(600_000);
    expect(await s.uc.sweep(1_000)).toBe(1);
    expect(await s.refunds.findById(refund.id)).toMatchObject({
      status: 'succeeded',
      step: 'done',
    });
    expect(s.providerCalls).toEqual([refund.id]);
  });

  it('tries a refund it could not move on again after 10 s, then 20 s, and at once after it moved', async () => {
    const s = setup();
    s.ledger.down = true;
    const stuck = (await s.uc.create(ask())).refund;
    s.clock.advance(1);
    const next = (
      await s.uc.create(
        ask({ idempotencyKey: 'k2', amount: { amountMinor: 1_000n, currency: '' } }),
      )
    ).refund;
    s.ledger.down = false;
    s.provider.answer = 'down';
    s.clock.advance(60_000);
    // Both take the ledger start, then wait on the provider.
    expect(await s.uc.sweep(1_000)).toBe(2);
    s.clock.advance(2_000);
    expect(await s.uc.sweep(1_000)).toBe(0);
    expect(s.providerCalls).toEqual([stuck.id, next.id, stuck.id, next.id]);
    // Not asked again before 10 s, then 20 s.
    s.clock.advance(9_999);
    await s.uc.sweep(1_000);
    expect(s.providerCalls).toHaveLength(4);
    s.clock.advance(1);
    await s.uc.sweep(1_000);
    expect(s.providerCalls).toHaveLength(6);
    s.clock.advance(10_000);
    await s.uc.sweep(1_000);
    expect(s.providerCalls).toHaveLength(6);
    // The provider answers: moved on, and done at once.
    s.provider.answer = 'succeeded';
    s.clock.advance(10_000);
    expect(await s.uc.sweep(1_000)).toBe(2);
    expect((await s.refunds.findById(stuck.id))?.status).toBe('succeeded');
    expect((await s.refunds.findById(next.id))?.status).toBe('succeeded');
  });

  it('refuses more than is left (pending refunds count), another currency, an unpaid or unposted payment', async () => {
    const s = setup();
    await s.uc.create(ask({ amount: { amountMinor: 6_000n, currency: 'USD' } }));
    await expect(
      s.uc.create(ask({ idempotencyKey: 'k2', amount: { amountMinor: 4_001n, currency: '' } })),
    ).rejects.toMatchObject({
      code: 'REFUND_EXCEEDS_PAYMENT',
      details: { refundable: '4000' },
    });
    await expect(
      s.uc.create(ask({ idempotencyKey: 'k3', amount: { amountMinor: 1n, currency: 'EUR' } })),
    ).rejects.toMatchObject({ code: 'REFUND_INVALID_REQUEST', details: { field: 'amount' } });
    expect(s.refunds.rows.size).toBe(1);
    const rest = await s.uc.create(ask({ idempotencyKey: 'k4', amount: undefined }));
    expect(rest.refund.amount).toEqual(money(4_000n, 'USD'));
    await expect(setup({ status: 'pending' }).uc.create(ask())).rejects.toMatchObject({
      code: 'PAYMENT_NOT_REFUNDABLE',
    });
    await expect(setup({ ledgerPostedAt: null }).uc.create(ask())).rejects.toMatchObject({
      code: 'PAYMENT_NOT_REFUNDABLE',
      details: { status: 'unposted' },
    });
  });

  it('replays the same key and request, and names the field of a different one', async () => {
    const s = setup();
    const first = await s.uc.create(ask());
    expect(await s.uc.create(ask())).toMatchObject({
      replayed: true,
      refund: { id: first.refund.id },
    });
    await expect(s.uc.create(ask({ reason: 'other' }))).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      details: { field: 'reason' },
    });
    await expect(s.uc.create(ask({ idempotencyKey: ' ' }))).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REQUIRED',
    });
  });

  it('does not let an operator end a refund that is not queued, nor end it twice differently', async () => {
    const s = setup();
    s.provider.answer = 'succeeded';
    const viaProvider = await s.uc.create(ask());
    await expect(
      s.uc.failPayout({ refundId: viaProvider.refund.id, reason: 'x', operator: 'a' }),
    ).rejects.toMatchObject({ code: 'REFUND_NOT_IN_PAYOUT_QUEUE' });
    s.provider.answer = 'unsupported';
    const queued = await s.uc.create(ask({ idempotencyKey: 'k2' }));
    await s.uc.failPayout({ refundId: queued.refund.id, reason: 'closed', operator: 'a' });
    await expect(
      s.uc.completePayout({ refundId: queued.refund.id, reference: 'WM', operator: 'a' }),
    ).rejects.toMatchObject({ code: 'REFUND_NOT_IN_PAYOUT_QUEUE' });
    expect(
      (await s.uc.failPayout({ refundId: queued.refund.id, reason: 'closed', operator: 'a' }))
        .status,
    ).toBe('failed');
  });

  it('answers a payout completed again with its reference, and refuses another reference', async () => {
    const s = setup();
    const { refund } = await s.uc.create(ask());
    const complete = (reference: string) =>
      s.uc.completePayout({ refundId: refund.id, reference, operator: 'a' });
    expect(await complete('WM-1')).toMatchObject({ status: 'succeeded', outcomeReference: 'WM-1' });
    expect(await complete('WM-1')).toMatchObject({ status: 'succeeded', outcomeReference: 'WM-1' });
    // A second operator who paid the payer too must hear it: two transfers, one refund.
    await expect(complete('WM-2')).rejects.toMatchObject({
      code: 'REFUND_NOT_IN_PAYOUT_QUEUE',
      details: { status: 'succeeded', field: 'reference' },
    });
    expect(s.ledgerCalls.filter((c) => c.startsWith('end'))).toEqual([
      `end ${refund.id} paid_out WM-1`,
    ]);
  });
});

describe('refunds across test and live modes', () => {
  it('refuses a key of the other mode PAYMENT_NOT_FOUND with the hint, before any money moves', async () => {
    const s = setup({ livemode: true });
    await expect(s.uc.create(ask({ livemode: false }))).rejects.toMatchObject({
      code: 'PAYMENT_NOT_FOUND',
      message:
        "No such payment: 'pay_1'; a similar object exists in live mode, but a test mode key " +
        'was used to make this request.',
    });
    expect(s.refunds.rows.size).toBe(0);
    expect(s.ledgerCalls).toEqual([]);
    expect(s.providerCalls).toEqual([]);
  });

  it("gives the refund its payment's mode; the other mode cannot read, list or replay it", async () => {
    const s = setup({ livemode: true });
    const { refund } = await s.uc.create(ask({ livemode: true }));
    expect(refund.livemode).toBe(true);
    await expect(s.uc.get('mer_1', refund.id, false)).rejects.toMatchObject({
      code: 'REFUND_NOT_FOUND',
      message:
        `No such refund: '${refund.id}'; a similar object exists in live mode, but a test mode ` +
        'key was used to make this request.',
    });
    await expect(s.uc.get('mer_1', refund.id, true)).resolves.toMatchObject({ id: refund.id });
    const page = { merchantId: 'mer_1', paymentId: '', limit: 0, startingAfter: '' };
    expect((await s.uc.list({ ...page, livemode: false })).refunds).toEqual([]);
    expect((await s.uc.list({ ...page, livemode: true })).refunds.map((r) => r.id)).toEqual([
      refund.id,
    ]);
    // Unset (an operator): every mode.
    expect((await s.uc.list(page)).refunds).toHaveLength(1);
    await expect(
      s.uc.list({ ...page, startingAfter: refund.id, livemode: false }),
    ).rejects.toMatchObject({ code: 'REFUND_NOT_FOUND' });
    // The same key and request from a test key is not answered with the live refund.
    await expect(s.uc.create(ask({ livemode: false }))).rejects.toMatchObject({
      code: 'PAYMENT_NOT_FOUND',
    });
    expect(await s.uc.create(ask({ livemode: true }))).toMatchObject({ replayed: true });
  });
});

describe('refund domain', () => {
  it('finds the Keeper Mobile phone or the purse to pay the payer back', () => {
    expect(
      payerAccountOf({
        method: 'webmoney_keeper_mobile',
        providerAttributes: { payer_phone: '79161234567', payer_purse: 'Z1' },
      }),
    ).toEqual({ kind: 'keeper_mobile_phone', account: '79161234567' });
    expect(payerAccountOf({ method: 'card', providerAttributes: {} })).toEqual({
      kind: '',
      account: '',
    });
  });

  it('shows partially_refunded and refunded only for succeeded payments', () => {
    expect(refundedStatusOf({ ...paid, refundedMinor: 1n })).toBe('partially_refunded');
    expect(refundedStatusOf({ ...paid, refundedMinor: 10_000n })).toBe('refunded');
    expect(refundedStatusOf(paid)).toBeNull();
  });
});
