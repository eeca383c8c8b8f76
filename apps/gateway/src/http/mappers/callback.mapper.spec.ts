import { describe, expect, it } from 'vitest';

import { headersFromRaw, splitTarget, toProviderHttpRequest } from './callback.mapper';

describe('headersFromRaw', () => {
  it('lower-cases names and joins repeated headers with ", " in arrival order', () => {
    const headers = headersFromRaw([
      'Content-Type',
      'a/b',
      'X-Sig',
      'one',
      'x-sig',
      'two',
      'Host',
      'h',
    ]);
    expect({ ...headers }).toEqual({ 'content-type': 'a/b', 'x-sig': 'one, two', host: 'h' });
  });

  it('keeps a header named __proto__ as data', () => {
    const headers = headersFromRaw(['__proto__', 'x']);
    expect(Object.entries(headers)).toEqual([['__proto__', 'x']]);
  });
});

describe('splitTarget', () => {
  it('separates the path from the raw, undecoded query', () => {
    expect(splitTarget('/callbacks/webmoney')).toEqual({ path: '/callbacks/webmoney', query: '' });
    expect(splitTarget('/callbacks/qr?a=1&b=%2B+c?d')).toEqual({
      path: '/callbacks/qr',
      query: 'a=1&b=%2B+c?d',
    });
  });
});

describe('toProviderHttpRequest', () => {
  it('passes the body bytes through untouched and an absent body as empty', () => {
    const body = Buffer.from('LMI_PAYEE_PURSE=Z1&x=%D0%9E+%2B&name=Оплата', 'utf8');
    const req = toProviderHttpRequest({
      method: 'POST',
      url: '/callbacks/webmoney?q=1',
      rawHeaders: ['Content-Type', 'application/x-www-form-urlencoded'],
      body,
      remoteAddress: '203.0.113.9',
    });
    expect(req.body.equals(body)).toBe(true);
    expect(req).toMatchObject({
      method: 'POST',
      path: '/callbacks/webmoney',
      query: 'q=1',
      remoteAddress: '203.0.113.9',
    });
    expect(
      toProviderHttpRequest({
        method: 'POST',
        url: '/c',
        rawHeaders: [],
        body: undefined,
        remoteAddress: '',
      }).body,
    ).toHaveLength(0);
  });
});
