import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Tolem's `qr_details` answer (design issue 12, flow 5), as the fake serves it. */
export interface QrDetailsJson {
  object: 'qr_details';
  qr_code_id: string;
  kind: 'static' | 'dynamic';
  status: 'active' | 'paid' | 'expired';
  merchant_name: string;
  amount: number | null;
  currency: 'KGS';
  description: string | null;
  label: string | null;
  expires_at: string | null;
  visible_fields: { key: string; label: string; value: string; title: string }[];
}

/** How the fake answers every lookup: as Tolem, or as a Tolem having a bad moment. */
export type FakeTolemMode = 'normal' | 'unavailable' | 'garbage' | 'hang';

/**
 * Only for specs: Tolem's public `GET /qr/v1/details?payload=` over real HTTP, an external peer
 * from the sandbox's side. It knows the payload texts registered in `codes` (exact text, so a
 * bank sending anything else gets 404 QR_CODE_NOT_FOUND, as from Tolem) and records each lookup.
 */
export async function startFakeTolem() {
  const codes = new Map<string, QrDetailsJson>();
  const lookups: string[] = [];
  let mode: FakeTolemMode = 'normal';
  const error = (code: string, message: string) =>
    JSON.stringify({ error: { code, message, request_id: 'req_fake' } });

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake.tolem');
    const send = (status: number, body: string, type = 'application/json') =>
      res.writeHead(status, { 'content-type': type }).end(body);
    if (req.method !== 'GET' || url.pathname !== '/qr/v1/details') {
      return send(404, error('NOT_FOUND', 'No such route'));
    }
    const payload = url.searchParams.get('payload');
    lookups.push(payload ?? '');
    if (mode === 'hang') return undefined;
    if (mode === 'unavailable') return send(503, error('UPSTREAM_UNAVAILABLE', 'qr-platform down'));
    if (mode === 'garbage') return send(200, '<html>gateway</html>', 'text/html');
    if (!payload) return send(400, error('REQUEST_INVALID', 'payload is required'));
    const details = codes.get(payload);
    if (details === undefined) return send(404, error('QR_CODE_NOT_FOUND', 'Unknown QR code'));
    return send(200, JSON.stringify(details));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    codes,
    lookups,
    setMode(next: FakeTolemMode) {
      mode = next;
    },
    /** Registers the payload of a link (or a raw payload) with these details. */
    register(linkOrPayload: string, details: Partial<QrDetailsJson> & { qr_code_id: string }) {
      const hash = linkOrPayload.indexOf('#');
      const payload = decodeURIComponent(hash < 0 ? linkOrPayload : linkOrPayload.slice(hash + 1));
      const full: QrDetailsJson = {
        object: 'qr_details',
        kind: 'dynamic',
        status: 'active',
        merchant_name: 'Tolem Test Merchant',
        amount: null,
        currency: 'KGS',
        description: null,
        label: null,
        expires_at: null,
        visible_fields: [],
        ...details,
      };
      codes.set(payload, full);
      return full;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type FakeTolem = Awaited<ReturnType<typeof startFakeTolem>>;
