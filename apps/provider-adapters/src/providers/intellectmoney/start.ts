import { providerErrors } from '../../domain/errors';
import type { StartPaymentInput, StartPaymentResult } from '../provider.port';
import { checkReturnUrl, startOnce } from '../shared/start-once';
import type { IntellectMoneyContext } from './config';
import { purchaseHash } from './signatures';
import {
  ATTR,
  INTELLECTMONEY_CURRENCIES,
  PAYMENT_ID_FIELD,
  PAYMENT_ID_LABEL,
  serviceNameOf,
  toIntellectMoneyAmount,
} from './transformers';

const REMEMBER_VALUES = new Set(['true', '1', 'yes', 'on']);

/**
 * The merchant payment form with the MD5 `hash` (§3.2), optionally binding the card
 * (recurringType=Activate) when the payer asked to remember it.
 */
export function makeStartPayment(ctx: IntellectMoneyContext) {
  const { config, transactions } = ctx;

  return async function startPayment(input: StartPaymentInput): Promise<StartPaymentResult> {
    if (input.method !== 'card') {
      throw providerErrors.create(
        'PROVIDER_METHOD_UNSUPPORTED',
        `IntellectMoney does not serve ${input.method}`,
        { details: { method: input.method, provider: 'intellectmoney' } },
      );
    }
    if (!INTELLECTMONEY_CURRENCIES.has(input.amount.currency)) {
      throw providerErrors.create(
        'PROVIDER_CURRENCY_UNSUPPORTED',
        `IntellectMoney does not take ${input.amount.currency}`,
        { details: { field: 'amount.currency', currency: input.amount.currency } },
      );
    }
    const successUrl = checkReturnUrl(input.successUrl, 'success_url');
    const failUrl = checkReturnUrl(input.failUrl, 'fail_url');
    const rememberCard = REMEMBER_VALUES.has((input.payer['remember_card'] ?? '').toLowerCase());
    const email = (input.payer['email'] ?? '').trim();

    const { transaction: stored } = await startOnce(transactions, {
      paymentId: input.paymentId,
      merchantId: input.merchantId,
      provider: 'intellectmoney',
      method: 'card',
      amount: input.amount,
      amountText: toIntellectMoneyAmount(input.amount),
      payeePurse: null,
      attributes: { [ATTR.rememberCard]: String(rememberCard) },
    });
    let tx = stored;
    // The latest choice wins while unpaid: a card is bound only if the form that paid asked.
    if (tx.attributes[ATTR.rememberCard] !== String(rememberCard)) {
      const updated = await transactions.update(tx.id, {
        attributes: { [ATTR.rememberCard]: String(rememberCard) },
      });
      if (!updated.changed) {
        throw providerErrors.create(
          'PROVIDER_PAYMENT_ALREADY_FINAL',
          `payment ${input.paymentId} is no longer unpaid`,
        );
      }
      tx = updated.transaction;
    }

    const orderId = tx.orderNo.toString();
    const serviceName = serviceNameOf(input.description, tx.paymentId);
    const currency = tx.amount.currency;
    const hash = purchaseHash(
      {
        eshopId: config.eshopId,
        orderId,
        serviceName,
        recipientAmount: tx.amountText,
        recipientCurrency: currency,
        recurringType: rememberCard ? 'Activate' : undefined,
      },
      config.secretKey.reveal(),
    );
    const fields: { name: string; value: string }[] = [
      { name: 'eshopId', value: config.eshopId },
      { name: 'orderId', value: orderId },
      { name: 'serviceName', value: serviceName },
      { name: 'recipientAmount', value: tx.amountText },
      { name: 'recipientCurrency', value: currency },
    ];
    if (email) fields.push({ name: 'email', value: email });
    if (successUrl) fields.push({ name: 'successUrl', value: successUrl });
    if (failUrl) fields.push({ name: 'failUrl', value: failUrl });
    fields.push(
      { name: 'resultUrl', value: config.resultUrl },
      // Binding only works for card payments, so the page offers cards only.
      { name: 'preference', value: 'bankCard' },
    );
    if (rememberCard) fields.push({ name: 'recurringType', value: 'Activate' });
    fields.push(
      { name: 'userFieldName_1', value: PAYMENT_ID_LABEL },
      { name: PAYMENT_ID_FIELD, value: tx.paymentId },
      { name: 'hash', value: hash },
    );
    return {
      provider: 'intellectmoney',
      action: { kind: 'form_post', url: config.paymentUrl, fields, acceptCharset: 'utf-8' },
      providerReference: orderId,
    };
  };
}
