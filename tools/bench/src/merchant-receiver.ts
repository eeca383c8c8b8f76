import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The merchant's own notification endpoint in the end-to-end benchmark: a real HTTP server that
 * answers `ok` (the acknowledgement that stops the notifier's retries) and notes when each
 * payment's first notification arrived. It reads the payment id from the body as text, not from
 * a schema, so it keeps working whatever the notifier's body style (JSON or form) or signing.
 */
export interface MerchantReceiver {
  url: string;
  /** performance.now() at the first notification of each payment. */
  firstAt: Map<string, number>;
  /** Every notification POST received, duplicates included. */
  received(): number;
  close(): Promise<void>;
}

const PAYMENT_ID = /pay_[0-9a-z]{26}/gi;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startMerchantReceiver(): Promise<MerchantReceiver> {
  const firstAt = new Map<string, number>();
  let received = 0;
  const server: Server = createServer((req, res) => {
    readBody(req).then(
      (body) => {
        const at = performance.now();
        received += 1;
        // A URL-encoded body carries the id as is too (its characters need no escaping).
        for (const id of new Set(body.match(PAYMENT_ID) ?? [])) {
          if (!firstAt.has(id)) firstAt.set(id, at);
        }
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok');
      },
      () => {
        res.writeHead(400);
        res.end();
      },
    );
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/tolem/notifications`,
    firstAt,
    received: () => received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
