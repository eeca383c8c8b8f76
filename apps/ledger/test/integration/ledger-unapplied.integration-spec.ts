import { PaymentMethod, Provider } from '@tolem/contracts/common';
import {
  type HoldUnappliedFundsRequest,
  OwnerType,
  type PostPaymentRequest,
} from '@tolem/contracts/ledger';
import type { Knex } from '@tolem/db-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  codeOf,
  type LedgerWithEvents,
  NO_RECURRING,
  type RunningLedger,
  startLedgerWithEvents,
} from './helpers';

const MERCHANT = 'mer_cases';

const aHold = (
  caseId: string,
  paymentId: string,
  over: Partial<HoldUnappliedFundsRequest> = {},
): HoldUnappliedFundsRequest => ({
  idempotencyKey: `case:${caseId}:hold`,
  caseId,
  caseKind: 'late_payment',
  paymentId,
  merchantId: MERCHANT,
  amount: { amountMinor: 10_000n, currency: 'USD' },
  method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
  provider: Provider.PROVIDER_WEBMONEY,
  providerPaymentId: `wm-${caseId}`,
  providerAttributes: { payer_purse: 'Z123456789012' },
  orderId: `order-${paymentId}`,
  description: 'Books',
  occurredAt: new Date('2026-12-06T11:00:00.000Z'),
  livemode: true,
  ...over,
});

const aPosting = (paymentId: string): PostPaymentRequest => ({
  idempotencyKey: `payment:${paymentId}:succeeded`,
  paymentId,
  merchantId: MERCHANT,
  gross: { amountMinor: 10_000n, currency: 'USD' },
  method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
  provider: Provider.PROVIDER_WEBMONEY,
  providerPaymentId: `wm-${paymentId}`,
  providerAttributes: {},
  orderId: `order-${paymentId}`,
  description: 'Books',
  occurredAt: new Date('2026-12-06T10:00:00.000Z'),
  livemode: true,
});

