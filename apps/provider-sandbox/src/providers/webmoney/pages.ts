import { escapeHtml, hiddenInputs, page } from '../../html';
import type { Invoice } from './invoices';
import { TEST_PAYER_WMID, testPayerPurse } from './payer';
import { type BrowserReturn, urlWithQuery } from './returns';

const BRAND = 'WebMoney Merchant Interface';

function wmCurrency(purse: string): string {
  return `WM${purse.charAt(0)}`;
}

function invoiceSummary(invoice: Invoice): string {
  const r = invoice.request;
  return `<dl>
<dt>Merchant purse</dt><dd id="payee-purse">${escapeHtml(r.payeePurse)}</dd>
<dt>Amount</dt><dd id="amount">${escapeHtml(r.amount)} ${escapeHtml(wmCurrency(r.payeePurse))}</dd>
<dt>Description</dt><dd id="description">${escapeHtml(r.description)}</dd>
<dt>Payment no.</dt><dd>${escapeHtml(r.paymentNo)}</dd>
<dt>Shop (MegaStock)</dt><dd>${escapeHtml(r.shopId)}</dd>
</dl>`;
}

/** The payer's page for a new invoice: pay from a purse, or by phone with WM Keeper Mobile. */
export function invoicePage(invoice: Invoice, options: { testMode: boolean }): string {
  const r = invoice.request;
  const invoiceInput = hiddenInputs([['invoice', invoice.id]]);
  const mode = options.testMode
    ? '<p class="muted">Test mode (LMI_MODE=1): no real money moves.</p>'
    : '<p class="muted">Work mode (LMI_MODE=0).</p>';
  return page({
    title: `Pay ${r.amount} ${wmCurrency(r.payeePurse)}`,
    brand: BRAND,
    body: `<section>
<h1>Payment to ${escapeHtml(r.payeePurse)}</h1>
${invoiceSummary(invoice)}
${mode}
</section>
<section>
<h2>Pay from a WebMoney purse</h2>
<form id="pay-purse" method="post" action="/webmoney/pay">
${invoiceInput}
<label for="payer_purse">Your ${escapeHtml(wmCurrency(r.payeePurse))} purse</label>
<input type="text" id="payer_purse" name="payer_purse" value="${escapeHtml(testPayerPurse(r.payeePurse))}" required pattern="[A-Za-z][0-9]{12}">
<label for="payer_wmid">Your WMID</label>
<input type="text" id="payer_wmid" name="payer_wmid" value="${TEST_PAYER_WMID}" required pattern="[0-9]{12}">
<button type="submit">Pay ${escapeHtml(r.amount)} ${escapeHtml(wmCurrency(r.payeePurse))}</button>
</form>
</section>
<section>
<h2>Pay with WM Keeper Mobile</h2>
<form id="keeper-mobile-start" method="post" action="/webmoney/keeper-mobile/start">
${invoiceInput}
<label for="phone">Phone number with country and area code, digits only</label>
<input type="tel" id="phone" name="phone" value="${escapeHtml(r.payerPhone ?? '')}" required pattern="[0-9]{10,15}" placeholder="79001234567">
<button type="submit">Send SMS code</button>
</form>
</section>
<p class="muted">Invoice ${escapeHtml(invoice.id)}</p>`,
  });
}

/** After the SMS went out: the code (the sandbox's stand-in for the phone) and the confirm form. */
export function keeperMobileCodePage(invoice: Invoice, phone: string, code: string): string {
  return page({
    title: 'Confirm with the SMS code',
    brand: BRAND,
    body: `<section>
<h1>Confirm the payment</h1>
${invoiceSummary(invoice)}
</section>
<section class="ok">
<h2>SMS sent to +${escapeHtml(phone)}</h2>
<p>Sandbox phone: the message says <span class="code" id="sms-code">${escapeHtml(code)}</span></p>
<p class="muted">Also at <a href="/_sandbox/sms?phone=${escapeHtml(phone)}">/_sandbox/sms?phone=${escapeHtml(phone)}</a></p>
</section>
<section>
<form id="keeper-mobile-confirm" method="post" action="/webmoney/keeper-mobile/confirm">
${hiddenInputs([
  ['invoice', invoice.id],
  ['phone', phone],
])}
<label for="code">4-digit code from the SMS</label>
<input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required pattern="[0-9]{4}" autofocus>
<button type="submit">Confirm payment</button>
</form>
</section>`,
  });
}

