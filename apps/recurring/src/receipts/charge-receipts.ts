import type { Clock } from '@tolem/runtime';

import type { MerchantReceiptSettingsPort } from '../clients/merchants.client';
import type { ChargeSucceededPort } from '../scheduler/ports';
import { issueReceiptForCharge } from './issue-receipt';

/**
 * The scheduler's receipts hook: every succeeded charge gets its receipt in the transaction that
 * records the success (seed 003: one line, the charged amount, the operation's description, the
 * merchant's VAT rate). The rate is read in `prepare`, before the transaction, and cached; when
 * checkout cannot tell it the batch is not recorded and its charges are asked again with the same
 * keys (the same payments).
 */
export function makeChargeReceipts(deps: {
  merchants: MerchantReceiptSettingsPort;
  clock: Clock;
}): ChargeSucceededPort {
  return {
    async prepare(merchantIds) {
      await Promise.all(merchantIds.map((id) => deps.merchants.vatRateOf(id)));
    },
    async onChargeSucceeded(charge, trx) {
      const vatRate = await deps.merchants.vatRateOf(charge.merchantId);
      const receiptId = await issueReceiptForCharge(
        trx,
        {
          merchantId: charge.merchantId,
          chargeId: charge.id,
          paymentId: charge.paymentId,
          operationId: charge.operationId,
          description: charge.description,
          amount: charge.amount,
          customer: charge.receiptCustomer,
          vatRate,
          livemode: charge.livemode,
        },
        { clock: deps.clock },
      );
      return { receiptId };
    },
  };
}
