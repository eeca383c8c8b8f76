import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { httpUrl } from './mappers/payment.mapper';
import { limitSchema, URL_PATTERN } from './schemas';

describe('the URL pattern the document states', () => {
  const pattern = new RegExp(URL_PATTERN);

  it('allows only strings the server accepts as absolute http(s) URLs', () => {
    fc.assert(
      fc.property(fc.stringMatching(pattern), (url) => {
        expect(httpUrl(url, 'success_url')).toBe(url);
      }),
      { numRuns: 2_000, seed: 20261206 },
    );
  });

  it('allows the URLs merchants use, and refuses what no parser takes', () => {
    for (const url of [
      'https://shop.example/ok?order=1&x=%20',
      'http://127.0.0.1:45231/success',
      'http://localhost:8080',
    ]) {
      expect(pattern.test(url), url).toBe(true);
    }
    for (const url of ['https://seM7]7[W', 'http://x:99999', 'http://a.999', 'javascript:x', '']) {
      expect(pattern.test(url), url).toBe(false);
    }
  });
});

describe('limitSchema', () => {
  it('says exactly which limits the lists take: 1..100, or 1..200', () => {
    const takes = (max: 100 | 200, value: string) =>
      new RegExp(limitSchema(10, max).pattern).test(value);
    for (const v of ['1', '9', '10', '99', '100']) expect(takes(100, v), v).toBe(true);
    for (const v of ['0', '00', '01', '101', '150', '999', '', '-1', '1.5'])
      expect(takes(100, v), v).toBe(false);
    for (const v of ['1', '100', '150', '199', '200']) expect(takes(200, v), v).toBe(true);
    for (const v of ['0', '201', '250', '999', '1000']) expect(takes(200, v), v).toBe(false);
    expect(limitSchema(50, 200).description).toBe('1..200, default 50');
  });
});
