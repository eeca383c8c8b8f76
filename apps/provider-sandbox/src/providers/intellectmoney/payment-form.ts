import { decimalFromMinor, minorFromDecimal } from '../../decimal';
import type { FormFields } from '../../form-body';
import { intellectmoneyErrors } from './errors';
import { purchaseHash, sameHex } from './signing';

/** Currencies IntellectMoney takes (SDK Currency.php); TST is its test pseudo-currency. */
export const CURRENCIES: readonly string[] = [
  'RUB',
  'RUR',
  'TST',
  'USD',
  'EUR',
  'KGS',
  'KZT',
  'UZS',
];

/** What an invoice asks for, whether it came from the payment form or a bound-card charge. */
export interface InvoiceTerms {
  eshopId: string;
  orderId: string;
  serviceName: string;
  /** Always two decimals in notifications (`100.00`), whatever the form sent. */
  recipientAmount: string;
  amountMinor: bigint;
  recipientCurrency: string;
  userName: string;
  userEmail: string;
  successUrl?: string;
  failUrl?: string;
  backUrl?: string;
  /** holdMode: a card payment blocks the amount (paymentStatus 6) instead of paying it. */
  holdMode: boolean;
  /** recurringType=Activate: the payer may bind the card ("remember card"). */
  recurringRequested: boolean;
  /** userFieldName_N / userField_N pairs, echoed in notifications. */
  userFields: Array<[string, string]>;
}

const AMOUNT = /^\d{1,11}(\.\d{1,2})?$/;

function invalid(field: string, message: string): never {
  throw intellectmoneyErrors.create('INTELLECTMONEY_FORM_INVALID', `${field}: ${message}`, {
    details: { field },
  });
}

function httpUrl(field: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return invalid(field, 'not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') invalid(field, 'must be http(s)');
  return value;
}

function flag(field: string, value: string | undefined): boolean {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '' || v === '0' || v === 'false') return false;
  if (v === '1' || v === 'true') return true;
  return invalid(field, 'must be 0/1 or true/false');
}

/**
 * Validates the merchant payment form (protocols.md §3.2) and its MD5 `hash` (§3.3), over the
 * values exactly as posted. A form with recurringType must be hashed with it, so a payer cannot
 * add card binding to a form the shop signed without it.
 */
export function parsePaymentForm(
  fields: FormFields,
  shop: { eshopId: string; secretKey: string },
): InvoiceTerms {
  const first = new Map<string, string>();
  for (const [name, value] of fields) if (!first.has(name)) first.set(name, value);
  const raw = (name: string) => first.get(name) ?? '';
  const present = (name: string) => {
    const v = first.get(name)?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const required = (name: string) => present(name) ?? invalid(name, 'required');

  const eshopId = required('eshopId');
  if (eshopId !== shop.eshopId) {
    throw intellectmoneyErrors.create(
      'INTELLECTMONEY_ESHOP_UNKNOWN',
      `eshopId ${eshopId} is not this sandbox's shop`,
      { details: { field: 'eshopId' } },
    );
  }
  const orderId = required('orderId');
  if (orderId.length > 50) invalid('orderId', 'longer than 50 characters');
  const serviceName = raw('serviceName');
  if (serviceName.length > 1024) invalid('serviceName', 'longer than 1024 characters');

  const amountText = required('recipientAmount');
  const amountMinor = AMOUNT.test(amountText) ? minorFromDecimal(amountText, 2) : undefined;
  if (amountMinor === undefined) {
    invalid('recipientAmount', 'must be a decimal with "." and at most 2 decimals');
  }
  if (amountMinor <= 0n) invalid('recipientAmount', 'must be greater than zero');
  const currency = required('recipientCurrency');
  if (!CURRENCIES.includes(currency)) invalid('recipientCurrency', `unknown currency ${currency}`);

  const recurringType = present('recurringType');
  if (recurringType !== undefined && recurringType !== 'Activate') {
    invalid('recurringType', 'only Activate is supported');
  }

  const hash = required('hash');
  const expected = purchaseHash(
    {
      eshopId: raw('eshopId'),
      orderId: raw('orderId'),
      serviceName,
      recipientAmount: raw('recipientAmount'),
      recipientCurrency: raw('recipientCurrency'),
      ...(recurringType !== undefined ? { recurringType } : {}),
    },
    shop.secretKey,
  );
  if (!sameHex(expected, hash)) {
    throw intellectmoneyErrors.create(
      'INTELLECTMONEY_FORM_HASH_INVALID',
      'The form hash does not match its values',
      { details: { field: 'hash' } },
    );
  }

  const userFields: Array<[string, string]> = [];
  const indexes = [...first.keys()]
    .map((name) => /^userField(?:Name)?_(\d{1,2})$/.exec(name)?.[1])
    .filter((n): n is string => n !== undefined);
  for (const n of [...new Set(indexes)].sort((a, b) => Number(a) - Number(b))) {
    const label = first.get(`userFieldName_${n}`);
    const value = first.get(`userField_${n}`);
    if (label !== undefined) userFields.push([`userFieldName_${n}`, label]);
    if (value !== undefined) userFields.push([`userField_${n}`, value]);
  }

  const terms: InvoiceTerms = {
    eshopId,
    orderId,
    serviceName,
    recipientAmount: decimalFromMinor(amountMinor, 2),
    amountMinor,
    recipientCurrency: currency,
    userName: raw('userName').trim(),
    userEmail: (present('email') ?? present('userEmail') ?? '').trim(),
    holdMode: flag('holdMode', first.get('holdMode')),
    recurringRequested: recurringType === 'Activate',
    userFields,
  };
  const successUrl = present('successUrl');
  const failUrl = present('failUrl');
  const backUrl = present('backUrl');
  if (successUrl !== undefined) terms.successUrl = httpUrl('successUrl', successUrl);
  if (failUrl !== undefined) terms.failUrl = httpUrl('failUrl', failUrl);
  if (backUrl !== undefined) terms.backUrl = httpUrl('backUrl', backUrl);
  return terms;
}
