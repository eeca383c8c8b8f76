import type { HttpError } from '../errors';
import { escapeHtml, layout } from './html';
import { type Locale, type Messages, messagesFor, type TranslatedErrorCode } from './i18n';

function isTranslated(code: string, t: Messages): code is TranslatedErrorCode {
  return Object.prototype.hasOwnProperty.call(t.error.codes, code);
}

/**
 * What the payer reads: the error in their language by its stable code (the gateway's and
 * checkout's messages are English and written for developers), else a generic sentence.
 */
export function payerErrorText(error: HttpError, t: Messages): string {
  if (error.code === 'VALIDATION_FAILED') {
    const field = (error.details as { field?: unknown } | undefined)?.field;
    if (field === 'phone') return t.error.enterPhone;
    if (field === 'method') return t.error.chooseMethod;
  }
  if (isTranslated(error.code, t)) return t.error.codes[error.code];
  return error.status >= 500 ? t.error.generic5xx : t.error.generic4xx;
}

/**
 * Errors on customer pages: what happened in the payer's language, the stable code and the
 * request id for support; and the way back to the payment page when the payer can go on there
 * (e.g. with another method).
 */
export function renderErrorPage(
  error: HttpError,
  requestId: string,
  locale: Locale,
  backHref?: string,
): string {
  const t = messagesFor(locale);
  const title = error.status >= 500 ? t.error.title5xx : t.error.title4xx;
  const body = [
    `<h1>${escapeHtml(title)}</h1>`,
    `<p id="error-message" role="alert">${escapeHtml(payerErrorText(error, t))}</p>`,
    backHref
      ? `<p><a id="back-link" href="${escapeHtml(backHref)}">${escapeHtml(t.backToPayment)}</a></p>`
      : '',
    `<p class="muted">${escapeHtml(t.error.codeLabel)} <code data-error-code="${escapeHtml(error.code)}">${escapeHtml(error.code)}</code> · HTTP ${error.status}</p>`,
    `<p class="muted">${escapeHtml(t.error.requestLabel)} <code>${escapeHtml(requestId)}</code></p>`,
  ]
    .filter(Boolean)
    .join('\n');
  return layout(`${escapeHtml(title)} · ${escapeHtml(t.brand)}`, body, undefined, '', locale);
}
