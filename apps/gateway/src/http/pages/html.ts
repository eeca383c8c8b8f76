import { createHash } from 'node:crypto';

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML content and for double- or single-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ENTITIES[ch] ?? ch);
}

/** Submits the provider form; CSP pins it by hash. */
export const AUTO_SUBMIT_SCRIPT = "document.getElementById('provider-form').submit();";

/**
 * Polls the payment's status while the payer waits (QR bank, Wavepay check, manual review) and
 * opens the result page once the status leaves the ones listed in data-waiting. Constant text
 * (the element carries the URLs), so CSP can pin it by hash like the auto-submit script.
 */
export const STATUS_POLL_SCRIPT = [
  '(function(){',
  "var el=document.getElementById('payment-status');if(!el)return;",
  "var url=el.getAttribute('data-status-url'),next=el.getAttribute('data-result-url'),",
  "waiting=(el.getAttribute('data-waiting')||'created pending').split(' ');",
  'function tick(){',
  "fetch(url,{headers:{accept:'application/json'},cache:'no-store'})",
  '.then(function(r){return r.ok?r.json():null;})',
  '.then(function(b){var s=b&&b.status;',
  "if(s&&waiting.indexOf(s)<0){el.setAttribute('data-status',s);location.href=next;return;}",
  'setTimeout(tick,2000);},function(){setTimeout(tick,5000);});}',
  'setTimeout(tick,2000);',
  '})();',
].join('');

/**
 * Counts down to the merchant's URL on a final page, then goes there (a meta refresh in
 * <noscript> does the same without JavaScript; both at once would race and abort each other). The labels come formatted by the server, one per second, so every
 * locale's digits and plural forms are right whatever the browser's Intl data.
 */
export const COUNTDOWN_SCRIPT = [
  '(function(){',
  "var el=document.getElementById('countdown');if(!el)return;",
  "var steps=(el.getAttribute('data-steps')||'').split('|'),to=el.getAttribute('data-href'),n=steps.length-1;",
  'function tick(){el.textContent=steps[n];if(n<=0){location.href=to;return;}n--;setTimeout(tick,1000);}',
  'tick();',
  '})();',
].join('');

const hashOf = (script: string) => createHash('sha256').update(script).digest('base64');

/**
 * No external resources, inline styles only, the two known scripts, fetch only to ourselves (the
 * status poll), and forms may post to the providers (their URLs come from provider-adapters).
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  `script-src 'sha256-${hashOf(AUTO_SUBMIT_SCRIPT)}' 'sha256-${hashOf(STATUS_POLL_SCRIPT)}' 'sha256-${hashOf(COUNTDOWN_SCRIPT)}'`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "form-action 'self' https: http:",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1c2430;background:#f3f5f8}
main{max-width:440px;margin:32px auto;padding:28px;background:#fff;border-radius:12px;box-shadow:0 1px 3px rgba(0,0,0,.08),0 8px 24px rgba(0,0,0,.06)}
h1{margin:0 0 4px;font-size:28px}
h2{margin:24px 0 12px;font-size:16px;color:#4a5566;font-weight:600}
p{margin:8px 0}
.muted{color:#6b7685;font-size:14px}
.status{display:inline-block;padding:2px 10px;border-radius:999px;background:#eef1f5;font-size:14px}
.status.succeeded{background:#e3f6ea;color:#17663a}
.status.failed,.status.expired{background:#fdecec;color:#a12626}
form.method{margin:0 0 12px;padding:14px;border:1px solid #dde2e8;border-radius:10px}
form.method label{display:block;margin:0 0 8px;font-size:14px;color:#4a5566}
input[type=tel],input[type=text]{width:100%;margin-top:4px;padding:10px;border:1px solid #c9d0d9;border-radius:8px;font-size:16px}
button{width:100%;padding:12px;border:0;border-radius:8px;background:#0b57d0;color:#fff;font-size:16px;cursor:pointer}
button:hover{background:#0842a0}
dl{display:grid;grid-template-columns:auto 1fr;gap:6px 12px}
dt{color:#6b7685}
dd{margin:0;font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
.check{display:flex;gap:8px;align-items:center}
.notice{padding:10px 12px;border-radius:8px;background:#fff6e0;color:#7a5200}
.notice.error{background:#fdecec;color:#a12626}
.status.requires_review,.status.pending{background:#fff6e0;color:#7a5200}
pre{white-space:pre-wrap;word-break:break-all;padding:10px;border-radius:8px;background:#f3f5f8;font-size:13px}
code{font-family:ui-monospace,Menlo,Consolas,monospace}
a{color:#0b57d0}
a:focus-visible,button:focus-visible,input:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
.langs{display:flex;flex-wrap:wrap;gap:4px 12px;margin:0 0 16px;padding:0;list-style:none;font-size:14px}
.langs a[aria-current]{font-weight:600;color:#1c2430;text-decoration:none}
.facts{margin:12px 0}
ol:lang(my){list-style-type:myanmar}
.visually-hidden{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.qr{display:block;width:100%;max-width:260px;height:auto;margin:12px auto;border:1px solid #dde2e8;border-radius:8px}
.button{display:block;padding:12px;border-radius:8px;background:#0b57d0;color:#fff;text-align:center;text-decoration:none;font-size:16px}
@media (max-width:480px){main{margin:0;border-radius:0;box-shadow:none;padding:20px 16px;min-height:100vh}h1{font-size:24px}}
`;

/**
 * A complete page; title, body and head must already be escaped HTML. `script` must be one of the
 * pinned scripts above, or the browser refuses to run it. `lang` is the page's locale, so screen
 * readers pronounce it in the right language.
 */
export function layout(
  title: string,
  body: string,
  script?: string,
  head = '',
  lang = 'en',
): string {
  return [
    '<!doctype html>',
    `<html lang="${escapeHtml(lang)}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex">',
    `<title>${title}</title>`,
    `<style>${STYLE}</style>`,
    head,
    '</head>',
    '<body>',
    `<main>${body}</main>`,
    script === undefined ? '' : `<script>${script}</script>`,
    '</body>',
    '</html>',
  ].join('\n');
}

/** Only absolute http(s) URLs become links; anything else (javascript:, data:) is dropped. */
export function safeHttpUrl(value: string): string | null {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : null;
  } catch {
    return null;
  }
}
