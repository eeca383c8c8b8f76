import { createHash } from 'node:crypto';

import { QR_MAX_SCALE, renderQrPng, renderQrSvg } from '@tolem/qr-render';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

import {
  type ApiKeyAuthenticator,
  authenticateMerchantScope,
  livemodeOf,
  merchantIdOf,
} from '../auth';
import { gatewayErrors } from '../errors';
import { operation } from '../openapi';
import { negotiateLocale } from '../pages/i18n';
import { renderStickerPage, STICKER_CSP } from '../pages/sticker.page';
import { idParamsSchema } from '../schemas';

/** The fields of the QR code JSON object (GET /v1/qr_codes/:id) an image or sticker needs. */
export interface QrCodeImageView {
  id: string;
  kind: 'static' | 'dynamic';
  /** Integer minor units; null on a static code. */
  amount: number | string | null;
  currency: string;
  description?: string | null;
  label?: string | null;
  payload: string;
  link: string;
}

export interface QrImageRouteDeps {
  authenticate: ApiKeyAuthenticator;
  /**
   * The merchant's code in the API key's mode, as its JSON object; throws the peer's not-found
   * error (QR_CODE_NOT_FOUND) for an unknown id, another merchant's or the other mode's.
   */
  getQrCode: (merchantId: string, livemode: boolean, id: string) => Promise<QrCodeImageView>;
  /** The merchant's display name, printed on the sticker. */
  merchantName: (merchantId: string) => Promise<string>;
}

/** `size` bounds (pixels): below 64 no phone reads a printed code; 2048 is a poster. */
export const QR_IMAGE_MIN_SIZE = 64;
export const QR_IMAGE_MAX_SIZE = 2048;

interface PngQuery {
  scale?: string;
  size?: string;
}

const pngQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    scale: {
      type: 'string',
      pattern: '^[1-9][0-9]?$',
      description: `Pixels per module, 1..${QR_MAX_SCALE}. Default: the smallest scale giving at least 473 px (4 cm at 300 dpi).`,
    },
    size: {
      type: 'string',
      pattern: '^[1-9][0-9]{1,3}$',
      description: `The smallest width wanted, ${QR_IMAGE_MIN_SIZE}..${QR_IMAGE_MAX_SIZE} px; the image is the smallest whole number of pixels per module reaching it (at most ${QR_MAX_SCALE}).`,
    },
  },
} as const;

const stickerQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    lang: {
      type: 'string',
      maxLength: 16,
      description: 'ru, ky, en or my; else the Accept-Language header decides.',
    },
  },
} as const;

/** A few minutes: a code's payload never changes, but a revoked API key should stop seeing it. */
const CACHE_CONTROL = 'private, max-age=300';

function pngOptions(query: PngQuery): { scale?: number; minWidth?: number } {
  if (query.scale !== undefined && query.size !== undefined) {
    throw gatewayErrors.create('VALIDATION_FAILED', 'give scale or size, not both', {
      details: { field: 'size' },
    });
  }
  if (query.scale !== undefined) {
    const scale = Number.parseInt(query.scale, 10);
    if (scale > QR_MAX_SCALE) {
      throw gatewayErrors.create('VALIDATION_FAILED', `scale must be 1..${QR_MAX_SCALE}`, {
        details: { field: 'scale' },
      });
    }
    return { scale };
  }
  if (query.size !== undefined) {
    const size = Number.parseInt(query.size, 10);
    if (size < QR_IMAGE_MIN_SIZE || size > QR_IMAGE_MAX_SIZE) {
      throw gatewayErrors.create(
        'VALIDATION_FAILED',
        `size must be ${QR_IMAGE_MIN_SIZE}..${QR_IMAGE_MAX_SIZE}`,
        { details: { field: 'size' } },
      );
    }
    return { minWidth: size };
  }
  return {};
}

/** A strong validator of what the answer is made from (the variant and the encoded text). */
function etagOf(...parts: string[]): string {
  return `"${createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, 32)}"`;
}

/** Sets the caching headers; true when the client's copy is current (answer 304, no body). */
function notModified(request: FastifyRequest, reply: FastifyReply, etag: string): boolean {
  void reply.header('etag', etag).header('cache-control', CACHE_CONTROL);
  const match = request.headers['if-none-match'];
  if (match === undefined) return false;
  return match
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === etag || tag === '*');
}

/**
 * Rendered images by ETag, least recently used dropped first. A PNG costs qrcode ~15 ms of CPU,
 * most of it on the event loop, and a code's image never changes: a cash desk's printer, a
 * merchant's page or a client without a cache asking again is served from memory. 256 entries of
 * ~3 KB (PNG) to ~20 KB (SVG) each.
 */
export const IMAGE_CACHE_ENTRIES = 256;

