import { describe, expect, it } from 'vitest';

import { newPageSecret, pageSecretMatches, requirePageSecret } from './page-secret';
import type { Payment } from './payment';

describe('page secret', () => {
  it('is 256 random bits in base64url: 43 URL-safe characters, never repeated', () => {
    const secrets = Array.from({ length: 1_000 }, newPageSecret);
    expect(secrets.every((s) => /^[A-Za-z0-9_-]{43}$/.test(s))).toBe(true);
    expect(new Set(secrets).size).toBe(secrets.length);
  });

  it('matches only the exact secret; empty, shorter, longer or one-off secrets do not', () => {
    const secret = newPageSecret();
    expect(pageSecretMatches(secret, secret)).toBe(true);
    expect(pageSecretMatches(secret, '')).toBe(false);
    expect(pageSecretMatches('', '')).toBe(false);
    expect(pageSecretMatches(secret, secret.slice(0, -1))).toBe(false);
    expect(pageSecretMatches(secret, `${secret}x`)).toBe(false);
    const flipped = (secret[0] === 'A' ? 'B' : 'A') + secret.slice(1);
    expect(pageSecretMatches(secret, flipped)).toBe(false);
  });

  it('answers a wrong secret exactly like an unknown payment', () => {
    const payment = { id: 'pay_1', pageSecret: newPageSecret() } as Payment;
    expect(requirePageSecret(payment, payment.pageSecret)).toBe(payment);
    const unknown = (() => {
      try {
        requirePageSecret(undefined, 'x');
      } catch (err) {
        return err;
      }
    })();
    const wrong = (() => {
      try {
        requirePageSecret(payment, 'wrong');
      } catch (err) {
        return err;
      }
    })();
    expect(unknown).toMatchObject({ code: 'PAYMENT_NOT_FOUND', kind: 'not_found' });
    expect(wrong).toMatchObject({ code: 'PAYMENT_NOT_FOUND', kind: 'not_found' });
    expect((wrong as Error).message).toBe((unknown as Error).message);
    expect((wrong as Error).message).not.toContain(payment.pageSecret);
  });
});
