import type { Money } from '@tolem/money';

import type { CallbackDecision } from '../../domain/callback';
import type { ProviderTransactionRepository } from '../../domain/ports';
import type {
  ExtraTransfer,
  ExtraTransferReason,
  MethodName,
  ProviderTransaction,
} from '../../domain/provider-transaction';
import { Refusal } from './refusal';

/** A verified success as the provider reported it: its transfer id and what it actually moved. */
export interface ReceivedMoney {
  providerPaymentId: string;
  amount: Money;
  method: MethodName;
  attributes: Record<string, string>;
}

/** The callback fields that name the transfer, for the log. */
export type TransferFields = string[];

function sameMoney(a: Money, b: Money): boolean {
  return a.amountMinor === b.amountMinor && a.currency === b.currency;
}

/**
 * Why verified money cannot settle this transaction as itself, or undefined when it can (an open
 * transaction and the order's exact amount) or when it is the settlement repeating itself.
 */
export function extraTransferReason(
  tx: ProviderTransaction,
  received: Pick<ReceivedMoney, 'providerPaymentId' | 'amount'>,
): ExtraTransferReason | undefined {
  if (tx.status === 'succeeded')
    return tx.providerPaymentId === received.providerPaymentId ? undefined : 'second_transfer';
  if (tx.status === 'failed') return 'after_failure';
  return sameMoney(tx.amount, received.amount) ? undefined : 'amount_differs';
}

/** The transfer this callback repeats, if it was recorded as extra money before. */
export function recordedExtraTransfer(
  tx: ProviderTransaction,
  providerPaymentId: string,
): ExtraTransfer | undefined {
  return tx.extraTransfers.find((t) => t.providerPaymentId === providerPaymentId);
}

/**
 * How to treat a verified success now: the reason it is extra money, or undefined when it settles
 * the transaction (or repeats its settlement). A resend of a recorded extra transfer (same id and
 * amount) keeps its first reason whatever happened since; the same id with another amount is
 * judged afresh (it may be the order's amount after all), so a conflicting report never hides
 * the settlement.
 */
export function classifyReceived(
  tx: ProviderTransaction,
  received: Pick<ReceivedMoney, 'providerPaymentId' | 'amount'>,
): ExtraTransferReason | undefined {
  const earlier = recordedExtraTransfer(tx, received.providerPaymentId);
  if (earlier && sameMoney(earlier.amount, received.amount)) return earlier.reason;
  return extraTransferReason(tx, received);
}

/** For the log: a repeat of the settling transfer that names another sum than it settled. */
export function settlementRepeatNote(
  tx: ProviderTransaction,
  received: Pick<ReceivedMoney, 'amount'>,
): { text: string; level: 'info' | 'error' } {
  return sameMoney(tx.amount, received.amount)
    ? { text: 'repeated notification for a paid order', level: 'info' }
    : {
        text: 'the transfer that paid the order is reported again with another amount: answered as settled; reconcile',
        level: 'error',
      };
}

const NOTES: Record<ExtraTransferReason, string> = {
  amount_differs: 'verified money of another amount or currency than the order: held in a case',
  second_transfer: 'a second verified transfer for an order already paid: held in a case',
  after_failure: 'verified money for an order that failed: held in a case',
};

/**
 * Money the provider verifiably moved that does not settle the transaction (issue 8 §2: money
 * that does not match a payment is held, never dropped). It is recorded beside the settlement
 * (never over it) and reported as `succeeded` with the amount actually received, the provider's
 * transfer id and an attribute `<provider>_<reason>`; checkout then opens a case and holds the
 * money before the provider gets its normal accept reply. A resend of the same transfer finds the
 * earlier record and is answered the same way (verdict duplicate). A transfer id that already
 * settled another order is not new money but a confusion of orders, and is refused.
 */
export async function reportExtraTransfer(
  transactions: ProviderTransactionRepository,
  tx: ProviderTransaction,
  reason: ExtraTransferReason,
  received: ReceivedMoney,
  fields: TransferFields,
): Promise<Omit<CallbackDecision, 'reply'>> {
  const earlier = recordedExtraTransfer(tx, received.providerPaymentId);
  let transfer = earlier;
  let recorded = false;
  if (!transfer) {
    const holder = await transactions.findByProviderPaymentId(
      tx.provider,
      received.providerPaymentId,
    );
    if (holder && holder.id !== tx.id) {
      throw new Refusal(
        'PROVIDER_DUPLICATE_PAYMENT',
        'this transfer already settled another order',
        fields,
        tx,
        'error',
      );
    }
    const stored = await transactions.recordExtraTransfer(tx.id, {
      ...received,
      reason,
      attributes: { ...received.attributes, [`${tx.provider}_${reason}`]: 'true' },
    });
    transfer = stored.transfer;
    recorded = stored.recorded;
  }
  const differs = !sameMoney(transfer.amount, received.amount);
  return {
    outcome: 'succeeded',
    verdict: recorded ? 'accepted' : 'duplicate',
    paymentId: tx.paymentId,
    amount: transfer.amount,
    method: transfer.method,
    providerPaymentId: transfer.providerPaymentId,
    attributes: { ...transfer.attributes },
    diagnostics: {
      note: differs
        ? `${NOTES[transfer.reason]}; this resend names another amount than the first (answered as the first)`
        : recorded
          ? NOTES[transfer.reason]
          : `repeated: ${NOTES[transfer.reason]}`,
      fields,
      level: recorded || differs ? 'error' : 'info',
    },
  };
}
