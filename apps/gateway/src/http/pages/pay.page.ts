import type { Payment } from '@tolem/contracts/checkout';

import { isTerminal, type MethodName, methodName, statusName } from '../mappers/enums.mapper';
import { payerPath } from '../mappers/payment.mapper';
import { COUNTDOWN_SCRIPT, escapeHtml, layout, safeHttpUrl, STATUS_POLL_SCRIPT } from './html';
import {
  formatMoney,
  formatSeconds,
  LANG_PARAM,
  type Locale,
  LOCALES,
  type Messages,
  messagesFor,
} from './i18n';

/** Seconds a final page waits before it takes the payer back to the merchant. */
export const RETURN_DELAY_SECONDS = 5;

/**
 * What the payer's links and forms carry: the payment id, its page secret (the link's credential,
 * from payment_url) and the CSRF token of this browser (forms only); and the page's language.
 */
export interface PageAccess {
  paymentId: string;
  secret: string;
  csrfToken: string;
  locale: Locale;
}

/** `/pay/{id}{suffix}?secret=…`: every payer URL carries the page secret. */
export function payPath(access: Pick<PageAccess, 'paymentId' | 'secret'>, suffix = ''): string {
  return payerPath(access.paymentId, access.secret, suffix);
}

/** payPath escaped for an HTML attribute. */
export function payHref(access: Pick<PageAccess, 'paymentId' | 'secret'>, suffix = ''): string {
  return escapeHtml(payPath(access, suffix));
}

/** The hidden field @fastify/csrf-protection reads the form's token from. */
export function csrfField(access: PageAccess): string {
  return `<input type="hidden" name="_csrf" value="${escapeHtml(access.csrfToken)}">`;
}

/**
 * The language links: each opens the payment page in that language (the route keeps the choice
 * in a cookie). Each name is in its own language, marked so screen readers read it so.
 */
export function languageSwitcher(
  access: Pick<PageAccess, 'paymentId' | 'secret' | 'locale'>,
): string {
  const t = messagesFor(access.locale);
  const links = LOCALES.map((locale) => {
    const href = `${payPath(access)}&${LANG_PARAM}=${locale}`;
    const current = locale === access.locale ? ' aria-current="true"' : '';
    return `<li><a href="${escapeHtml(href)}" hreflang="${locale}" lang="${locale}" data-lang="${locale}"${current}>${escapeHtml(messagesFor(locale).languageName)}</a></li>`;
  });
  return `<nav aria-label="${escapeHtml(t.languageSwitch)}"><ul class="langs">${links.join('')}</ul></nav>`;
}

/**
 * The element STATUS_POLL_SCRIPT watches: it polls `/pay/{id}/status` while the status is one of
 * `waiting`, then opens the payment page, which shows the result. A polite live region, so a
 * screen reader hears the waiting text without losing its place.
 */
export function statusPoller(
  access: Pick<PageAccess, 'paymentId' | 'secret'>,
  waiting: string[],
  text = '',
): string {
  return `<p id="payment-status" class="muted" role="status" aria-live="polite" data-status-url="${payHref(access, '/status')}" data-result-url="${payHref(access)}" data-waiting="${escapeHtml(waiting.join(' '))}">${escapeHtml(text)}</p>`;
}

/** The amount for the payer, in the page's locale. */
export function formatAmount(amount: Payment['amount'], locale: Locale): string {
  return formatMoney(amount, locale);
}

/**
 * Back to the merchant after a final state: a countdown (COUNTDOWN_SCRIPT, with a meta refresh
 * in `head` for browsers without JavaScript) and a button to go at once.
 */
export function returnToMerchant(
  url: string,
  locale: Locale,
): { html: string; head: string; script: string } {
  const t = messagesFor(locale);
  const steps = Array.from({ length: RETURN_DELAY_SECONDS + 1 }, (_, s) =>
    formatSeconds(s, locale),
  );
  return {
    html: [
      `<p>${escapeHtml(t.returningIn)} <span id="countdown" role="timer" data-href="${escapeHtml(url)}" data-steps="${escapeHtml(steps.join('|'))}">${escapeHtml(formatSeconds(RETURN_DELAY_SECONDS, locale))}</span></p>`,
      `<p><a id="return-link" class="button" href="${escapeHtml(url)}">${escapeHtml(t.returnToMerchant)}</a></p>`,
    ].join('\n'),
    head: `<noscript><meta http-equiv="refresh" content="${RETURN_DELAY_SECONDS};url=${escapeHtml(url)}"></noscript>`,
    script: COUNTDOWN_SCRIPT,
  };
}

