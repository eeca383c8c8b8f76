import { describe, expect, it } from 'vitest';

import type { RecordPaymentEventCommand } from '../domain/status-fact';
import { InMemoryLedger } from '../testing/in-memory-ledger.fake';
import { InMemorySettings } from '../testing/in-memory-settings.fake';
import { aPayment } from '../testing/payment.builder';
import { makePostPayment } from './post-payment';
import { makeRecordPaymentEvent } from './record-payment-event';

function setup() {
  const settings = new InMemorySettings();
  const journal = new InMemoryLedger(settings);
  const deps = { journal, settings, clock: { now: () => new Date('2026-12-06T12:00:00.000Z') } };
  return {
    journal,
    record: makeRecordPaymentEvent(deps),
    postPayment: makePostPayment(deps),
  };
}

const fact = (over: Partial<RecordPaymentEventCommand> = {}): RecordPaymentEventCommand => ({
  idempotencyKey: 'chg_1:1:succeeded',
  paymentId: 'pay_1',
  merchantId: 'mer_1',
  eventType: 'recurring.charge.succeeded',
  paymentStatus: '',
  amount: { amountMinor: 10_000n, currency: 'KGS' },
  method: null,
  provider: null,
  providerPaymentId: '',
  providerAttributes: {},
  orderId: '',
  description: 'Tea box',
  failureCode: '',
  occurredAt: undefined,
  livemode: false,
  recurringOperationId: 'sop_1',
  recurringChargeId: 'chg_1',
  recurringAttempt: 1,
  cardBindingId: 'cbd_1',
  receiptId: 'rct_1',
  cancelReason: '',
  ...over,
});

describe('recording recurring facts', () => {
  it('appends a recurring fact after the money (a status fact there is superseded)', async () => {
    const w = setup();
    await w.postPayment(aPayment({ paymentId: 'pay_1', merchantId: 'mer_1' }));
    const recurring = await w.record(fact());
    expect(recurring).toMatchObject({ sequence: 2n, superseded: false, alreadyExisted: false });
    const status = await w.record({
      ...fact({ idempotencyKey: 'late', eventType: 'payment.failed', failureCode: 'X' }),
      recurringOperationId: '',
      recurringChargeId: '',
      recurringAttempt: 0,
      cardBindingId: '',
      receiptId: '',
    });
    expect(status.superseded).toBe(true);
    const event = w.journal.events.at(-1);
    expect(event).toMatchObject({
      eventType: 'recurring.charge.succeeded',
      sequence: 2n,
      paymentStatus: '',
      method: aPayment().method,
      recurring: {
        operationId: 'sop_1',
        chargeId: 'chg_1',
        attempt: 1,
        bindingId: 'cbd_1',
        receiptId: 'rct_1',
        cancelReason: '',
      },
    });
    expect(event?.net.amountMinor).toBe(0n);
  });

  it('starts the count for a payment not seen yet, and the posting continues it', async () => {
    const w = setup();
    const failed = await w.record(
      fact({ eventType: 'recurring.charge.failed', receiptId: '', failureCode: '51' }),
    );
    expect(failed.sequence).toBe(1n);
    await w.postPayment(aPayment({ paymentId: 'pay_1', merchantId: 'mer_1' }));
    expect(w.journal.events.map((e) => [e.eventType, e.sequence])).toEqual([
      ['recurring.charge.failed', 1n],
      ['payment.succeeded', 2n],
    ]);
  });

  it.each<[Partial<RecordPaymentEventCommand>, string]>([
    [{ recurringOperationId: '' }, 'recurring_operation_id'],
    [{ paymentStatus: 'succeeded' }, 'payment_status'],
    [{ eventType: 'recurring.charge.failed' }, 'receipt_id'],
    [{ cancelReason: 'merchant' }, 'cancel_reason'],
    [{ recurringAttempt: 1.5 }, 'recurring_attempt'],
    [{ eventType: 'payment.pending' }, 'recurring_operation_id'],
  ])('refuses %o naming %s, writing nothing', async (over, field) => {
    const w = setup();
    await expect(w.record(fact(over))).rejects.toMatchObject({
      code: 'LEDGER_INVALID_REQUEST',
      details: { field },
    });
    expect(w.journal.events).toHaveLength(0);
  });
});
