import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { httpUrl } from './mappers/payment.mapper';
import { URL_PATTERN } from './schemas';

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