function methodInputs(method: MethodName, t: Messages): string {
  switch (method) {
    case 'webmoney_keeper_mobile':
      return [
        `<label for="phone">${escapeHtml(t.phoneLabel)}</label>`,
        `<input type="tel" id="phone" name="phone" required maxlength="32" autocomplete="tel" inputmode="tel" aria-describedby="phone-hint">`,
        `<p id="phone-hint" class="muted">${escapeHtml(t.phoneHint)}</p>`,
      ].join('\n');
    case 'card':
      return `<label class="check" for="remember-card"><input type="checkbox" id="remember-card" name="remember_card" value="true"> ${escapeHtml(t.rememberCard)}</label>`;
    default:
      return '';
  }
}

function methodForm(access: PageAccess, method: MethodName, t: Messages): string {
  const view = t.methods[method];
  const hintId = `hint-${method}`;
  return [
    `<form class="method" method="post" action="${payHref(access, '/start')}" data-method="${escapeHtml(method)}">`,
    csrfField(access),
    `<input type="hidden" name="method" value="${escapeHtml(method)}">`,
    `<p id="${hintId}" class="muted">${escapeHtml(view.hint)}</p>`,
    methodInputs(method, t),
    `<button type="submit" aria-describedby="${hintId}">${escapeHtml(view.label)}</button>`,
    '</form>',
  ]
    .filter(Boolean)
    .join('\n');
}

/** The status badge of a payment, in words of the locale; `data-status` keeps the wire name. */
export function statusBadge(status: ReturnType<typeof statusName>, t: Messages): string {
  return `<span class="status ${status}" data-status="${status}">${escapeHtml(t.status[status])}</span>`;
}

/**
 * The hosted payment page: the merchant, the amount and order, one form per available method
 * (or the final status and the way back to the merchant), in the payer's language.
 */
export function renderPaymentPage(payment: Payment, access: PageAccess, merchantName = ''): string {
  const locale = access.locale;
  const t = messagesFor(locale);
  const amount = formatAmount(payment.amount, locale);
  const status = statusName(payment.status);
  const facts: [string, string][] = [];
  if (payment.orderId) facts.push([t.orderLabel, payment.orderId]);
  if (payment.description) facts.push([t.descriptionLabel, payment.description]);
  const head = [
    languageSwitcher(access),
    merchantName
      ? `<p class="muted" id="merchant-name"><span class="visually-hidden">${escapeHtml(t.merchantLabel)}: </span>${escapeHtml(merchantName)}</p>`
      : '',
    `<h1 id="amount" data-amount-minor="${escapeHtml(payment.amount?.amountMinor.toString() ?? '')}" data-currency="${escapeHtml(payment.amount?.currency ?? '')}">${escapeHtml(amount)}</h1>`,
    facts.length === 0
      ? ''
      : `<dl class="facts">\n${facts
          .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`)
          .join('\n')}\n</dl>`,
  ];
  let body: string[];
  let script: string | undefined;
  let extraHead = '';
  if (status === 'requires_review') {
    // Money may have moved: the payer must not be offered a second payment while a person checks.
    body = [
      `<p>${statusBadge(status, t)}</p>`,
      `<p>${escapeHtml(t.reviewText)} ${escapeHtml(t.doNotPayAgain)}</p>`,
      statusPoller(access, ['pending', 'requires_review'], t.updatesItself),
    ];
    script = STATUS_POLL_SCRIPT;
  } else if (isTerminal(status)) {
    // A refunded payment was paid first: the payer goes back the way a paid one does.
    const paid = status === 'succeeded' || status === 'partially_refunded' || status === 'refunded';
    const back = safeHttpUrl(paid ? payment.successUrl : payment.failUrl);
    const text = t.finalText[status as keyof Messages['finalText']] ?? '';
    const ret = back ? returnToMerchant(back, locale) : undefined;
    body = [
      `<div role="status"><p>${statusBadge(status, t)}</p>`,
      `<p id="final-text">${escapeHtml(text)}</p></div>`,
      ret?.html ?? '',
    ];
    script = ret?.script;
    extraHead = ret?.head ?? '';
  } else {
    const methods = payment.availableMethods
      .map(methodName)
      .filter((m): m is MethodName => m !== null);
    body = [
      status === 'pending' ? `<p class="muted">${escapeHtml(t.attemptInProgress)}</p>` : '',
      `<h2>${escapeHtml(t.chooseMethod)}</h2>`,
      methods.length === 0
        ? `<p>${escapeHtml(t.noMethods)}</p>`
        : methods.map((m) => methodForm(access, m, t)).join('\n'),
    ];
  }
  return layout(
    `${escapeHtml(t.payTitle(amount))} · ${escapeHtml(merchantName || t.brand)}`,
    [...head, ...body].filter(Boolean).join('\n'),
    script,
    extraHead,
    locale,
  );
}
