import { newId } from '@tolem/ids';

import type { FormCharset } from '../../form-body';
import type { PaymentRequest } from './payment-form';

export type InvoiceStatus = 'awaiting_payment' | 'paying' | 'paid' | 'refused' | 'failed';
export type PayMethod = 'purse' | 'keeper_mobile';
/** Test-only corruption of a notification: a wrong LMI_HASH / LMI_HASH2, or a validly signed other amount. */
export type Tamper = 'none' | 'hash' | 'hash2' | 'amount';

/** Who pays: a purse and its WMID; Keeper Mobile adds the phone that confirmed by SMS. */
export interface Payer {
  method: PayMethod;
  purse: string;
  wmid: string;
  phone?: string;
}

/** One call the sandbox made to the merchant's Result URL. */
export interface Delivery {
  kind: 'prerequest' | 'notification';
  attempt: number;
  at: Date;
  status: number;
  body: string;
  error?: string;
  fields: Array<[string, string]>;
}

/** WebMoney's side of a paid (or failed) invoice: its numbers and the notification it signed. */
export interface Transfer {
  payer: Payer;
  sysInvsNo: string;
  sysTransNo?: string;
  sysTransDate?: string;
  telepatOrderId?: string;
  tamper: Tamper;
  /**
   * LMI_HOLD (days) the notification carries although the form asked for none: the test API's
   * `hold_days`, to check that a merchant never credits an authorization hold.
   */
  holdDays?: string;
  /** The notification exactly as first sent, so a resend is byte-identical. */
  notificationFields?: Array<[string, string]>;
  notificationBody?: string;
}

export interface Invoice {
  id: string;
  createdAt: Date;
  /** Which entry point received the form: payment.asp (windows-1251) or payment_utf.asp. */
  charset: FormCharset;
  request: PaymentRequest;
  status: InvoiceStatus;
  transfer?: Transfer;
  deliveries: Delivery[];
}

/** In-memory invoices; the sandbox has no database and forgets everything on restart. */
export interface InvoiceStore {
  add(request: PaymentRequest, charset: FormCharset, now: Date): Invoice;
  get(id: string): Invoice | undefined;
  /** Invoices of one LMI_PAYMENT_NO, newest first, optionally of one payee purse. */
  byPaymentNo(paymentNo: string, payeePurse?: string): Invoice[];
  /** The paid invoice of a payee purse and LMI_PAYMENT_NO, if any: WebMoney accepts one payment per number. */
  paidFor(payeePurse: string, paymentNo: string): Invoice | undefined;
}

export function createInvoiceStore(maxInvoices = 50_000): InvoiceStore {
  const byId = new Map<string, Invoice>();
  const byNumber = new Map<string, Set<string>>();
  const keyOf = (purse: string, no: string) => `${purse}:${no}`;

  const evictOldest = () => {
    const oldest = byId.values().next().value;
    if (oldest === undefined) return;
    byId.delete(oldest.id);
    const key = keyOf(oldest.request.payeePurse, oldest.request.paymentNo);
    const ids = byNumber.get(key);
    ids?.delete(oldest.id);
    if (ids?.size === 0) byNumber.delete(key);
  };

  const ofNumber = (purse: string, no: string): Invoice[] =>
    [...(byNumber.get(keyOf(purse, no)) ?? [])].flatMap((id) => byId.get(id) ?? []);

  return {
    add(request, charset, now) {
      const invoice: Invoice = {
        id: newId('wminv'),
        createdAt: now,
        charset,
        request,
        status: 'awaiting_payment',
        deliveries: [],
      };
      byId.set(invoice.id, invoice);
      const key = keyOf(request.payeePurse, request.paymentNo);
      const ids = byNumber.get(key) ?? new Set<string>();
      ids.add(invoice.id);
      byNumber.set(key, ids);
      while (byId.size > maxInvoices) evictOldest();
      return invoice;
    },
    get: (id) => byId.get(id),
    byPaymentNo(paymentNo, payeePurse) {
      const found =
        payeePurse !== undefined
          ? ofNumber(payeePurse, paymentNo)
          : [...byId.values()].filter((i) => i.request.paymentNo === paymentNo);
      // Ids are time-sortable ULIDs: newest first.
      return found.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    },
    paidFor: (purse, no) => ofNumber(purse, no).find((i) => i.status === 'paid'),
  };
}
