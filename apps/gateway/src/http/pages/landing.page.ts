import { layout } from './html';

export function renderLandingPage(): string {
  const body = [
    '<h1>Tolem</h1>',
    '<p>Payments for merchants: WebMoney (purse and WM Keeper Mobile), bank cards, Wavepay and QR.</p>',
    '<h2>Developers</h2>',
    '<p><a href="/openapi.json">OpenAPI 3.1 document</a> of the merchant API (<code>/v1</code>).</p>',
    '<p class="muted">Authenticate with <code>Authorization: Bearer &lt;API key&gt;</code>; send an <code>Idempotency-Key</code> with every POST.</p>',
  ].join('\n');
  return layout('Tolem', body);
}
