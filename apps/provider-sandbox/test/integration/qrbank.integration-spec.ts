import { createHash, createHmac } from 'node:crypto';

import { freePort, httpAnswers, type ServiceProcess, spawnService, waitFor } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type FakeTolem, startFakeTolem } from '../../src/testing/fake-tolem';
import {
  pause,
  type Received,
  type RecordingMerchant,
  startRecordingMerchant,
} from './recording-merchant';

const ACQUIRER = 'acq-sandbox-1';
const QR_SECRET = 'qr_integration_secret';
const FINIK_DYNAMIC =
  '00020101021232810011qr.finik.kg0114averspay-items10328606240d690d42e4b036d3dba9d0371a120212130212520448295303417540712412005908Finik-QR6304b127';

// The test's own ELQR builder (protocols.md §5.2): TLV with character lengths, SHA-256 checksum.
const tlv = (id: string, value: string) => `${id}${String(value.length).padStart(2, '0')}${value}`;
function elqr(fields: {
  kind: '11' | '12';
  qrId: string;
  amount?: number;
  name: string;
  editable?: boolean;
  extra?: string;
}): string {
  const provider =
    tlv('00', 'pay.tolem.kg') +
    tlv('01', 'checkout') +
    tlv('10', 'merchant-1') +
    tlv('11', fields.qrId) +
    tlv('12', fields.editable ? '11' : '12');
  const body =
    tlv('00', '01') +
    tlv('01', fields.kind) +
    tlv('32', provider) +
    tlv('34', 'Заказ') +
    tlv('52', '5812') +
    tlv('53', '417') +
    (fields.amount !== undefined ? tlv('54', String(fields.amount)) : '') +
    tlv('59', fields.name) +
    (fields.extra ?? '');
  const sum = createHash('sha256').update(body, 'utf8').digest('hex').slice(-4);
  return `https://pay.payqr.kg/#${encodeURIComponent(`${body}6304${sum}`)}`;
}

