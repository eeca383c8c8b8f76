import { providerErrors } from '../../domain/errors';
import type { ProviderTransaction } from '../../domain/provider-transaction';
import type { StartPaymentInput, StartPaymentResult } from '../provider.port';
import { startOnce } from '../shared/start-once';
import type { PaykassmaContext } from './config';
import { makeCallApi } from './plugin-api';
import {
  ATTR,
  type Json,
  labelOf,
  str,
  toPaykassmaAmount,
  WALLET,
  WALLET_CURRENCY,
  walletInstructions,
} from './transformers';

/**
 * Registers the payment and asks Paykassma, server to server, for the wallet the payer must pay
 * to (§4.2 create); the payer is then shown it with the payment window link.
 */
export function makeStartPayment(ctx: PaykassmaContext) {
  const { config, transactions } = ctx;
  const callApi = makeCallApi(ctx);
  const instructions = (tx: ProviderTransaction, note?: string) =>
    walletInstructions(config, tx, note);

  return async function startPayment(input: StartPaymentInput): Promise<StartPaymentResult> {
    if (input.method !== 'wavepay') {
      throw providerErrors.create(
        'PROVIDER_METHOD_UNSUPPORTED',
        `Paykassma does not serve ${input.method}`,
        {
          details: { method: input.method, provider: 'paykassma' },
        },
      );
    }
    if (input.amount.currency !== WALLET_CURRENCY.wavepay) {
      throw providerErrors.create('PROVIDER_CURRENCY_UNSUPPORTED', 'Wavepay takes MMK only', {
        details: { field: 'amount.currency', currency: input.amount.currency },
      });
    }
    const amountText = toPaykassmaAmount(input.amount);
    const label = labelOf(input.payer['customer_ref'], input.paymentId);

    const { transaction: stored } = await startOnce(transactions, {
      paymentId: input.paymentId,
      merchantId: input.merchantId,
      provider: 'paykassma',
      method: 'wavepay',
      amount: input.amount,
      amountText,
      payeePurse: null,
      attributes: { [ATTR.label]: label },
    });
    let tx = stored;
    if (!tx.attributes[ATTR.identifier]) {
      // Server to server: the wallet the payer must pay to (§4.2 create).
      const res = await callApi(
        `/api/v1/transaction/create/${WALLET}`,
        JSON.stringify({ currency: tx.amount.currency, label: tx.attributes[ATTR.label] ?? label }),
        'create',
      );
      const identifier = str((res['params'] as Json | undefined)?.['identifier']);
      if (res['status'] !== 'ok' || !identifier) {
        const message = str(res['message']) ?? '';
        throw providerErrors.create(
          'PROVIDER_REQUEST_REFUSED',
          'Paykassma refused to create the Wavepay transaction',
          {
            details: { provider_status: str(res['status']) ?? '', message: message.slice(0, 200) },
          },
        );
      }
      const updated = await transactions.update(tx.id, {
        attributes: { [ATTR.identifier]: identifier.slice(0, 190) },
      });
      tx = updated.transaction;
    }
    return {
      provider: 'paykassma',
      action: instructions(tx),
      providerReference: tx.paymentId,
    };
  };
}
