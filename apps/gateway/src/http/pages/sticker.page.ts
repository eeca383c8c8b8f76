import { renderQrSvg } from '@tolem/qr-render';

import { escapeHtml } from './html';
import { formatMoney, type Locale, messagesFor } from './i18n';

/**
 * The sticker runs no script and loads nothing: only its inline style. Stricter than the payer
 * pages' PAGE_CSP (no script hashes, no forms, no fetch), since it has none of those.
 */
export const STICKER_CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "img-src 'self' data:",
  "form-action 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface StickerView {
  merchantName: string;
  kind: 'static' | 'dynamic';
  /** Integer minor units, null on a static code (the payer enters it). */
  amount: number | string | null;
  currency: string;
  description: string;
  /** A static code's place (cash desk, terminal); empty when none. */
  label: string;
  /** What the code holds: the payment link (its ELQR payload rides in the fragment). */
  link: string;
  locale: Locale;
}

/*
 * One sticker per printed page (A6, a cash-desk card), the code 4 cm wide: the size the PNG's
 * default resolution is chosen for. On screen it is the same card, centred. Modules are drawn
 * black on white whatever the printer's "background graphics" setting: the SVG paints both.
 */
const STYLE = `
@page{size:A6 portrait;margin:8mm}
*{box-sizing:border-box}
body{margin:0;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#000;background:#fff}
.sticker{width:90mm;margin:8mm auto;padding:6mm;border:1px solid #000;border-radius:4mm;text-align:center;break-inside:avoid;page-break-inside:avoid}
h1{margin:0 0 2mm;font-size:18px}
.amount{margin:0;font-size:22px;font-weight:700}
.hint,.description,.place{margin:1mm 0;font-size:12px}
.qr{display:block;width:40mm;height:40mm;margin:4mm auto}
.scan{margin:0 0 2mm;font-weight:600}
.link{margin:0;font:9px/1.3 ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
@media print{.sticker{margin:0 auto}}
`;

/** A printable cash-desk sticker: merchant, amount or "any amount", the code, the link as text. */
export function renderStickerPage(view: StickerView): string {
  const t = messagesFor(view.locale);
  const amount =
    view.amount === null
      ? [
          `<p class="amount" id="sticker-amount">${escapeHtml(t.sticker.anyAmount)}</p>`,
          `<p class="hint">${escapeHtml(t.sticker.anyAmountHint)}</p>`,
        ].join('\n')
      : `<p class="amount" id="sticker-amount">${escapeHtml(
          formatMoney({ amountMinor: BigInt(view.amount), currency: view.currency }, view.locale),
        )}</p>`;
  const body = [
    `<h1 id="sticker-merchant">${escapeHtml(view.merchantName)}</h1>`,
    amount,
    view.description
      ? `<p class="description" id="sticker-description">${escapeHtml(view.description)}</p>`
      : '',
    view.kind === 'static' && view.label
      ? `<p class="place" id="sticker-label">${escapeHtml(t.sticker.placeLabel)}: ${escapeHtml(view.label)}</p>`
      : '',
    renderQrSvg(view.link, {
      id: 'qr-image',
      class: 'qr',
      role: 'img',
      'aria-label': t.qr.imageAlt,
    }),
    `<p class="scan">${escapeHtml(t.sticker.scan)}</p>`,
    `<p class="link" id="sticker-link">${escapeHtml(view.link)}</p>`,
  ]
    .filter(Boolean)
    .join('\n');
  return [
    '<!doctype html>',
    `<html lang="${escapeHtml(view.locale)}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex">',
    `<title>${escapeHtml(view.merchantName)} · ${escapeHtml(t.qr.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<main class="sticker">${body}</main>`,
    '</body>',
    '</html>',
  ].join('\n');
}
