import { createHmac } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { signatureHeader } from './signature';

describe('signatureHeader', () => {
  const secret = 'whsec_test_secret_0123456789';
  const body = '{"id":"evt_1"}';

  it('matches a vector computed outside Node (openssl dgst -sha256 -hmac)', () => {
    expect(signatureHeader(secret, body, new Date(1_700_000_000_900))).toBe(
      't=1700000000,v1=7e9a82a20098cf01f04d9c09f5a7459669bfecf51392ce3adb1445906fceff61',
    );
  });

  it('signs "<t>.<body>" with the unix seconds it puts in t=, as a merchant verifies it', () => {
    const header = signatureHeader(secret, body, new Date('2026-03-01T10:00:00.250Z'));
    const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
    expect(match).not.toBeNull();
    const [, t, v1] = match as RegExpExecArray;
    expect(Number(t)).toBe(Date.parse('2026-03-01T10:00:00Z') / 1000);
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(v1).toBe(expected);
  });

  it('adds the previous secret as a second v1 while a rotation overlaps', () => {
    const at = new Date(1_700_000_000_900);
    const header = signatureHeader('whsec_new_secret_0123456789', body, at, secret);
    expect(header).toBe(
      `${signatureHeader('whsec_new_secret_0123456789', body, at)},v1=7e9a82a20098cf01f04d9c09f5a7459669bfecf51392ce3adb1445906fceff61`,
    );
  });

  it('changes when the body, the secret or the time changes', () => {
    const at = new Date(1_700_000_000_000);
    const base = signatureHeader(secret, body, at);
    expect(signatureHeader(secret, `${body} `, at)).not.toBe(base);
    expect(signatureHeader(`${secret}x`, body, at)).not.toBe(base);
    expect(signatureHeader(secret, body, new Date(1_700_000_001_000))).not.toBe(base);
  });
});
