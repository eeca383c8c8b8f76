import type { HttpError } from '../errors';
import { escapeHtml, layout } from './html';

/**
 * Errors on customer pages: the status, the stable code and the request id for support; and the
 * way back to the payment page when the payer can go on there (e.g. with another method).
 */
export function renderErrorPage(error: HttpError, requestId: string, backHref?: string): string {
  const body = [
    `<h1>${error.status >= 500 ? 'Something went wrong' : 'We could not do that'}</h1>`,
    `<p>${escapeHtml(error.message)}</p>`,
    backHref
      ? `<p><a id="back-link" href="${escapeHtml(backHref)}">Back to the payment</a></p>`
      : '',
    `<p class="muted">Error <code data-error-code="${escapeHtml(error.code)}">${escapeHtml(error.code)}</code> · HTTP ${error.status}</p>`,
    `<p class="muted">Request <code>${escapeHtml(requestId)}</code></p>`,
  ]
    .filter(Boolean)
    .join('\n');
  return layout(`Error ${error.status} · Tolem`, body);
}
