import type { Money } from '@tolem/money';

import { providerErrors } from '../domain/errors';
import type { ProviderTransactionRepository } from '../domain/ports';
import type { RefundResult } from '../providers/provider.port';
import type { ProviderRegistry } from '../providers/registry';
import { transactionOfPayment } from './submit-payer-input';

export interface RefundPaymentDeps {
  registry: ProviderRegistry;
  transactions: ProviderTransactionRepository;
}

/**
 * Refunds a settled payment through its provider where the provider allows it; none of the
 * integrated providers publishes a refund API (protocols.md §1.9, §3.8, §4.4), so today every
 * adapter answers PROVIDER_OPERATION_UNSUPPORTED and refunds are made by hand at the provider.
 */
export function makeRefundPayment(deps: RefundPaymentDeps) {
  return async (input: {
    idempotencyKey: string;
    paymentId: string;
    amount: Money;
  }): Promise<RefundResult> => {
    const tx = await transactionOfPayment(deps.transactions, input.paymentId);
    const refund = deps.registry.capability(tx.provider, 'refund');
    if (tx.status !== 'succeeded') {
      throw providerErrors.create(
        'PROVIDER_PAYMENT_NOT_SETTLED',
        `payment ${input.paymentId} is ${tx.status}, not refundable`,
        {
          details: { status: tx.status },
        },
      );
    }
    if (
      input.amount.currency !== tx.amount.currency ||
      input.amount.amountMinor > tx.amount.amountMinor
    ) {
      throw providerErrors.create('PROVIDER_INVALID_REQUEST', 'the refund exceeds the payment', {
        details: { field: 'amount' },
      });
    }
    return refund({ idempotencyKey: input.idempotencyKey, transaction: tx, amount: input.amount });
  };
}
