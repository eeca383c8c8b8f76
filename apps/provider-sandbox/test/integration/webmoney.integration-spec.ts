import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';

import { freePort, httpAnswers, type ServiceProcess, spawnService, waitFor } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SECRET = 'wm_integration_secret';
const PAYEE = 'Z145179295679';

/** One request the fake merchant Result URL received. */
interface Received {
  path: string;
  contentType: string;
  body: string;
  fields: Record<string, string>;
}

type Answer = { status: number; body: string };

/** The test API's answer to /pay (or its error body). */
interface PayAnswer {
  outcome?: string;
  prerequest?: { status: number; body: string };
  notification: { status: number; body: string; attempt: number; fields: Record<string, string> };
  error: { code: string };
  invoice?: Record<string, unknown>;
}

/**
 * The merchant's (Tolem's) Result URL: records every request and answers YES to pre-requests and
 * OK to notifications unless a test scripts another answer for its payment number.
 */
function startMerchant(port: number) {
  const received: Received[] = [];
  const scripts = new Map<string, (r: Received, n: number) => Answer>();
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const fields = Object.fromEntries(new URLSearchParams(body));
      const r: Received = {
        path: req.url ?? '',
        contentType: req.headers['content-type'] ?? '',
        body,
        fields,
      };
      received.push(r);
      const no = fields['LMI_PAYMENT_NO'] ?? '';
      const n = received.filter((x) => x.fields['LMI_PAYMENT_NO'] === no).length;
      const answer = scripts.get(no)?.(r, n) ?? {
        status: 200,
        body: fields['LMI_PREREQUEST'] === '1' ? 'YES' : 'OK',
      };
      res
        .writeHead(answer.status, { 'content-type': 'text/plain; charset=utf-8' })
        .end(answer.body);
    });
  });
  return {
    received,
    scripts,
    of: (paymentNo: string) => received.filter((r) => r.fields['LMI_PAYMENT_NO'] === paymentNo),
    listen: () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve())),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The test's own LMI_HASH / LMI_HASH2 (protocols.md §1.5, §1.6), independent of the sandbox's code. */
function expectedHashes(
  f: Record<string, string>,
  secret: string,
  algorithm: 'sha256' | 'md5' = 'sha256',
) {
  const values = [
    f['LMI_PAYEE_PURSE'],
    f['LMI_PAYMENT_AMOUNT'],
    f['LMI_PAYMENT_NO'],
    f['LMI_MODE'],
    f['LMI_SYS_INVS_NO'],
    f['LMI_SYS_TRANS_NO'],
    f['LMI_SYS_TRANS_DATE'],
    secret,
    f['LMI_PAYER_PURSE'],
    f['LMI_PAYER_WM'],
  ].map((v) => v ?? '');
  return {
    hash: createHash(algorithm).update(values.join('')).digest('hex').toUpperCase(),
    hash2: createHash('sha256').update(values.join(';')).digest('hex').toUpperCase(),
  };
}

/** Encodes text as windows-1251 bytes, percent-escaped (what a windows-1251 page's browser sends). */
function cp1251Escape(text: string): string {
  const decoder = new TextDecoder('windows-1251');
  const table = new Map<string, number>();
  for (let b = 0; b < 256; b++) table.set(decoder.decode(Uint8Array.of(b)), b);
  return [...text]
    .map((ch) => `%${(table.get(ch) ?? 0x3f).toString(16).toUpperCase().padStart(2, '0')}`)
    .join('');
}

const invoiceIdOf = (html: string): string => {
  const id = /name="invoice" value="([^"]+)"/.exec(html)?.[1];
  if (!id) throw new Error(`no invoice id in page:\n${html.slice(0, 2000)}`);
  return id;
};

