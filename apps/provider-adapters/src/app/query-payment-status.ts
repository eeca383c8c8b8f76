import { methodsOfProvider } from '@tolem/catalog';

import type { ProviderTransactionRepository } from '../domain/ports';
import type { ProviderName } from '../domain/provider-transaction';
import type { PaymentStatusResult } from '../providers/provider.port';
import type { ProviderRegistry } from '../providers/registry';
import { transactionOfPayment } from './submit-payer-input';

export interface QueryPaymentStatusDeps {
  registry: ProviderRegistry;
  transactions: ProviderTransactionRepository;
}

/**
 * The provider-side state of a payment: refreshed through the adapter's status call where the
 * provider has one, else the state its last callback or answer left.
 */
export function makeQueryPaymentStatus(deps: QueryPaymentStatusDeps) {
  return async (input: {
    paymentId: string;
    provider?: ProviderName;
  }): Promise<PaymentStatusResult> => {
    const method = input.provider ? methodsOfProvider(input.provider)[0] : undefined;
    const tx = await transactionOfPayment(deps.transactions, input.paymentId, method);
    const stored: PaymentStatusResult = {
      transaction: tx,
      checkedWithProvider: false,
      providerReference: tx.orderNo.toString(),
      attributes: { ...tx.attributes },
    };
    let adapter;
    try {
      adapter = deps.registry.forProvider(tx.provider);
    } catch {
      // The provider is no longer configured here: what we stored is all we know.
      return stored;
    }
    return adapter.queryStatus ? adapter.queryStatus(tx) : stored;
  };
}
