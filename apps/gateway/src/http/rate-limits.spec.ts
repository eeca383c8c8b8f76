import { describe, expect, it } from 'vitest';

import { PAGE_SECRET, paymentsDeps } from '../../test/fakes/payments.fake';
import { buildGateway, DEFAULT_RATE_LIMITS } from './server';

describe('per-IP rate limits', () => {
  it('answers 429 RATE_LIMITED past the limit, pages and callbacks counted apart', async () => {
    const f = paymentsDeps();
    const app = buildGateway({
      ...f.deps,
      rateLimits: {
        pages: { max: 2, windowMs: 60_000 },
        callbacks: { max: 3, windowMs: 60_000 },
      },
    });
    try {
      const status = () =>
        app.inject({ method: 'GET', url: `/pay/pay_1/status?secret=${PAGE_SECRET}` });
      expect((await status()).statusCode).toBe(200);
      expect(
        (await app.inject({ method: 'GET', url: `/pay/pay_1?secret=${PAGE_SECRET}` })).statusCode,
      ).toBe(200);
      const limited = await status();
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['retry-after']).toBeDefined();
      expect(limited.json()).toMatchObject({
        error: { code: 'RATE_LIMITED', request_id: expect.any(String) },
      });
      const page = await app.inject({ method: 'GET', url: `/pay/pay_1?secret=${PAGE_SECRET}` });
      expect(page.statusCode).toBe(429);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.body).toContain('RATE_LIMITED');

      // The callbacks' own budget is untouched by the pages.
      const callback = () =>
        app.inject({ method: 'POST', url: '/callbacks/webmoney', payload: 'a=1' });
      for (let i = 0; i < 3; i++) expect((await callback()).statusCode).toBe(200);
      const refused = await callback();
      expect(refused.statusCode).toBe(429);
      expect(refused.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
      // Another client address has its own budget.
      const other = await app.inject({
        method: 'GET',
        url: `/pay/pay_1/status?secret=${PAGE_SECRET}`,
        remoteAddress: '10.1.2.3',
      });
      expect(other.statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('/v1 rate limits per API key and per IP', () => {
  it('answers 429 RATE_LIMITED with Retry-After past either limit, before asking checkout', async () => {
    const f = paymentsDeps();
    const app = buildGateway({
      ...f.deps,
      rateLimits: {
        ...DEFAULT_RATE_LIMITS,
        apiPerKey: { max: 2, windowMs: 60_000 },
        apiPerIp: { max: 3, windowMs: 60_000 },
      },
    });
    try {
      const get = (key: string, remoteAddress = '10.0.0.1') =>
        app.inject({
          method: 'GET',
          url: '/v1/payments/pay_1',
          headers: { authorization: `Bearer ${key}` },
          remoteAddress,
        });
      const ok = await get('sk_test_good');
      expect(ok.statusCode).toBe(200);
      expect(ok.headers['x-ratelimit-limit']).toBe('2');
      expect(ok.headers['x-ratelimit-remaining']).toBe('1');
      expect((await get('sk_test_good')).statusCode).toBe(200);
      const limited = await get('sk_test_good', '10.0.0.2');
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(limited.json()).toEqual({
        error: {
          code: 'RATE_LIMITED',
          message: expect.stringContaining('retry after'),
          request_id: limited.headers['x-request-id'],
        },
      });
      const gets = f.calls.filter((c) => c.method === 'getPayment').length;
      expect(gets).toBe(2);

      // Another key from the same address has its own budget until the address's runs out.
      expect((await get('sk_test_other')).statusCode).toBe(401);
      const byIp = await get('sk_test_third');
      expect(byIp.statusCode).toBe(429);
      expect(byIp.headers['retry-after']).toBeDefined();
      // The hosted pages are not the API: their own limit applies.
      expect(
        (await app.inject({ method: 'GET', url: `/pay/pay_1/status?secret=${PAGE_SECRET}` }))
          .statusCode,
      ).toBe(200);
    } finally {
      await app.close();
    }
  });
});
