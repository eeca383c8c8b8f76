import type { ProviderTransaction } from '../../domain/provider-transaction';
import type { PaymentStatusResult, Settlement } from '../provider.port';
import { merchantAttributes } from './transformers';

/** Confirmations are pushed by the banks; there is nothing to ask. */
export async function queryStatus(tx: ProviderTransaction): Promise<PaymentStatusResult> {
  return {
    transaction: tx,
    checkedWithProvider: false,
    providerReference: tx.externalRef ?? tx.paymentId,
    attributes: merchantAttributes(tx),
  };
}

/** A bank's confirmation carries the exact amount, checked against the payment before settling. */
export function settlementOf(tx: ProviderTransaction): Settlement {
  return { amount: tx.amount, attributes: merchantAttributes(tx) };
}
