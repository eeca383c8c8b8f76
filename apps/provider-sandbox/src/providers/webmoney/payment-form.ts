import { type FormFields } from '../../form-body';
import { webmoneyErrors } from './errors';
import { paymentFormSign, sameHex } from './signing';

/** How the browser returns to a success/fail URL: 0 = GET (redirect), 1 = POST (form), 2 = link. */
export type ReturnMethod = '0' | '1' | '2';

/** A validated WebMoney payment form (protocols.md §1.2); amounts stay the exact strings sent. */
export interface PaymentRequest {
  payeePurse: string;
  amount: string;
  paymentNo: string;
  description: string;
  shopId: string;
  resultUrl: string;
  successUrl?: string;
  successMethod: ReturnMethod;
  failUrl?: string;
  failMethod: ReturnMethod;
  /** LMI_PAYER_PHONE_NUMBER reduced to digits, to prefill the Keeper Mobile phone. */
  payerPhone?: string;
  payerEmail?: string;
  /** LMI_SIM_MODE (test mode only): 0 success, 1 failure, 2 about 80% success. */
  simMode?: '0' | '1' | '2';
  /** LMI_HOLD: authorization hold in days. */
  hold?: string;
  /** Every non-LMI_ field, in the order sent: WebMoney echoes them to the merchant. */
  customFields: Array<[string, string]>;
}

/** Purse types WebMoney issues (§1.8): a letter and 12 digits. */
export const PURSE_PATTERN = /^[ZERUKBGXHLFTYVDC]\d{12}$/;
const AMOUNT_PATTERN = /^(0|[1-9]\d{0,11})(\.\d{1,2})?$/;
const PAYMENT_NO_PATTERN = /^[1-9]\d{0,9}$/;
const MAX_PAYMENT_NO = 2_147_483_647n;
const MAX_DESCRIPTION_CHARS = 255;
const MAX_RESULT_URL_CHARS = 255;

function invalid(field: string, message: string): never {
  throw webmoneyErrors.create('WEBMONEY_FORM_INVALID', `${field}: ${message}`, {
    details: { field },
  });
}

function httpUrl(field: string, value: string, maxChars?: number): string {
  if (maxChars !== undefined && value.length > maxChars)
    invalid(field, `longer than ${maxChars} characters`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return invalid(field, 'not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    invalid(field, 'must be an http:// or https:// URL');
  return value;
}

function returnMethod(field: string, value: string | undefined): ReturnMethod {
  if (value === undefined || value === '') return '0';
  if (value === '0' || value === '1' || value === '2') return value;
  return invalid(field, 'must be 0 (GET), 1 (POST) or 2 (link)');
}

function decodeBase64Utf8(field: string, value: string): string {
  const compact = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1)
    invalid(field, 'not base64');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(compact, 'base64'));
  } catch {
    return invalid(field, 'not base64 of UTF-8 text');
  }
}

/**
 * Validates a payment form as WebMoney's payment.asp would. With an X20 secret configured the form
 * must carry a matching LMI_PAYMENTFORM_SIGN, so a payer cannot edit the purse, amount or number.
 */
