import { DomainError } from '@tolem/errors';
import type * as QrRender from '@tolem/qr-render';
import { qrModuleCount, renderQrPng, renderQrSvg } from '@tolem/qr-render';
import { XMLValidator } from 'fast-xml-parser';
import type { FastifyInstance } from 'fastify';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { authenticateByKeys, gatewayDeps } from '../../../test/fakes/gateway-deps.fake';
import { createApiKeyAuthenticator } from '../auth';
import { buildGateway } from '../server';
import { type QrCodeImageView, qrImageRoutes } from './qr-images.route';

// The real renderers, counted: the routes must not draw an image they already drew.
vi.mock('@tolem/qr-render', async (importActual) => {
  const actual = await importActual<typeof QrRender>();
  return {
    ...actual,
    renderQrPng: vi.fn(actual.renderQrPng),
    renderQrSvg: vi.fn(actual.renderQrSvg),
  };
});

/*
 * Payloads as apps/qr-platform's codec issues them (buildElqrPayload, composeQrCode's layout):
 * Cyrillic comments and names, `:` and `№` inside; the links percent-encode them (buildElqrLink).
 */
const DYNAMIC_PAYLOAD =
  '00020101021232580011qr.tolem.kg0105tolem1130qrc_01JF3Z8Q4W7N2K5M9R1T6V0XYZ3415Заказ №42: кофе52045812530341754061500005914Кофейня Бишкек630454c2';
const STATIC_PAYLOAD =
  '00020101021132640011qr.tolem.kg0105tolem1130qrc_01JF3Z8Q4W7N2K5M9R1T6V0ABC1202113413Касса 1: кофе5204581253034175914Кофейня Бишкек63049711';
const linkOf = (payload: string) => `https://pay.payqr.kg/#${encodeURI(payload)}`;

const dynamicCode: QrCodeImageView = {
  id: 'qrc_dyn',
  kind: 'dynamic',
  amount: 150_000,
  currency: 'KGS',
  description: 'Заказ №42: кофе',
  label: '',
  payload: DYNAMIC_PAYLOAD,
  link: linkOf(DYNAMIC_PAYLOAD),
};
const staticCode: QrCodeImageView = {
  id: 'qrc_sta',
  kind: 'static',
  amount: null,
  currency: 'KGS',
  description: 'Касса 1: кофе',
  label: 'Касса №1 <main>',
  payload: STATIC_PAYLOAD,
  link: linkOf(STATIC_PAYLOAD),
};

/**
 * Codes of mer_1 in test mode only, as qr-platform scopes GetQrCode: another merchant's id or
 * the other mode is QR_CODE_NOT_FOUND. Every lookup is recorded.
 */
function setup() {
  const lookups: { merchantId: string; livemode: boolean; id: string }[] = [];
  const codes = new Map([dynamicCode, staticCode].map((c) => [c.id, c]));
  const merchants = {
    ...gatewayDeps().merchants,
    authenticateApiKey: authenticateByKeys({
      sk_test_one: 'mer_1',
      sk_test_two: 'mer_2',
      sk_live_one: 'mer_1',
    }),
  };
  const deps = gatewayDeps({ merchants });
  const app = buildGateway(deps);
  void app.register(
    qrImageRoutes({
      authenticate: createApiKeyAuthenticator({ merchants }),
      getQrCode: async (merchantId, livemode, id) => {
        lookups.push({ merchantId, livemode, id });
        const code = codes.get(id);
        if (!code || merchantId !== 'mer_1' || livemode) {
          throw new DomainError('QR_CODE_NOT_FOUND', 'not_found', 'QR code not found');
        }
        return code;
      },
      merchantName: async (merchantId) => (merchantId === 'mer_1' ? 'Кофейня «Ала-Тоо» & Co' : ''),
    }),
  );
  return { app, lookups };
}

const one = { authorization: 'Bearer sk_test_one' };

function decodePng(body: Buffer): { text: string | undefined; width: number } {
  const image = PNG.sync.read(body);
  const code = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
  return { text: code ? Buffer.from(code.binaryData).toString('utf8') : undefined, ...image };
}

