import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { PostPaymentRequest } from '@tolem/contracts/ledger';
import { describe, expect, it } from 'vitest';

import { postPaymentFromProto } from './ledger.mapper';

const request = PostPaymentRequest.fromPartial({
  idempotencyKey: 'k',
  paymentId: 'pay_1',
  merchantId: 'mer_1',
  gross: { amountMinor: 100n, currency: 'KGS' },
  fee: { amountMinor: 1n, currency: 'KGS' },
  method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
  provider: Provider.PROVIDER_WEBMONEY,
  providerAttributes: { payer_purse: 'Z123' },
});

describe('postPaymentFromProto', () => {
  it('leaves the fee optional: with a fee plan the ledger computes it', () => {
    expect(postPaymentFromProto({ ...request, fee: undefined }).fee).toBeUndefined();
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
