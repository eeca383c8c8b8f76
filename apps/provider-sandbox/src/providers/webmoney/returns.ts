import type { Fields } from './callbacks';
import type { Invoice } from './invoices';
import type { ReturnMethod } from './payment-form';

/** Where and how the payer's browser goes back to the shop. */
export interface BrowserReturn {
  url: string;
  method: ReturnMethod;
  fields: Fields;
}

function returnFields(invoice: Invoice): Fields {
  const t = invoice.transfer;
  const fields: Fields = [['LMI_PAYMENT_NO', invoice.request.paymentNo]];
  if (t !== undefined) fields.push(['LMI_SYS_INVS_NO', t.sysInvsNo]);
  if (t?.sysTransNo !== undefined) fields.push(['LMI_SYS_TRANS_NO', t.sysTransNo]);
  if (t?.sysTransDate !== undefined) fields.push(['LMI_SYS_TRANS_DATE', t.sysTransDate]);
  return [...fields, ...invoice.request.customFields];
}

/** LMI_SUCCESS_URL by LMI_SUCCESS_METHOD; undefined when the form gave no URL. */
export function successReturn(invoice: Invoice): BrowserReturn | undefined {
  const url = invoice.request.successUrl;
  return url === undefined
    ? undefined
    : { url, method: invoice.request.successMethod, fields: returnFields(invoice) };
}

/** LMI_FAIL_URL by LMI_FAIL_METHOD; undefined when the form gave no URL. */
export function failReturn(invoice: Invoice): BrowserReturn | undefined {
  const url = invoice.request.failUrl;
  return url === undefined
    ? undefined
    : { url, method: invoice.request.failMethod, fields: returnFields(invoice) };
}

/** The URL with the fields appended to its query (for GET returns and links). */
export function urlWithQuery(url: string, fields: Fields): string {
  const u = new URL(url);
  for (const [name, value] of fields) u.searchParams.append(name, value);
  return u.toString();
}
