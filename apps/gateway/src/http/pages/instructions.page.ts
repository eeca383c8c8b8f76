import type { Payment } from '@tolem/contracts/checkout';
import { type Instructions, PaymentMethod } from '@tolem/contracts/common';

import { escapeHtml, layout, safeHttpUrl, STATUS_POLL_SCRIPT } from './html';
import { formatNumber, type Locale, type Messages, messagesFor } from './i18n';
import {
  csrfField,
  formatAmount,
  languageSwitcher,
  type PageAccess,
  payHref,
  returnToMerchant,
  statusBadge,
  statusPoller,
} from './pay.page';
import { qrSvg } from './qr';

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

/** An alert: read out at once by screen readers. */
function noticeHtml(notice: string | undefined): string {
  return notice ? `<p class="notice error" id="notice" role="alert">${escapeHtml(notice)}</p>` : '';
}

/**
 * The amount to transfer exactly as the provider asked for it ("5000 MMK": digits to type into
 * the wallet app, no grouping), else the payment's amount in the page's locale.
 */
function amountOf(
  values: Record<string, string>,
  payment: Payment | undefined,
  access: PageAccess,
): string {
  const amount = values['amount'];
  const currency = values['currency'] ?? payment?.amount?.currency ?? '';
  if (amount !== undefined && amount !== '') return `${amount} ${currency}`.trim();
  return formatAmount(payment?.amount, access.locale);
}

/** Values not already shown under a friendly label (provider details the payer may need). */
function otherValues(values: Record<string, string>, shown: readonly string[]): [string, string][] {
  return Object.entries(values).filter(([k]) => !shown.includes(k));
}

