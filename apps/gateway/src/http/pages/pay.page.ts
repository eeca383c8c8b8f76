import type { Payment } from '@tolem/contracts/checkout';
import { money, toMajorString } from '@tolem/money';

import { isTerminal, type MethodName, methodName, statusName } from '../mappers/enums.mapper';
import { payerPath } from '../mappers/payment.mapper';
import { escapeHtml, layout, safeHttpUrl, STATUS_POLL_SCRIPT } from './html';

interface MethodView {
  label: string;
  hint: string;
  /** Extra inputs the method needs from the payer. */
  inputs?: string;
}

const METHODS: Record<MethodName, MethodView> = {
  webmoney_purse: { label: 'WebMoney', hint: 'Pay from your WebMoney purse.' },
  webmoney_keeper_mobile: {
    label: 'WM Keeper Mobile',
    hint: 'Pay by phone number; you confirm with an SMS code.',
    inputs:
      '<label>Phone number<input type="tel" name="phone" required maxlength="32" autocomplete="tel" placeholder="+7 900 123 45 67"></label>',
  },
  card: {
    label: 'Bank card',
    hint: 'Visa, Mastercard, Mir.',
    inputs:
      '<label class="check"><input type="checkbox" name="remember_card" value="true"> Remember this card for future payments to this shop</label>',
  },
  wavepay: {
    label: 'Wavepay wallet',
    hint: 'Pay in the Wavepay app, then enter its transaction number.',
  },
  qr: { label: 'QR code', hint: 'Pay by QR code or payment link in your banking app.' },
};

const STATUS_TEXT: Record<string, string> = {
  succeeded: 'This payment has been paid.',
  failed: 'This payment failed.',
  expired: 'This payment has expired.',
};

/**
 * What the payer's links and forms carry: the payment id, its page secret (the link's credential,
 * from payment_url) and the CSRF token of this browser (forms only).
 */
export interface PageAccess {
  paymentId: string;
  secret: string;
  csrfToken: string;
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

export const REVIEW_TEXT =
  'Your payment is being checked. This can take a while; the shop is told as soon as it is confirmed.';

/**
 * The element STATUS_POLL_SCRIPT watches: it polls `/pay/{id}/status` while the status is one of
 * `waiting`, then opens the payment page, which shows the result.
 */
export function statusPoller(
  access: Pick<PageAccess, 'paymentId' | 'secret'>,
  waiting: string[],
  text = '',
): string {
  return `<p id="payment-status" class="muted" data-status-url="${payHref(access, '/status')}" data-result-url="${payHref(access)}" data-waiting="${escapeHtml(waiting.join(' '))}">${escapeHtml(text)}</p>`;
}

/** "19.99 USD" for display; falls back to minor units when the currency is unknown to us. */
export function formatAmount(amount: Payment['amount']): string {
  if (!amount) return '';
  try {
    return `${toMajorString(money(amount.amountMinor, amount.currency))} ${amount.currency}`;
  } catch {
    return `${amount.amountMinor.toString()} ${amount.currency} (minor units)`;
  }
}

function methodForm(access: PageAccess, method: MethodName): string {
  const view = METHODS[method];
  return [
    `<form class="method" method="post" action="${payHref(access, '/start')}">`,
    csrfField(access),
    `<input type="hidden" name="method" value="${escapeHtml(method)}">`,
    `<label>${escapeHtml(view.hint)}</label>`,
    view.inputs ?? '',
    `<button type="submit">${escapeHtml(view.label)}</button>`,
    '</form>',
  ].join('\n');
}

/** The hosted payment page: amount, description, one form per available method (or the final status). */
export function renderPaymentPage(payment: Payment, access: PageAccess): string {
  const amount = formatAmount(payment.amount);
  const status = statusName(payment.status);
  const head = [
    `<h1>${escapeHtml(amount)}</h1>`,
    payment.description ? `<p>${escapeHtml(payment.description)}</p>` : '',
    payment.orderId ? `<p class="muted">Order ${escapeHtml(payment.orderId)}</p>` : '',
  ];
  let body: string[];
  let script: string | undefined;
  if (status === 'requires_review') {
    // Money may have moved: the payer must not be offered a second payment while a person checks.
    body = [
      `<p><span class="status ${status}" data-status="${status}">being checked</span></p>`,
      `<p>${escapeHtml(REVIEW_TEXT)}</p>`,
      statusPoller(access, ['pending', 'requires_review']),
    ];
    script = STATUS_POLL_SCRIPT;
  } else if (isTerminal(status)) {
    const back = safeHttpUrl(status === 'succeeded' ? payment.successUrl : payment.failUrl);
    body = [
      `<p><span class="status ${status}" data-status="${status}">${escapeHtml(status)}</span></p>`,
      `<p>${escapeHtml(STATUS_TEXT[status] ?? '')}</p>`,
      back ? `<p><a href="${escapeHtml(back)}">Return to the merchant</a></p>` : '',
    ];
  } else {
    const methods = payment.availableMethods
      .map(methodName)
      .filter((m): m is MethodName => m !== null);
    body = [
      status === 'pending'
        ? '<p class="muted">A payment attempt is in progress. If you did not finish it, choose a method again.</p>'
        : '',
      '<h2>Choose how to pay</h2>',
      methods.length === 0
        ? '<p>No payment method is available for this payment.</p>'
        : methods.map((m) => methodForm(access, m)).join('\n'),
    ];
  }
  return layout(
    `Pay ${escapeHtml(amount)} · Tolem`,
    [...head, ...body].filter(Boolean).join('\n'),
    script,
  );
}
