import { get } from 'node:http';

import { Merchant } from '@tolem/contracts/checkout';
import { QrCode, QrCodePayment, QrCodeStatus, QrKind } from '@tolem/contracts/qr';
import {
  freePort,
  freshDatabase,
  httpAnswers,
  type ServiceProcess,
  spawnService,
  waitFor,
} from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { GOOD_API_KEY, MERCHANT, type Peers, startPeers } from './peers';

const code = QrCode.fromPartial({
  id: 'qr_it_1',
  merchantId: MERCHANT.id,
  kind: QrKind.QR_KIND_STATIC,
  description: 'IT desk',
  label: 'Desk 1',
  payload: '00020101021132|qr_it_1|6304ABCD',
  link: 'https://qr.example/pay#00020101021132|qr_it_1|6304ABCD',
  createdAt: new Date('2026-12-06T10:00:00Z'),
  livemode: false,
  status: QrCodeStatus.QR_CODE_STATUS_ACTIVE,
});

const scan = QrCodePayment.fromPartial({
  qrCodeId: code.id,
  paymentId: 'pay_it_scan',
  status: 'pending',
  amount: { amountMinor: 5_000n, currency: 'KGS' },
  sequence: 1n,
  createdAt: new Date('2026-12-06T10:01:00Z'),
});

/**
 * The gateway process as main.ts wires it (QR_PLATFORM_ADDR set) against real grpc-js peers: the
 * QR routes reach qr-platform, and a server-sent events client that goes away cancels the
 * WatchQrPayment call on the qr-platform side over the wire.
 */
describe('QR routes of the gateway process', () => {
  let peers: Peers;
  let gateway: ServiceProcess;
  let base: string;
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  /** The abort signal of each WatchQrPayment call qr-platform served. */
  const watches: AbortSignal[] = [];

  beforeAll(async () => {
    peers = await startPeers();
    const s = peers.script;
    s.qr.createQrCode = async (req) => ({
      qrCode: { ...code, description: req.description, label: req.label },
      replayed: false,
    });
    s.qr.getQrCode = async () => ({ qrCode: code });
    s.qr.resolveQrPayload = async () => ({ qrCode: code, visibleFields: [] });
    s.merchants.getMerchant = async () => ({
      merchant: Merchant.fromPartial({ ...MERCHANT, webmoneyShopId: 'never-shown' }),
    });
    s.qr.watchQrPayment = async function* (_req, ctx) {
      watches.push(ctx.signal);
      yield { payment: scan, snapshot: true, codeStatus: QrCodeStatus.QR_CODE_STATUS_ACTIVE };
      // Nothing changes: the call stays open until the gateway cancels it.
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
    };
    database = await freshDatabase('gateway_it_qr');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    gateway = await spawnService({
      name: 'gateway',
      entry: 'apps/gateway/src/main.ts',
      env: {
        HTTP_PORT: String(port),
        HTTP_HOST: '127.0.0.1',
        PUBLIC_BASE_URL: 'https://pay.tolem.test',
        LOG_LEVEL: 'warn',
        CHECKOUT_ADDR: peers.address,
        NOTIFIER_ADDR: peers.address,
        LEDGER_ADDR: peers.address,
        QR_PLATFORM_ADDR: peers.address,
        ADMIN_TOKEN: 'admin-token-for-gateway-it-qr-0123456789',
        DATABASE_URL: database.url,
        MIGRATE_ON_START: 'true',
      },
      ready: () => httpAnswers(`${base}/healthz`),
    });
  });

  afterAll(async () => {
    await gateway?.stop();
    await peers?.stop();
    await database?.drop();
  });

  const auth = { authorization: `Bearer ${GOOD_API_KEY}` };

  it('creates a static code through qr-platform with the key’s merchant and mode', async () => {
    const res = await fetch(`${base}/v1/qr_codes`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': 'it-desk-1' },
      body: JSON.stringify({ kind: 'static', description: 'IT desk', label: 'Desk 1' }),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ id: 'qr_it_1', kind: 'static', status: 'active' });
    expect(peers.callsOf('createQrCode')[0]?.request).toMatchObject({
      merchantId: MERCHANT.id,
      idempotencyKey: 'it-desk-1',
      kind: QrKind.QR_KIND_STATIC,
      livemode: false,
      label: 'Desk 1',
    });
  });

  it('answers a payer’s bank without an API key', async () => {
    const res = await fetch(`${base}/qr/v1/details?payload=${encodeURIComponent(code.payload)}`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({
      object: 'qr_details',
      qr_code_id: 'qr_it_1',
      merchant_name: MERCHANT.name,
      amount: null,
    });
    expect(text).not.toContain('never-shown');
  });

  it('streams the snapshot as server-sent events and cancels WatchQrPayment when the client leaves', async () => {
    let received = '';
    const req = get(`${base}/v1/qr_codes/${code.id}/events`, { headers: auth });
    const status = await new Promise<number>((resolve, reject) => {
      req.on('response', (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (received += chunk));
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
    });
    expect(status).toBe(200);
    await waitFor(() => received.includes('event: qr_payment'), { timeoutMs: 5_000 });
    expect(received).toContain('id: pay_it_scan:1\n');
    expect(received).toContain('"status":"pending"');
    expect(watches).toHaveLength(1);
    expect(watches[0]?.aborted).toBe(false);

    req.destroy();
    await waitFor(() => watches[0]?.aborted === true, { timeoutMs: 2_000 });
  });
});
