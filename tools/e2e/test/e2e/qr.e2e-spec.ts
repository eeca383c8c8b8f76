import { createHash, randomUUID } from 'node:crypto';

import { CaseServiceClient, CaseStatus } from '@tolem/contracts/checkout';
import { LedgerServiceClient } from '@tolem/contracts/ledger';
import { QrCodeStatus, QrServiceClient, type WatchQrPaymentResponse } from '@tolem/contracts/qr';
import {
  createClient,
  createStreamingClient,
  type PromiseClient,
  type StreamingClient,
} from '@tolem/grpc-kit';
import type { Stack } from '@tolem/stack';
import { waitFor } from '@tolem/testing';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openShop, type Shop } from './shop';

/** The QR code object of the merchant API (design issue 12, flow 6). */
interface QrCodeJson {
  id: string;
  object: 'qr_code';
  kind: 'static' | 'dynamic';
  status: 'active' | 'paid' | 'expired';
  amount: number | null;
  currency: 'KGS';
  description: string | null;
  label: string | null;
  payload: string;
  link: string;
  payment_id: string | null;
  expires_at: string | null;
  livemode: boolean;
  created: string;
}

/** One payment under a code (polling and server-sent events). */
interface QrPaymentJson {
  object: 'qr_payment';
  qr_code_id: string;
  payment_id: string;
  status: string;
  amount: number;
  currency: string;
  payer_bank: string | null;
  updated: string | null;
}

/** Tolem's public answer to the payer's bank (flow 5). */
interface QrDetailsJson {
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

/** What the sandbox bank answers `/_sandbox/qrbank/pay`: its payment and what Tolem told it. */
interface BankPaymentJson {
  acquirer_reference: string;
  qr_id: string;
  kind: string;
  amount: string;
  currency: string;
  payer_bank: string;
  details: {
    qr_code_id: string;
    kind: string;
    status: string;
    merchant_name: string;
    amount: string | null;
    description: string;
    label: string;
    visible_fields: QrDetailsJson['visible_fields'];
  } | null;
  confirmations: { state: string; attempts: { at: string; status: number }[] }[];
}

const MERCHANT_NAME = 'E2E shop, QR';
const FEE_BPS = 100;
/** round_half_up(amount * bps / 10000), integers only. */
const feeOf = (amount: number) => Math.floor((amount * FEE_BPS + 5_000) / 10_000);
const today = () => new Date().toISOString().slice(0, 10);

/** The test's own TLV reader (ID, two-digit length in characters, value). */
function tlv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < text.length; ) {
    const id = text.slice(i, i + 2);
    const length = Number(text.slice(i + 2, i + 4));
    out.set(id, text.slice(i + 4, i + 4 + length));
    i += 4 + length;
  }
  return out;
}

/**
 * The visible additional fields (IDs 35–39, `key:label:value:title:visibility`) of an ELQR
 * payload: what the payer's bank must be told to show.
 */
function visibleFieldsOf(payload: string) {
  const root = tlv(payload);
  const fields: QrDetailsJson['visible_fields'] = [];
  for (const id of ['35', '36', '37', '38', '39']) {
    for (const value of tlv(root.get(id) ?? '').values()) {
      const [key = '', label = '', v = '', title = '', visibility] = value.split(':');
      if (visibility === '11') fields.push({ key, label, value: v, title });
    }
  }
  return fields;
}

/** A well-formed ELQR payload Tolem did not issue: another code id, the checksum made anew. */
function foreignPayload(payload: string, codeId: string): string {
  const otherId = `${codeId.slice(0, -1)}${codeId.endsWith('z') ? 'y' : 'z'}`;
  const body = payload.slice(0, -8).replace(codeId, otherId);
  const sum = createHash('sha256').update(body, 'utf8').digest('hex').slice(-4);
  return `${body}6304${sum}`;
}

