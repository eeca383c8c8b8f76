import { displayMinor } from '../../decimal';
import { escapeHtml, hiddenInputs, page } from '../../html';
import { PAYER_BANKS, type QrPayment, type ReviewedCode } from './payments';

const BRAND = 'QR payer bank app';

// protocols.md §5.2 public Finik vectors (real codes, no personal data).
export const FINIK_DYNAMIC_LINK =
  'https://qr.finik.kg/#00020101021232810011qr.finik.kg0114averspay-items10328606240d690d42e4b036d3dba9d0371a120212130212520448295303417540712412005908Finik-QR6304b127';
export const FINIK_STATIC_LINK =
  'https://qr.finik.kg/#00020101021132750011qr.finik.kg0114averspay-items10326cc60f3c453e4286ae7bbbed49208ead1302125204482953034175908Finik-QR630424e3';

const som = (tyiyn: bigint) => `${displayMinor(tyiyn, 2)} KGS`;

export function testLinksHtml(): string {
  const link = (l: string, label: string) =>
    `<li><a href="/qrbank/pay?link=${escapeHtml(encodeURIComponent(l))}">${escapeHtml(label)}</a></li>`;
  return `<h3>Test links</h3>
<p>Paste a payment link made by Tolem's QR platform into <a href="/qrbank/">/qrbank/</a>, or open
<code>/qrbank/pay?link=&lt;urlencoded link&gt;</code>. The public Finik codes decode and verify too (with a Tolem URL configured, Tolem does not know them and they are refused):</p>
<ul>${link(FINIK_DYNAMIC_LINK, 'Finik dynamic, 12 412.00 KGS')}${link(FINIK_STATIC_LINK, 'Finik static, payer enters the amount')}</ul>
<p class="muted">Before paying, the bank asks Tolem (<code>GET /qr/v1/details</code>) for the merchant, the amount and whether the code can still be paid; a paid, expired or unknown code is refused. An edited code fails the ID 63 checksum.</p>`;
}

export function homePage(): string {
  return page({
    title: 'Pay by QR',
    brand: BRAND,
    body: `<section><h1>Pay by QR code or payment link</h1>
<form id="scan" method="get" action="/qrbank/pay">
<label for="link">Payment link or QR payload</label>
<textarea id="link" name="link" required placeholder="https://pay.payqr.kg/#000201…"></textarea>
<button type="submit">Read</button>
</form></section>
<section>${testLinksHtml()}</section>`,
  });
}

/**
 * What a bank app shows before paying: Tolem's details of the code when it asked (merchant,
 * amount or an amount input, description, label, the visible additional fields), else what it
 * decoded alone.
 */
export function reviewPage(code: ReviewedCode, link: string): string {
  const { qr, details } = code;
  const amount = details === undefined ? qr.amountTyiyn : details.amountTyiyn;
  const needsAmount = amount === undefined || (details === undefined && qr.amountEditable);
  const amountPrefill = amount === undefined ? '' : displayMinor(amount, 2).replace(/\s/g, '');
  const merchant = details?.merchantName || qr.merchantName || qr.serviceName || qr.providerId;
  const visible = details?.visibleFields ?? qr.extraFields;
  const extra = visible
    .map(
      (f) =>
        `<dt>${escapeHtml(f.title || f.label)}</dt><dd data-field="${escapeHtml(f.key)}">${escapeHtml(f.value)}</dd>`,
    )
    .join('');
  const description = details?.description || qr.comment;
  const row = (term: string, id: string, value: string | undefined) =>
    value ? `<dt>${term}</dt><dd id="${id}">${escapeHtml(value)}</dd>` : '';
  return page({
    title: `Pay ${merchant}`,
    brand: BRAND,
    body: `<section><h1>Pay ${escapeHtml(merchant)}</h1>
<dl>
<dt>Recipient</dt><dd id="merchant-name">${escapeHtml(details?.merchantName ?? qr.merchantName ?? '')}</dd>
<dt>Service</dt><dd>${escapeHtml(qr.serviceName ?? qr.serviceCode ?? '')}</dd>
<dt>Provider</dt><dd id="provider-id">${escapeHtml(qr.providerId)}</dd>
<dt>Amount</dt><dd id="amount">${amount === undefined ? 'you choose' : escapeHtml(som(amount))}</dd>
${row('Description', 'description', description)}
${row('Cash desk', 'label', details?.label)}
${row('Pay by', 'expires-at', details?.expiresAt?.toISOString())}
${extra}
<dt>Code</dt><dd id="qr-kind">${details?.kind ?? qr.kind} · ${escapeHtml(details?.qrCodeId ?? qr.qrId)}</dd>
</dl>
<p class="muted">Checksum (ID 63) verified.</p>
<p class="muted" id="tolem-check">${details === undefined ? 'Not checked with Tolem (no Tolem URL configured).' : `Checked with Tolem: ${escapeHtml(details.status)}.`}</p>
</section>
<section>
<form id="pay" method="post" action="/qrbank/pay">
${hiddenInputs([['link', link]])}
${needsAmount ? `<label for="amount-input">Amount, KGS</label><input type="text" id="amount-input" name="amount" inputmode="decimal" required pattern="[0-9]+([.][0-9]{1,2})?" value="${escapeHtml(amountPrefill)}">` : ''}
<label for="payer_bank">Pay from</label>
<select id="payer_bank" name="payer_bank">${PAYER_BANKS.map(([id, name]) => `<option value="${escapeHtml(id)}">${escapeHtml(name)}</option>`).join('')}</select>
<button type="submit">Pay</button>
</form>
</section>`,
  });
}

export function receiptPage(payment: QrPayment): string {
  const first = payment.confirmations[0];
  const answer = first?.attempts[0];
  const delivered =
    answer === undefined
      ? 'not sent yet'
      : answer.status === 0
        ? `no answer (${answer.error ?? 'connection failed'}), retrying`
        : `HTTP ${answer.status}`;
  return page({
    title: 'Paid',
    brand: BRAND,
    body: `<section class="ok"><h1>Paid ${escapeHtml(som(payment.amountTyiyn))}</h1>
<dl>
<dt>To</dt><dd>${escapeHtml(payment.details?.merchantName || payment.qr.merchantName || payment.qr.providerId)}</dd>
<dt>Reference</dt><dd id="acquirer-reference">${escapeHtml(payment.acquirerReference)}</dd>
<dt>From</dt><dd>${escapeHtml(payment.payerBank)}</dd>
<dt>Merchant notified</dt><dd id="confirmation-status">${escapeHtml(delivered)}</dd>
</dl>
<p><a href="/qrbank/">Pay another code</a></p></section>`,
  });
}

export function errorPage(message: string, code: string): string {
  return page({
    title: 'Cannot pay this code',
    brand: BRAND,
    body: `<section class="error"><h1>Cannot pay this code</h1>
<p id="error-message">${escapeHtml(message)}</p>
<p class="muted">Code: <span id="error-code">${escapeHtml(code)}</span></p>
<p><a href="/qrbank/">Try another code</a></p></section>`,
  });
}
