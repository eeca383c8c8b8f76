import { describe, expect, it } from 'vitest';

import { InMemoryLedger } from '../testing/in-memory-ledger.fake';
import { InMemorySettings } from '../testing/in-memory-settings.fake';
import { aPayment } from '../testing/payment.builder';
import { makeCreateHold, makeVoidHold } from './holds';
import { makePostPayment } from './post-payment';
import { makePostPayout } from './post-payout';
import { makeRecordPaymentEvent } from './record-payment-event';
import { makeRefundPayment, makeResolveRefund } from './refund-payment';
import { makeApplyUnappliedFunds, makeHoldUnappliedFunds } from './unapplied-funds';

const kgs = (amountMinor: bigint) => ({ amountMinor, currency: 'KGS' });

function setup() {
  const settings = new InMemorySettings();
  const journal = new InMemoryLedger(settings);
  const clock = { now: () => new Date('2026-12-06T12:00:00.000Z') };
  const deps = { journal, settings, clock };
  return {
    journal,
    recordFact: makeRecordPaymentEvent(deps),
    postPayment: makePostPayment(deps),
    refund: makeRefundPayment(deps),
    resolveRefund: makeResolveRefund(deps),
    createHold: makeCreateHold(deps),
    voidHold: makeVoidHold(deps),
    holdUnapplied: makeHoldUnappliedFunds(deps),
    applyUnapplied: makeApplyUnappliedFunds(deps),
    payout: makePostPayout(deps),
  };
}

describe('livemode on payment events', () => {
  it.each([false, true])(
    'carries the mode checkout sent (%s) to every event of the payment, including those the ledger derives later',
    async (livemode) => {
      const w = setup();
      await w.recordFact({
        idempotencyKey: 'pay_1:pending',
        paymentId: 'pay_1',
        merchantId: 'mer_1',
        eventType: 'payment.pending',
        paymentStatus: '',
        amount: kgs(10_000n),
        method: null,
        provider: null,
        providerPaymentId: '',
        providerAttributes: {},
        orderId: 'order-1',
        description: 'Tea',
        failureCode: '',
        occurredAt: undefined,
        livemode,
      });
      await w.postPayment(aPayment({ livemode }));
      // A refund is asked without a mode: its events take the payment's from the register.
      await w.refund({
        refundId: 're_1',
        paymentId: 'pay_1',
        amount: kgs(1_000n),
        reason: '',
        occurredAt: undefined,
      });
      await w.resolveRefund({
        refundId: 're_1',
        outcome: 'refunded_by_provider',
        reference: 'wm-r-1',
        occurredAt: undefined,
      });
      expect(w.journal.events.map((e) => [e.eventType, e.livemode])).toEqual([
        ['payment.pending', livemode],
        ['payment.succeeded', livemode],
        ['refund.pending', livemode],
        ['refund.succeeded', livemode],
      ]);
    },
  );

  it.each([false, true])(
    'keeps the mode (%s) of a hold and of a case on their events',
    async (livemode) => {
      const w = setup();
      await w.createHold({
        ...aPayment({ paymentId: 'pay_h', livemode }),
        idempotencyKey: 'hold:pay_h',
        paymentId: 'pay_h',
        amount: kgs(10_000n),
        timeoutSeconds: 60,
      });
      await w.voidHold({ idempotencyKey: 'void:pay_h', paymentId: 'pay_h', reason: '' });
      await w.holdUnapplied({
        ...aPayment({ paymentId: 'pay_c', livemode }),
        idempotencyKey: 'case:case_1:hold',
        caseId: 'case_1',
        caseKind: 'late_payment',
        paymentId: 'pay_c',
        amount: kgs(5_000n),
      });
      await w.applyUnapplied({
        idempotencyKey: 'case:case_1:apply',
        caseId: 'case_1',
        operator: 'op',
        note: '',
        returnReference: '',
      });
      const events = w.journal.events.map((e) => [e.eventType, e.livemode]);
      expect(events).toEqual([
        ['payment.held', livemode],
        ['payment.hold_voided', livemode],
        ['funds.unapplied', livemode],
        ['case.opened', livemode],
        ['payment.succeeded', livemode],
        ['case.resolved', livemode],
      ]);
    },
  );

  it.each([false, true])(
    'marks a payout with the mode (%s) of the balance it paid out of',
    async (livemode) => {
      const w = setup();
      await w.postPayment(aPayment({ livemode }));
      await w.payout({
        idempotencyKey: 'payout:1',
        merchantId: 'mer_1',
        amount: kgs(1_000n),
        description: '',
        livemode,
      });
      expect(w.journal.events.at(-1)).toMatchObject({ eventType: 'payout.succeeded', livemode });
    },
  );
});
