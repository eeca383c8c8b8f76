import { displayMinor } from '../../decimal';
import { escapeHtml, hiddenInputs, page, table } from '../../html';
import { MERCHANT_WALLET_NAME } from './wallet';

const BRAND = 'Paykassma · Wavepay';

/** The plugin window's parameters (protocols.md §4.1), kept across its steps as hidden fields. */
export interface PluginParams {
  label: string;
  currencyCode: string;
  walletType: string;
  customTransactionId: string;
  /** Whole kyat; undefined lets the payer type the amount. */
  fixedAmount?: bigint;
  lang: string;
  successUrl?: string;
  failUrl?: string;
  pendingUrl?: string;
}

export function pluginFields(p: PluginParams): Array<[string, string]> {
  const fields: Array<[string, string]> = [
    ['label', p.label],
    ['currency_code', p.currencyCode],
    ['wallet_type', p.walletType],
    ['custom_transaction_id', p.customTransactionId],
    ['lang', p.lang],
  ];
  if (p.fixedAmount !== undefined) fields.push(['fixed_amount', String(p.fixedAmount)]);
  if (p.successUrl !== undefined) fields.push(['success_url', p.successUrl]);
  if (p.failUrl !== undefined) fields.push(['fail_url', p.failUrl]);
  if (p.pendingUrl !== undefined) fields.push(['pending_url', p.pendingUrl]);
  return fields;
}

const kyat = (amount: bigint) => `${displayMinor(amount, 0)} MMK`;

/** The test amounts, for the plugin page and the index. */
export function testAmountsHtml(): string {
  return `<h3>Test amounts (MMK, decided on the amount paid in the wallet)</h3>
${table(
  ['Amount ends in', 'Activation answers', 'Postback'],
  [
    ['…01 (e.g. 5001)', 'pending', 'success, after SANDBOX_PAYKASSMA_PENDING_DELAY_MS'],
    [
      '…02 (e.g. 5002)',
      'possible_transaction_created',
      'none until /_sandbox/paykassma/deposits/:id/postback',
    ],
    ['…03 (e.g. 5003)', 'fail', 'none'],
    [
      '…04 (e.g. 5004)',
      'ok without deposit_amount (credited, amount not reported)',
      'none until /_sandbox/paykassma/deposits/:id/postback',
    ],
    ['anything else (e.g. 5000)', 'ok', 'success, at once'],
  ],
)}
<p class="muted">A transaction number (key1) the wallet app did not issue, or paid to another wallet, answers
<code>fail</code>. The wallet app is at <a href="/paykassma/wallet/">/paykassma/wallet/</a>.</p>`;
}

/** The plugin window: requisites, "pay in the wallet app", and the transaction number input. */
export function pluginPage(
  p: PluginParams,
  wallet: string,
  state: { key1?: string; paidAmount?: bigint; error?: string } = {},
): string {
  const amountInput =
    p.fixedAmount === undefined
      ? `<label for="amount">Amount, MMK</label><input type="number" id="amount" name="amount" min="1" step="1" required>`
      : '';
  const paid =
    state.key1 !== undefined
      ? `<section class="ok"><h2>Paid in the Wavepay app</h2>
<p>You sent ${escapeHtml(kyat(state.paidAmount ?? 0n))} to ${escapeHtml(wallet)}. Transaction number:
<span class="code" id="wallet-key1">${escapeHtml(state.key1)}</span></p></section>`
      : '';
  const error =
    state.error !== undefined
      ? `<section class="error"><p id="error-message">${escapeHtml(state.error)}</p></section>`
      : '';
  return page({
    title: 'Wavepay deposit',
    brand: BRAND,
    body: `<section><h1>Deposit with Wavepay</h1>
<dl>
<dt>Send to wallet</dt><dd id="wallet-number">${escapeHtml(wallet)}</dd>
<dt>Wallet name</dt><dd>${escapeHtml(MERCHANT_WALLET_NAME)}</dd>
<dt>Amount</dt><dd id="amount-due">${p.fixedAmount === undefined ? 'any' : escapeHtml(kyat(p.fixedAmount))}</dd>
<dt>Payer</dt><dd>${escapeHtml(p.label)}</dd>
</dl>
<ol><li>Pay this amount to the wallet in your Wavepay app.</li><li>Type the app's transaction number below.</li></ol>
</section>
${error}${paid}
<section>
<form id="wallet-pay" method="post" action="/paykassma/plugin/wallet-pay">
${hiddenInputs(pluginFields(p))}
${amountInput}
<button type="submit" class="secondary">Pay in the wallet app</button>
</form>
</section>
<section>
<form id="activate" method="post" action="/paykassma/plugin/activate">
${hiddenInputs(pluginFields(p))}
<label for="key1">Wavepay transaction number</label>
<input type="text" id="key1" name="key1" maxlength="11" required value="${escapeHtml(state.key1 ?? '')}">
<button type="submit">Confirm deposit</button>
</form>
</section>
<section>${testAmountsHtml()}</section>`,
  });
}