describe('QR code image routes', () => {
  let s: ReturnType<typeof setup>;
  let app: FastifyInstance;
  beforeEach(() => {
    s = setup();
    app = s.app;
  });
  afterEach(async () => {
    await app.close();
  });

  describe('GET /v1/qr_codes/:id/image.png', () => {
    it.each([
      ['dynamic', dynamicCode],
      ['static', staticCode],
    ])(
      'serves the %s code as a print-resolution PNG that an independent reader decodes to its link',
      async (_kind, code) => {
        const res = await app.inject({ url: `/v1/qr_codes/${code.id}/image.png`, headers: one });
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toBe('image/png');
        expect(res.headers['cache-control']).toBe('private, max-age=300');
        expect(res.headers['etag']).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
        const { text, width } = decodePng(res.rawPayload);
        expect(text).toBe(code.link);
        expect(decodeURIComponent(text!.slice(text!.indexOf('#') + 1))).toBe(code.payload);
        expect(width).toBeGreaterThanOrEqual(473);
        expect(s.lookups).toEqual([{ merchantId: 'mer_1', livemode: false, id: code.id }]);
      },
    );

    it('takes a scale or a size, bounded, and refuses both at once or anything else', async () => {
      const modules = qrModuleCount(dynamicCode.link);
      const get = (query: string) =>
        app.inject({ url: `/v1/qr_codes/qrc_dyn/image.png?${query}`, headers: one });
      const scaled = await get('scale=3');
      expect(scaled.statusCode).toBe(200);
      expect(decodePng(scaled.rawPayload)).toMatchObject({
        width: modules * 3,
        text: dynamicCode.link,
      });
      const sized = await get('size=800');
      expect(decodePng(sized.rawPayload).width).toBe(modules * Math.ceil(800 / modules));
      expect(scaled.headers['etag']).not.toBe(sized.headers['etag']);

      for (const [query, field] of [
        ['scale=17', 'scale'],
        ['scale=0', 'scale'],
        ['scale=2.5', 'scale'],
        ['size=63', 'size'],
        ['size=2049', 'size'],
        ['size=99999', 'size'],
        ['scale=4&size=600', 'size'],
        ['width=600', 'width'],
      ]) {
        const res = await get(query!);
        expect(res.statusCode, query).toBe(400);
        expect(res.json(), query).toMatchObject({
          error: { code: 'VALIDATION_FAILED', details: { field } },
        });
      }
    });
  });

  describe('GET /v1/qr_codes/:id/image.svg', () => {
    it('serves well-formed SVG with a viewBox of the code, and no script', async () => {
      const res = await app.inject({ url: '/v1/qr_codes/qrc_sta/image.svg', headers: one });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['cache-control']).toBe('private, max-age=300');
      expect(XMLValidator.validate(res.body)).toBe(true);
      const modules = qrModuleCount(staticCode.link);
      expect(res.body).toContain(`viewBox="0 0 ${modules} ${modules}"`);
      expect(res.body).toBe(renderQrSvg(staticCode.link));
    });
  });

  describe('caching', () => {
    it('draws an image once and serves it from memory after, per payload and size', async () => {
      vi.mocked(renderQrPng).mockClear();
      vi.mocked(renderQrSvg).mockClear();
      const get = (url: string) => app.inject({ url, headers: one });
      const first = await get('/v1/qr_codes/qrc_dyn/image.png');
      const second = await get('/v1/qr_codes/qrc_dyn/image.png');
      expect(second.rawPayload.equals(first.rawPayload)).toBe(true);
      expect(renderQrPng).toHaveBeenCalledTimes(1);
      await get('/v1/qr_codes/qrc_dyn/image.png?scale=2');
      await get('/v1/qr_codes/qrc_sta/image.png');
      expect(renderQrPng).toHaveBeenCalledTimes(3);
      await get('/v1/qr_codes/qrc_sta/image.svg');
      await get('/v1/qr_codes/qrc_sta/image.svg');
      expect(renderQrSvg).toHaveBeenCalledTimes(1);
    });

    it('answers 304 without a body when If-None-Match holds the ETag, and 200 for another', async () => {
      for (const path of ['image.png', 'image.svg', 'sticker']) {
        const url = `/v1/qr_codes/qrc_dyn/${path}`;
        const first = await app.inject({ url, headers: one });
        const etag = first.headers['etag'] as string;
        const again = await app.inject({ url, headers: { ...one, 'if-none-match': etag } });
        expect(again.statusCode, path).toBe(304);
        expect(again.body, path).toBe('');
        expect(again.headers['etag'], path).toBe(etag);
        expect(again.headers['cache-control'], path).toBe('private, max-age=300');
        const listed = await app.inject({
          url,
          headers: { ...one, 'if-none-match': `"other", W/${etag}` },
        });
        expect(listed.statusCode, path).toBe(304);
        const stale = await app.inject({ url, headers: { ...one, 'if-none-match': '"other"' } });
        expect(stale.statusCode, path).toBe(200);
      }
      // Another code (another payload) has another ETag.
      const other = await app.inject({ url: '/v1/qr_codes/qrc_sta/image.svg', headers: one });
      const dyn = await app.inject({ url: '/v1/qr_codes/qrc_dyn/image.svg', headers: one });
      expect(other.headers['etag']).not.toBe(dyn.headers['etag']);
    });
  });

  describe('GET /v1/qr_codes/:id/sticker', () => {
    it('prints a dynamic code: merchant, amount in the payer language, the code and the link', async () => {
      const res = await app.inject({
        url: '/v1/qr_codes/qrc_dyn/sticker',
        headers: { ...one, 'accept-language': 'ru-RU,ru;q=0.9,en;q=0.5' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('private, max-age=300');
      expect(res.headers['vary']).toContain('accept-language');
      const csp = res.headers['content-security-policy'] as string;
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toContain('script-src');
      const html = res.body;
      expect(html).toContain('<html lang="ru">');
      expect(html).not.toMatch(/<script|<link |<img |https?:\/\/(?!pay\.payqr\.kg|www\.w3\.org)/);
      expect(html).toMatch(/@page\{size:A6/);
      expect(html).toContain('<h1 id="sticker-merchant">Кофейня «Ала-Тоо» &amp; Co</h1>');
      // 150 000 tyiyn = 1 500,00 som, formatted for Russian.
      expect(html).toMatch(/<p class="amount" id="sticker-amount">1\s500,00\s(сом|KGS)<\/p>/);
      expect(html).toContain('Заказ №42: кофе');
      expect(html).toContain(`<p class="link" id="sticker-link">${dynamicCode.link}</p>`);
      expect(html).toContain('Отсканируйте в приложении банка');
      expect(html).not.toContain('id="sticker-label"');
      const svg = /<svg id="qr-image"[\s\S]*?<\/svg>/.exec(html)?.[0] ?? '';
      expect(svg).toContain('role="img" aria-label="QR-код платежа"');
      expect(XMLValidator.validate(svg)).toBe(true);
      expect(svg.slice(svg.indexOf('xmlns='))).toBe(
        renderQrSvg(dynamicCode.link).slice('<svg '.length).trimEnd(),
      );
    });

    it('prints a static code as "any amount" with its label, in the language asked for', async () => {
      const ky = await app.inject({ url: '/v1/qr_codes/qrc_sta/sticker?lang=ky', headers: one });
      expect(ky.statusCode).toBe(200);
      expect(ky.body).toContain('<html lang="ky">');
      expect(ky.body).toContain('<p class="amount" id="sticker-amount">Каалаган сумма</p>');
      expect(ky.body).toContain(
        '<p class="place" id="sticker-label">Касса: Касса №1 &lt;main&gt;</p>',
      );
      const en = await app.inject({ url: '/v1/qr_codes/qrc_sta/sticker?lang=en', headers: one });
      expect(en.body).toContain('<p class="amount" id="sticker-amount">Any amount</p>');
      expect(en.body).toContain('Cash desk: Касса №1 &lt;main&gt;');
      expect(en.headers['etag']).not.toBe(ky.headers['etag']);
      // An unknown language falls back to Accept-Language, then English.
      const fallback = await app.inject({
        url: '/v1/qr_codes/qrc_sta/sticker?lang=xx',
        headers: one,
      });
      expect(fallback.body).toContain('<html lang="en">');
    });
  });

  it('is documented in the OpenAPI document with its media types', async () => {
    const doc = (await app.inject({ url: '/openapi.json' })).json() as {
      paths: Record<
        string,
        Record<string, { operationId: string; responses: Record<string, { content?: object }> }>
      >;
    };
    const png = doc.paths['/v1/qr_codes/{id}/image.png']?.['get'];
    expect(png?.operationId).toBe('getQrCodePng');
    expect(Object.keys(png?.responses['200']?.content ?? {})).toEqual(['image/png']);
    expect(png?.responses['404']).toBeDefined();
    const svg = doc.paths['/v1/qr_codes/{id}/image.svg']?.['get'];
    expect(Object.keys(svg?.responses['200']?.content ?? {})).toEqual(['image/svg+xml']);
    const sticker = doc.paths['/v1/qr_codes/{id}/sticker']?.['get'];
    expect(Object.keys(sticker?.responses['200']?.content ?? {})).toEqual(['text/html']);
    expect(sticker?.responses['304']).toBeDefined();
  });

  describe('errors', () => {
    it.each(['image.png', 'image.svg', 'sticker'])(
      '%s: needs an API key, and answers 404 for another merchant or the other mode',
      async (path) => {
        const none = await app.inject({ url: `/v1/qr_codes/qrc_dyn/${path}` });
        expect(none.statusCode).toBe(401);
        expect(none.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
        for (const key of ['sk_test_two', 'sk_live_one']) {
          const res = await app.inject({
            url: `/v1/qr_codes/qrc_dyn/${path}`,
            headers: { authorization: `Bearer ${key}` },
          });
          expect(res.statusCode, key).toBe(404);
          expect(res.json(), key).toMatchObject({ error: { code: 'QR_CODE_NOT_FOUND' } });
        }
        const unknown = await app.inject({ url: `/v1/qr_codes/qrc_nope/${path}`, headers: one });
        expect(unknown.statusCode).toBe(404);
        expect(s.lookups.map((l) => [l.merchantId, l.livemode])).toEqual([
          ['mer_2', false],
          ['mer_1', true],
          ['mer_1', false],
        ]);
      },
    );
  });
});