/** A server-sent events reader for `GET /v1/qr_codes/:id/events`: every event with its arrival. */
async function openEvents(url: string, apiKey: string) {
  const abort = new AbortController();
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${apiKey}`, accept: 'text/event-stream' },
    signal: abort.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events: { event: string; data: QrPaymentJson; at: number }[] = [];
  let comments = 0;
  const reading = (async () => {
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) comments += 1;
          else if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
        }
        if (data.length > 0) {
          events.push({
            event,
            data: JSON.parse(data.join('\n')) as QrPaymentJson,
            at: Date.now(),
          });
        }
      }
    }
  })().catch(() => undefined);
  return {
    events,
    comments: () => comments,
    async close() {
      abort.abort();
      await reading;
    },
  };
}

/** A gRPC WatchQrPayment stream read in the background: every message with its arrival. */
function watch(streams: StreamingClient<QrServiceClient>, qrCodeId: string, merchantId: string) {
  const messages: { message: WatchQrPaymentResponse; at: number }[] = [];
  let failure: unknown;
  let closing = false;
  const abort = new AbortController();
  // grpc-kit cancels a server stream on `signal` at once; an iterator's return() would wait for
  // the next message, which an idle code never sends.
  const opts = { deadlineMs: 300_000, signal: abort.signal };
  const reading = (async () => {
    for await (const message of streams.watchQrPayment({ qrCodeId, merchantId }, opts)) {
      messages.push({ message, at: Date.now() });
    }
  })().catch((err: unknown) => {
    if (!closing) failure = err;
  });
  return {
    messages,
    failure: () => failure,
    async close() {
      closing = true;
      abort.abort();
      await Promise.race([reading, new Promise((r) => setTimeout(r, 2_000))]);
    },
  };
}

/**
 * QR codes end to end through real processes, PostgreSQL and Kafka: the merchant's dynamic code
 * per order and static code per cash desk, the payer's bank in the sandbox (it asks Tolem's public
 * details before paying, then confirms with the signed callback), the ledger, the merchant's
 * notification, the cash desk's live status (gRPC WatchQrPayment and server-sent events), a late
 * confirmation turned into a case, and reporting.
 */
/** Checkout's shortest dynamic-code expiry on this stack, so the late payment is late quickly. */
const QR_MIN_EXPIRY_MS = 3_000;

describe('QR codes: merchant, payer bank, ledger, notifier and the live status', () => {
  let shop: Shop;
  let stack: Stack;
  let apiKey: string;
  let merchantId: string;
  let ledger: PromiseClient<LedgerServiceClient>;
  let cases: PromiseClient<CaseServiceClient>;
  let streams: StreamingClient<QrServiceClient>;
  /** Every QR payment that succeeded, for the reporting check. */
  const succeeded: { id: string; amount: number }[] = [];

  beforeAll(async () => {
    shop = await openShop({
      name: MERCHANT_NAME,
      methods: ['qr'],
      feeRules: [{ method: 'qr', percent_bps: FEE_BPS }],
      stack: {
        sandbox: { callbackBackoffMs: 200 },
        extraEnv: { QR_MIN_EXPIRY_MS: String(QR_MIN_EXPIRY_MS) },
      },
    });
    ({ stack, apiKey, merchantId } = shop);
    ledger = createClient(LedgerServiceClient, stack.addresses.ledger);
    cases = createClient(CaseServiceClient, stack.addresses.checkout);
    streams = createStreamingClient(QrServiceClient, stack.addresses['qr-platform']);
  });

  afterAll(async () => {
    streams?.close();
    cases?.close();
    ledger?.close();
    await shop?.close();
  });

  const api = async <T>(method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await fetch(`${stack.gatewayUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${apiKey}`,
        ...(body === undefined
          ? {}
          : { 'content-type': 'application/json', 'idempotency-key': randomUUID() }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: JSON.parse(text) as T, text };
  };

  async function createCode(body: Record<string, unknown>): Promise<QrCodeJson> {
    const created = await api<QrCodeJson>('POST', '/v1/qr_codes', body);
    expect(created.status, created.text).toBe(201);
    return created.json;
  }

  /** Tolem's public details, as any payer's bank asks (no API key). */
  async function details(payloadOrLink: string) {
    const res = await fetch(
      `${stack.gatewayUrl}/qr/v1/details?payload=${encodeURIComponent(payloadOrLink)}`,
    );
    return { status: res.status, json: (await res.json()) as QrDetailsJson & ErrorJson };
  }

  async function bankPay(body: Record<string, unknown>) {
    const res = await fetch(`${stack.sandboxUrl}/_sandbox/qrbank/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as BankPaymentJson & ErrorJson };
  }

  const balance = async () =>
    (await ledger.getBalance({ merchantId, currency: 'KGS', asOf: undefined, livemode: false }))
      .available?.amountMinor ?? 0n;

  const qrPayments = async (codeId: string) => {
    const listed = await api<{ object: 'list'; data: QrPaymentJson[]; has_more: boolean }>(
      'GET',
      `/v1/qr_codes/${codeId}/payments`,
    );
    expect(listed.status, listed.text).toBe(200);
    return listed.json.data;
  };

  /** The merchant's signed payment.succeeded notification of one payment, checked. */
  async function expectSucceededNotification(paymentId: string, amount: number) {
    const notification = await waitFor(
      () =>
        shop
          .notificationsOf(paymentId)
          .find((n) => (n.json as { type?: string }).type === 'payment.succeeded'),
      { timeoutMs: 30_000, what: `the payment.succeeded notification of ${paymentId}` },
    );
    expect(notification.signatureValid).toBe(true);
    expect((notification.json as { data: Record<string, unknown> }).data).toMatchObject({
      payment_id: paymentId,
      merchant_id: merchantId,
      amount,
      currency: 'KGS',
      method: 'qr',
      provider: 'qr_acquirer',
      fee: feeOf(amount),
      net: amount - feeOf(amount),
    });
  }

  it('a dynamic code: the bank reads Tolem, pays, the merchant is credited and notified, the cash desk sees succeeded within a second', async () => {
    const amount = 150_000;
    const code = await createCode({
      kind: 'dynamic',
      amount,
      currency: 'KGS',
      order_id: 'order-qr-dynamic',
      description: 'A Tolem hoodie',
      expires_in: 600,
      metadata: { desk: '1' },
    });
    expect(code).toMatchObject({
      object: 'qr_code',
      kind: 'dynamic',
      status: 'active',
      amount,
      currency: 'KGS',
      description: 'A Tolem hoodie',
      payment_id: expect.stringMatching(/^pay_/) as unknown,
    });
    expect(code.link).toContain('#');
    expect(Date.parse(code.expires_at ?? '') - Date.now()).toBeGreaterThan(500_000);
    const paymentId = code.payment_id as string;
    expect((await api<QrCodeJson>('GET', `/v1/qr_codes/${code.id}`)).json).toMatchObject({
      id: code.id,
      status: 'active',
      payment_id: paymentId,
    });

    // The code itself names the shop (ELQR 59), so even a bank that asks nobody shows it.
    expect(tlv(code.payload).get('59')).toBe(MERCHANT_NAME);
    // What the payer's bank is told: the merchant's name, the amount, the visible fields.
    const told = await details(code.link);
    expect(told.status).toBe(200);
    expect(told.json).toMatchObject({
      object: 'qr_details',
      qr_code_id: code.id,
      kind: 'dynamic',
      status: 'active',
      merchant_name: MERCHANT_NAME,
      amount,
      currency: 'KGS',
      description: 'A Tolem hoodie',
    });
    expect(told.json.visible_fields).toEqual(visibleFieldsOf(code.payload));
    expect((await details(code.payload)).json).toEqual(told.json);
    // ... and what the bank's page shows the payer before it debits.
    const review = await fetch(
      `${stack.sandboxUrl}/qrbank/pay?link=${encodeURIComponent(code.link)}`,
    );
    const reviewHtml = await review.text();
    expect(review.status, reviewHtml.slice(0, 2_000)).toBe(200);
    expect(reviewHtml).toContain(`id="merchant-name">${MERCHANT_NAME}<`);
    expect(reviewHtml).toContain('Checked with Tolem: active.');

    // The cash desk watches: gRPC stream and server-sent events, both open before the payer pays.
    const grpc = watch(streams, code.id, merchantId);
    const sse = await openEvents(`${stack.gatewayUrl}/v1/qr_codes/${code.id}/events`, apiKey);
    try {
      // The payment is pending under the code: its first message shows the stream is attached. Soft
      // (at most 10 s): the assertions below need only that the streams were open before paying.
      await waitFor(() => grpc.messages.length > 0 || grpc.failure() !== undefined, {
        timeoutMs: 10_000,
        what: 'the first WatchQrPayment message (the pending payment)',
      }).catch(() => undefined);
      expect(grpc.failure()).toBeUndefined();
      const before = await balance();

      const paid = await bankPay({ link: code.link, payer_bank: 'mbank' });
      expect(paid.status, JSON.stringify(paid.json)).toBe(200);
      expect(paid.json).toMatchObject({
        qr_id: code.id,
        amount: String(amount),
        currency: 'KGS',
        details: { qr_code_id: code.id, status: 'active', merchant_name: MERCHANT_NAME },
      });
      const answer = paid.json.confirmations[0]?.attempts[0];
      expect(answer?.status).toBe(200);
      const answeredAt = Date.parse(answer?.at ?? '');

      const seen = await waitFor(
        () =>
          grpc.messages.find(
            (m) => m.message.payment?.status === 'succeeded' && !m.message.snapshot,
          ),
        { timeoutMs: 10_000, intervalMs: 10, what: 'WatchQrPayment to send succeeded' },
      );
      const latencyMs = seen.at - answeredAt;
      console.log(
        `QR e2e: WatchQrPayment saw succeeded ${latencyMs} ms after the bank's confirmation answer`,
      );
      expect(latencyMs).toBeLessThanOrEqual(1_000);
      expect(seen.message).toMatchObject({
        payment: {
          qrCodeId: code.id,
          paymentId,
          status: 'succeeded',
          amount: { amountMinor: BigInt(amount), currency: 'KGS' },
          payerBank: 'mbank',
        },
        codeStatus: QrCodeStatus.QR_CODE_STATUS_PAID,
      });

      const event = await waitFor(() => sse.events.find((e) => e.data.status === 'succeeded'), {
        timeoutMs: 10_000,
        intervalMs: 10,
        what: 'the server-sent qr_payment succeeded event',
      });
      console.log(
        `QR e2e: server-sent events saw succeeded ${event.at - answeredAt} ms after the bank's confirmation answer`,
      );
      expect(event.at - answeredAt).toBeLessThanOrEqual(1_000);
      expect(event).toMatchObject({
        event: 'qr_payment',
        data: {
          object: 'qr_payment',
          qr_code_id: code.id,
          payment_id: paymentId,
          status: 'succeeded',
          amount,
          currency: 'KGS',
          payer_bank: 'mbank',
        },
      });

      await expectSucceededNotification(paymentId, amount);
      await waitFor(async () => (await balance()) === before + BigInt(amount - feeOf(amount)), {
        timeoutMs: 10_000,
        what: 'the ledger to credit the merchant',
      });
      const txns = await ledger.listPaymentTransactions({ paymentId });
      expect(txns.transactions).toHaveLength(1);
      succeeded.push({ id: paymentId, amount });
    } finally {
      await grpc.close();
      await sse.close();
    }

    // Polling agrees; the code is paid, Tolem tells banks so, and the sandbox bank refuses it.
    expect(await qrPayments(code.id)).toEqual([
      expect.objectContaining({ payment_id: paymentId, status: 'succeeded', amount }),
    ]);
    expect((await api<QrCodeJson>('GET', `/v1/qr_codes/${code.id}`)).json.status).toBe('paid');
    expect((await details(code.link)).json).toMatchObject({ status: 'paid' });
    const again = await bankPay({ link: code.link });
    expect(again).toMatchObject({
      status: 409,
      json: { error: { code: 'QRBANK_CODE_NOT_PAYABLE', details: { status: 'paid' } } },
    });
  }, 180_000);

  it('a static code paid twice with two amounts makes two payments, each credited once', async () => {
    const code = await createCode({
      kind: 'static',
      description: 'Coffee bar',
      label: 'Cash desk 2',
    });
    expect(code).toMatchObject({
      kind: 'static',
      status: 'active',
      amount: null,
      payment_id: null,
      label: 'Cash desk 2',
    });
    expect(tlv(code.payload).get('59')).toBe(MERCHANT_NAME);
    const told = await details(code.link);
    expect(told.json).toMatchObject({
      qr_code_id: code.id,
      kind: 'static',
      status: 'active',
      merchant_name: MERCHANT_NAME,
      amount: null,
      label: 'Cash desk 2',
      description: 'Coffee bar',
    });
    expect(told.json.visible_fields).toEqual(visibleFieldsOf(code.payload));
    const review = await (
      await fetch(`${stack.sandboxUrl}/qrbank/pay?link=${encodeURIComponent(code.link)}`)
    ).text();
    expect(review).toContain('id="label">Cash desk 2<');
    expect(review).toContain('name="amount"');

    const before = await balance();
    const first = await bankPay({ link: code.link, amount: 25_000, payer_bank: 'optima' });
    expect(first.status, JSON.stringify(first.json)).toBe(200);
    const second = await bankPay({ link: code.link, amount: 40_000, payer_bank: 'bakai' });
    expect(second.status, JSON.stringify(second.json)).toBe(200);
    expect(first.json.acquirer_reference).not.toBe(second.json.acquirer_reference);

    const payments = await waitFor(
      async () => {
        const listed = await qrPayments(code.id);
        return listed.length === 2 && listed.every((p) => p.status === 'succeeded') && listed;
      },
      { timeoutMs: 30_000, what: 'two succeeded payments under the static code' },
    );
    expect(payments.map((p) => p.amount).sort((a, b) => a - b)).toEqual([25_000, 40_000]);
    expect(new Set(payments.map((p) => p.payment_id)).size).toBe(2);
    expect(payments.map((p) => p.payer_bank).sort()).toEqual(['bakai', 'optima']);
    for (const p of payments) {
      await expectSucceededNotification(p.payment_id, p.amount);
      succeeded.push({ id: p.payment_id, amount: p.amount });
    }
    const credited = BigInt(25_000 - feeOf(25_000) + 40_000 - feeOf(40_000));
    await waitFor(async () => (await balance()) === before + credited, {
      timeoutMs: 10_000,
      what: 'the ledger to credit both payments',
    });

    // The bank sends its first confirmation again, byte for byte: the same payment, no credit.
    const resent = await fetch(
      `${stack.sandboxUrl}/_sandbox/qrbank/payments/${first.json.acquirer_reference}/resend`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' },
    );
    expect(
      ((await resent.json()) as { confirmation: { attempts: { status: number }[] } }).confirmation
        .attempts[0]?.status,
    ).toBe(200);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await qrPayments(code.id)).toHaveLength(2);
    expect(await balance()).toBe(before + credited);
    // A static code stays payable.
    expect((await api<QrCodeJson>('GET', `/v1/qr_codes/${code.id}`)).json.status).toBe('active');

    // The cash desk prints it: the PNG scans back to the link, the sticker says "any amount".
    const auth = { authorization: `Bearer ${apiKey}` };
    const png = await fetch(`${stack.gatewayUrl}/v1/qr_codes/${code.id}/image.png`, {
      headers: auth,
    });
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
    const image = PNG.sync.read(Buffer.from(await png.arrayBuffer()));
    const scanned = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
    expect(scanned?.data).toBe(code.link);
    const sticker = await fetch(`${stack.gatewayUrl}/v1/qr_codes/${code.id}/sticker?lang=en`, {
      headers: auth,
    });
    const stickerHtml = await sticker.text();
    expect(sticker.status).toBe(200);
    expect(stickerHtml).toContain(MERCHANT_NAME);
    expect(stickerHtml).toContain('Cash desk 2');
    expect(stickerHtml).toContain('id="sticker-amount"');
  }, 180_000);

  it('a code Tolem did not issue: the details endpoint answers 404 and the bank pays nothing', async () => {
    const code = await createCode({ kind: 'static', description: 'Kiosk', label: 'Kiosk 1' });
    expect(code.payload).toContain(code.id);
    const foreign = foreignPayload(code.payload, code.id);
    const told = await details(foreign);
    expect(told).toMatchObject({ status: 404, json: { error: { code: 'QR_CODE_NOT_FOUND' } } });
    const refused = await bankPay({ link: foreign, amount: 1_000 });
    expect(refused).toMatchObject({
      status: 404,
      json: { error: { code: 'QRBANK_CODE_UNKNOWN' } },
    });
    expect(await qrPayments(code.id)).toEqual([]);
  }, 60_000);

  it('a dynamic code confirmed after its expiry: nobody is credited, a case is opened, the payment expired', async () => {
    const amount = 77_700;
    // This stack lets a code expire QR_MIN_EXPIRY_MS ahead (a minute in production); the bank
    // pays at once, its confirmation lands after the expiry.
    const code = await createCode({
      kind: 'dynamic',
      amount,
      currency: 'KGS',
      order_id: 'order-qr-late',
      description: 'Paid too late',
      expires_at: new Date(Date.now() + 3 * QR_MIN_EXPIRY_MS).toISOString(),
    });
    const paymentId = code.payment_id as string;
    const expiresAt = Date.parse(code.expires_at ?? '');
    expect(expiresAt - Date.now()).toBeGreaterThan(QR_MIN_EXPIRY_MS);
    const before = await balance();

    const delayMs = expiresAt - Date.now() + 3_000;
    const paid = await bankPay({ link: code.link, delay_ms: delayMs });
    expect(paid.status, JSON.stringify(paid.json)).toBe(200);
    // The bank debited the payer while Tolem still called the code active.
    expect(paid.json.details).toMatchObject({ status: 'active' });
    expect(paid.json.confirmations[0]?.state).toBe('scheduled');

    const { cases: opened } = await waitFor(
      async () => {
        const listed = await cases.listCases({
          status: CaseStatus.CASE_STATUS_OPEN,
          merchantId: '',
          paymentId,
          pageSize: 10,
          pageToken: '',
        });
        return listed.cases.length > 0 && listed;
      },
      {
        timeoutMs: delayMs + 45_000,
        intervalMs: 500,
        what: `a case for the late payment ${paymentId}`,
      },
    );
    expect(opened[0]).toMatchObject({
      kind: 'late_payment',
      amount: { amountMinor: BigInt(amount), currency: 'KGS' },
    });
    expect(Date.now()).toBeGreaterThan(expiresAt);
    // The money is held in unapplied funds: the merchant's balance did not move.
    expect((await ledger.getUnappliedFunds({ caseId: opened[0]?.id ?? '' })).funds).toMatchObject({
      status: 'held',
      paymentId,
    });
    expect(await balance()).toBe(before);
    expect(
      shop
        .notificationsOf(paymentId)
        .filter((n) => (n.json as { type?: string }).type === 'payment.succeeded'),
    ).toHaveLength(0);

    await waitFor(async () => (await shop.getPayment(paymentId)).status === 'expired', {
      timeoutMs: 30_000,
      what: 'the payment to be expired',
    });
    expect((await api<QrCodeJson>('GET', `/v1/qr_codes/${code.id}`)).json.status).toBe('expired');
    await waitFor(async () => (await qrPayments(code.id)).some((p) => p.status === 'expired'), {
      timeoutMs: 30_000,
      what: "the code's payment to be listed expired",
    });
    expect((await details(code.link)).json.status).toBe('expired');
    expect(await bankPay({ link: code.link })).toMatchObject({
      status: 409,
      json: { error: { code: 'QRBANK_CODE_NOT_PAYABLE', details: { status: 'expired' } } },
    });
  }, 90_000);

  it('QR payments appear in reporting like any other', async () => {
    expect(succeeded).toHaveLength(3);
    const ids = new Set(succeeded.map((p) => p.id));
    const rows = await waitFor(
      async () => {
        const listed = await api<{
          data: {
            id: string;
            status: string;
            amount: number;
            fee: number;
            net: number;
            currency: string;
            method: string | null;
            provider: string | null;
          }[];
        }>('GET', '/v1/reports/payments?limit=100');
        const mine = listed.json.data.filter((p) => ids.has(p.id));
        return mine.length === ids.size && mine.every((p) => p.status === 'succeeded') && mine;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'reporting to list the QR payments' },
    );
    for (const p of succeeded) {
      expect(rows.find((r) => r.id === p.id)).toMatchObject({
        amount: p.amount,
        fee: feeOf(p.amount),
        net: p.amount - feeOf(p.amount),
        currency: 'KGS',
        method: 'qr',
        provider: 'qr_acquirer',
      });
    }
    const day = today();
    const totals = await waitFor(
      async () => {
        const t = (
          await api<{
            payments: {
              method: string;
              status: string;
              count: number;
              amount: number;
              fee: number;
            }[];
          }>('GET', `/v1/reports/daily_totals?from=${day}&to=${day}&currency=KGS`)
        ).json;
        const qr = t.payments.filter((r) => r.method === 'qr' && r.status === 'succeeded');
        return qr.reduce((n, r) => n + r.count, 0) === succeeded.length && qr;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'the daily totals to count the QR payments' },
    );
    expect(totals.reduce((n, r) => n + r.amount, 0)).toBe(
      succeeded.reduce((n, p) => n + p.amount, 0),
    );
    expect(totals.reduce((n, r) => n + r.fee, 0)).toBe(
      succeeded.reduce((n, p) => n + feeOf(p.amount), 0),
    );
  }, 120_000);
});

interface ErrorJson {
  error: { code: string; message: string; details?: Record<string, string> };
}
