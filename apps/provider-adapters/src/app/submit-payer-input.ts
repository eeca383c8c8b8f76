import { providerOfMethod } from '@tolem/catalog';

import { providerErrors } from '../domain/errors';
import type { ProviderTransactionRepository } from '../domain/ports';
import type { MethodName, ProviderTransaction } from '../domain/provider-transaction';
import type { PayerInputResult } from '../providers/provider.port';
import type { ProviderRegistry } from '../providers/registry';

export interface SubmitPayerInputDeps {
  registry: ProviderRegistry;
  transactions: ProviderTransactionRepository;
}

/** Finds the payment's transaction: at the method's provider, else its latest one. */
export async function transactionOfPayment(
  transactions: ProviderTransactionRepository,
  paymentId: string,
  method?: MethodName,
): Promise<ProviderTransaction> {
  const tx = method
    ? await transactions.findByPaymentId(providerOfMethod(method), paymentId)
    : await transactions.findLatestForPayment(paymentId);
  if (!tx) {
    throw providerErrors.create(
      'PROVIDER_TRANSACTION_NOT_FOUND',
      `payment ${paymentId} was not started${method ? ` with ${method}` : ''}`,
      { details: { payment_id: paymentId } },
    );
  }
  return tx;
}

/**
 * The payer's second step (Wavepay's wallet transaction number) for a started payment, passed to
 * the adapter of the provider the payment was started with. PROVIDER_OPERATION_UNSUPPORTED for
 * methods without a second step.
 */
export function makeSubmitPayerInput(deps: SubmitPayerInputDeps) {
  return async (input: {
    paymentId: string;
    method?: MethodName;
    fields: Record<string, string>;
  }): Promise<PayerInputResult & { transaction: ProviderTransaction }> => {
    const tx = await transactionOfPayment(deps.transactions, input.paymentId, input.method);
    const submit = deps.registry.capability(tx.provider, 'submitPayerInput');
    const result = await submit({ transaction: tx, fields: input.fields });
    return { ...result, transaction: tx };
  };
}
