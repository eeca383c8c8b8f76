import type { Payment } from '@tolem/contracts/checkout';
import { type Instructions, PaymentMethod } from '@tolem/contracts/common';

import { escapeHtml, layout, safeHttpUrl, STATUS_POLL_SCRIPT } from './html';
import {
  csrfField,
  formatAmount,
  type PageAccess,
  payHref,
  REVIEW_TEXT,
  statusPoller,
} from './pay.page';

/** Wavepay's transaction number (Paykassma `key1`) is at most 11 characters. */
export const KEY1_MAX_LENGTH = 11;

export type InstructionsKind = 'wavepay' | 'qr' | 'generic';

/**
 * Which page the instructions need: by the payment's method when checkout names it, else by the
 * values (a Wavepay answer asks for `key1`, a QR answer carries a link or payload).
 */
export function instructionsKind(
  method: PaymentMethod | undefined,
  values: Record<string, string>,
): InstructionsKind {
  if (method === PaymentMethod.PAYMENT_METHOD_WAVEPAY) return 'wavepay';
  if (method === PaymentMethod.PAYMENT_METHOD_QR) return 'qr';
  if (values['payer_input'] === 'key1' || values['wallet_identifier'] !== undefined) {
    return 'wavepay';
  }
  if (values['link'] !== undefined || values['payload'] !== undefined) return 'qr';
  return 'generic';
}

export interface InstructionsView {
  access: PageAccess;
  instructions: Instructions;
  /** The payment as checkout answered it; gives the method and the amount. */
  payment?: Payment;
  /** Shown above the instructions, e.g. why the last transaction number was not accepted. */
  notice?: string;
}