/** A refused or failed step; `back` offers the way back (e.g. to the invoice page). */
export function errorPage(options: {
  title: string;
  message: string;
  code: string;
  back?: { href: string; label: string };
}): string {
  const back = options.back
    ? `<p><a href="${escapeHtml(options.back.href)}">${escapeHtml(options.back.label)}</a></p>`
    : '';
  return page({
    title: options.title,
    brand: BRAND,
    body: `<section class="error">
<h1>${escapeHtml(options.title)}</h1>
<p id="error-message">${escapeHtml(options.message)}</p>
<p class="muted">Code: <span id="error-code">${escapeHtml(options.code)}</span></p>
${back}
</section>`,
  });
}

/** The way back to the shop by its method: POST form (1) or link (0 and 2). `auto` submits/follows it. */
function returnControl(
  ret: BrowserReturn,
  label: string,
  auto: 'now' | 'later' | 'never',
): { html: string; head: string } {
  if (ret.method === '1') {
    const script =
      auto === 'never'
        ? ''
        : `<script>setTimeout(function(){document.getElementById('return-form').submit()}, ${auto === 'now' ? 0 : 5000});</script>`;
    return {
      head: '',
      html: `<form id="return-form" method="post" action="${escapeHtml(ret.url)}">
${hiddenInputs(ret.fields)}
<button type="submit">${escapeHtml(label)}</button>
</form>${script}`,
    };
  }
  const href = urlWithQuery(ret.url, ret.fields);
  const head =
    auto === 'never' || ret.method === '2'
      ? ''
      : `<meta http-equiv="refresh" content="${auto === 'now' ? 0 : 5};url=${escapeHtml(href)}">`;
  return {
    head,
    html: `<p><a id="return-link" href="${escapeHtml(href)}">${escapeHtml(label)}</a></p>`,
  };
}

/** Paid: the shop's success URL as a POST form (method 1) or a link (method 2), or numbers only. */
export function paidPage(invoice: Invoice, ret: BrowserReturn | undefined): string {
  const t = invoice.transfer;
  const control = ret
    ? returnControl(ret, 'Return to the shop', ret.method === '1' ? 'now' : 'never')
    : undefined;
  return page({
    title: 'Payment completed',
    brand: BRAND,
    head: control?.head ?? '',
    body: `<section class="ok">
<h1>Payment completed</h1>
${invoiceSummary(invoice)}
<dl>
<dt>WM invoice</dt><dd id="sys-invs-no">${escapeHtml(t?.sysInvsNo ?? '')}</dd>
<dt>WM transfer</dt><dd id="sys-trans-no">${escapeHtml(t?.sysTransNo ?? '')}</dd>
<dt>Date (Moscow)</dt><dd>${escapeHtml(t?.sysTransDate ?? '')}</dd>
</dl>
${control?.html ?? ''}
</section>`,
  });
}

/**
 * Not paid: the shop refused the pre-request (its text is shown, as WebMoney shows it) or the
 * transfer failed. The browser then goes to the fail URL.
 */
export function notPaidPage(
  invoice: Invoice,
  reason: { title: string; message: string; merchantText?: string },
  ret: BrowserReturn | undefined,
): string {
  const control = ret
    ? returnControl(ret, 'Return to the shop', ret.method === '2' ? 'never' : 'later')
    : undefined;
  const merchant =
    reason.merchantText !== undefined
      ? `<p>The shop answered:</p><pre id="merchant-answer">${escapeHtml(reason.merchantText)}</pre>`
      : '';
  return page({
    title: reason.title,
    brand: BRAND,
    head: control?.head ?? '',
    body: `<section class="error">
<h1>${escapeHtml(reason.title)}</h1>
<p id="error-message">${escapeHtml(reason.message)}</p>
${merchant}
${invoiceSummary(invoice)}
${control?.html ?? `<p><a href="/webmoney/invoices/${escapeHtml(invoice.id)}">Back to the payment</a></p>`}
</section>`,
  });
}
