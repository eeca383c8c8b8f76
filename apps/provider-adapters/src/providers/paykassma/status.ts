import type { ProviderTransaction } from '../../domain/provider-transaction';
import type { PaymentStatusResult, Settlement } from '../provider.port';
import { ATTR, merchantAttributes } from './transformers';

/** No status call in the plugin-API (§4.2): activation answers and postbacks keep it current. */
export async function queryStatus(tx: ProviderTransaction): Promise<PaymentStatusResult> {
  return {
    transaction: tx,
    checkedWithProvider: false,
    providerReference: tx.paymentId,
    attributes: merchantAttributes(tx),
  };
}

/**
 * An activation `ok` without deposit_amount settled the payment with its size unconfirmed: the
 * amount stays unknown (never the payment's own) until the postback's amount was checked.
 */
export function settlementOf(tx: ProviderTransaction): Settlement {
  return {
    amount: tx.attributes[ATTR.amountReported] === 'false' ? null : tx.amount,
    attributes: merchantAttributes(tx),
  };
}
