import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

import { Webhook } from 'standardwebhooks';

/** What the demo shop sells, one product per currency so every method has something to pay. */
export interface DemoProduct {
  currency: string;
  amountMinor: number;
  /** Display amount, e.g. "19.99 USD". */
  price: string;
  description: string;
  /** What the start banner calls the ready-made payment. */
  label: string;
  /** What the shop page calls the product. */
  name: string;
}

export const DEMO_PRODUCTS: readonly DemoProduct[] = [
  {
    currency: 'USD',
    amountMinor: 1999,
    price: '19.99 USD',
    description: 'Demo order: a Tolem mug',
    label: 'USD 19.99 (WebMoney, card)',
    name: 'A Tolem mug',
  },
  {
    currency: 'MMK',
    amountMinor: 500_000,
    price: '5000 MMK',
    description: 'Demo order: a Tolem tote bag',
    label: 'MMK 5000 (Wavepay)',
    name: 'A Tolem tote bag',
  },
  {
    currency: 'KGS',
    amountMinor: 150_000,
    price: '1500.00 KGS',
    description: 'Demo order: a Tolem hoodie',
    label: 'KGS 1500.00 (QR, card)',
    name: 'A Tolem hoodie',
  },
];

/** One notification as the merchant received it. */
export interface ReceivedNotification {
  headers: Record<string, string>;
  body: string;
  json: unknown;
  signatureValid: boolean;
  receivedAt: Date;
}

export interface DemoMerchantOptions {
  port?: number;
  /** The gateway the shop creates payments on. */
  gatewayUrl?: string;
  apiKey?: string;
  /** Secret to verify the Standard Webhooks signature; settable later, once the merchant exists. */
  signingSecret?: string;
  /** How the result URL answers; default 200 `ok`. Tests script failures with it. */
  answer?: (n: ReceivedNotification, attempt: number) => { status: number; body: string };
}

export interface DemoMerchant {
  url: string;
  resultUrl: string;
  notifications: ReceivedNotification[];
  configure(
    update: Partial<
      Pick<DemoMerchantOptions, 'apiKey' | 'signingSecret' | 'gatewayUrl' | 'answer'>
    >,
  ): void;
  close(): Promise<void>;
}

/**
 * Verifies a notification's Standard Webhooks headers (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature`) with the reference `standardwebhooks` package, as a merchant would: the
 * timestamp within 5 minutes, any of the space-separated signatures matching (during a secret
 * rotation Tolem signs with both secrets). A `whsec_<base64>` secret is decoded as the library
 * does; a secret from before Standard Webhooks is used as raw bytes.
 */
