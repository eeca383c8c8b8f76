import { Money, PaymentMethod, Provider } from '@tolem/contracts/common';
import { PostPaymentRequest } from '@tolem/contracts/ledger';
import { describe, expect, it } from 'vitest';

import { postPaymentFromProto } from './ledger.mapper';

const request = PostPaymentRequest.fromPartial({
  idempotencyKey: 'k',
  paymentId: 'pay_1',
  merchantId: 'mer_1',
  gross: { amountMinor: 100n, currency: 'KGS' },
  method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
  provider: Provider.PROVIDER_WEBMONEY,
  providerAttributes: { payer_purse: 'Z123' },
});

describe('postPaymentFromProto', () => {
  it('reads the payment’s livemode, and a request from before modes (no field) as false', () => {
    expect(postPaymentFromProto({ ...request, livemode: true }).livemode).toBe(true);
    const old = PostPaymentRequest.decode(PostPaymentRequest.encode(request).finish());
    expect(postPaymentFromProto(old).livemode).toBe(false);
  });

  it('carries no fee: the ledger computes every fee from the merchant’s plan', () => {
    expect(postPaymentFromProto(request)).not.toHaveProperty('fee');
  });

  it('ignores the fee an older client still sends in the reserved field 5', () => {
    const oldFee = Money.encode({ amountMinor: 1n, currency: 'KGS' }).finish();
    // Field 5, wire type 2 (length-delimited): the PostPaymentRequest.fee of before.
    const bytes = new Uint8Array([
      ...PostPaymentRequest.encode(request).finish(),
      (5 << 3) | 2,
      oldFee.length,
      ...oldFee,
    ]);
    const decoded = PostPaymentRequest.decode(bytes);
    expect(decoded).toEqual(request);
    expect(postPaymentFromProto(decoded)).toEqual(postPaymentFromProto(request));
  });

  it('maps enums to domain names and keeps the attributes', () => {
    expect(postPaymentFromProto(request)).toMatchObject({
      method: 'webmoney_purse',
      provider: 'webmoney',
      providerAttributes: { payer_purse: 'Z123' },
      occurredAt: undefined,
    });
  });

  it.each<[string, Partial<PostPaymentRequest>]>([
    ['gross', { gross: undefined }],
    ['method', { method: PaymentMethod.PAYMENT_METHOD_UNSPECIFIED }],
    ['method', { method: 99 as PaymentMethod }],
    ['provider', { provider: Provider.PROVIDER_UNSPECIFIED }],
  ])('refuses a request without a valid %s', (field, over) => {
    expect(() => postPaymentFromProto({ ...request, ...over })).toThrow(
      expect.objectContaining({
        code: 'LEDGER_INVALID_REQUEST',
        kind: 'invalid',
        details: { field },
      }),
    );
  });
});
