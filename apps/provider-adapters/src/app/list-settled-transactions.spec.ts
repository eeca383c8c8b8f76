import { money } from '@tolem/money';
import { describe, expect, it } from 'vitest';

import { settlementOf as paykassmaSettlement } from '../providers/paykassma/status';
import type { PaymentProvider } from '../providers/provider.port';
import { createProviderRegistry } from '../providers/registry';
import { inMemoryTransactions } from '../testing/in-memory.fakes';
import { makeListSettledTransactions } from './list-settled-transactions';

const unused = () => Promise.reject(new Error('not in this test'));

function world() {
  const transactions = inMemoryTransactions();
  const paykassma: PaymentProvider = {
    name: 'paykassma',
    methods: ['wavepay'],
    startPayment: unused,
    handleCallback: unused,
    settlementOf: paykassmaSettlement,
  };
  const webmoney: PaymentProvider = {
    name: 'webmoney',
    methods: ['webmoney_purse'],
    startPayment: unused,
    handleCallback: unused,
  };
  const list = makeListSettledTransactions({
    registry: createProviderRegistry([paykassma, webmoney]),
    transactions,
    clock: { now: () => new Date(Date.now() + 60_000) },
  });
  const settle = async (
    paymentId: string,
    provider: 'paykassma' | 'webmoney',
    attributes: Record<string, string>,
  ) => {
    const { transaction } = await transactions.createOnce({
      paymentId,
      merchantId: 'mer_1',
      provider,
      method: provider === 'paykassma' ? 'wavepay' : 'webmoney_purse',
      amount: money(150_000n, provider === 'paykassma' ? 'MMK' : 'USD'),
      amountText: '1500',
      payeePurse: null,
    });
    await transactions.markSucceeded(transaction.id, {
      providerPaymentId: `t-${paymentId}`,
      method: transaction.method,
      attributes,
    });
  };
  return { list, settle, transactions };
}

describe('listSettledTransactions', () => {
  it('lists what each adapter says was confirmed: no amount where the provider gave none', async () => {
    const w = world();
    await w.settle('pay_known', 'paykassma', {
      wavepay_transaction_no: '12345678901',
      paykassma_deposit_amount: '1500',
    });
    await w.settle('pay_unknown', 'paykassma', {
      wavepay_transaction_no: '12345678902',
      paykassma_amount_reported: 'false',
    });
    await w.settle('pay_wm', 'webmoney', { payer_purse: 'Z1' });

    const page = await w.list({ cursor: '', settledBefore: null, limit: 10 });
    expect(page.transactions.map((t) => [t.transaction.paymentId, t.settlement])).toEqual([
      [
        'pay_known',
        { amount: money(150_000n, 'MMK'), attributes: { wavepay_transaction_no: '12345678901' } },
      ],
      ['pay_unknown', { amount: null, attributes: { wavepay_transaction_no: '12345678902' } }],
      ['pay_wm', { amount: money(150_000n, 'USD'), attributes: { payer_purse: 'Z1' } }],
    ]);
  });

  it('pages on from its cursor and keeps it when nothing new settled', async () => {
    const w = world();
    await w.settle('pay_1', 'webmoney', {});
    await w.settle('pay_2', 'webmoney', {});
    const first = await w.list({ cursor: '', settledBefore: null, limit: 1 });
    expect(first.transactions.map((t) => t.transaction.paymentId)).toEqual(['pay_1']);
    const second = await w.list({ cursor: first.nextCursor, settledBefore: null, limit: 1 });
    expect(second.transactions.map((t) => t.transaction.paymentId)).toEqual(['pay_2']);
    const none = await w.list({ cursor: second.nextCursor, settledBefore: null, limit: 1 });
    expect(none).toEqual({ transactions: [], nextCursor: second.nextCursor });
  });

  it('refuses a cursor it did not give', async () => {
    const w = world();
    await expect(
      w.list({ cursor: 'x; drop table', settledBefore: null, limit: 1 }),
    ).rejects.toMatchObject({ code: 'PROVIDER_INVALID_REQUEST', details: { field: 'cursor' } });
  });

  it('lists each extra transfer as its own settled transfer, by a cursor of its own', async () => {
    const w = world();
    await w.settle('pay_paid', 'webmoney', { payer_purse: 'Z366393600555' });
    const tx = await w.transactions.findByPaymentId('webmoney', 'pay_paid');
    if (!tx) throw new Error('pay_paid');
    await w.transactions.recordExtraTransfer(tx.id, {
      providerPaymentId: 't-second',
      amount: money(150_000n, 'USD'),
      method: 'webmoney_purse',
      reason: 'second_transfer',
      attributes: { payer_purse: 'Z111111111111' },
    });
    const extra = await w.list({
      cursor: '',
      settledBefore: null,
      limit: 10,
      extraTransfers: true,
    });
    expect(extra.transactions).toEqual([
      expect.objectContaining({
        transaction: expect.objectContaining({ id: tx.id }) as unknown,
        settlement: {
          amount: money(150_000n, 'USD'),
          attributes: { payer_purse: 'Z111111111111' },
        },
        extra: {
          transfer: expect.objectContaining({ providerPaymentId: 't-second' }) as unknown,
          number: 1,
        },
      }),
    ]);
    // The settlements' cursor is not this one: the payment itself is listed there.
    const settled = await w.list({ cursor: '', settledBefore: null, limit: 10 });
    expect(settled.transactions.map((t) => t.extra)).toEqual([undefined]);
    expect(
      await w.list({
        cursor: extra.nextCursor,
        settledBefore: null,
        limit: 10,
        extraTransfers: true,
      }),
    ).toEqual({ transactions: [], nextCursor: extra.nextCursor });
  });
});
