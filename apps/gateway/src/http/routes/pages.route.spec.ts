import { Merchant, type Payment } from '@tolem/contracts/checkout';
import { PaymentMethod } from '@tolem/contracts/common';
import { DomainError } from '@tolem/errors';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { notScripted } from '../../../test/fakes/gateway-deps.fake';
import { PAGE_SECRET, payment as unpaid } from '../../../test/fakes/payments.fake';
import { type PageRouteDeps, pageRoutes } from './pages.route';

/** The shared unpaid payment, in kyat and payable by Wavepay or Keeper Mobile. */
const payment: Payment = {
  ...unpaid,
  amount: { amountMinor: 500_000n, currency: 'MMK' },
  availableMethods: [
    PaymentMethod.PAYMENT_METHOD_WAVEPAY,
    PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
  ],
};

describe('the payer pages choose, switch and keep the language', () => {
  let app: FastifyInstance;
  let merchantLookups: string[];
  let merchantDown: boolean;

  beforeEach(async () => {
    merchantLookups = [];
    merchantDown = false;
    const deps: PageRouteDeps = {
      secureCookies: false,
      checkout: {
        getPayment: async (req) => {
          if (req.pageSecret !== PAGE_SECRET) {
            throw new DomainError('PAYMENT_NOT_FOUND', 'not_found', 'payment not found');
          }
          return { payment };
        },
        startPayment: notScripted,
        submitPayerInput: notScripted,
      },
      merchants: {
        getMerchant: async (req) => {
          merchantLookups.push(req.merchantId);
          if (merchantDown) throw new DomainError('UPSTREAM_UNAVAILABLE', 'unavailable', 'down');
          return { merchant: Merchant.fromPartial({ id: req.merchantId, name: 'Shwe Shop' }) };
        },
      },
    };
    app = Fastify({ logger: false });
    await app.register(pageRoutes(deps));
    await app.ready();
  });

  afterEach(async () => {
    await app.close();
  });

  const page = (query = '', headers: Record<string, string> = {}) =>
    app.inject({ method: 'GET', url: `/pay/pay_1?secret=${PAGE_SECRET}${query}`, headers });

  it('answers in the browser language and names the merchant', async () => {
    const res = await page('', { 'accept-language': 'my-MM,my;q=0.9,en;q=0.5' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<html lang="my">');
    expect(res.body).toContain(
      'id="merchant-name"><span class="visually-hidden">ရောင်းချသူ: </span>Shwe Shop</p>',
    );
    expect(res.body).toContain('၅,၀၀၀.၀၀');
    expect(merchantLookups).toEqual(['mer_1']);
    expect(res.headers['set-cookie']).not.toMatch(/tolem_lang=/);
  });

  it('a language link switches the page and keeps the choice in a cookie for /pay', async () => {
    const res = await page('&lang=ru', { 'accept-language': 'en' });
    expect(res.body).toContain('<html lang="ru">');
    const cookies = [res.headers['set-cookie']].flat().filter((c) => c?.startsWith('tolem_lang='));
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatch(
      /^tolem_lang=ru; Max-Age=31536000; Path=\/pay; HttpOnly; SameSite=Lax$/,
    );

    const later = await page('', { 'accept-language': 'en', cookie: 'tolem_lang=ru' });
    expect(later.body).toContain('<html lang="ru">');
    expect(later.body).toContain('Выберите способ оплаты');
  });

  it('ignores an unknown language in the link or the cookie', async () => {
    const res = await page('&lang=xx', { 'accept-language': 'ky', cookie: 'tolem_lang=de' });
    expect(res.body).toContain('<html lang="ky">');
    expect(res.headers['set-cookie']).not.toMatch(/tolem_lang=/);
  });

  it('still shows the page when the merchant cannot be looked up', async () => {
    merchantDown = true;
    const res = await page();
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('merchant-name');
    expect(res.body).toContain('<html lang="en">');
  });

  it('renders errors in the kept language', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/pay/pay_1?secret=wrong',
      headers: { cookie: 'tolem_lang=ky' },
    });
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('<html lang="ky">');
    expect(res.body).toContain('Бул төлөм шилтемеси жараксыз.');
  });

  it('a start refused for a missing phone explains it in the payer language', async () => {
    const get = await page('', { 'accept-language': 'ru' });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(get.body)?.[1] ?? '';
    const cookie = [get.headers['set-cookie']]
      .flat()
      .map((c) => (c ?? '').split(';')[0])
      .join('; ');
    const res = await app.inject({
      method: 'POST',
      url: `/pay/pay_1/start?secret=${PAGE_SECRET}`,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie,
        'accept-language': 'ru',
      },
      payload: new URLSearchParams({
        _csrf: csrf,
        method: 'webmoney_keeper_mobile',
        phone: ' ',
      }).toString(),
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Введите номер телефона, привязанный к WM Keeper Mobile.');
  });
});
