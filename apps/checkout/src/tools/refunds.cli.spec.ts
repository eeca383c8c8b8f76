import { Refund, RefundExecution, RefundStatus } from '@tolem/contracts/checkout';
import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { DomainError } from '@tolem/errors';
import { describe, expect, it } from 'vitest';

import { type RefundsCliDeps, runRefundsCli } from './refunds.cli';

const queued = Refund.fromPartial({
  id: 're_1',
  paymentId: 'pay_1',
  merchantId: 'mer_1',
  amount: { amountMinor: 4_000n, currency: 'USD' },
  status: RefundStatus.REFUND_STATUS_PENDING,
  execution: RefundExecution.REFUND_EXECUTION_PAYOUT_QUEUE,
});

function cli() {
  const calls: { method: string; request: unknown }[] = [];
  const out: string[] = [];
  const err: string[] = [];
  const deps: RefundsCliDeps = {
    checkoutAddr: '127.0.0.1:50051',
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    refunds: {
      listRefundPayouts: async (request) => {
        calls.push({ method: 'listRefundPayouts', request });
        return {
          payouts: [
            {
              refund: queued,
              method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
              provider: Provider.PROVIDER_WEBMONEY,
              payerAccountKind: 'webmoney_purse',
              payerAccount: 'Z123456789012',
            },
          ],
          // A first page has more after it; a page after re_1 is the last.
          hasMore: request.startingAfter === '',
        };
      },
      completeRefundPayout: async (request) => {
        calls.push({ method: 'completeRefundPayout', request });
        return { refund: { ...queued, status: RefundStatus.REFUND_STATUS_SUCCEEDED } };
      },
      failRefundPayout: async (request) => {
        calls.push({ method: 'failRefundPayout', request });
        if (request.refundId === 're_done') {
          throw new DomainError('REFUND_NOT_IN_PAYOUT_QUEUE', 'precondition', 'already paid out');
        }
        return {
          refund: {
            ...queued,
            status: RefundStatus.REFUND_STATUS_FAILED,
            failureCode: 'payout_failed',
          },
        };
      },
    },
  };
  return { deps, calls, out, err };
}

describe('npm run refunds', () => {
  it('lists the payout queue with where to pay each payer', async () => {
    const c = cli();
    expect(await runRefundsCli(['list', '--limit', '5'], c.deps)).toBe(0);
    expect(c.calls).toEqual([
      { method: 'listRefundPayouts', request: { limit: 5, startingAfter: '' } },
    ]);
    expect(c.out).toEqual([
      're_1 of pay_1: 4000 USD (minor units), pending, payout; pay to webmoney_purse Z123456789012',
      'More wait: list --starting-after re_1',
    ]);
  });

  it('lists the page after a refund, and says nothing more waits on the last page', async () => {
    const c = cli();
    expect(await runRefundsCli(['list', '--starting-after', 're_1'], c.deps)).toBe(0);
    expect(c.calls).toEqual([
      { method: 'listRefundPayouts', request: { limit: 50, startingAfter: 're_1' } },
    ]);
    expect(c.out).toHaveLength(1);
  });

  it('completes with the operator and reference, fails with a reason', async () => {
    const c = cli();
    expect(
      await runRefundsCli(
        ['complete', 're_1', '--operator', 'aida', '--reference', 'WM-7'],
        c.deps,
      ),
    ).toBe(0);
    expect(
      await runRefundsCli(['fail', 're_1', '--operator', 'aida', '--reason', 'closed'], c.deps),
    ).toBe(0);
    expect(c.calls.map((x) => x.request)).toEqual([
      { refundId: 're_1', operator: 'aida', reference: 'WM-7' },
      { refundId: 're_1', operator: 'aida', reason: 'closed' },
    ]);
    expect(c.out[1]).toContain('failed, payout, payout_failed');
  });

  it('exits 2 on a usage error and 1 with checkout’s code on a refusal', async () => {
    const c = cli();
    expect(await runRefundsCli(['complete', 're_1', '--operator', 'aida'], c.deps)).toBe(2);
    expect(c.err[0]).toBe('error: --reference is required');
    expect(await runRefundsCli(['list', '--reason', 'x'], c.deps)).toBe(2);
    expect(await runRefundsCli(['list', '--limit', '0'], c.deps)).toBe(2);
    expect(
      await runRefundsCli(['fail', 're_done', '--operator', 'a', '--reason', 'r'], c.deps),
    ).toBe(1);
    expect(c.err.at(-1)).toBe('refused: REFUND_NOT_IN_PAYOUT_QUEUE: already paid out');
    expect(c.calls.filter((x) => x.method === 'completeRefundPayout')).toEqual([]);
  });
});