describe('unapplied funds and their cases (real ledger, PostgreSQL, Kafka)', () => {
  let env: LedgerWithEvents;
  let ledger: RunningLedger;
  let db: Knex;
  const waitForEvents = (paymentId: string, count: number) => env.waitForEvents(paymentId, count);

  const available = async () =>
    (await ledger.client.getBalance({ merchantId: MERCHANT, currency: 'USD', asOf: undefined }))
      .available?.amountMinor;

  /** The platform's unapplied funds in USD (one account per currency). */
  async function unappliedBalance(): Promise<bigint> {
    const { accounts } = await ledger.client.listAccounts({
      ownerType: OwnerType.OWNER_TYPE_PLATFORM,
      ownerId: 'tolem',
      currency: 'USD',
    });
    const account = accounts.find((a) => a.purpose === 'unapplied_funds');
    if (!account) return 0n;
    const res = await ledger.client.getAccountBalance({ accountId: account.id, asOf: undefined });
    return res.posted?.amountMinor ?? 0n;
  }

  beforeAll(async () => {
    env = await startLedgerWithEvents('cases');
    ({ ledger, db } = env);
    await ledger.client.setFeePlan({
      merchantId: MERCHANT,
      rules: [{ method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE, percentBps: 300, fixed: [] }],
    });
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('holds late money away from the merchant, then applies it: the payment is posted once', async () => {
    await ledger.client.recordPaymentEvent({
      idempotencyKey: 'pay_late:expired',
      paymentId: 'pay_late',
      merchantId: MERCHANT,
      eventType: 'payment.expired',
      paymentStatus: '',
      amount: { amountMinor: 10_000n, currency: 'USD' },
      method: PaymentMethod.PAYMENT_METHOD_UNSPECIFIED,
      provider: Provider.PROVIDER_UNSPECIFIED,
      providerPaymentId: '',
      providerAttributes: {},
      orderId: 'order-pay_late',
      description: 'Books',
      failureCode: '',
      occurredAt: undefined,
      livemode: true,
      ...NO_RECURRING,
    });
    const before = await available();
    const held = await ledger.client.holdUnappliedFunds(aHold('case_late', 'pay_late'));
    expect(held.alreadyExisted).toBe(false);
    expect(held.transaction?.kind).toBe('unapplied_hold');
    expect(held.transaction?.postings.map((p) => p.amountMinor)).toEqual([10_000n, -10_000n]);
    expect(await available()).toBe(before);
    expect(await unappliedBalance()).toBe(10_000n);
    const replay = await ledger.client.holdUnappliedFunds(aHold('case_late', 'pay_late'));
    expect(replay).toMatchObject({ alreadyExisted: true, transaction: held.transaction });
    expect(
      await codeOf(
        ledger.client.holdUnappliedFunds(
          aHold('case_late', 'pay_late', { idempotencyKey: 'another-key' }),
        ),
      ),
    ).toMatchObject({ code: 'LEDGER_IDEMPOTENCY_CONFLICT', field: 'case_id' });

    const applied = await ledger.client.applyUnappliedFunds({
      idempotencyKey: 'case:case_late:apply',
      caseId: 'case_late',
      operator: 'ops@tolem',
      note: 'payer confirmed',
    });
    expect(applied).toMatchObject({
      eventType: 'payment.succeeded',
      fee: { amountMinor: 300n, currency: 'USD' },
      net: { amountMinor: 9_700n, currency: 'USD' },
    });
    expect(await available()).toBe((before ?? 0n) + 9_700n);
    expect(await unappliedBalance()).toBe(0n);

    const events = await waitForEvents('pay_late', 5);
    expect(events.map((e) => [e.eventType, e.sequence, e.paymentStatus, e.caseId])).toEqual([
      ['payment.expired', 1n, 'expired', ''],
      ['funds.unapplied', 2n, '', 'case_late'],
      ['case.opened', 3n, '', 'case_late'],
      ['payment.succeeded', 4n, 'succeeded', 'case_late'],
      ['case.resolved', 5n, '', 'case_late'],
    ]);
    expect(events[2]).toMatchObject({ caseKind: 'late_payment' });
    expect(events[4]).toMatchObject({ caseResolution: 'applied' });
    expect(events[3]?.net).toEqual({ amountMinor: 9_700n, currency: 'USD' });

    // A case resolves once; the provider's own success arriving later is not a second credit.
    expect(
      await codeOf(
        ledger.client.returnUnappliedFunds({
          idempotencyKey: 'case:case_late:return',
          caseId: 'case_late',
          returnReference: 'WM-TRANSFER-1',
          operator: 'ops@tolem',
          note: '',
        }),
      ),
    ).toMatchObject({ code: 'LEDGER_CASE_ALREADY_RESOLVED' });
    expect(await codeOf(ledger.client.postPayment(aPosting('pay_late')))).toMatchObject({
      code: 'LEDGER_PAYMENT_ALREADY_POSTED',
    });
    const again = await ledger.client.applyUnappliedFunds({
      idempotencyKey: 'case:case_late:apply',
      caseId: 'case_late',
      operator: 'ops@tolem',
      note: 'payer confirmed',
    });
    expect(again.alreadyExisted).toBe(true);
    expect(await available()).toBe((before ?? 0n) + 9_700n);
  });

  it('applies a second payment of a paid order on top: funds_applied, refundable up to both', async () => {
    await ledger.client.postPayment(aPosting('pay_twice'));
    const before = await available();
    await ledger.client.holdUnappliedFunds(
      aHold('case_twice', 'pay_twice', { caseKind: 'duplicate_payment' }),
    );
    const applied = await ledger.client.applyUnappliedFunds({
      idempotencyKey: 'case:case_twice:apply',
      caseId: 'case_twice',
      operator: 'ops@tolem',
      note: '',
    });
    expect(applied.eventType).toBe('payment.funds_applied');
    expect(await available()).toBe((before ?? 0n) + 9_700n);
    const events = await waitForEvents('pay_twice', 5);
    expect(events.map((e) => [e.eventType, e.sequence, e.paymentStatus])).toEqual([
      ['payment.succeeded', 1n, 'succeeded'],
      ['funds.unapplied', 2n, ''],
      ['case.opened', 3n, ''],
      ['payment.funds_applied', 4n, ''],
      ['case.resolved', 5n, ''],
    ]);
    const refund = await ledger.client.refundPayment({
      refundId: 'refund:pay_twice:all',
      paymentId: 'pay_twice',
      amount: { amountMinor: 20_000n, currency: 'USD' },
      reason: 'both back',
      occurredAt: undefined,
    });
    expect(refund.alreadyExisted).toBe(false);
  });

  it('returns money to the payer with a reference: unapplied funds and clearing back to zero', async () => {
    const before = await available();
    await ledger.client.holdUnappliedFunds(
      aHold('case_back', 'pay_back', {
        caseKind: 'amount_mismatch',
        amount: { amountMinor: 7_777n, currency: 'USD' },
      }),
    );
    const returned = await ledger.client.returnUnappliedFunds({
      idempotencyKey: 'case:case_back:return',
      caseId: 'case_back',
      returnReference: 'WM-TRANSFER-77',
      operator: 'ops@tolem',
      note: 'wrong amount, sent back',
    });
    expect(returned.transaction?.kind).toBe('unapplied_return');
    expect(await available()).toBe(before);
    expect(await unappliedBalance()).toBe(0n);
    const funds = await ledger.client.getUnappliedFunds({ caseId: 'case_back' });
    expect(funds.funds).toMatchObject({
      status: 'returned',
      returnReference: 'WM-TRANSFER-77',
      amount: { amountMinor: 7_777n, currency: 'USD' },
      caseKind: 'amount_mismatch',
    });
    const events = await waitForEvents('pay_back', 4);
    expect(events.map((e) => e.eventType)).toEqual([
      'funds.unapplied',
      'case.opened',
      'funds.returned',
      'case.resolved',
    ]);
    expect(events[3]).toMatchObject({ caseResolution: 'returned' });
    expect(
      await codeOf(
        ledger.client.applyUnappliedFunds({
          idempotencyKey: 'case:case_back:apply',
          caseId: 'case_back',
          operator: 'ops@tolem',
          note: '',
        }),
      ),
    ).toMatchObject({ code: 'LEDGER_CASE_ALREADY_RESOLVED' });
  });

  it('resolves a case once when apply and return race, and refuses unknown cases and bad holds', async () => {
    await ledger.client.holdUnappliedFunds(aHold('case_race', 'pay_race'));
    const outcomes = await Promise.allSettled([
      ledger.client.applyUnappliedFunds({
        idempotencyKey: 'race:apply',
        caseId: 'case_race',
        operator: 'a',
        note: '',
      }),
      ledger.client.returnUnappliedFunds({
        idempotencyKey: 'race:return',
        caseId: 'case_race',
        returnReference: 'R-1',
        operator: 'b',
        note: '',
      }),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const resolutions = await db('transactions')
      .whereIn('kind', ['unapplied_apply', 'unapplied_return'])
      .andWhere({ payment_id: 'pay_race' });
    expect(resolutions).toHaveLength(1);

    expect(
      await codeOf(
        ledger.client.applyUnappliedFunds({
          idempotencyKey: 'nope',
          caseId: 'case_unknown',
          operator: 'a',
          note: '',
        }),
      ),
    ).toMatchObject({ code: 'LEDGER_CASE_NOT_FOUND' });
    expect(
      await codeOf(
        ledger.client.holdUnappliedFunds(aHold('case_bad', 'pay_bad', { caseKind: 'whim' })),
      ),
    ).toMatchObject({ code: 'LEDGER_INVALID_REQUEST', field: 'case_kind' });
    expect(
      await codeOf(
        ledger.client.holdUnappliedFunds(
          aHold('case_bad', 'pay_bad', { amount: { amountMinor: 0n, currency: 'USD' } }),
        ),
      ),
    ).toMatchObject({ code: 'MONEY_ZERO_AMOUNT' });
    expect(await db('unapplied_funds').where({ case_id: 'case_bad' })).toHaveLength(0);

    const integrity = await ledger.client.checkIntegrity({});
    expect(integrity.violations).toEqual([]);
  });
});