/** The form that sends the Wavepay transaction number to `POST /pay/{id}/input`. */
export function payerInputForm(access: PageAccess): string {
  const t = messagesFor(access.locale);
  return [
    `<form id="payer-input-form" class="method" method="post" action="${payHref(access, '/input')}">`,
    csrfField(access),
    `<label for="key1">${escapeHtml(t.wavepay.txnLabel)}</label>`,
    `<input type="text" id="key1" name="key1" required maxlength="${KEY1_MAX_LENGTH}" autocomplete="off" spellcheck="false">`,
    `<button type="submit">${escapeHtml(t.wavepay.confirm)}</button>`,
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

/** The languages Paykassma's own payment window offers for Wavepay (protocols.md §4.1). */
const PLUGIN_LANGS: readonly Locale[] = ['en', 'my'];

/**
 * The payment window link in the payer's language when the window has it (its `lang` is not
 * signed); otherwise as the adapter configured it.
 */
export function pluginHref(url: string, locale: Locale): string | null {
  const safe = safeHttpUrl(url);
  if (!safe || !PLUGIN_LANGS.includes(locale)) return safe;
  const parsed = new URL(safe);
  parsed.searchParams.set('lang', locale);
  return parsed.toString();
}

function wavepayBody(view: InstructionsView, t: Messages): string {
  const v = view.instructions.values;
  const plugin = pluginHref(v['plugin_url'] ?? '', view.access.locale);
  const requisites: [string, string][] = [];
  if (v['wallet_identifier']) requisites.push([t.wavepay.walletNumber, v['wallet_identifier']]);
  requisites.push([t.amountLabel, amountOf(v, view.payment, view.access)]);
  if (v['wallet_type']) requisites.push([t.wavepay.wallet, v['wallet_type']]);
  return [
    '<ol>',
    `<li>${escapeHtml(t.wavepay.stepSend)}</li>`,
    `<li>${escapeHtml(t.wavepay.stepNumber)}</li>`,
    '</ol>',
    rows([...requisites, ...otherValues(v, WAVEPAY_SHOWN)]),
    plugin
      ? `<p><a id="plugin-link" href="${escapeHtml(plugin)}" rel="noopener noreferrer">${escapeHtml(t.wavepay.pluginLink)}</a></p>`
      : '',
    payerInputForm(view.access),
    statusPoller(view.access, ['created', 'pending'], t.wavepay.movesOn),
  ]
    .filter(Boolean)
    .join('\n');
}

const QR_SHOWN = ['link', 'payload', 'qr_id', 'amount', 'currency', 'amount_tyiyn', 'qr_issuer'];

function qrBody(view: InstructionsView, t: Messages): string {
  const v = view.instructions.values;
  const link = v['link'] ?? '';
  const href = safeHttpUrl(link);
  const details: [string, string][] = [[t.amountLabel, amountOf(v, view.payment, view.access)]];
  if (v['qr_id']) details.push([t.qr.qrId, v['qr_id']]);
  // The code the banking app scans: the payment link (the ELQR payload rides in its fragment),
  // else the bare payload.
  const scanned = link || v['payload'] || '';
  return [
    `<p>${escapeHtml(t.qr.intro)}</p>`,
    scanned ? qrSvg(scanned, t.qr.imageAlt) : '',
    rows([...details, ...otherValues(v, QR_SHOWN)]),
    link === ''
      ? ''
      : [
          href
            ? `<p><a id="qr-link" href="${escapeHtml(href)}" rel="noopener noreferrer">${escapeHtml(t.qr.openLink)}</a></p>`
            : `<p>${escapeHtml(t.qr.linkLabel)}</p>`,
          // The link as issued (the href above is its normalised form), to copy into the app.
          `<pre id="qr-link-text">${escapeHtml(link)}</pre>`,
        ].join('\n'),
    v['payload']
      ? `<p>${escapeHtml(t.qr.codeText)}</p><pre id="qr-payload">${escapeHtml(v['payload'])}</pre>`
      : '',
    statusPoller(view.access, ['created', 'pending'], t.qr.waiting),
  ]
    .filter(Boolean)
    .join('\n');
}

function genericBody(view: InstructionsView, t: Messages): string {
  return [
    rows(Object.entries(view.instructions.values)),
    `<p><a href="${payHref(view.access)}">${escapeHtml(t.checkStatus)}</a></p>`,
  ]
    .filter(Boolean)
    .join('\n');
}

/**
 * Tolem's own page for methods the payer completes outside a provider form: Wavepay (requisites,
 * the plugin link and the transaction number form) and QR (the code as an image, the payment
 * link, the code text and a status that follows the bank's confirmation). Every value is
 * escaped; links must be http(s). The provider's title of Wavepay and QR instructions is not
 * used: ours is in the payer's language.
 */
export function renderInstructionsPage(view: InstructionsView): string {
  const locale = view.access.locale;
  const t = messagesFor(locale);
  const kind = instructionsKind(view.payment?.method, view.instructions.values);
  // Our own title for the kinds we know; an unknown provider's own title is all that says what
  // its instructions are for.
  const title =
    kind === 'wavepay'
      ? t.wavepay.title
      : kind === 'qr'
        ? t.qr.title
        : view.instructions.title || t.instructionsTitle;
  const body = [
    languageSwitcher(view.access),
    `<h1>${escapeHtml(title)}</h1>`,
    view.payment?.amount
      ? `<p id="amount">${escapeHtml(formatAmount(view.payment.amount, locale))}</p>`
      : '',
    noticeHtml(view.notice),
    kind === 'wavepay'
      ? wavepayBody(view, t)
      : kind === 'qr'
        ? qrBody(view, t)
        : genericBody(view, t),
  ]
    .filter(Boolean)
    .join('\n');
  return layout(
    `${escapeHtml(title)} · ${escapeHtml(t.brand)}`,
    `<div data-instructions="${kind}">\n${body}\n</div>`,
    kind === 'generic' ? undefined : STATUS_POLL_SCRIPT,
    '',
    locale,
  );
}

/** Why a transaction number was refused before asking Wavepay: its length. */
export function invalidKey1Notice(access: PageAccess): string {
  return messagesFor(access.locale).wavepay.invalidTxn(
    formatNumber(KEY1_MAX_LENGTH, access.locale),
  );
}

/** The transaction number form alone, when there are no instructions to repeat. */
export function renderPayerInputPage(access: PageAccess, notice: string): string {
  const t = messagesFor(access.locale);
  const body = [
    languageSwitcher(access),
    `<h1>${escapeHtml(t.wavepay.txnTitle)}</h1>`,
    noticeHtml(notice),
    payerInputForm(access),
    `<p><a href="${payHref(access)}">${escapeHtml(t.backToPayment)}</a></p>`,
  ].join('\n');
  return layout(
    `${escapeHtml(t.wavepay.txnTitle)} · ${escapeHtml(t.brand)}`,
    body,
    undefined,
    '',
    access.locale,
  );
}

/** After an accepted transaction number: paid; back to the shop after a countdown. */
export function renderPaymentReceived(payment: Payment, access: PageAccess): string {
  const t = messagesFor(access.locale);
  const back = safeHttpUrl(payment.successUrl);
  const ret = back ? returnToMerchant(back, access.locale) : undefined;
  const body = [
    `<h1>${escapeHtml(t.receivedTitle)}</h1>`,
    `<div role="status"><p>${statusBadge('succeeded', t)} <span id="amount">${escapeHtml(formatAmount(payment.amount, access.locale))}</span></p>`,
    `<p id="final-text">${escapeHtml(t.finalText.succeeded)}</p></div>`,
    ret ? ret.html : `<p><a href="${payHref(access)}">${escapeHtml(t.paymentDetails)}</a></p>`,
  ].join('\n');
  return layout(
    `${escapeHtml(t.receivedTitle)} · ${escapeHtml(t.brand)}`,
    body,
    ret?.script,
    ret?.head ?? '',
    access.locale,
  );
}

/** The provider is still checking the transfer: wait here, the page follows the status. */
export function renderAwaitingConfirmation(payment: Payment, access: PageAccess): string {
  const t = messagesFor(access.locale);
  const body = [
    `<h1>${escapeHtml(t.awaitingTitle)}</h1>`,
    `<p>${statusBadge('pending', t)} <span id="amount">${escapeHtml(formatAmount(payment.amount, access.locale))}</span></p>`,
    `<p>${escapeHtml(t.wavepay.confirming)}</p>`,
    statusPoller(access, ['created', 'pending'], t.updatesItself),
  ]
    .filter(Boolean)
    .join('\n');
  return layout(
    `${escapeHtml(t.awaitingTitle)} · ${escapeHtml(t.brand)}`,
    body,
    STATUS_POLL_SCRIPT,
    '',
    access.locale,
  );
}

/** The provider could not match the transfer: a person checks it; the payer must not pay again. */
export function renderUnderReview(payment: Payment, access: PageAccess): string {
  const t = messagesFor(access.locale);
  const body = [
    `<h1>${escapeHtml(t.reviewTitle)}</h1>`,
    `<p>${statusBadge('requires_review', t)} <span id="amount">${escapeHtml(formatAmount(payment.amount, access.locale))}</span></p>`,
    `<p>${escapeHtml(t.reviewText)} ${escapeHtml(t.doNotPayAgain)}</p>`,
    statusPoller(access, ['pending', 'requires_review'], t.updatesItself),
  ]
    .filter(Boolean)
    .join('\n');
  return layout(
    `${escapeHtml(t.reviewTitle)} · ${escapeHtml(t.brand)}`,
    body,
    STATUS_POLL_SCRIPT,
    '',
    access.locale,
  );
}
