import { describe, expect, it } from 'vitest';

import { canonicalJson, fingerprintOf, firstDifferingField } from './fingerprint';
import {
  canonicalPaymentRequest,
  type CreatePaymentInput,
  PAYMENT_REQUEST_FIELDS,
} from './payment-request';

const input: CreatePaymentInput = {
  merchantId: 'mer_1',
  idempotencyKey: 'k',
  amountMinor: 1999n,
  currency: 'KGS',
  orderId: 'o-1',
  description: 'd',
  successUrl: '',
  failUrl: '',
  metadata: { b: '2', a: '1' },
};

describe('fingerprint', () => {
  it('is independent of key order and renders bigints as strings', () => {
    expect(canonicalJson({ b: 1, a: { d: 2n, c: [3, { z: 1, y: 2 }] } })).toBe(
      '{"a":{"c":[3,{"y":2,"z":1}],"d":"2"},"b":1}',
    );
    expect(fingerprintOf({ a: 1, b: 2 })).toBe(fingerprintOf({ b: 2, a: 1 }));
    expect(fingerprintOf({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is the same for the same request and differs for any changed field', () => {
    const fp = fingerprintOf(canonicalPaymentRequest(input));
    expect(fingerprintOf(canonicalPaymentRequest({ ...input, metadata: { a: '1', b: '2' } }))).toBe(
      fp,
    );
    // The key and the merchant are the record's identity, not part of its content.
    expect(fingerprintOf(canonicalPaymentRequest({ ...input, idempotencyKey: 'other' }))).toBe(fp);
    expect(fingerprintOf(canonicalPaymentRequest({ ...input, amountMinor: 2000n }))).not.toBe(fp);
    expect(fingerprintOf(canonicalPaymentRequest({ ...input, successUrl: 'https://x' }))).not.toBe(
      fp,
    );
  });

  it.each<[Partial<CreatePaymentInput>, string]>([
    [{ amountMinor: 1n }, 'amount'],
    [{ currency: 'USD' }, 'currency'],
    [{ orderId: 'o-2' }, 'order_id'],
    [{ description: 'x' }, 'description'],
    [{ successUrl: 'https://a' }, 'success_url'],
    [{ failUrl: 'https://b' }, 'fail_url'],
    [{ metadata: { a: '1' } }, 'metadata'],
    [{ amountMinor: 5n, orderId: 'o-9' }, 'amount'],
  ])('names the first differing field of %o as %s', (change, field) => {
    // Stored requests come back from jsonb: bigints as strings.
    const stored = JSON.parse(canonicalJson(canonicalPaymentRequest(input))) as Record<
      string,
      string
    >;
    expect(
      firstDifferingField(
        stored,
        canonicalPaymentRequest({ ...input, ...change }),
        PAYMENT_REQUEST_FIELDS,
      ),
    ).toBe(field);
  });

  it('finds no difference between a stored request and the same one again', () => {
    const stored = JSON.parse(canonicalJson(canonicalPaymentRequest(input))) as Record<
      string,
      string
    >;
    expect(
      firstDifferingField(stored, canonicalPaymentRequest(input), PAYMENT_REQUEST_FIELDS),
    ).toBeUndefined();
  });
});