function imageCache() {
  const entries = new Map<string, Buffer | string>();
  return async function cached<T extends Buffer | string>(
    key: string,
    render: () => T | Promise<T>,
  ): Promise<T> {
    const hit = entries.get(key) as T | undefined;
    if (hit !== undefined) {
      // Map keeps insertion order: re-inserting makes this the most recently used.
      entries.delete(key);
      entries.set(key, hit);
      return hit;
    }
    const made = await render();
    if (entries.size >= IMAGE_CACHE_ENTRIES) {
      const oldest = entries.keys().next();
      if (!oldest.done) entries.delete(oldest.value);
    }
    entries.set(key, made);
    return made;
  };
}

/** What the code holds: the payment link (as the hosted page shows it), else the bare payload. */
function scannedText(code: QrCodeImageView): string {
  return code.link || code.payload;
}

/**
 * A QR code's images and printable sticker on the merchant API: PNG at print resolution, SVG
 * (vector), and an HTML sticker for a cash desk in the payer's language. API-key auth as every
 * /v1 route; the code is read in the key's mode, so another merchant's or mode's id is 404.
 * Answers are private and cached for 5 minutes, validated by an ETag of the encoded payload.
 */
export function qrImageRoutes(deps: QrImageRouteDeps): FastifyPluginAsync {
  return async (app) => {
    authenticateMerchantScope(app, deps.authenticate);
    const cached = imageCache();
    const codeOf = (request: FastifyRequest<{ Params: { id: string } }>) =>
      deps.getQrCode(merchantIdOf(request), livemodeOf(request), request.params.id);

    app.get<{ Params: { id: string }; Querystring: PngQuery }>(
      '/v1/qr_codes/:id/image.png',
      {
        schema: {
          ...operation('getQrCodePng', 'The code as a PNG at print resolution'),
          params: idParamsSchema,
          querystring: pngQuerySchema,
          response: {
            200: {
              description: 'image/png, black on white, error correction M, quiet zone 4 modules.',
              content: { 'image/png': { schema: { type: 'string', format: 'binary' } } },
            },
            304: { description: 'Not modified (If-None-Match matched the ETag).' },
          },
        },
      },
      async (request, reply) => {
        const options = pngOptions(request.query);
        const text = scannedText(await codeOf(request));
        const variant = `png scale=${options.scale ?? ''} size=${options.minWidth ?? ''}`;
        const etag = etagOf(variant, text);
        if (notModified(request, reply, etag)) return reply.code(304).send();
        const png = await cached(etag, () => renderQrPng(text, options));
        return reply.type('image/png').send(png);
      },
    );

    app.get<{ Params: { id: string } }>(
      '/v1/qr_codes/:id/image.svg',
      {
        schema: {
          ...operation('getQrCodeSvg', 'The code as SVG (vector: prints sharp at any size)'),
          params: idParamsSchema,
          response: {
            200: {
              description: 'image/svg+xml with a viewBox in modules; no script, no style.',
              content: { 'image/svg+xml': { schema: { type: 'string' } } },
            },
            304: { description: 'Not modified (If-None-Match matched the ETag).' },
          },
        },
      },
      async (request, reply) => {
        const text = scannedText(await codeOf(request));
        const etag = etagOf('svg', text);
        if (notModified(request, reply, etag)) return reply.code(304).send();
        const svg = await cached(etag, () => renderQrSvg(text));
        // Opened directly, an SVG is a document: it may run nothing and load nothing.
        return reply
          .type('image/svg+xml; charset=utf-8')
          .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
          .header('x-content-type-options', 'nosniff')
          .send(svg);
      },
    );

    app.get<{ Params: { id: string }; Querystring: { lang?: string } }>(
      '/v1/qr_codes/:id/sticker',
      {
        schema: {
          ...operation(
            'getQrCodeSticker',
            'A printable sticker for a cash desk: merchant, amount or "any amount", the code, the link',
          ),
          params: idParamsSchema,
          querystring: stickerQuerySchema,
          response: {
            200: {
              description: 'text/html with print CSS (one A6 sticker per page); no script.',
              content: { 'text/html': { schema: { type: 'string' } } },
            },
            304: { description: 'Not modified (If-None-Match matched the ETag).' },
          },
        },
      },
      async (request, reply) => {
        const merchantId = merchantIdOf(request);
        const [code, merchantName] = await Promise.all([
          codeOf(request),
          deps.merchantName(merchantId),
        ]);
        const locale = negotiateLocale({
          query: request.query.lang,
          cookie: undefined,
          acceptLanguage: request.headers['accept-language'],
        });
        const view = {
          merchantName,
          kind: code.kind,
          amount: code.amount,
          currency: code.currency,
          description: code.description ?? '',
          label: code.label ?? '',
          link: scannedText(code),
          locale,
        };
        const etag = etagOf(
          'sticker',
          locale,
          merchantName,
          view.kind,
          String(view.amount),
          view.currency,
          view.description,
          view.label,
          view.link,
        );
        void reply.header('vary', 'accept-language');
        if (notModified(request, reply, etag)) return reply.code(304).send();
        return reply
          .type('text/html; charset=utf-8')
          .header('content-security-policy', STICKER_CSP)
          .header('x-content-type-options', 'nosniff')
          .header('referrer-policy', 'same-origin')
          .send(renderStickerPage(view));
      },
    );
  };
}