describe('provider-sandbox WebMoney (real process, real HTTP)', () => {
  let sandbox: ServiceProcess;
  let merchant: ReturnType<typeof startMerchant>;
  let base: string;
  let resultUrl: string;
  let shopUrl: string;
  let nextNo = 100_000 + Math.floor(Math.random() * 1_000_000);
  const paymentNo = () => String(nextNo++);

  beforeAll(async () => {
    const merchantPort = await freePort();
    merchant = startMerchant(merchantPort);
    await merchant.listen();
    resultUrl = `http://127.0.0.1:${merchantPort}/callbacks/webmoney`;
    shopUrl = `http://127.0.0.1:${merchantPort}/shop`;

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    sandbox = await spawnService({
      name: 'provider-sandbox',
      entry: 'apps/provider-sandbox/src/main.ts',
      env: {
        HTTP_PORT: String(port),
        PUBLIC_BASE_URL: base,
        LOG_LEVEL: 'info',
        SANDBOX_WEBMONEY_SECRET_KEY: SECRET,
        SANDBOX_WEBMONEY_HASH: 'sha256',
        SANDBOX_WEBMONEY_NOTIFY_ATTEMPTS: '3',
        SANDBOX_WEBMONEY_NOTIFY_BACKOFF_MS: '50',
      },
      ready: () => httpAnswers(`${base}/healthz`),
    });
  });

  afterAll(async () => {
    await sandbox?.stop();
    await merchant?.close();
  });

  const paymentForm = (no: string, extra: Record<string, string> = {}): Record<string, string> => ({
    LMI_PAYEE_PURSE: PAYEE,
    LMI_PAYMENT_AMOUNT: '12.08',
    LMI_PAYMENT_NO: no,
    LMI_SHOP_ID: '4321',
    LMI_PAYMENT_DESC_BASE64: Buffer.from(`Заказ №${no}`, 'utf8').toString('base64'),
    LMI_RESULT_URL: resultUrl,
    LMI_SUCCESS_URL: `${shopUrl}/success?order=${no}`,
    LMI_SUCCESS_METHOD: '0',
    LMI_FAIL_URL: `${shopUrl}/fail`,
    LMI_FAIL_METHOD: '0',
    TOLEM_PAYMENT_ID: `pay_${no}`,
    ...extra,
  });

  const post = (path: string, fields: Record<string, string>) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    });

  /** Posts the payment form as the customer's browser does and returns the invoice id on the page. */
  const openInvoice = async (
    fields: Record<string, string>,
  ): Promise<{ id: string; html: string }> => {
    const res = await post('/webmoney/lmi/payment_utf.asp', fields);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    return { id: invoiceIdOf(html), html };
  };

  const invoiceState = async (id: string) => {
    const res = await fetch(`${base}/_sandbox/webmoney/invoices/${id}`);
    expect(res.status).toBe(200);
    return (await res.json()) as {
      status: string;
      payment: Record<string, string> | null;
      deliveries: unknown[];
    };
  };

  const controlPay = async (id: string, body: Record<string, string | number>) => {
    const res = await fetch(`${base}/_sandbox/webmoney/invoices/${id}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as PayAnswer };
  };

  it('answers health and lists WebMoney on the index page', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const index = await (await fetch(`${base}/`)).text();
    expect(index).toContain('WebMoney Merchant Interface');
    expect(index).toContain('/webmoney/lmi/payment_utf.asp');
  });

  it('pays from a purse through the pages: pre-request, then a notification whose hashes verify, then 303 to the success URL', async () => {
    const no = paymentNo();
    const { id, html } = await openInvoice(paymentForm(no));
    expect(html).toContain(PAYEE);
    expect(html).toContain('12.08');
    expect(html).toContain(`Заказ №${no}`);
    expect(html).toContain('<form id="pay-purse" method="post" action="/webmoney/pay">');
    expect(html).toContain('value="Z366393600555"');
    expect(html).toContain(
      '<form id="keeper-mobile-start" method="post" action="/webmoney/keeper-mobile/start">',
    );

    const res = await post('/webmoney/pay', {
      invoice: id,
      payer_purse: 'Z366393600555',
      payer_wmid: '404521188333',
    });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location') ?? '');

    const calls = merchant.of(no);
    expect(calls).toHaveLength(2);
    const [pre, notification] = calls as [Received, Received];
    expect(pre.path).toBe('/callbacks/webmoney');
    expect(pre.contentType).toContain('application/x-www-form-urlencoded');
    expect(pre.fields).toEqual({
      LMI_PREREQUEST: '1',
      LMI_PAYEE_PURSE: PAYEE,
      LMI_PAYMENT_AMOUNT: '12.08',
      LMI_PAYMENT_NO: no,
      LMI_MODE: '1',
      LMI_PAYER_WM: '404521188333',
      LMI_PAYER_PURSE: 'Z366393600555',
      LMI_PAYMENT_DESC: `Заказ №${no}`,
      TOLEM_PAYMENT_ID: `pay_${no}`,
    });

    const f = notification.fields;
    expect(f).toMatchObject({
      LMI_PAYEE_PURSE: PAYEE,
      LMI_PAYMENT_AMOUNT: '12.08',
      LMI_PAYMENT_NO: no,
      LMI_MODE: '1',
      LMI_PAYER_PURSE: 'Z366393600555',
      LMI_PAYER_WM: '404521188333',
      LMI_PAYMENT_DESC: `Заказ №${no}`,
      LMI_LANG: 'ru-RU',
      LMI_DBLCHK: 'ENUM',
      TOLEM_PAYMENT_ID: `pay_${no}`,
    });
    expect(f['LMI_PREREQUEST']).toBeUndefined();
    expect(f['LMI_TELEPAT_PHONENUMBER']).toBeUndefined();
    expect(f['LMI_SYS_INVS_NO']).toMatch(/^\d+$/);
    expect(f['LMI_SYS_TRANS_NO']).toMatch(/^\d+$/);
    expect(f['LMI_SYS_TRANS_DATE']).toMatch(/^\d{8} \d{2}:\d{2}:\d{2}$/);
    const expected = expectedHashes(f, SECRET);
    expect(f['LMI_HASH']).toBe(expected.hash);
    expect(f['LMI_HASH2']).toBe(expected.hash2);
    expect(expectedHashes(f, 'another secret').hash).not.toBe(f['LMI_HASH']);

    expect(`${location.origin}${location.pathname}`).toBe(`${shopUrl}/success`);
    expect(Object.fromEntries(location.searchParams)).toEqual({
      order: no,
      LMI_PAYMENT_NO: no,
      LMI_SYS_INVS_NO: f['LMI_SYS_INVS_NO'],
      LMI_SYS_TRANS_NO: f['LMI_SYS_TRANS_NO'],
      LMI_SYS_TRANS_DATE: f['LMI_SYS_TRANS_DATE'],
      TOLEM_PAYMENT_ID: `pay_${no}`,
    });

    const state = await invoiceState(id);
    expect(state.status).toBe('paid');
    expect(state.payment).toMatchObject({ method: 'purse', sys_trans_no: f['LMI_SYS_TRANS_NO'] });
    const found = (await (
      await fetch(`${base}/_sandbox/webmoney/invoices?payment_no=${no}`)
    ).json()) as { invoices: Array<{ id: string }> };
    expect(found.invoices.map((i) => i.id)).toEqual([id]);
  });

  it('gives every transfer a new, larger LMI_SYS_TRANS_NO', async () => {
    const a = paymentNo();
    const b = paymentNo();
    const first = await controlPay((await openInvoice(paymentForm(a))).id, { method: 'purse' });
    const second = await controlPay((await openInvoice(paymentForm(b))).id, { method: 'purse' });
    const n1 = BigInt(first.json.notification.fields['LMI_SYS_TRANS_NO'] ?? '');
    const n2 = BigInt(second.json.notification.fields['LMI_SYS_TRANS_NO'] ?? '');
    expect(n2).toBeGreaterThan(n1);
  });

  it('pays with Keeper Mobile: SMS code from /_sandbox/sms, telepat fields in the notification, POST back to the shop', async () => {
    const no = paymentNo();
    const phone = '79001234567';
    const { id, html } = await openInvoice(
      paymentForm(no, { LMI_PAYER_PHONE_NUMBER: '+7 900 123-45-67', LMI_SUCCESS_METHOD: '1' }),
    );
    expect(html).toContain(`name="phone" value="${phone}"`);

    const start = await post('/webmoney/keeper-mobile/start', { invoice: id, phone });
    expect(start.status).toBe(200);
    const codePage = await start.text();
    expect(codePage).toContain(
      '<form id="keeper-mobile-confirm" method="post" action="/webmoney/keeper-mobile/confirm">',
    );
    const sms = (await (await fetch(`${base}/_sandbox/sms?phone=${phone}`)).json()) as {
      phone: string;
      code: string;
    };
    expect(sms.phone).toBe(phone);
    expect(sms.code).toMatch(/^\d{4}$/);
    expect(codePage).toContain(`id="sms-code">${sms.code}<`);
    expect(merchant.of(no)).toHaveLength(0);

    const confirm = await post('/webmoney/keeper-mobile/confirm', {
      invoice: id,
      phone,
      code: sms.code,
    });
    expect(confirm.status).toBe(200);
    const returnPage = await confirm.text();

    const [pre, notification] = merchant.of(no) as [Received, Received];
    expect(pre.fields['LMI_PREREQUEST']).toBe('1');
    const f = notification.fields;
    expect(f['LMI_TELEPAT_PHONENUMBER']).toBe(phone);
    expect(f['LMI_TELEPAT_ORDERID']).toMatch(/^\d+$/);
    expect(f['LMI_DBLCHK']).toBe('SMS');
    expect(f['LMI_PAYER_PURSE']).toMatch(/^Z\d{12}$/);
    expect(f['LMI_PAYER_WM']).toMatch(/^\d{12}$/);
    const expected = expectedHashes(f, SECRET);
    expect(f['LMI_HASH']).toBe(expected.hash);
    expect(f['LMI_HASH2']).toBe(expected.hash2);

    // LMI_SUCCESS_METHOD=1: an auto-submitting POST form to the success URL.
    expect(returnPage).toContain(
      `<form id="return-form" method="post" action="${shopUrl}/success?order=${no}">`,
    );
    expect(returnPage).toContain(
      `<input type="hidden" name="LMI_SYS_TRANS_NO" value="${f['LMI_SYS_TRANS_NO']}">`,
    );
    expect(returnPage).toContain(`<input type="hidden" name="TOLEM_PAYMENT_ID" value="pay_${no}">`);
    expect(returnPage).toContain('.submit()');

    expect((await invoiceState(id)).payment).toMatchObject({
      method: 'keeper_mobile',
      phone,
      telepat_order_id: f['LMI_TELEPAT_ORDERID'],
    });
  });

  it('refuses a wrong SMS code and sends nothing to the shop', async () => {
    const no = paymentNo();
    const phone = '996555123456';
    const { id } = await openInvoice(paymentForm(no));
    await post('/webmoney/keeper-mobile/start', { invoice: id, phone });
    const sms = (await (await fetch(`${base}/_sandbox/sms?phone=${phone}`)).json()) as {
      code: string;
    };
    const wrong = sms.code === '0000' ? '1111' : '0000';

    const res = await post('/webmoney/keeper-mobile/confirm', { invoice: id, phone, code: wrong });
    expect(res.status).toBe(403);
    const page = await res.text();
    expect(page).toContain('WEBMONEY_SMS_CODE_WRONG');
    expect(page).toContain(`/webmoney/invoices/${id}`);

    await new Promise((r) => setTimeout(r, 200));
    expect(merchant.of(no)).toHaveLength(0);
    expect((await invoiceState(id)).status).toBe('awaiting_payment');
  });

  it('refuses a phone that is not 10-15 digits', async () => {
    const { id } = await openInvoice(paymentForm(paymentNo()));
    const res = await post('/webmoney/keeper-mobile/start', { invoice: id, phone: '12345' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('WEBMONEY_PAYER_INVALID');
  });

  it('stops the payment when the pre-request is not answered YES: merchant text shown, no notification, fail URL offered', async () => {
    const no = paymentNo();
    merchant.scripts.set(no, (r) =>
      r.fields['LMI_PREREQUEST'] === '1'
        ? { status: 200, body: 'Amount mismatch' }
        : { status: 200, body: 'OK' },
    );
    const { id } = await openInvoice(paymentForm(no));
    const res = await post('/webmoney/pay', {
      invoice: id,
      payer_purse: 'Z366393600555',
      payer_wmid: '404521188333',
    });
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('Amount mismatch');
    expect(page).toContain(
      `href="${shopUrl}/fail?LMI_PAYMENT_NO=${no}&amp;TOLEM_PAYMENT_ID=pay_${no}"`,
    );

    await new Promise((r) => setTimeout(r, 200));
    expect(merchant.of(no)).toHaveLength(1);
    expect((await invoiceState(id)).status).toBe('refused');
  });

  it('tamper=hash: the notification arrives with an LMI_HASH that does not verify', async () => {
    const no = paymentNo();
    const { id } = await openInvoice(paymentForm(no));
    const { status, json } = await controlPay(id, { method: 'purse', tamper: 'hash' });
    expect(status).toBe(200);
    expect(json['outcome']).toBe('paid');
    expect(json['prerequest']).toMatchObject({ status: 200, body: 'YES' });
    expect(json['notification']).toMatchObject({ status: 200, body: 'OK' });

    const f = (merchant.of(no)[1] as Received).fields;
    expect(f).toEqual(json.notification.fields);
    const expected = expectedHashes(f, SECRET);
    expect(f['LMI_HASH']).not.toBe(expected.hash);
    expect(f['LMI_HASH2']).toBe(expected.hash2);
  });

  it('tamper=amount: a validly signed notification for another amount', async () => {
    const no = paymentNo();
    const { id } = await openInvoice(paymentForm(no));
    const { json } = await controlPay(id, {
      method: 'keeper_mobile',
      phone: '79001112233',
      tamper: 'amount',
    });
    const f = json.notification.fields;
    expect(f['LMI_PAYMENT_AMOUNT']).toBe('12.07');
    expect(f['LMI_HASH']).toBe(expectedHashes(f, SECRET).hash);
    expect(f['LMI_TELEPAT_PHONENUMBER']).toBe('79001112233');
  });

  it('hold_days: a validly signed notification carrying LMI_HOLD, the pre-request without it', async () => {
    const no = paymentNo();
    const { id } = await openInvoice(paymentForm(no));
    const { status, json } = await controlPay(id, { method: 'purse', hold_days: 3 });
    expect(status).toBe(200);
    const [pre, notification] = merchant.of(no) as Received[];
    expect(pre?.fields['LMI_HOLD']).toBeUndefined();
    const f = notification?.fields ?? {};
    expect(f['LMI_HOLD']).toBe('3');
    expect(f['LMI_HASH']).toBe(expectedHashes(f, SECRET).hash);
    const withHold = [
      f['LMI_PAYEE_PURSE'],
      f['LMI_PAYMENT_AMOUNT'],
      '3',
      f['LMI_PAYMENT_NO'],
      f['LMI_MODE'],
      f['LMI_SYS_INVS_NO'],
      f['LMI_SYS_TRANS_NO'],
      f['LMI_SYS_TRANS_DATE'],
      SECRET,
      f['LMI_PAYER_PURSE'],
      f['LMI_PAYER_WM'],
    ].join(';');
    expect(f['LMI_HASH2']).toBe(createHash('sha256').update(withHold).digest('hex').toUpperCase());
    expect(json.invoice).toMatchObject({ payment: { hold_days: '3' } });

    const refused = await controlPay(id, { method: 'purse', hold_days: 0 });
    expect(refused.status).toBe(400);
  });

  it('LMI_SUCCESS_METHOD=2: a page with a link back to the shop', async () => {
    const no = paymentNo();
    const { id } = await openInvoice(paymentForm(no, { LMI_SUCCESS_METHOD: '2' }));
    const res = await post('/webmoney/pay', {
      invoice: id,
      payer_purse: 'Z366393600555',
      payer_wmid: '404521188333',
    });
    expect(res.status).toBe(200);
    const page = await res.text();
    const href = /id="return-link" href="([^"]+)"/.exec(page)?.[1]?.replace(/&amp;/g, '&');
    const url = new URL(href ?? '');
    expect(`${url.origin}${url.pathname}`).toBe(`${shopUrl}/success`);
    expect(url.searchParams.get('LMI_PAYMENT_NO')).toBe(no);
    expect(url.searchParams.get('LMI_SYS_TRANS_NO')).toBe(
      (merchant.of(no)[1] as Received).fields['LMI_SYS_TRANS_NO'],
    );
    expect(page).not.toContain('http-equiv="refresh"');
  });

  it('resends the last notification byte for byte', async () => {
    const no = paymentNo();
    const { id } = await openInvoice(paymentForm(no));
    await controlPay(id, { method: 'purse' });
    const res = await fetch(`${base}/_sandbox/webmoney/invoices/${id}/resend`, { method: 'POST' });
    expect(res.status).toBe(200);
    const calls = merchant.of(no);
    expect(calls).toHaveLength(3);
    expect(calls[2]?.body).toBe(calls[1]?.body);
  });

  it('retries a notification the Result URL did not take', async () => {
    const no = paymentNo();
    merchant.scripts.set(no, (r, n) =>
      r.fields['LMI_PREREQUEST'] === '1'
        ? { status: 200, body: 'YES' }
        : n < 3
          ? { status: 503, body: 'later' }
          : { status: 200, body: 'OK' },
    );
    const { id } = await openInvoice(paymentForm(no));
    const { json } = await controlPay(id, { method: 'purse' });
    expect(json['notification']).toMatchObject({ status: 200, attempt: 2 });
    const calls = merchant.of(no);
    expect(calls).toHaveLength(3);
    expect(calls[2]?.body).toBe(calls[1]?.body);
  });

  it('refuses a second payment of a paid payment number', async () => {
    const no = paymentNo();
    const { id } = await openInvoice(paymentForm(no));
    await controlPay(id, { method: 'purse' });
    const again = await controlPay(id, { method: 'purse' });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('WEBMONEY_PAYMENT_NO_ALREADY_PAID');
    const newForm = await post('/webmoney/lmi/payment_utf.asp', paymentForm(no));
    expect(newForm.status).toBe(409);
    expect(merchant.of(no)).toHaveLength(2);
  });

  it('refuses malformed payment forms with a page naming the problem', async () => {
    const noShop = paymentForm(paymentNo());
    delete noShop['LMI_SHOP_ID'];
    const res = await post('/webmoney/lmi/payment_utf.asp', noShop);
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toContain('LMI_SHOP_ID');
    expect(page).toContain('WEBMONEY_FORM_INVALID');

    const badAmount = await post(
      '/webmoney/lmi/payment_utf.asp',
      paymentForm(paymentNo(), { LMI_PAYMENT_AMOUNT: '12,08' }),
    );
    expect(badAmount.status).toBe(400);
  });

  it('reads payment.asp forms as windows-1251', async () => {
    const no = paymentNo();
    const fields = paymentForm(no);
    delete fields['LMI_PAYMENT_DESC_BASE64'];
    const body = `${new URLSearchParams(fields).toString()}&LMI_PAYMENT_DESC=${cp1251Escape('Оплата заказа')}`;
    const res = await fetch(`${base}/webmoney/lmi/payment.asp`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(res.status).toBe(200);
    const id = invoiceIdOf(await res.text());
    const state = (await invoiceState(id)) as unknown as { description: string; charset: string };
    expect(state).toMatchObject({ description: 'Оплата заказа', charset: 'windows-1251' });
  });

  it('answers the test API with JSON errors', async () => {
    const missing = await fetch(`${base}/_sandbox/webmoney/invoices/wminv_nope`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe(
      'WEBMONEY_INVOICE_NOT_FOUND',
    );
    const { id } = await openInvoice(paymentForm(paymentNo()));
    const bad = await controlPay(id, { method: 'cash' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('WEBMONEY_REQUEST_INVALID');
    const noSms = await fetch(`${base}/_sandbox/sms?phone=10000000000`);
    expect(noSms.status).toBe(404);
  });

  it('answers 503 naming the variables for the providers this WebMoney-only setup leaves unconfigured', async () => {
    const form = await fetch(`${base}/intellectmoney/ru/`, { method: 'POST' });
    expect(form.status).toBe(503);
    const page = await form.text();
    expect(page).toContain('SANDBOX_INTELLECTMONEY_ESHOP_ID');
    expect(page).toContain('SANDBOX_INTELLECTMONEY_RESULT_URL');

    const api = await fetch(`${base}/paykassma/api/v1/transaction/activate?secret=x`, {
      method: 'POST',
    });
    expect(api.status).toBe(503);
    const body = (await api.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('SANDBOX_PROVIDER_DISABLED');
    expect(body.error.message).toContain('SANDBOX_PAYKASSMA_PLUGIN_API_SECRET');

    expect((await fetch(`${base}/qrbank/`)).status).toBe(503);
    expect((await fetch(`${base}/_sandbox/qrbank/pay`, { method: 'POST' })).status).toBe(503);
    const index = await (await fetch(`${base}/`)).text();
    expect(index).toContain('IntellectMoney <span class="muted">(disabled)</span>');
  });

  it('stops cleanly on SIGTERM', async () => {
    await waitFor(() => sandbox.output().includes('provider-sandbox started'), {
      what: 'start log line',
    });
    expect(sandbox.output()).not.toContain(SECRET);
    expect(await sandbox.stop()).toBe(0);
  });
});
