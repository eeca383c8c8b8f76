import { providerErrors } from '../../domain/errors';
import { isFinal, type ProviderTransaction } from '../../domain/provider-transaction';
import type { PayerInput, PayerInputResult } from '../provider.port';
import { decimalEquals, jsonDecimalText } from '../shared/decimal';
import type { PaykassmaContext } from './config';
import { makeCallApi } from './plugin-api';
import {
  ATTR,
  type Json,
  jsonWithIntegers,
  merchantAttributes,
  normalizeKey1,
  str,
  toPaykassmaAmount,
  WALLET,
  walletInstructions,
} from './transformers';

/**
 * The payer's wallet transaction number (key1) typed on Tolem's page: Tolem activates it
 * (§4.2 activate: `ok` / `pending` / `possible_transaction_created` / `fail`).
 */
export function makeSubmitPayerInput(ctx: PaykassmaContext) {
  const { config, transactions } = ctx;
  const callApi = makeCallApi(ctx);
  const instructions = (tx: ProviderTransaction, note?: string) =>
    walletInstructions(config, tx, note);

  function inputResult(
    tx: ProviderTransaction,
    extra: Partial<PayerInputResult> = {},
  ): PayerInputResult {
    const outcome =
      tx.status === 'succeeded'
        ? 'succeeded'
        : tx.status === 'failed'
          ? 'failed'
          : tx.status === 'manual_review'
            ? 'manual_review'
            : 'pending';
    const base: PayerInputResult = {
      outcome,
      payerMayRetry: false,
      providerPaymentId: tx.providerPaymentId ?? undefined,
      reasonCode: tx.reasonCode ?? undefined,
      attributes: merchantAttributes(tx),
    };
    if (outcome === 'succeeded') {
      if (tx.attributes[ATTR.amountReported] === 'false') {
        // Paid, but by how much nobody said: no amount, so nothing is credited on this answer.
        base.reasonCode = 'PROVIDER_AMOUNT_NOT_REPORTED';
        base.attributes[ATTR.amountReported] = 'false';
      } else {
        // Paykassma reported exactly this (activation deposit_amount or the postback's amount).
        base.amount = tx.amount;
      }
    }
    return { ...base, ...extra };
  }

  return async function submitPayerInput(input: PayerInput): Promise<PayerInputResult> {
    let tx = input.transaction;
    // Settled already (by an earlier activation or the postback): never activate twice.
    if (isFinal(tx.status)) return inputResult(tx);
    const key1 = normalizeKey1(input.fields['key1']);
    const amount = toPaykassmaAmount(tx.amount);
    const res = await callApi(
      '/api/v1/transaction/activate',
      jsonWithIntegers({
        currency_code: tx.amount.currency,
        wallet_type: WALLET,
        label: tx.attributes[ATTR.label] ?? tx.paymentId,
        key1,
        amount: BigInt(amount),
        custom_transaction_id: tx.paymentId,
      }),
      'activate',
    );
    const status = str(res['status']) ?? '';
    const message = (str(res['message']) ?? '').slice(0, 300);
    const attrs = { [ATTR.key1]: key1, [ATTR.activation]: status.slice(0, 64) };

    switch (status) {
      case 'ok': {
        // Without a readable deposit_amount Paykassma confirmed a deposit but not its size: it
        // is never taken as the full amount. The payment settles with the amount unknown
        // (PROVIDER_AMOUNT_NOT_REPORTED, no amount), so checkout credits nothing until the
        // postback's amount or a person decides.
        const depositText = jsonDecimalText(res['deposit_amount']);
        const currencyCode =
          str((res['currency'] as Json | undefined)?.['code']) ?? tx.amount.currency;
        const matches =
          res['deposit'] !== false &&
          currencyCode === tx.amount.currency &&
          (depositText === undefined || decimalEquals(depositText, tx.amount));
        if (!matches) {
          // Money arrived, but not what the payment asked for: a person decides.
          const review = await transactions.update(tx.id, {
            status: 'manual_review',
            reasonCode: 'PROVIDER_AMOUNT_MISMATCH',
            attributes: { ...attrs, ...(depositText ? { [ATTR.depositAmount]: depositText } : {}) },
          });
          return inputResult(review.transaction, {
            reasonCode: 'PROVIDER_AMOUNT_MISMATCH',
            message: 'The deposit differs from the payment amount; it will be reviewed.',
            nextAction: instructions(review.transaction, 'manual_review'),
          });
        }
        const settled = await transactions.markSucceeded(tx.id, {
          providerPaymentId: `key1:${key1}`,
          method: 'wavepay',
          attributes:
            depositText === undefined
              ? { ...attrs, [ATTR.amountReported]: 'false' }
              : { ...attrs, [ATTR.depositAmount]: depositText },
        });
        if (settled.conflict) {
          // This wallet transaction number already paid another payment of ours.
          const review = await transactions.update(tx.id, {
            status: 'manual_review',
            reasonCode: 'PROVIDER_DUPLICATE_PAYMENT',
            attributes: attrs,
          });
          return inputResult(review.transaction, {
            reasonCode: 'PROVIDER_DUPLICATE_PAYMENT',
            nextAction: instructions(review.transaction, 'manual_review'),
          });
        }
        return inputResult(settled.transaction);
      }
      case 'pending': {
        const updated = await transactions.update(tx.id, {
          status: 'pending',
          attributes: attrs,
          reasonCode: null,
        });
        tx = updated.transaction;
        return inputResult(tx, { message, nextAction: instructions(tx, 'pending') });
      }
      case 'possible_transaction_created': {
        const updated = await transactions.update(tx.id, {
          status: 'manual_review',
          attributes: attrs,
          reasonCode: 'PROVIDER_POSSIBLE_TRANSACTION',
        });
        tx = updated.transaction;
        return inputResult(tx, {
          reasonCode: 'PROVIDER_POSSIBLE_TRANSACTION',
          message,
          nextAction: instructions(tx, 'manual_review'),
        });
      }
      case 'fail': {
        // Usually a mistyped number: the payment stays open for another try.
        const updated = await transactions.update(tx.id, { attributes: attrs });
        tx = updated.transaction;
        return {
          ...inputResult(tx),
          outcome: isFinal(tx.status) ? inputResult(tx).outcome : 'failed',
          reasonCode: 'PROVIDER_ACTIVATION_FAILED',
          message,
          payerMayRetry: !isFinal(tx.status),
          nextAction: instructions(tx),
        };
      }
      default:
        throw providerErrors.create(
          'PROVIDER_BAD_RESPONSE',
          'Paykassma activate answered an unknown status',
          {
            details: { provider_status: status.slice(0, 64) },
          },
        );
    }
  };
}
