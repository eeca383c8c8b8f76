import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { phpJson, postbackSignature, signedPostback } from './signing';

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

describe('phpJson', () => {
  it('is compact, keeps slashes and unicode, and key order', () => {
    expect(
      phpJson({ b: 1, a: 'https://x.test/a/b', c: 'Mingalaba မင်္ဂလာပါ', d: null, e: true }),
    ).toBe('{"b":1,"a":"https://x.test/a/b","c":"Mingalaba မင်္ဂလာပါ","d":null,"e":true}');
  });

  it('escapes like PHP: quotes, backslashes, control characters, line separators', () => {
    expect(phpJson({ s: 'a"b\\c\nd\te\u0001\u2028' })).toBe(
      '{"s":"a\\"b\\\\c\\nd\\te\\u0001\\u2028"}',
    );
  });

  it('refuses floats, whose PHP text would differ', () => {
    expect(() => phpJson({ amount: 500.5 })).toThrow(/integers/);
  });

  it('differs from Python-style JSON with spaces (the mistake protocols.md warns about)', () => {
    expect(phpJson({ a: 1, b: 'x' })).not.toBe('{"a": 1, "b": "x"}');
  });
});

describe('postbackSignature', () => {
  it('is sha1(access . private . md5(json)), lowercase hex', () => {
    const json = '{"id":1,"status":"success","amount":5000}';
    expect(postbackSignature(json, 'ak', 'pk')).toBe(sha1(`akpk${md5(json)}`));
    expect(postbackSignature(json, 'ak', 'pk')).toMatch(/^[0-9a-f]{40}$/);
  });

  it('changes with the body, either key, or the order of the keys', () => {
    const base = postbackSignature('{"a":1,"b":2}', 'ak', 'pk');
    expect(postbackSignature('{"b":2,"a":1}', 'ak', 'pk')).not.toBe(base);
    expect(postbackSignature('{"a":1,"b":2}', 'ak2', 'pk')).not.toBe(base);
    expect(postbackSignature('{"a":1,"b":2}', 'ak', 'pk2')).not.toBe(base);
    // Keys are concatenated, not separated: only their join matters.
    expect(postbackSignature('{"a":1,"b":2}', 'a', 'kpk')).toBe(base);
  });
});

describe('signedPostback', () => {
  it('appends the signature as the last key; the signed JSON is the body without it', () => {
    const { json, signature, body } = signedPostback(
      { id: 7, status: 'success', label: 'user/1', amount: 5000 },
      { accessKey: 'ak', privateKey: 'pk' },
    );
    expect(json).toBe('{"id":7,"status":"success","label":"user/1","amount":5000}');
    expect(body).toBe(
      `{"id":7,"status":"success","label":"user/1","amount":5000,"signature":"${signature}"}`,
    );
    expect(signature).toBe(sha1(`akpk${md5(json)}`));
    // A receiver re-encoding the parsed body without `signature` gets the signed bytes back.
    const parsed = JSON.parse(body) as Record<string, unknown>;
    delete parsed['signature'];
    expect(phpJson(parsed)).toBe(json);
  });
});
