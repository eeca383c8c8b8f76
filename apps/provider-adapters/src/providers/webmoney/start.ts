import { providerErrors } from '../../domain/errors';
import { startConflictField } from '../../domain/provider-transaction';
import type { StartPaymentInput, StartPaymentResult } from '../provider.port';
import type { WebMoneyContext } from './config';
import { paymentFormSign } from './signatures';
import {
  encodeDescription,
  METHOD_FIELD,
  normalizePayerPhone,
  PAYMENT_ID_FIELD,
  toWebMoneyAmount,
} from './transformers';

/**
 * How the browser returns to success/fail URLs. 2 = plain link: WebMoney appends nothing, so no
 * payer data lands in merchants' access logs, and nothing trusts the browser anyway (only the
 * signed Result URL notification settles a payment). The sandbox honours 0=GET, 1=POST, 2=link.
 */
export const RETURN_METHOD_LINK = '2';

function invalid(message: string, field: string) {
  return providerErrors.create('PROVIDER_INVALID_REQUEST', message, { details: { field } });
}

/** A return URL WebMoney accepts: absolute http(s), at most 255 characters. */
function checkReturnUrl(url: string, field: string): string {
  const trimmed = url.trim();
  if (trimmed === '') return '';
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    throw invalid(`${field} must be an absolute URL`, field);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw invalid(`${field} must be http(s)`, field);
  if (trimmed.length > 255) throw invalid(`${field} must be at most 255 characters`, field);
  return trimmed;
}

/** LMI_SHOP_ID: the merchant's MegaStock catalogue number at WebMoney. */
function checkShopId(raw: string): string {
  const shopId = raw.trim();
  if (shopId === '') {
    throw providerErrors.create(
      'PROVIDER_SHOP_ID_REQUIRED',
      "WebMoney needs the merchant's LMI_SHOP_ID (provider_shop_id) for payments through an aggregator",
      { details: { field: 'provider_shop_id' } },
    );
  }
  // MegaStock catalogue numbers are digits; catching anything else here gives a clear code
  // instead of a refusal on WebMoney's page.
  if (!/^\d{1,12}$/.test(shopId)) {
    throw invalid(
      'provider_shop_id must be a MegaStock shop number (1-12 digits)',
      'provider_shop_id',
    );
  }
  return shopId;
}

/** Builds the Merchant Interface form (§1.2) for a purse or a Keeper Mobile payment. */
export function makeStartPayment(ctx: WebMoneyContext) {
  const { config, transactions } = ctx;

  return async function startPayment(input: StartPaymentInput): Promise<StartPaymentResult> {
    if (input.method !== 'webmoney_purse' && input.method !== 'webmoney_keeper_mobile') {
      throw providerErrors.create(
        'PROVIDER_METHOD_UNSUPPORTED',
        `WebMoney does not serve ${input.method}`,
        {
          details: { method: input.method, provider: 'webmoney' },
        },
      );
    }
    // Validate everything before the first write, so bad input leaves no transaction behind.
    const purse = config.purses.get(input.amount.currency);
    if (!purse) {
      throw providerErrors.create(
        'PROVIDER_CURRENCY_UNSUPPORTED',
        `no WebMoney purse is configured for ${input.amount.currency}`,
        { details: { field: 'amount.currency', currency: input.amount.currency } },
      );
    }
    const shopId = checkShopId(input.providerShopId);
    const successUrl = checkReturnUrl(input.successUrl, 'success_url');
    const failUrl = checkReturnUrl(input.failUrl, 'fail_url');
    const phone =
      input.method === 'webmoney_keeper_mobile'
        ? normalizePayerPhone(input.payer['phone'])
        : undefined;

    const incoming = {
      paymentId: input.paymentId,
      merchantId: input.merchantId,
      provider: 'webmoney' as const,
      method: input.method,
      amount: input.amount,
      amountText: toWebMoneyAmount(input.amount),
      payeePurse: purse,
    };
    const { transaction: stored, created } = await transactions.createOnce(incoming);
    let tx = stored;
    if (!created) {
      const field = startConflictField(stored, incoming);
      if (field) {
        throw providerErrors.create(
          'PROVIDER_PAYMENT_CONFLICT',
          `payment ${input.paymentId} was started before with a different ${field}`,
          { details: { field } },
        );
      }
      if (stored.status !== 'created') {
        throw providerErrors.create(
          'PROVIDER_PAYMENT_ALREADY_FINAL',
          `payment ${input.paymentId} is ${stored.status}`,
          {
            details: { status: stored.status },
          },
        );
      }
      if (stored.method !== input.method) {
        const changed = await transactions.changeMethod(stored.id, input.method);
        if (!changed) {
          throw providerErrors.create(
            'PROVIDER_PAYMENT_ALREADY_FINAL',
            `payment ${input.paymentId} is no longer unpaid`,
          );
        }
        tx = changed;
      }
    }

    // The stored row, not the request, fixes what WebMoney sees: the same order every time.
    const payeePurse = tx.payeePurse ?? purse;
    const orderNo = tx.orderNo.toString();
    const description = input.description.trim() || `Order ${orderNo}`;
    const fields: { name: string; value: string }[] = [
      { name: 'LMI_PAYEE_PURSE', value: payeePurse },
      { name: 'LMI_PAYMENT_AMOUNT', value: tx.amountText },
      { name: 'LMI_PAYMENT_NO', value: orderNo },
      { name: 'LMI_PAYMENT_DESC_BASE64', value: encodeDescription(description) },
      { name: 'LMI_SHOP_ID', value: shopId },
      { name: 'LMI_RESULT_URL', value: config.resultUrl },
    ];
    if (successUrl) {
      fields.push(
        { name: 'LMI_SUCCESS_URL', value: successUrl },
        { name: 'LMI_SUCCESS_METHOD', value: RETURN_METHOD_LINK },
      );
    }
    if (failUrl) {
      fields.push(
        { name: 'LMI_FAIL_URL', value: failUrl },
        { name: 'LMI_FAIL_METHOD', value: RETURN_METHOD_LINK },
      );
    }
    // Test mode only: 0 = the simulated payment always succeeds. Real mode must never send it.
    if (config.mode === '1') fields.push({ name: 'LMI_SIM_MODE', value: '0' });
    if (phone) fields.push({ name: 'LMI_PAYER_PHONE_NUMBER', value: phone });
    if (config.x20Secret) {
      fields.push({
        name: 'LMI_PAYMENTFORM_SIGN',
        value: paymentFormSign(payeePurse, tx.amountText, orderNo, config.x20Secret.reveal()),
      });
    }
    fields.push({ name: PAYMENT_ID_FIELD, value: tx.paymentId });
    if (tx.method === 'webmoney_keeper_mobile')
      fields.push({ name: METHOD_FIELD, value: 'keeper_mobile' });

    return {
      provider: 'webmoney',
      action: { kind: 'form_post', url: config.merchantUrl, fields, acceptCharset: 'utf-8' },
      providerReference: orderNo,
    };
  };
}
