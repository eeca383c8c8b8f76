import type { Payer, Tamper } from './invoices';
import type { PaymentRequest } from './payment-form';
import { type HashAlgorithm, lmiHash, lmiHash2, type SignedValues } from './signing';

export type Fields = Array<[string, string]>;

/** Language WebMoney reports in LMI_LANG; the sandbox page is one language only. */
export const LMI_LANG = 'ru-RU';

/**
 * The pre-request (protocols.md §1.3): what the payment will be, before money moves. WebMoney
 * sends no hash here; the merchant answers `YES` to allow it.
 */
export function prerequestFields(request: PaymentRequest, payer: Payer, mode: string): Fields {
  const fields: Fields = [
    ['LMI_PREREQUEST', '1'],
    ['LMI_PAYEE_PURSE', request.payeePurse],
    ['LMI_PAYMENT_AMOUNT', request.amount],
  ];
  if (request.hold !== undefined) fields.push(['LMI_HOLD', request.hold]);
  fields.push(
    ['LMI_PAYMENT_NO', request.paymentNo],
    ['LMI_MODE', mode],
    ['LMI_PAYER_WM', payer.wmid],
    ['LMI_PAYER_PURSE', payer.purse],
    ['LMI_PAYMENT_DESC', request.description],
    ...request.customFields,
  );
  return fields;
}

export interface NotificationInput {
  request: PaymentRequest;
  payer: Payer;
  mode: string;
  sysInvsNo: string;
  sysTransNo: string;
  sysTransDate: string;
  telepatOrderId?: string;
  secretKey: string;
  algorithm: HashAlgorithm;
  tamper: Tamper;
  /** LMI_HOLD to send instead of the form's (test API `hold_days`). */
  holdDays?: string;
}

/** Flips the last hex digit: still well-formed, no longer the right signature. */
function corruptHex(hex: string): string {
  const last = hex.slice(-1);
  return hex.slice(0, -1) + (last === '0' ? '1' : '0');
}

/** One minor unit less (more, for the smallest amount), as a 2-decimal string; bigint only. */
export function otherAmount(amount: string): string {
  const [whole = '0', frac = ''] = amount.split('.');
  const cents = BigInt(whole) * 100n + BigInt(frac.padEnd(2, '0') || '0');
  const other = cents > 1n ? cents - 1n : cents + 1n;
  return `${other / 100n}.${String(other % 100n).padStart(2, '0')}`;
}

/**
 * The payment notification (§1.4), signed with LMI_HASH (§1.5) and LMI_HASH2 (§1.6). LMI_DBLCHK
 * says how the payer confirmed: `SMS` for Keeper Mobile (the SMS code), `ENUM` for a purse
 * payment (the sandbox stands for an E-NUM confirmed transfer). Tampering happens after signing,
 * except `amount`, which signs a different amount validly (an amount check must catch it).
 */
export function notificationFields(input: NotificationInput): Fields {
  const { request, payer } = input;
  const amount = input.tamper === 'amount' ? otherAmount(request.amount) : request.amount;
  const signed: SignedValues = {
    payeePurse: request.payeePurse,
    amount,
    paymentNo: request.paymentNo,
    mode: input.mode,
    sysInvsNo: input.sysInvsNo,
    sysTransNo: input.sysTransNo,
    sysTransDate: input.sysTransDate,
    payerPurse: payer.purse,
    payerWm: payer.wmid,
  };
  const hold = input.holdDays ?? request.hold;
  if (hold !== undefined) signed.hold = hold;
  let hash = lmiHash(signed, input.secretKey, input.algorithm);
  let hash2 = lmiHash2(signed, input.secretKey);
  if (input.tamper === 'hash') hash = corruptHex(hash);
  if (input.tamper === 'hash2') hash2 = corruptHex(hash2);

  const fields: Fields = [
    ['LMI_PAYEE_PURSE', signed.payeePurse],
    ['LMI_PAYMENT_AMOUNT', signed.amount],
  ];
  if (signed.hold !== undefined) fields.push(['LMI_HOLD', signed.hold]);
  fields.push(
    ['LMI_PAYMENT_NO', signed.paymentNo],
    ['LMI_MODE', signed.mode],
    ['LMI_SYS_INVS_NO', signed.sysInvsNo],
    ['LMI_SYS_TRANS_NO', signed.sysTransNo],
    ['LMI_SYS_TRANS_DATE', signed.sysTransDate],
    ['LMI_PAYER_PURSE', signed.payerPurse],
    ['LMI_PAYER_WM', signed.payerWm],
  );
  if (
    payer.method === 'keeper_mobile' &&
    payer.phone !== undefined &&
    input.telepatOrderId !== undefined
  ) {
    fields.push(
      ['LMI_TELEPAT_PHONENUMBER', payer.phone],
      ['LMI_TELEPAT_ORDERID', input.telepatOrderId],
    );
  }
  fields.push(
    ['LMI_PAYMENT_DESC', request.description],
    ['LMI_LANG', LMI_LANG],
    ['LMI_DBLCHK', payer.method === 'keeper_mobile' ? 'SMS' : 'ENUM'],
    ['LMI_HASH', hash],
    ['LMI_HASH2', hash2],
    ...request.customFields,
  );
  return fields;
}
