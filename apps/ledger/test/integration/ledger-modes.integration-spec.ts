import { PaymentMethod, Provider } from '@tolem/contracts/common';
import {
  CreateHoldRequest,
  GetBalanceRequest,
  ListStatementRequest,
  OwnerType,
  PostHoldRequest,
  PostPaymentRequest,
  PostPayoutRequest,
  RefundOutcome,
  type Transaction,
} from '@tolem/contracts/ledger';
import type { Knex } from '@tolem/db-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  codeOf,
  type LedgerWithEvents,
  rowCounts,
  type RunningLedger,
  startLedgerWithEvents,
} from './helpers';

const MERCHANT = 'mer_modes';
const INVALID_ARGUMENT = 3;
const FAILED_PRECONDITION = 9;

const kgs = (amountMinor: bigint) => ({ amountMinor, currency: 'KGS' });

const aPayment = (paymentId: string, livemode: boolean, amountMinor: bigint) =>
  PostPaymentRequest.fromPartial({
    idempotencyKey: `payment:${paymentId}:succeeded`,
    paymentId,
    merchantId: MERCHANT,
    gross: kgs(amountMinor),
    method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
    provider: Provider.PROVIDER_WEBMONEY,
    providerPaymentId: `wm-${paymentId}`,
    providerAttributes: { payer_purse: 'Z123456789012' },
    orderId: `order-${paymentId}`,
    description: 'Tea',
    livemode,
  });

/**
 * Test (`sk_test_…`) and live money of one merchant in one currency, through the real process:
 * separate accounts (system accounts included), balances, statements and payouts.
 */
