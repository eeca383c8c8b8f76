import type { FormPost } from '@tolem/contracts/common';

import { AUTO_SUBMIT_SCRIPT, escapeHtml, layout } from './html';
import { type Locale, messagesFor } from './i18n';

/**
 * The page that carries the payer to the provider: the provider's form, fields in the given order
 * (some providers' pages depend on it), submitted by script, with a visible button for browsers
 * without JavaScript. Every value is HTML-escaped; the submit button has no name so the provider
 * receives exactly the fields it was given.
 */
export function renderProviderForm(form: FormPost, locale: Locale): string {
  const t = messagesFor(locale);
  const charset = form.acceptCharset === '' ? 'utf-8' : form.acceptCharset;
  const fields = form.fields.map(
    (f) => `<input type="hidden" name="${escapeHtml(f.name)}" value="${escapeHtml(f.value)}">`,
  );
  const body = [
    `<form id="provider-form" method="post" action="${escapeHtml(form.url)}" accept-charset="${escapeHtml(charset)}">`,
    ...fields,
    `<p role="status">${escapeHtml(t.provider.redirecting)}</p>`,
    `<button type="submit">${escapeHtml(t.provider.continue)}</button>`,
    '</form>',
  ].join('\n');
  return layout(
    `${escapeHtml(t.provider.title)} · ${escapeHtml(t.brand)}`,
    body,
    AUTO_SUBMIT_SCRIPT,
    '',
    locale,
  );
}
