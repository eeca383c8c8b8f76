import { describe, expect, it } from 'vitest';

import { holdTransaction } from '../domain/hold';
import { paymentFingerprint } from '../domain/idempotency';
import { applyFee, paymentTransaction, validatePayment } from '../domain/payment';
import { aPayment } from '../testing/payment.builder';
import { type Entry, fastEligible } from './batch.writer';

const now = new Date('2026-11-23T12:00:00.000Z');

function entryOf(tx: ReturnType<typeof paymentTransaction>): Entry {
  const { shard, postings, events, payment, ...head } = tx;
  return { id: 'txn_1', head, body: { postings, events, payment }, shard };
}

const aPaymentEntry = () => {
  const valid = validatePayment(aPayment());
  return entryOf(paymentTransaction(applyFee(valid, undefined), paymentFingerprint(valid), now));
};

describe('fastEligible', () => {
  it('takes new payments and new holds: their one event is the first of a new payment', () => {
    expect(fastEligible(aPaymentEntry())).toBe(true);
    const hold = holdTransaction(
      {
        ...aPayment(),
        amount: { amountMinor: 100n, currency: 'KGS' },
        timeoutSeconds: 60,
      },
      now,
    );
    expect(fastEligible(entryOf(hold))).toBe(true);
  });

  it('leaves everything else to the general path', () => {
    const base = aPaymentEntry();
    const record = base.body.payment!.record;
    expect(
      fastEligible({ ...base, body: { ...base.body, payment: { op: 'update', record } } }),
    ).toBe(false);
    expect(
      fastEligible({
        ...base,
        body: { ...base.body, events: [...base.body.events, ...base.body.events] },
      }),
    ).toBe(false);
    expect(fastEligible({ ...base, head: { ...base.head, reversesTransactionId: 'txn_0' } })).toBe(
      false,
    );
    expect(fastEligible({ ...base, body: { ...base.body, payment: undefined } })).toBe(false);
    expect(
      fastEligible({
        ...base,
        body: { ...base.body, events: base.body.events.map((e) => ({ ...e, paymentId: 'po_1' })) },
      }),
    ).toBe(false);
  });
});
