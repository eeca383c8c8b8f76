import { isFinal, type ProviderTransaction } from '../../domain/provider-transaction';
import type { PaymentStatusResult, Settlement } from '../provider.port';
import { refreshCharge, worthAsking } from './charge';
import type { IntellectMoneyContext } from './config';
import { merchantAttributes, storedBinding } from './transformers';

/** A bound-card charge still open is asked about; invoices answer from what is stored. */
export function makeQueryStatus(ctx: IntellectMoneyContext) {
  return async function queryStatus(tx: ProviderTransaction): Promise<PaymentStatusResult> {
    const view = (t: ProviderTransaction, checkedWithProvider: boolean): PaymentStatusResult => ({
      transaction: t,
      checkedWithProvider,
      providerReference:
        t.kind === 'bound_card_charge' ? (t.externalRef ?? '') : t.orderNo.toString(),
      attributes: merchantAttributes(t),
    });
    if (tx.kind === 'bound_card_charge' && !isFinal(tx.status) && worthAsking(tx)) {
      return view(await refreshCharge(ctx, tx), true);
    }
    // Invoices have no status call in the public material; notifications keep them current.
    return view(tx, false);
  };
}

/** The notification's recipientAmount was checked against the invoice before it settled. */
export function settlementOf(tx: ProviderTransaction): Settlement {
  const cardBinding = storedBinding(tx);
  return {
    amount: tx.amount,
    attributes: merchantAttributes(tx),
    ...(cardBinding ? { cardBinding } : {}),
  };
}
