import { money } from '@tolem/money';
import { describe, expect, it } from 'vitest';

import { textReply } from '../domain/callback';
import type { PaymentProvider } from '../providers/provider.port';
import { createProviderRegistry } from '../providers/registry';
import { inMemoryTransactions } from '../testing/in-memory.fakes';
import { makeChargeBoundCard } from './charge-bound-card';
import { makeQueryPaymentStatus } from './query-payment-status';
import { makeRefundPayment } from './refund-payment';
import { makeSubmitPayerInput } from './submit-payer-input';

function adapter(
  name: 'webmoney' | 'paykassma',
  extra: Partial<PaymentProvider> = {},
): PaymentProvider {
  return {
    name,
    methods: name === 'webmoney' ? ['webmoney_purse'] : ['wavepay'],
    async startPayment() {
      throw new Error('not used');
    },
    async handleCallback() {
      return {
        reply: textReply(200, 'x'),
        retryReply: textReply(503, 'retry'),
        refusalReply: textReply(400, 'refused'),
        outcome: 'pending',
        verdict: 'accepted',
        attributes: {},
      };
    },
    ...extra,
  };
}

async function setup(extra: Partial<PaymentProvider> = {}) {
  const transactions = inMemoryTransactions({ firstOrderNo: 40n });
  const registry = createProviderRegistry([adapter('webmoney'), adapter('paykassma', extra)]);
  const base = { merchantId: 'mer_1', amountText: '500', payeePurse: null };
  await transactions.createOnce({
    ...base,
    paymentId: 'pay_1',
    provider: 'webmoney',
    method: 'webmoney_purse',
    amount: money(50000n, 'MMK'),
  });
  const wave = await transactions.createOnce({
    ...base,
    paymentId: 'pay_1',
    provider: 'paykassma',
    method: 'wavepay',
    amount: money(50000n, 'MMK'),
  });
  return { transactions, registry, wave: wave.transaction };
}

describe('submitPayerInput', () => {
  it('routes to the provider of the method, or of the payment latest transaction', async () => {
    const seen: string[] = [];
    const { transactions, registry } = await setup({
      async submitPayerInput(input) {
        seen.push(`${input.transaction.provider}:${input.fields['key1']}`);
        return { outcome: 'pending', payerMayRetry: false, attributes: {} };
      },
    });
    const submit = makeSubmitPayerInput({ registry, transactions });
    await submit({ paymentId: 'pay_1', method: 'wavepay', fields: { key1: '1' } });
    await submit({ paymentId: 'pay_1', fields: { key1: '2' } });
    expect(seen).toEqual(['paykassma:1', 'paykassma:2']);
  });

  it('refuses methods without a second step and payments never started', async () => {
    const { transactions, registry } = await setup();
    const submit = makeSubmitPayerInput({ registry, transactions });
    await expect(
      submit({ paymentId: 'pay_1', method: 'webmoney_purse', fields: {} }),
    ).rejects.toMatchObject({ code: 'PROVIDER_OPERATION_UNSUPPORTED' });
    await expect(submit({ paymentId: 'pay_2', fields: {} })).rejects.toMatchObject({
      code: 'PROVIDER_TRANSACTION_NOT_FOUND',
      kind: 'not_found',
    });
  });
});

describe('chargeBoundCard', () => {
  it('is unsupported where the adapter cannot charge bound cards', async () => {
    const { registry } = await setup();
    const charge = makeChargeBoundCard({ registry });
    await expect(charge('webmoney', {} as never)).rejects.toMatchObject({
      code: 'PROVIDER_OPERATION_UNSUPPORTED',
    });
    await expect(charge('intellectmoney', {} as never)).rejects.toMatchObject({
      code: 'PROVIDER_METHOD_UNSUPPORTED',
    });
  });
});

describe('queryPaymentStatus', () => {
  it('answers the stored state when the adapter has no status call', async () => {
    const { transactions, registry } = await setup();
    const query = makeQueryPaymentStatus({ registry, transactions });
    const result = await query({ paymentId: 'pay_1', provider: 'webmoney' });
    expect(result).toMatchObject({
      checkedWithProvider: false,
      providerReference: '40',
      transaction: { provider: 'webmoney', status: 'created' },
    });
  });

  it('asks the adapter where it can', async () => {
    const { transactions, registry } = await setup({
      async queryStatus(tx) {
        return {
          transaction: tx,
          checkedWithProvider: true,
          providerReference: 'ref',
          attributes: {},
        };
      },
    });
    const query = makeQueryPaymentStatus({ registry, transactions });
    expect(await query({ paymentId: 'pay_1' })).toMatchObject({
      checkedWithProvider: true,
      transaction: { provider: 'paykassma' },
    });
  });
});

describe('refundPayment', () => {
  const input = { idempotencyKey: 'r-1', paymentId: 'pay_1', amount: money(100n, 'MMK') };

  it('is PROVIDER_OPERATION_UNSUPPORTED where the provider has no refund API', async () => {
    const { transactions, registry } = await setup();
    await expect(makeRefundPayment({ registry, transactions })(input)).rejects.toMatchObject({
      code: 'PROVIDER_OPERATION_UNSUPPORTED',
      kind: 'precondition',
    });
  });

  it('refunds only settled payments and never more than was paid', async () => {
    const refunds: bigint[] = [];
    const { transactions, registry, wave } = await setup({
      async refund(r) {
        refunds.push(r.amount.amountMinor);
        return { outcome: 'succeeded', providerRefundId: 'rf-1' };
      },
    });
    const refund = makeRefundPayment({ registry, transactions });
    await expect(refund(input)).rejects.toMatchObject({ code: 'PROVIDER_PAYMENT_NOT_SETTLED' });
    await transactions.markSucceeded(wave.id, {
      providerPaymentId: 'k1',
      method: 'wavepay',
      attributes: {},
    });
    await expect(refund({ ...input, amount: money(50001n, 'MMK') })).rejects.toMatchObject({
      code: 'PROVIDER_INVALID_REQUEST',
    });
    expect(await refund(input)).toMatchObject({ providerRefundId: 'rf-1' });
    expect(refunds).toEqual([100n]);
  });
});