describe('provider-sandbox QR payer bank app (real process, real HTTP)', () => {
  let sandbox: ServiceProcess;
  let merchant: RecordingMerchant;
  let tolem: FakeTolem;
  let base: string;
  let n = Math.floor(Math.random() * 1_000_000);
  const qrId = () => `qr_test_${n++}`;

  beforeAll(async () => {
    const merchantPort = await freePort();
    merchant = startRecordingMerchant(merchantPort, () => ({ status: 200, body: 'ok' }));
    await merchant.listen();
    tolem = await startFakeTolem();
    tolem.register(FINIK_DYNAMIC, {
      qr_code_id: '8606240d690d42e4b036d3dba9d0371a',
      merchant_name: 'Finik-QR',
      amount: 1241200,
    });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    sandbox = await spawnService({
      name: 'provider-sandbox',
      entry: 'apps/provider-sandbox/src/main.ts',
      env: {
        HTTP_PORT: String(port),
        PUBLIC_BASE_URL: base,
        LOG_LEVEL: 'info',
        SANDBOX_WEBMONEY_SECRET_KEY: 'wm',
        SANDBOX_CALLBACK_ATTEMPTS: '3',
        SANDBOX_CALLBACK_BACKOFF_MS: '50',
        SANDBOX_QR_ACQUIRER_ID: ACQUIRER,
        SANDBOX_QR_ACQUIRER_SECRET: QR_SECRET,
        SANDBOX_QR_CALLBACK_URL: merchant.url('/callbacks/qr'),
        SANDBOX_QR_TOLEM_URL: tolem.url,
        SANDBOX_HTTP_TIMEOUT_MS: '1000',
      },
      ready: () => httpAnswers(`${base}/healthz`),
    });
  });

  afterAll(async () => {
    await sandbox?.stop();
    await merchant?.close();
    await tolem?.close();
  });

  const of = (id: string) =>
    merchant.received.filter((r) => (JSON.parse(r.body) as { qr_id: string }).qr_id === id);
  const signatureValid = (r: Received, secret = QR_SECRET) =>
    createHmac('sha256', secret)
      .update(`${String(r.headers['x-tolem-timestamp'])}.${r.body}`)
      .digest('hex') === r.headers['x-tolem-signature'];

  const payForm = (link: string, extra: Record<string, string> = {}) =>
    fetch(`${base}/qrbank/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ link, payer_bank: 'mbank', ...extra }).toString(),
    });

  const control = async (path: string, body: unknown = {}) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  it('reads a public Finik link: merchant, amount, checksum verified', async () => {
    const home = await (await fetch(`${base}/qrbank/`)).text();
    expect(home).toContain('<form id="scan" method="get" action="/qrbank/pay">');
    const page = await (
      await fetch(
        `${base}/qrbank/pay?link=${encodeURIComponent(`https://qr.finik.kg/#${FINIK_DYNAMIC}`)}`,
      )
    ).text();
    expect(page).toContain('id="merchant-name">Finik-QR<');
    expect(page).toContain('12\u00a0412.00 KGS');
    expect(page).toContain('Checksum (ID 63) verified');
  });

  it('refuses an edited code by its checksum', async () => {
    const edited = FINIK_DYNAMIC.replace('54071241200', '54071241300');
    const res = await fetch(`${base}/qrbank/pay?link=${encodeURIComponent(edited)}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('QRBANK_CHECKSUM_INVALID');
  });

  it('pays a dynamic link and confirms to Tolem with the signed JSON; once Tolem says paid, a second payment is refused', async () => {
    const id = qrId();
    const link = elqr({
      kind: '12',
      qrId: id,
      amount: 150000,
      name: 'Cafe',
      extra: tlv('35', tlv('00', 'order:Order:42:Order no:11') + tlv('01', 'x:Hidden:1:h:12')),
    });
    tolem.register(link, {
      qr_code_id: id,
      merchant_name: 'Кафе Ала-Тоо',
      amount: 150000,
      description: 'Заказ 42',
      expires_at: '2030-01-01T00:00:00.000Z',
      visible_fields: [{ key: 'order', label: 'Order', value: '42', title: 'Order no' }],
    });
    const review = await (
      await fetch(`${base}/qrbank/pay?link=${encodeURIComponent(link)}`)
    ).text();
    // Tolem's merchant name, not the code's ID 59: the bank shows what Tolem answered.
    expect(review).toContain('id="merchant-name">Кафе Ала-Тоо<');
    expect(review).toContain('1\u00a0500.00 KGS');
    expect(review).toContain('id="description">Заказ 42<');
    expect(review).toContain('id="expires-at">2030-01-01T00:00:00.000Z<');
    expect(review).toContain('<dt>Order no</dt><dd data-field="order">42</dd>');
    expect(review).not.toContain('<dt>h</dt>');
    expect(review).toContain('Checked with Tolem: active.');
    expect(review).not.toContain('name="amount"');

    const res = await payForm(link);
    expect(res.status).toBe(200);
    const receipt = await res.text();
    expect(receipt).toContain('id="confirmation-status">HTTP 200<');
    const [confirmation] = of(id) as [Received];
    expect(confirmation.path).toBe('/callbacks/qr');
    expect(confirmation.headers['content-type']).toBe('application/json');
    expect(confirmation.headers['x-tolem-acquirer']).toBe(ACQUIRER);
    const ts = Number(confirmation.headers['x-tolem-timestamp']);
    expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(30);
    expect(signatureValid(confirmation)).toBe(true);
    expect(signatureValid(confirmation, 'other')).toBe(false);
    const body = JSON.parse(confirmation.body) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual([
      'qr_id',
      'amount',
      'currency',
      'acquirer_reference',
      'payer_bank',
      'paid_at',
    ]);
    expect(body).toMatchObject({ qr_id: id, amount: 150000, currency: 'KGS', payer_bank: 'mbank' });
    expect(receipt).toContain(`id="acquirer-reference">${String(body['acquirer_reference'])}<`);
    expect(new Date(String(body['paid_at'])).toISOString()).toBe(body['paid_at']);

    // Tolem has the confirmation: its details now say paid, and the bank asks again on submit.
    tolem.register(link, {
      qr_code_id: id,
      merchant_name: 'Кафе Ала-Тоо',
      amount: 150000,
      status: 'paid',
    });
    const again = await payForm(link);
    expect(again.status).toBe(409);
    const refused = await again.text();
    expect(refused).toContain('QRBANK_CODE_NOT_PAYABLE');
    expect(refused).toContain('This QR code is already paid');
    expect(of(id)).toHaveLength(1);
  });

  it('refuses, on the page and in the JSON API, a code Tolem does not know, an expired one, and pays nothing when Tolem does not answer', async () => {
    const unknown = elqr({ kind: '12', qrId: qrId(), amount: 100, name: 'S' });
    const page = await fetch(`${base}/qrbank/pay?link=${encodeURIComponent(unknown)}`);
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('id="error-code">QRBANK_CODE_UNKNOWN<');
    const json = await control('/_sandbox/qrbank/pay', { link: unknown });
    expect(json).toMatchObject({ status: 404, json: { error: { code: 'QRBANK_CODE_UNKNOWN' } } });

    const id = qrId();
    const expired = elqr({ kind: '12', qrId: id, amount: 100, name: 'S' });
    tolem.register(expired, { qr_code_id: id, amount: 100, status: 'expired' });
    const expiredPage = await fetch(`${base}/qrbank/pay?link=${encodeURIComponent(expired)}`);
    expect(expiredPage.status).toBe(409);
    expect(await expiredPage.text()).toContain('This QR code has expired');
    expect(await control('/_sandbox/qrbank/pay', { link: expired })).toMatchObject({
      status: 409,
      json: { error: { code: 'QRBANK_CODE_NOT_PAYABLE', details: { status: 'expired' } } },
    });

    const down = qrId();
    const active = elqr({ kind: '12', qrId: down, amount: 100, name: 'S' });
    tolem.register(active, { qr_code_id: down, amount: 100 });
    for (const mode of ['unavailable', 'hang'] as const) {
      tolem.setMode(mode);
      try {
        const refused = await control('/_sandbox/qrbank/pay', { link: active });
        expect(refused).toMatchObject({
          status: 503,
          json: { error: { code: 'QRBANK_TOLEM_UNAVAILABLE' } },
        });
      } finally {
        tolem.setMode('normal');
      }
    }
    await pause(100);
    expect([...of(down), ...of(id)]).toHaveLength(0);
    expect(await control('/_sandbox/qrbank/pay', { link: active })).toMatchObject({ status: 200 });
  });

  it('lets the payer enter the amount of a static link, paid as often as wanted with new references', async () => {
    const id = qrId();
    const link = elqr({ kind: '11', qrId: id, name: 'Shop' });
    tolem.register(link, {
      qr_code_id: id,
      kind: 'static',
      merchant_name: 'Shop',
      label: 'Касса 3',
    });
    const review = await (
      await fetch(`${base}/qrbank/pay?link=${encodeURIComponent(link)}`)
    ).text();
    expect(review).toContain('name="amount"');
    expect(review).toContain('id="label">Касса 3<');
    expect(review).toContain('id="amount">you choose<');
    await payForm(link, { amount: '25.50' });
    await payForm(link, { amount: '7' });
    const bodies = of(id).map(
      (r) => JSON.parse(r.body) as { amount: number; acquirer_reference: string },
    );
    expect(bodies.map((b) => b.amount)).toEqual([2550, 700]);
    expect(bodies[0]?.acquirer_reference).not.toBe(bodies[1]?.acquirer_reference);
    const missing = await payForm(link, { amount: '' });
    expect(missing.status).toBe(400);
  });

  it('uses 32/10 when the code has no transactionId (Finik vector)', async () => {
    const { json } = await control('/_sandbox/qrbank/pay', {
      link: `https://qr.finik.kg/#${FINIK_DYNAMIC}`,
    });
    expect(json).toMatchObject({
      qr_id: '8606240d690d42e4b036d3dba9d0371a',
      amount: '1241200',
      // What the bank saw at Tolem before the debit.
      details: {
        qr_code_id: '8606240d690d42e4b036d3dba9d0371a',
        status: 'active',
        merchant_name: 'Finik-QR',
        amount: '1241200',
      },
    });
  });

  it('retries a confirmation until a 2xx answer', async () => {
    const id = qrId();
    let calls = 0;
    merchant.script((r) => {
      if ((JSON.parse(r.body) as { qr_id: string }).qr_id !== id) return undefined;
      calls += 1;
      return calls < 3 ? { status: 503, body: 'busy' } : undefined;
    });
    try {
      const link = elqr({ kind: '12', qrId: id, amount: 100, name: 'S' });
      tolem.register(link, { qr_code_id: id, amount: 100 });
      await control('/_sandbox/qrbank/pay', { link });
      await waitFor(() => of(id).length === 3);
      await pause(150);
      expect(of(id)).toHaveLength(3);
      expect(
        new Set(of(id).map((r) => `${String(r.headers['x-tolem-signature'])}${r.body}`)).size,
      ).toBe(1);
    } finally {
      merchant.script(undefined);
    }
  });

  it('sends tampered, stale, duplicate and delayed confirmations on request', async () => {
    const id = qrId();
    const link = elqr({ kind: '12', qrId: id, amount: 5000, name: 'S' });
    tolem.register(link, { qr_code_id: id, amount: 5000 });
    const paid = await control('/_sandbox/qrbank/pay', { link, tamper: 'signature' });
    expect(signatureValid(of(id)[0] as Received)).toBe(false);
    const reference = paid.json['acquirer_reference'] as string;

    await control(`/_sandbox/qrbank/payments/${reference}/confirm`, { tamper: 'amount' });
    const amount = of(id)[1] as Received;
    expect(JSON.parse(amount.body)).toMatchObject({ amount: 5001 });
    expect(signatureValid(amount)).toBe(true);

    await control(`/_sandbox/qrbank/payments/${reference}/confirm`, { tamper: 'stale_timestamp' });
    const stale = of(id)[2] as Received;
    expect(Date.now() / 1000 - Number(stale.headers['x-tolem-timestamp'])).toBeGreaterThan(3000);
    expect(signatureValid(stale)).toBe(true);

    await control(`/_sandbox/qrbank/payments/${reference}/confirm`);
    await control(`/_sandbox/qrbank/payments/${reference}/resend`);
    const [, , , good, dup] = of(id) as Received[];
    expect(dup?.body).toBe(good?.body);
    expect(dup?.headers['x-tolem-signature']).toBe(good?.headers['x-tolem-signature']);
    expect(dup?.headers['x-tolem-timestamp']).toBe(good?.headers['x-tolem-timestamp']);

    const sentAt = Date.now();
    const delayed = await control(`/_sandbox/qrbank/payments/${reference}/resend`, {
      delay_ms: 400,
    });
    expect(delayed.json['confirmation']).toMatchObject({ state: 'scheduled' });
    const late = await waitFor(() => of(id)[5]);
    expect(late.at - sentAt).toBeGreaterThanOrEqual(350);
  });

  it('pays while the code is active and confirms later with delay_ms, whatever Tolem says meanwhile', async () => {
    const id = qrId();
    const link = elqr({ kind: '12', qrId: id, amount: 3000, name: 'S' });
    tolem.register(link, { qr_code_id: id, amount: 3000 });
    const sentAt = Date.now();
    const paid = await control('/_sandbox/qrbank/pay', { link, delay_ms: 400 });
    expect(paid.status).toBe(200);
    expect(paid.json['confirmations']).toMatchObject([{ state: 'scheduled' }]);
    expect(paid.json['details']).toMatchObject({ status: 'active' });
    // The code expires before the bank's confirmation reaches Tolem: a late confirmation.
    tolem.register(link, { qr_code_id: id, amount: 3000, status: 'expired' });
    expect(of(id)).toHaveLength(0);
    const late = await waitFor(() => of(id)[0]);
    expect(late.at - sentAt).toBeGreaterThanOrEqual(350);
    expect(JSON.parse(late.body)).toMatchObject({ qr_id: id, amount: 3000 });
  });

  it('stops cleanly on SIGTERM without printing the secret', async () => {
    expect(sandbox.output()).not.toContain(QR_SECRET);
    expect(await sandbox.stop()).toBe(0);
  });
});
