import { describe, expect, it } from 'vitest';

import { classifyAddress, refusal } from './ssrf';

describe('classifyAddress', () => {
  it.each([
    ['93.184.216.34', 'public'],
    ['2606:2800:220:1:248:1893:25c8:1946', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.1.1', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['0.0.0.0', 'special'],
    ['::', 'special'],
    ['224.0.0.1', 'special'],
    ['255.255.255.255', 'special'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['[::ffff:7f00:1]', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['64:ff9b::a00:1', 'private'],
    ['::ffff:93.184.216.34', 'public'],
    // IPv4-translated (RFC 6145): the classifier once threw on these, inside a DNS callback.
    ['::ffff:0:7f00:1', 'loopback'],
    ['::ffff:0:a00:1', 'private'],
    ['::ffff:0:5db8:d822', 'public'],
    // IPv4-compatible (deprecated ::/96) is never a public destination.
    ['::7f00:1', 'special'],
    ['::a00:1', 'special'],
  ])('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });
});

describe('refusal', () => {
  it('refuses everything but public addresses by default', () => {
    expect(refusal('93.184.216.34', 'none')).toBeUndefined();
    for (const a of ['127.0.0.1', '10.0.0.1', '169.254.169.254', '::ffff:127.0.0.1', '0.0.0.0'])
      expect(refusal(a, 'none')).toMatch(/^refused: /);
  });

  it('opens loopback, then private networks, then everything', () => {
    expect(refusal('127.0.0.1', 'loopback')).toBeUndefined();
    expect(refusal('10.0.0.1', 'loopback')).toBe('refused: 10.0.0.1 is a private address');
    expect(refusal('10.0.0.1', 'private')).toBeUndefined();
    expect(refusal('fe80::1', 'private')).toBeUndefined();
    expect(refusal('169.254.169.254', 'private')).toBe(
      'refused: 169.254.169.254 is a metadata address',
    );
    expect(refusal('169.254.169.254', 'all')).toBeUndefined();
  });
});