export function verifyWebhookSignature(
  headers: Record<string, string | undefined>,
  body: string,
  secret: string,
): boolean {
  const base64 = /^whsec_(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
  try {
    const hook = base64.test(secret) ? new Webhook(secret) : new Webhook(secret, { format: 'raw' });
    hook.verify(
      body,
      {
        'webhook-id': headers['webhook-id'] ?? '',
        'webhook-timestamp': headers['webhook-timestamp'] ?? '',
        'webhook-signature': headers['webhook-signature'] ?? '',
      },
      { jsonParse: false },
    );
    return true;
  } catch {
    return false;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#222}
button{font-size:1rem;padding:.6rem 1.2rem;border-radius:.4rem;border:0;background:#0a7;color:#fff;cursor:pointer}
pre{background:#f4f4f4;padding:.8rem;overflow:auto;font-size:.8rem}</style></head><body>${body}</body></html>`;
}

/**
 * A tiny merchant: a shop page that creates a payment through the gateway and sends the customer
 * to Tolem's hosted page, and a result URL that verifies and records Tolem's notifications and
 * answers `ok` (Web-Oplata's contract).
 */
export function startDemoMerchant(options: DemoMerchantOptions = {}): Promise<DemoMerchant> {
  const state = { ...options };
  const notifications: ReceivedNotification[] = [];
  let server: Server | undefined;

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://merchant');
    const send = (
      status: number,
      type: string,
      body: string,
      headers: Record<string, string> = {},
    ) => {
      res.writeHead(status, { 'content-type': type, ...headers });
      res.end(body);
    };
    if (req.method === 'POST' && url.pathname === '/result') {
      const body = await readBody(req);
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, String(v)]),
      );
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const n: ReceivedNotification = {
        headers,
        body,
        json,
        signatureValid: state.signingSecret
          ? verifyWebhookSignature(headers, body, state.signingSecret)
          : false,
        receivedAt: new Date(),
      };
      notifications.push(n);
      const answer = state.answer?.(n, notifications.length) ?? { status: 200, body: 'ok' };
      return send(answer.status, 'text/plain', answer.body);
    }
    if (req.method === 'GET' && url.pathname === '/notifications') {
      return send(
        200,
        'application/json',
        JSON.stringify(
          notifications.map((n) => ({ ...n, body: undefined })),
          null,
          2,
        ),
      );
    }
    if (req.method === 'POST' && url.pathname === '/buy') {
      if (!state.gatewayUrl || !state.apiKey) return send(503, 'text/plain', 'shop not configured');
      const form = new URLSearchParams(await readBody(req));
      const product =
        DEMO_PRODUCTS.find((p) => p.currency === form.get('currency')) ?? DEMO_PRODUCTS[0];
      if (!product) return send(500, 'text/plain', 'no products');
      const created = await fetch(`${state.gatewayUrl}/v1/payments`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${state.apiKey}`,
          'content-type': 'application/json',
          'idempotency-key': randomUUID(),
        },
        body: JSON.stringify({
          amount: product.amountMinor,
          currency: product.currency,
          order_id: `order-${Date.now()}`,
          description: product.description,
        }),
      });
      const payment = (await created.json()) as { payment_url?: string };
      if (!created.ok || !payment.payment_url)
        return send(502, 'application/json', JSON.stringify(payment));
      return send(303, 'text/plain', 'see hosted page', { location: payment.payment_url });
    }
    if (url.pathname === '/success' || url.pathname === '/fail') {
      const ok = url.pathname === '/success';
      const list = notifications
        .slice(-5)
        .map(
          (n) =>
            `<pre>${escapeHtml(JSON.stringify(n.json, null, 2))}\nsignature valid: ${n.signatureValid}</pre>`,
        )
        .join('');
      return send(
        200,
        'text/html; charset=utf-8',
        page(
          'Demo shop',
          `<h1>${ok ? 'Thank you, payment received' : 'Payment failed'}</h1><p><a href="/">Back to the shop</a></p><h2>Notifications from Tolem</h2>${list || '<p>None yet (they arrive within seconds; reload).</p>'}`,
        ),
      );
    }
    if (req.method === 'GET' && url.pathname === '/') {
      return send(
        200,
        'text/html; charset=utf-8',
        page(
          'Demo shop',
          `<h1>Demo shop</h1>${DEMO_PRODUCTS.map(
            (p) =>
              `<form method="post" action="/buy"><p>${escapeHtml(p.name)} — <b>${escapeHtml(p.price)}</b></p><input type="hidden" name="currency" value="${escapeHtml(p.currency)}"><button>Pay ${escapeHtml(p.price)} with Tolem</button></form>`,
          ).join('')}<p><a href="/notifications">Notifications received</a></p>`,
        ),
      );
    }
    send(404, 'text/plain', 'not found');
  };

  return new Promise((resolve, reject) => {
    server = createServer((req, res) => {
      handler(req, res).catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String((err as Error).message));
      });
    });
    server.on('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const address = server?.address();
      if (!address || typeof address !== 'object') return reject(new Error('no address'));
      const url = `http://127.0.0.1:${address.port}`;
      resolve({
        url,
        resultUrl: `${url}/result`,
        notifications,
        configure(update) {
          Object.assign(state, update);
        },
        close: () => new Promise((r) => server?.close(() => r())),
      });
    });
  });
}
