import { describe, expect, it } from 'vitest';

import vector from './__fixtures__/postback.json';
import {
  hexEquals,
  phpJsonEncode,
  postbackSignature,
  postbackSignedJsonCandidates,
  withoutTopLevelMember,
} from './signatures';

describe('PHP-compatible JSON (json_encode with UNESCAPED_SLASHES | UNESCAPED_UNICODE)', () => {
  it('is compact, keeps / and non-ASCII, escapes controls and U+2028/U+2029 like PHP', () => {
    expect(
      phpJsonEncode({ url: 'http://a/b', name: 'Мьянма ❤', n: 500, ok: true, none: null }),
    ).toBe('{"url":"http://a/b","name":"Мьянма ❤","n":500,"ok":true,"none":null}');
    expect(phpJsonEncode({ s: 'a"b\\c\n\t\u0001\u2028\u2029' })).toBe(
      '{"s":"a\\"b\\\\c\\n\\t\\u0001\\u2028\\u2029"}',
    );
    expect(phpJsonEncode([1, 'x', { k: [] }])).toBe('[1,"x",{"k":[]}]');
    // Python's json.dumps default (spaces after separators) is the known way to get it wrong.
    expect(phpJsonEncode({ a: 1, b: 2 })).not.toBe('{"a": 1, "b": 2}');
  });

  it('keeps key order as given', () => {
    expect(phpJsonEncode({ b: 1, a: 2 })).toBe('{"b":1,"a":2}');
  });
});

describe('Paykassma postback signature (protocols.md §4.3)', () => {
  it('is sha1(access_key . private_key . md5(json)) over the vector', () => {
    expect(postbackSignature(vector.accessKey, vector.privateKey, vector.signedJson)).toBe(
      vector.signature,
    );
    expect(phpJsonEncode(JSON.parse(vector.signedJson))).toBe(vector.signedJson);
  });

  it('changes with the keys, their order and any byte of the JSON (negative vectors)', () => {
    const good = vector.signature;
    expect(postbackSignature(vector.privateKey, vector.accessKey, vector.signedJson)).not.toBe(
      good,
    );
    expect(postbackSignature(vector.accessKey, 'pk-2', vector.signedJson)).not.toBe(good);
    expect(
      postbackSignature(
        vector.accessKey,
        vector.privateKey,
        vector.signedJson.replace('500', '501'),
      ),
    ).not.toBe(good);
    // Escaped slashes (PHP without JSON_UNESCAPED_SLASHES) hash differently.
    expect(
      postbackSignature(
        vector.accessKey,
        vector.privateKey,
        vector.signedJson.replace('http://a/b', 'http:\\/\\/a\\/b'),
      ),
    ).not.toBe(good);
    expect(hexEquals(good.toUpperCase(), good)).toBe(true);
    expect(hexEquals(good.slice(1), good)).toBe(false);
  });

  it('finds the signed JSON in a body with the signature appended, first or in between', () => {
    const tail = `${vector.signedJson.slice(0, -1)},"signature":"${vector.signature}"}`;
    const head = `{"signature":"${vector.signature}",${vector.signedJson.slice(1)}`;
    expect(withoutTopLevelMember(tail, 'signature')).toBe(vector.signedJson);
    expect(withoutTopLevelMember(head, 'signature')).toBe(vector.signedJson);
    expect(withoutTopLevelMember('{"a":1,"signature":"x","b":{"signature":2}}', 'signature')).toBe(
      '{"a":1,"b":{"signature":2}}',
    );
    expect(withoutTopLevelMember('{"signature":"x"}', 'signature')).toBe('{}');
    expect(withoutTopLevelMember('{"a":1}', 'signature')).toBeUndefined();
    expect(withoutTopLevelMember('[1]', 'signature')).toBeUndefined();
    expect(withoutTopLevelMember('{"a":', 'signature')).toBeUndefined();
  });

  it('offers the exact bytes first and the PHP re-encoding of a pretty-printed body second', () => {
    const pretty = JSON.stringify(
      { ...JSON.parse(vector.signedJson), signature: vector.signature },
      null,
      2,
    );
    const candidates = postbackSignedJsonCandidates(
      pretty,
      JSON.parse(pretty) as Record<string, unknown>,
    );
    expect(candidates).toHaveLength(2);
    expect(candidates[1]).toBe(vector.signedJson);
  });
});