describe('test and live money kept apart (real ledger, PostgreSQL, Kafka)', () => {
  let env: LedgerWithEvents;
  let ledger: RunningLedger;
  let db: Knex;

  /** The merchant's balance of one mode; undefined asks as an older caller would (no mode). */
  const balance = (livemode: boolean | undefined) =>
    ledger.client.getBalance(
      GetBalanceRequest.fromPartial({
        merchantId: MERCHANT,
        currency: 'KGS',
        ...(livemode === undefined ? {} : { livemode }),
      }),
    );
  const available = async (livemode: boolean) =>
    (await balance(livemode)).available?.amountMinor ?? 0n;
  /** The modes of the accounts a transaction posted to, as the accounts table stores them. */
  const modesOf = async (transaction: Transaction | undefined): Promise<boolean[]> => {
    const ids = (transaction?.postings ?? []).map((p) => p.accountId);
    const rows: { id: string; livemode: boolean }[] = await db('accounts')
      .whereIn('id', ids)
      .select('id', 'livemode');
    return ids.map((id) => rows.find((r) => r.id === id)?.livemode as boolean);
  };
  const payout = (key: string, amountMinor: bigint, livemode?: boolean) =>
    ledger.client.postPayout(
      PostPayoutRequest.fromPartial({
        idempotencyKey: key,
        merchantId: MERCHANT,
        amount: kgs(amountMinor),
        description: 'weekly',
        ...(livemode === undefined ? {} : { livemode }),
      }),
    );

  beforeAll(async () => {
    env = await startLedgerWithEvents('modes');
    ({ ledger, db } = env);
    await ledger.client.postPayment(aPayment('pay_test_1', false, 3_000n));
    await ledger.client.postPayment(aPayment('pay_live_1', true, 10_000n));
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('posts a test and a live payment of one merchant and currency to two separate balances', async () => {
    expect(await balance(false)).toEqual({
      available: kgs(3_000n),
      pending: kgs(0n),
      livemode: false,
    });
    expect(await balance(true)).toEqual({
      available: kgs(10_000n),
      pending: kgs(0n),
      livemode: true,
    });
    // No mode is the live balance, as it was for every caller before modes.
    expect(await balance(undefined)).toMatchObject({ available: kgs(10_000n), livemode: true });

    // Every leg of each payment is in accounts of its own mode, system accounts included, and
    // the two payments share no account.
    const [test] = (await ledger.client.listPaymentTransactions({ paymentId: 'pay_test_1' }))
      .transactions;
    const [live] = (await ledger.client.listPaymentTransactions({ paymentId: 'pay_live_1' }))
      .transactions;
    expect(await modesOf(test)).toEqual([false, false]);
    expect(await modesOf(live)).toEqual([true, true]);
    const testIds = new Set(test?.postings.map((p) => p.accountId));
    expect(live?.postings.some((p) => testIds.has(p.accountId))).toBe(false);

    // ListAccounts lists one mode: the live ones unless asked for test.
    const listed = async (livemode?: boolean) =>
      (
        await ledger.client.listAccounts({
          ownerType: OwnerType.OWNER_TYPE_PROVIDER,
          ownerId: 'webmoney',
          currency: 'KGS',
          ...(livemode === undefined ? {} : { livemode }),
        })
      ).accounts;
    expect((await listed()).map((a) => a.livemode)).toEqual([true]);
    expect((await listed(false)).map((a) => a.livemode)).toEqual([false]);
    expect((await listed(false))[0]?.id).not.toBe((await listed(true))[0]?.id);
  });

  it('gives each mode its own statement', async () => {
    const statement = (livemode?: boolean) =>
      ledger.client.listStatement(
        ListStatementRequest.fromPartial({
          merchantId: MERCHANT,
          currency: 'KGS',
          ...(livemode === undefined ? {} : { livemode }),
        }),
      );
    const test = await statement(false);
    expect(test.livemode).toBe(false);
    expect(test.lines.map((l) => [l.paymentId, l.amountMinor, l.balanceAfterMinor])).toEqual([
      ['pay_test_1', 3_000n, 3_000n],
    ]);
    const live = await statement(true);
    expect(live.livemode).toBe(true);
    expect(live.lines.map((l) => [l.paymentId, l.amountMinor, l.balanceAfterMinor])).toEqual([
      ['pay_live_1', 10_000n, 10_000n],
    ]);
    expect((await statement(undefined)).lines).toEqual(live.lines);
  });

  it('refuses a live payout beyond the live balance even though test money would cover it, writing nothing', async () => {
    const before = await rowCounts(db);
    // 12 000 > 10 000 live, < 13 000 live + test.
    expect(await codeOf(payout('po_live_big', 12_000n, true))).toEqual({
      code: 'LEDGER_INSUFFICIENT_FUNDS',
      kind: 'precondition',
      grpc: FAILED_PRECONDITION,
      field: undefined,
    });
    // An operator's tool that sends no mode pays out live money: refused alike.
    expect((await codeOf(payout('po_nomode_big', 12_000n))).code).toBe('LEDGER_INSUFFICIENT_FUNDS');
    expect(await rowCounts(db)).toEqual(before);
    expect(await available(true)).toBe(10_000n);
    expect(await available(false)).toBe(3_000n);
  });

  it('pays a test payout out of test money only, and refuses one beyond the test balance', async () => {
    const res = await payout('po_test_1', 2_000n, false);
    expect(res.livemode).toBe(false);
    expect(res.alreadyExisted).toBe(false);
    expect(await modesOf(res.transaction)).toEqual([false, false]);
    expect(await available(false)).toBe(1_000n);
    expect(await available(true)).toBe(10_000n);
    // Its event says test, like the money it moved.
    const [event] = await env.waitForEvents(res.payoutId, 1);
    expect(event).toMatchObject({ eventType: 'payout.succeeded', livemode: false });

    // The same key in the other mode is another request, never a replay of the test payout.
    expect(await codeOf(payout('po_test_1', 2_000n, true))).toMatchObject({
      code: 'LEDGER_IDEMPOTENCY_CONFLICT',
      field: 'livemode',
    });
    // 5 000 > 1 000 test, though the live balance holds 10 000.
    expect((await codeOf(payout('po_test_big', 5_000n, false))).code).toBe(
      'LEDGER_INSUFFICIENT_FUNDS',
    );

    const live = await payout('po_live_1', 4_000n);
    expect(live.livemode).toBe(true);
    expect(await modesOf(live.transaction)).toEqual([true, true]);
    expect(await available(true)).toBe(6_000n);
    expect(await available(false)).toBe(1_000n);
  });

  it('refunds a test payment and captures a test hold in test accounts only', async () => {
    await ledger.client.postPayment(aPayment('pay_test_rf', false, 2_000n));
    const refund = await ledger.client.refundPayment({
      refundId: 're_test_1',
      paymentId: 'pay_test_rf',
      amount: kgs(500n),
      reason: 'asked',
      occurredAt: undefined,
    });
    expect(await modesOf(refund.transaction)).toEqual([false, false]);
    const resolved = await ledger.client.resolveRefund({
      refundId: 're_test_1',
      outcome: RefundOutcome.REFUND_OUTCOME_PAID_OUT,
      reference: 'wm-transfer-1',
      occurredAt: undefined,
    });
    expect(await modesOf(resolved.transaction)).toEqual([false, false]);
    expect(await available(false)).toBe(1_000n + 2_000n - 500n);
    expect(await available(true)).toBe(6_000n);

    const held = await ledger.client.createHold(
      CreateHoldRequest.fromPartial({
        idempotencyKey: 'hold:pay_test_hold',
        paymentId: 'pay_test_hold',
        merchantId: MERCHANT,
        amount: kgs(700n),
        method: PaymentMethod.PAYMENT_METHOD_CARD,
        provider: Provider.PROVIDER_INTELLECTMONEY,
        providerAttributes: { rrn: '1' },
        timeoutSeconds: 600,
        livemode: false,
      }),
    );
    expect(await modesOf(held.transaction)).toEqual([false, false]);
    expect((await balance(false)).pending).toEqual(kgs(700n));
    expect((await balance(true)).pending).toEqual(kgs(0n));
    const captured = await ledger.client.postHold(
      PostHoldRequest.fromPartial({
        idempotencyKey: 'capture:pay_test_hold',
        paymentId: 'pay_test_hold',
      }),
    );
    expect(new Set(await modesOf(captured.transaction))).toEqual(new Set([false]));
    expect(await available(false)).toBe(2_500n + 700n);
    expect(await available(true)).toBe(6_000n);
  });

  it('refuses a transfer between test and live accounts, and passes the integrity check with both modes', async () => {
    const clearing = async (livemode: boolean) =>
      (
        await ledger.client.listAccounts({
          ownerType: OwnerType.OWNER_TYPE_PROVIDER,
          ownerId: 'webmoney',
          currency: 'KGS',
          livemode,
        })
      ).accounts[0]?.id ?? '';
    const before = await rowCounts(db);
    expect(
      await codeOf(
        ledger.client.postTransaction({
          idempotencyKey: 'settle:mixed',
          description: 'test money to a live account',
          postings: [
            { accountId: await clearing(true), amountMinor: 100n, currency: 'KGS' },
            { accountId: await clearing(false), amountMinor: -100n, currency: 'KGS' },
          ],
        }),
      ),
    ).toEqual({
      code: 'LEDGER_INVALID_REQUEST',
      kind: 'invalid',
      grpc: INVALID_ARGUMENT,
      field: 'postings[1].account_id',
    });
    expect(await rowCounts(db)).toEqual(before);

    const report = await ledger.client.checkIntegrity({});
    expect(report.violations).toEqual([]);
    expect(report.ok).toBe(true);
    const accounts = (await rowCounts(db))['accounts'] ?? 0;
    const test = Number(
      (
        (await db('accounts').where({ livemode: false }).count('* as count')) as { count: string }[]
      )[0]?.count,
    );
    expect(test).toBeGreaterThan(0);
    expect(report.checks).toContain(
      `balances_match_postings: ${accounts} accounts (${accounts - test} live, ${test} test)`,
    );
  });

  it('reports money moved between the modes as unbalanced, per mode', async () => {
    // Only a bug could write this (every write is of one mode): the check is what notices.
    const [test] = (await ledger.client.listPaymentTransactions({ paymentId: 'pay_test_1' }))
      .transactions;
    const testMerchant = test?.postings.find((p) => p.amountMinor < 0n)?.accountId ?? '';
    const liveMerchant: { id: string } | undefined = await db('accounts')
      .where({ owner_id: MERCHANT, purpose: 'available', livemode: true })
      .first('id');
    await db('transactions').insert({
      id: 'txn_mixed_modes',
      idempotency_key: 'mixed-modes',
      kind: 'transfer',
      fingerprint: {},
    });
    await db('postings').insert([
      {
        transaction_id: 'txn_mixed_modes',
        account_id: testMerchant,
        amount_minor: 1n,
        currency: 'KGS',
      },
      {
        transaction_id: 'txn_mixed_modes',
        account_id: liveMerchant?.id,
        amount_minor: -1n,
        currency: 'KGS',
      },
    ]);
    const report = await ledger.client.checkIntegrity({});
    expect(report.ok).toBe(false);
    expect(report.violations.map((v) => v.detail)).toEqual(
      expect.arrayContaining([
        'transaction txn_mixed_modes postings in KGS sum to -1',
        'transaction txn_mixed_modes postings in KGS test sum to 1',
      ]),
    );
  });
});