export function parsePaymentForm(
  fields: FormFields,
  options: { x20Secret?: string } = {},
): PaymentRequest {
  const first = new Map<string, string>();
  const customFields: Array<[string, string]> = [];
  for (const [name, value] of fields) {
    if (first.has(name)) continue;
    first.set(name, value);
    if (!name.toUpperCase().startsWith('LMI_') && name !== '') customFields.push([name, value]);
  }
  const get = (name: string): string | undefined => {
    // Values stay exactly as sent (the amount is signed as received); blank counts as absent.
    const v = first.get(name);
    return v === undefined || v.trim() === '' ? undefined : v;
  };
  const required = (name: string): string => get(name) ?? invalid(name, 'required');

  const payeePurse = required('LMI_PAYEE_PURSE');
  if (!PURSE_PATTERN.test(payeePurse))
    invalid('LMI_PAYEE_PURSE', 'must be a purse letter and 12 digits');

  const amount = required('LMI_PAYMENT_AMOUNT');
  if (!AMOUNT_PATTERN.test(amount))
    invalid('LMI_PAYMENT_AMOUNT', 'must be a decimal with "." and at most 2 decimals');
  if (!/[1-9]/.test(amount)) invalid('LMI_PAYMENT_AMOUNT', 'must be greater than zero');

  const paymentNo = required('LMI_PAYMENT_NO');
  if (!PAYMENT_NO_PATTERN.test(paymentNo) || BigInt(paymentNo) > MAX_PAYMENT_NO) {
    invalid('LMI_PAYMENT_NO', 'must be an integer from 1 to 2147483647');
  }

  const shopId = required('LMI_SHOP_ID');
  if (!/^\d{1,12}$/.test(shopId)) invalid('LMI_SHOP_ID', 'must be a MegaStock shop number');

  const base64 = get('LMI_PAYMENT_DESC_BASE64');
  const description =
    base64 !== undefined
      ? decodeBase64Utf8('LMI_PAYMENT_DESC_BASE64', base64)
      : (get('LMI_PAYMENT_DESC') ?? '');
  if (description.trim() === '')
    invalid('LMI_PAYMENT_DESC', 'required (or LMI_PAYMENT_DESC_BASE64)');
  if ([...description].length > MAX_DESCRIPTION_CHARS) {
    invalid('LMI_PAYMENT_DESC', `longer than ${MAX_DESCRIPTION_CHARS} characters`);
  }

  // The sandbox has no per-purse settings page, so the Result URL must come with the form.
  const resultUrl = httpUrl('LMI_RESULT_URL', required('LMI_RESULT_URL'), MAX_RESULT_URL_CHARS);
  const successUrl = get('LMI_SUCCESS_URL');
  const failUrl = get('LMI_FAIL_URL');

  const simMode = get('LMI_SIM_MODE');
  if (simMode !== undefined && simMode !== '0' && simMode !== '1' && simMode !== '2') {
    invalid('LMI_SIM_MODE', 'must be 0, 1 or 2');
  }
  const hold = get('LMI_HOLD');
  if (hold !== undefined && !/^[1-9]\d?$/.test(hold))
    invalid('LMI_HOLD', 'must be a number of days');

  const phone = get('LMI_PAYER_PHONE_NUMBER')?.replace(/\D/g, '');

  if (options.x20Secret !== undefined) {
    const sign = get('LMI_PAYMENTFORM_SIGN');
    const expected = paymentFormSign(payeePurse, amount, paymentNo, options.x20Secret);
    if (sign === undefined || !sameHex(expected, sign)) {
      throw webmoneyErrors.create(
        'WEBMONEY_FORM_SIGNATURE_INVALID',
        'LMI_PAYMENTFORM_SIGN does not match the form',
        {
          details: { field: 'LMI_PAYMENTFORM_SIGN' },
        },
      );
    }
  }

  const request: PaymentRequest = {
    payeePurse,
    amount,
    paymentNo,
    description,
    shopId,
    resultUrl,
    successMethod: returnMethod('LMI_SUCCESS_METHOD', get('LMI_SUCCESS_METHOD')),
    failMethod: returnMethod('LMI_FAIL_METHOD', get('LMI_FAIL_METHOD')),
    customFields,
  };
  if (successUrl !== undefined) request.successUrl = httpUrl('LMI_SUCCESS_URL', successUrl);
  if (failUrl !== undefined) request.failUrl = httpUrl('LMI_FAIL_URL', failUrl);
  if (phone) request.payerPhone = phone;
  const email = get('LMI_PAYER_EMAIL');
  if (email !== undefined) request.payerEmail = email;
  if (simMode !== undefined) request.simMode = simMode;
  if (hold !== undefined) request.hold = hold;
  return request;
}