/** After activation in the plugin: the answer and the way back to the merchant. */
export function activationResultPage(
  status: string,
  message: string,
  back: { href: string; label: string } | undefined,
  retry: string | undefined,
): string {
  const ok = status === 'ok';
  const failed = status === 'fail';
  return page({
    title: ok ? 'Deposit credited' : failed ? 'Deposit failed' : 'Deposit is being checked',
    brand: BRAND,
    head:
      back !== undefined && !failed
        ? `<meta http-equiv="refresh" content="3;url=${escapeHtml(back.href)}">`
        : '',
    body: `<section class="${failed ? 'error' : 'ok'}">
<h1 id="activation-status">${escapeHtml(status)}</h1>
<p id="activation-message">${escapeHtml(message)}</p>
${retry !== undefined ? `<p><a id="retry-link" href="${escapeHtml(retry)}">Try another transaction number</a></p>` : ''}
${back !== undefined ? `<p><a id="return-link" href="${escapeHtml(back.href)}">${escapeHtml(back.label)}</a></p>` : ''}
</section>`,
  });
}

/** The payer's Wavepay app: send money to a wallet, get a transaction number. */
export function walletPage(prefill: { to?: string; amount?: string; back?: string }): string {
  return page({
    title: 'Wavepay',
    brand: 'Wavepay (sandbox wallet app)',
    body: `<section><h1>Send money</h1>
<form id="wallet-send" method="post" action="/paykassma/wallet/pay">
<label for="to">To wallet (phone)</label>
<input type="tel" id="to" name="to" required pattern="[0-9]{9,11}" value="${escapeHtml(prefill.to ?? '')}">
<label for="amount">Amount, MMK</label>
<input type="number" id="amount" name="amount" min="1" step="1" required value="${escapeHtml(prefill.amount ?? '')}">
${prefill.back !== undefined ? hiddenInputs([['back', prefill.back]]) : ''}
<button type="submit">Send</button>
</form></section>`,
  });
}

export function walletReceiptPage(
  t: { key1: string; to: string; amount: bigint },
  back?: string,
): string {
  return page({
    title: 'Sent',
    brand: 'Wavepay (sandbox wallet app)',
    body: `<section class="ok"><h1>Sent ${escapeHtml(kyat(t.amount))}</h1>
<dl><dt>To</dt><dd>${escapeHtml(t.to)}</dd>
<dt>Transaction number</dt><dd class="code" id="wallet-key1">${escapeHtml(t.key1)}</dd></dl>
${back !== undefined ? `<p><a id="return-link" href="${escapeHtml(back)}">Back to the payment</a></p>` : ''}
</section>`,
  });
}

export function errorPage(title: string, message: string, code: string): string {
  return page({
    title,
    brand: BRAND,
    body: `<section class="error"><h1>${escapeHtml(title)}</h1>
<p id="error-message">${escapeHtml(message)}</p>
<p class="muted">Code: <span id="error-code">${escapeHtml(code)}</span></p></section>`,
  });
}