function rows(entries: [string, string][]): string {
  if (entries.length === 0) return '';
  return `<dl>\n${entries
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`)
    .join('\n')}\n</dl>`;
}

function noticeHtml(notice: string | undefined): string {
  return notice ? `<p class="notice error" id="notice">${escapeHtml(notice)}</p>` : '';
}

function amountOf(values: Record<string, string>, payment: Payment | undefined): string {
  const amount = values['amount'];
  const currency = values['currency'] ?? payment?.amount?.currency ?? '';
  if (amount !== undefined && amount !== '') return `${amount} ${currency}`.trim();
  return formatAmount(payment?.amount);
}

/** Values not already shown under a friendly label (provider details the payer may need). */
function otherValues(values: Record<string, string>, shown: readonly string[]): [string, string][] {
  return Object.entries(values).filter(([k]) => !shown.includes(k));
}

/** The form that sends the Wavepay transaction number to `POST /pay/{id}/input`. */
export function payerInputForm(access: PageAccess): string {
  return [
    `<form id="payer-input-form" class="method" method="post" action="${payHref(access, '/input')}">`,
    csrfField(access),
    `<label>Wallet transaction number<input type="text" name="key1" required maxlength="${KEY1_MAX_LENGTH}" autocomplete="off" spellcheck="false"></label>`,
    '<button type="submit">Confirm payment</button>',
    '</form>',
  ].join('\n');
}

const WAVEPAY_SHOWN = [
  'wallet_identifier',
  'wallet_type',
  'amount',
  'currency',
  'plugin_url',
  'payer_input',
  'status',
];

function wavepayBody(view: InstructionsView): string {
  const v = view.instructions.values;
  const plugin = safeHttpUrl(v['plugin_url'] ?? '');
  const requisites: [string, string][] = [];
  if (v['wallet_identifier']) requisites.push(['Wallet number', v['wallet_identifier']]);
  requisites.push(['Amount', amountOf(v, view.payment)]);
  if (v['wallet_type']) requisites.push(['Wallet', v['wallet_type']]);
  return [
    '<ol>',
    '<li>Open your Wavepay app and send exactly the amount below to this wallet.</li>',
    '<li>Type the transaction number the app shows you after paying.</li>',
    '</ol>',
    rows([...requisites, ...otherValues(v, WAVEPAY_SHOWN)]),
    plugin
      ? `<p><a id="plugin-link" href="${escapeHtml(plugin)}" rel="noopener noreferrer">Or pay in the Paykassma payment window</a></p>`
      : '',
    payerInputForm(view.access),
    statusPoller(
      view.access,
      ['created', 'pending'],
      'This page moves on by itself once the payment is confirmed.',
    ),
  ]
    .filter(Boolean)
    .join('\n');
}

const QR_SHOWN = ['link', 'payload', 'qr_id', 'amount', 'currency', 'amount_tyiyn', 'qr_issuer'];

function qrBody(view: InstructionsView): string {
  const v = view.instructions.values;
  const link = v['link'] ?? '';
  const href = safeHttpUrl(link);
  const details: [string, string][] = [['Amount', amountOf(v, view.payment)]];
  if (v['qr_id']) details.push(['QR code id', v['qr_id']]);
  return [
    '<p>Open the payment link on the phone with your banking app, or copy the code into the app, and confirm the payment there.</p>',
    rows([...details, ...otherValues(v, QR_SHOWN)]),
    link === ''
      ? ''
      : [
          href
            ? `<p><a id="qr-link" href="${escapeHtml(href)}" rel="noopener noreferrer">Open the payment link in your banking app</a></p>`
            : '<p>Payment link</p>',
          // The link as issued (the href above is its normalised form), to copy into the app.
          `<pre id="qr-link-text">${escapeHtml(link)}</pre>`,
        ].join('\n'),
    v['payload'] ? `<p>QR code text</p><pre id="qr-payload">${escapeHtml(v['payload'])}</pre>` : '',
    statusPoller(
      view.access,
      ['created', 'pending'],
      'Waiting for your bank to confirm the payment…',
    ),
  ]
    .filter(Boolean)
    .join('\n');
}

function genericBody(view: InstructionsView): string {
  return [
    rows(Object.entries(view.instructions.values)),
    `<p><a href="${payHref(view.access)}">Check the payment status</a></p>`,
  ]
    .filter(Boolean)
    .join('\n');
}

/**
 * Tolem's own page for methods the payer completes outside a provider form: Wavepay (requisites,
 * the plugin link and the transaction number form) and QR (the payment link, the code text and a
 * status that follows the bank's confirmation). Every value is escaped; links must be http(s).
 */
export function renderInstructionsPage(view: InstructionsView): string {
  const kind = instructionsKind(view.payment?.method, view.instructions.values);
  const fallback =
    kind === 'wavepay'
      ? 'Pay with Wavepay'
      : kind === 'qr'
        ? 'Pay by QR code'
        : 'Payment instructions';
  const title = view.instructions.title === '' ? fallback : view.instructions.title;
  const body = [
    `<h1>${escapeHtml(title)}</h1>`,
    noticeHtml(view.notice),
    kind === 'wavepay' ? wavepayBody(view) : kind === 'qr' ? qrBody(view) : genericBody(view),
  ]
    .filter(Boolean)
    .join('\n');
  return layout(
    `${escapeHtml(title)} · Tolem`,
    `<div data-instructions="${kind}">\n${body}\n</div>`,
    kind === 'generic' ? undefined : STATUS_POLL_SCRIPT,
  );
}

/** The transaction number form alone, when there are no instructions to repeat. */
export function renderPayerInputPage(access: PageAccess, notice: string): string {
  const body = [
    '<h1>Wavepay transaction number</h1>',
    noticeHtml(notice),
    payerInputForm(access),
    `<p><a href="${payHref(access)}">Back to the payment</a></p>`,
  ].join('\n');
  return layout('Wavepay transaction number · Tolem', body);
}

/** After an accepted transaction number: paid; back to the shop (automatically after a moment). */
export function renderPaymentReceived(payment: Payment, access: PageAccess): string {
  const back = safeHttpUrl(payment.successUrl);
  const body = [
    '<h1>Payment received</h1>',
    `<p><span class="status succeeded" data-status="succeeded">succeeded</span> ${escapeHtml(formatAmount(payment.amount))}</p>`,
    back
      ? `<p><a id="return-link" href="${escapeHtml(back)}">Return to the merchant</a></p>`
      : `<p><a href="${payHref(access)}">Payment details</a></p>`,
  ].join('\n');
  const head = back ? `<meta http-equiv="refresh" content="5;url=${escapeHtml(back)}">` : '';
  return layout('Payment received · Tolem', body, undefined, head);
}

/** The provider is still checking the transfer: wait here, the page follows the status. */
export function renderAwaitingConfirmation(
  payment: Payment,
  message: string,
  access: PageAccess,
): string {
  const body = [
    '<h1>Waiting for confirmation</h1>',
    `<p><span class="status pending" data-status="pending">pending</span> ${escapeHtml(formatAmount(payment.amount))}</p>`,
    message ? `<p class="notice">${escapeHtml(message)}</p>` : '',
    '<p>Wavepay is confirming your transfer. You do not need to pay again.</p>',
    statusPoller(access, ['created', 'pending'], 'This page updates by itself.'),
  ]
    .filter(Boolean)
    .join('\n');
  return layout('Waiting for confirmation · Tolem', body, STATUS_POLL_SCRIPT);
}

/** The provider could not match the transfer: a person checks it; the payer must not pay again. */
export function renderUnderReview(payment: Payment, message: string, access: PageAccess): string {
  const body = [
    '<h1>Your payment is being checked</h1>',
    `<p><span class="status requires_review" data-status="requires_review">being checked</span> ${escapeHtml(formatAmount(payment.amount))}</p>`,
    message ? `<p class="notice">${escapeHtml(message)}</p>` : '',
    `<p>${escapeHtml(REVIEW_TEXT)} Please do not pay again.</p>`,
    statusPoller(access, ['pending', 'requires_review'], 'This page updates by itself.'),
  ]
    .filter(Boolean)
    .join('\n');
  return layout('Your payment is being checked · Tolem', body, STATUS_POLL_SCRIPT);
}
