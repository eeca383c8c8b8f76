import { escapeHtml, page, table } from '../../html';
import { RESPONSE_TEXT, type ResponseCode, TEST_CARDS } from './cards';
import type { Invoice } from './invoices';

const BRAND = 'IntellectMoney';

const spaced = (pan: string) => pan.replace(/(\d{4})(?=\d)/g, '$1 ');

/** The test cards, the amount rule and the hold/recurring notes, for the card page and the index. */
export function testCardsHtml(): string {
  return `<h3>Test cards (any future expiry, any 3-digit CVV)</h3>
${table(
  ['Card number', 'What happens'],
  TEST_CARDS.map((c) => [spaced(c.pan), c.note]),
)}
<p class="muted">Any other Luhn-valid number pays like 4111 1111 1111 1111; an expired date declines with 54.
Charges of a bound card (Personal API chargeBoundCard, or a scheduled operation) decline when the kopeck part of
the amount is a decline code: 100.05 → 05, 100.51 → 51, 100.61 → 61, 100.65 → 65, 100.14 → 14, 100.54 → 54,
100.57 → 57; other amounts are approved. A hard decline (14, 54, 57) cancels the binding; four soft declines
(05, 51, 61, 65) within 16 days stop further charges.</p>`;
}

function summary(invoice: Invoice): string {
  const t = invoice.terms;
  return `<dl>
<dt>Shop</dt><dd id="eshop-id">${escapeHtml(t.eshopId)}</dd>
<dt>Order</dt><dd id="order-id">${escapeHtml(t.orderId)}</dd>
<dt>Service</dt><dd id="service-name">${escapeHtml(t.serviceName)}</dd>
<dt>Amount</dt><dd id="amount">${escapeHtml(t.recipientAmount)} ${escapeHtml(t.recipientCurrency)}</dd>
<dt>Invoice</dt><dd id="payment-id">${escapeHtml(invoice.paymentId)}</dd>
</dl>`;
}

function backToShop(invoice: Invoice, label = 'Cancel and return to the shop'): string {
  const url = invoice.terms.backUrl ?? invoice.terms.failUrl;
  return url === undefined
    ? ''
    : `<p><a id="back-link" href="${escapeHtml(url)}">${escapeHtml(label)}</a></p>`;
}

/** The card page: PAN, expiry, CVV and, when the shop asked for recurring, "remember card". */
export function cardPage(invoice: Invoice): string {
  const t = invoice.terms;
  const remember = t.recurringRequested
    ? `<label class="check"><input type="checkbox" id="remember" name="remember" value="1" checked> Remember this card for the shop's scheduled payments</label>`
    : `<p class="muted">The shop did not ask to bind the card (no recurringType=Activate), so it is not remembered.</p>`;
  const test =
    t.recipientCurrency === 'TST' ? '<p class="muted">Test payment (TST): no money moves.</p>' : '';
  return page({
    title: `Pay ${t.recipientAmount} ${t.recipientCurrency}`,
    brand: BRAND,
    body: `<section><h1>Payment by bank card</h1>
${summary(invoice)}
${test}
${t.holdMode ? '<p class="muted">The amount will be blocked on the card (hold), not charged yet.</p>' : ''}
</section>
<section>
<form id="card-form" method="post" action="/intellectmoney/invoices/${escapeHtml(invoice.paymentId)}/pay" autocomplete="off">
<label for="pan">Card number</label>
<input type="text" id="pan" name="pan" inputmode="numeric" autocomplete="cc-number" required pattern="[0-9 ]{13,23}" placeholder="4111 1111 1111 1111">
<div class="row">
<div><label for="expiry">Valid thru (MM/YY)</label>
<input type="text" id="expiry" name="expiry" autocomplete="cc-exp" required pattern="[0-9]{1,2}/[0-9]{2,4}" placeholder="12/30"></div>
<div><label for="cvv">CVV</label>
<input type="password" id="cvv" name="cvv" inputmode="numeric" autocomplete="cc-csc" required pattern="[0-9]{3}" placeholder="123"></div>
</div>
${remember}
<button type="submit">Pay ${escapeHtml(t.recipientAmount)} ${escapeHtml(t.recipientCurrency)}</button>
</form>
${backToShop(invoice)}
</section>
<section>${testCardsHtml()}</section>`,
  });
}

/** A declined card: the code and its meaning, another try, or back to the shop. */
export function declinedPage(invoice: Invoice, code: ResponseCode, cardMask: string): string {
  return page({
    title: 'Payment declined',
    brand: BRAND,
    body: `<section class="error"><h1>Payment declined</h1>
<p id="error-message">The bank declined card ${escapeHtml(cardMask)}: <span id="response-code">${escapeHtml(code)}</span> ${escapeHtml(RESPONSE_TEXT[code])}.</p>
${summary(invoice)}
<p><a id="retry-link" href="/intellectmoney/invoices/${escapeHtml(invoice.paymentId)}">Try another card</a></p>
${backToShop(invoice, 'Return to the shop')}
</section>`,
  });
}

/** A paid, held or cancelled invoice: its state, the card, the binding, the way back. */
export function invoiceStatePage(invoice: Invoice): string {
  const title =
    invoice.status === 'paid'
      ? 'Payment completed'
      : invoice.status === 'held'
        ? 'Amount blocked on the card'
        : `Invoice ${invoice.status.replace('_', ' ')}`;
  const recurring =
    invoice.recurring === undefined
      ? ''
      : `<dt>Remember card</dt><dd id="recurring-state">${escapeHtml(invoice.recurring.state)}</dd>`;
  const success = invoice.terms.successUrl;
  const back =
    success !== undefined && (invoice.status === 'paid' || invoice.status === 'held')
      ? `<p><a id="return-link" href="${escapeHtml(success)}">Return to the shop</a></p>`
      : backToShop(invoice, 'Return to the shop');
  return page({
    title,
    brand: BRAND,
    body: `<section class="${invoice.status === 'cancelled' ? 'error' : 'ok'}"><h1>${escapeHtml(title)}</h1>
${summary(invoice)}
<dl>
<dt>Card</dt><dd id="card-mask">${escapeHtml(invoice.card?.mask ?? '')}</dd>
${recurring}
</dl>
${back}
</section>`,
  });
}

export function errorPage(options: {
  title: string;
  message: string;
  code: string;
  back?: { href: string; label: string };
}): string {
  return page({
    title: options.title,
    brand: BRAND,
    body: `<section class="error"><h1>${escapeHtml(options.title)}</h1>
<p id="error-message">${escapeHtml(options.message)}</p>
<p class="muted">Code: <span id="error-code">${escapeHtml(options.code)}</span></p>
${options.back ? `<p><a href="${escapeHtml(options.back.href)}">${escapeHtml(options.back.label)}</a></p>` : ''}
</section>`,
  });
}
