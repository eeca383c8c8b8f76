import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { HandleCallbackRequest, Outcome, StartPaymentRequest } from '@tolem/contracts/provider';
import { money } from '@tolem/money';
import { describe, expect, it } from 'vitest';

import { textReply } from '../domain/callback';
import {
  callbackRequestToDomain,
  callbackResultToProto,
  startRequestToDomain,
  startResultToProto,
} from './provider.mapper';

const request = StartPaymentRequest.fromPartial({
  paymentId: 'pay_1',
  merchantId: 'mer_1',
  method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
  amount: { amountMinor: 1465n, currency: 'USD' },
  payer: { phone: '79161234567' },
  providerShopId: '4711',
});

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return (err as { code: string }).code;
  }
  return 'no error';
};

describe('provider mapper', () => {
  it('maps a start request to the domain', () => {
    expect(startRequestToDomain(request)).toMatchObject({
      method: 'webmoney_keeper_mobile',
      amount: { amountMinor: 1465n, currency: 'USD' },
      payer: { phone: '79161234567' },
    });
  });

  it('refuses missing ids, method and bad amounts with stable codes', () => {
    expect(codeOf(() => startRequestToDomain({ ...request, paymentId: '' }))).toBe(
      'PROVIDER_INVALID_REQUEST',
    );
    expect(codeOf(() => startRequestToDomain({ ...request, merchantId: 'a b' }))).toBe(
      'PROVIDER_INVALID_REQUEST',
    );
    expect(
      codeOf(() =>
        startRequestToDomain({ ...request, method: PaymentMethod.PAYMENT_METHOD_UNSPECIFIED }),
      ),
    ).toBe('PROVIDER_INVALID_REQUEST');
    expect(codeOf(() => startRequestToDomain({ ...request, amount: undefined }))).toBe(
      'PROVIDER_INVALID_REQUEST',
    );
    expect(
      codeOf(() =>
        startRequestToDomain({ ...request, amount: { amountMinor: 0n, currency: 'USD' } }),
      ),
    ).toBe('MONEY_ZERO_AMOUNT');
    expect(
      codeOf(() =>
        startRequestToDomain({ ...request, amount: { amountMinor: 1n, currency: 'XXX' } }),
      ),
    ).toBe('MONEY_UNKNOWN_CURRENCY');
  });

  it('maps a form post action with ordered fields', () => {
    const pb = startResultToProto({
      provider: 'webmoney',
      providerReference: '7',
      action: {
        kind: 'form_post',
        url: 'https://x.test/f',
        fields: [
          { name: 'B', value: '2' },
          { name: 'A', value: '1' },
        ],
        acceptCharset: 'utf-8',
      },
    });
    expect(pb.provider).toBe(Provider.PROVIDER_WEBMONEY);
    expect(pb.action?.action).toEqual({
      $case: 'formPost',
      value: {
        url: 'https://x.test/f',
        fields: [
          { name: 'B', value: '2' },
          { name: 'A', value: '1' },
        ],
        acceptCharset: 'utf-8',
      },
    });
  });

  it('maps a callback request (lower-case headers) and its result', () => {
    const { provider, raw } = callbackRequestToDomain(
      HandleCallbackRequest.fromPartial({
        provider: Provider.PROVIDER_WEBMONEY,
        request: {
          method: 'POST',
          path: '/callbacks/webmoney',
          headers: { 'Content-Type': 'x' },
          body: Buffer.from('a=1'),
        },
      }),
    );
    expect(provider).toBe('webmoney');
    expect(raw.headers).toEqual({ 'content-type': 'x' });
    expect(raw.body.toString()).toBe('a=1');
    expect(
      codeOf(() =>
        callbackRequestToDomain(
          HandleCallbackRequest.fromPartial({ provider: Provider.PROVIDER_UNSPECIFIED }),
        ),
      ),
    ).toBe('PROVIDER_INVALID_REQUEST');

    const pb = callbackResultToProto({
      reply: textReply(200, 'YES'),
      outcome: 'succeeded',
      verdict: 'accepted',
      paymentId: 'pay_1',
      amount: money(1465n, 'USD'),
      method: 'webmoney_keeper_mobile',
      providerPaymentId: '892',
      attributes: { payer_phone: '79161234567' },
      callbackId: 'cb_1',
    });
    expect(pb).toMatchObject({
      outcome: Outcome.OUTCOME_SUCCEEDED,
      method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
      amount: { amountMinor: 1465n, currency: 'USD' },
      reply: { statusCode: 200, contentType: 'text/plain; charset=utf-8' },
      attributes: { payer_phone: '79161234567' },
      reasonCode: '',
      callbackId: 'cb_1',
    });
    expect(Buffer.from(pb.reply?.body ?? []).toString()).toBe('YES');
  });
});
