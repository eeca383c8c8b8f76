import type { ProviderTransaction } from '../../domain/provider-transaction';
import type { PaymentStatusResult } from '../provider.port';
import { merchantAttributes } from './transformers';

/** No status call in the plugin-API (§4.2): activation answers and postbacks keep it current. */
export async function queryStatus(tx: ProviderTransaction): Promise<PaymentStatusResult> {
  return {
    transaction: tx,
    checkedWithProvider: false,
    providerReference: tx.paymentId,
    attributes: merchantAttributes(tx),
  };
}
