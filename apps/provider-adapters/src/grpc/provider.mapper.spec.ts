import { PaymentMethod, Provider } from '@tolem/contracts/common';
import {
  CardBindingState,
  ChargeBoundCardRequest,
  DeclineKind,
  HandleCallbackRequest,
  Outcome,
  StartPaymentRequest,
  SubmitPayerInputRequest,
  SubmitPayerInputResponse,
} from '@tolem/contracts/provider';
import { money } from '@tolem/money';
import { describe, expect, it } from 'vitest';

import { textReply } from '../domain/callback';
import { inMemoryTransactions } from '../testing/in-memory.fakes';
import {
  callbackRequestToDomain,
  callbackResultToProto,
  chargeRequestToDomain,
  chargeResultToProto,
  startRequestToDomain,
  startResultToProto,
  statusToProto,
  submitRequestToDomain,
  submitResultToProto,
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
      retryReply: textReply(503, 'PROVIDER_UNAVAILABLE'),
      refusalReply: textReply(400, 'PROVIDER_PAYMENT_ALREADY_FINAL'),
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
    expect(pb.retryReply).toMatchObject({
      statusCode: 503,
      contentType: 'text/plain; charset=utf-8',
    });
    expect(Buffer.from(pb.retryReply?.body ?? []).toString()).toBe('PROVIDER_UNAVAILABLE');
    expect(pb.refusalReply?.statusCode).toBe(400);
    expect(Buffer.from(pb.refusalReply?.body ?? []).toString()).toBe(
      'PROVIDER_PAYMENT_ALREADY_FINAL',
    );
  });

  it('maps an unregistered QR code with the code it names', () => {
    const pb = callbackResultToProto({
      reply: textReply(404, 'PROVIDER_UNKNOWN_ORDER'),
      retryReply: textReply(503, 'PROVIDER_UNAVAILABLE'),
      refusalReply: textReply(404, 'PROVIDER_UNKNOWN_ORDER'),
      outcome: 'unregistered_qr',
      verdict: 'unregistered_qr',
      qrCodeId: 'qr_01jdstaticstaticstaticstat',
      amount: money(150000n, 'KGS'),
      method: 'qr',
      providerPaymentId: 'mbank:MB-1',
      attributes: { qr_code_id: 'qr_01jdstaticstaticstaticstat' },
      callbackId: 'cb_2',
    });
    expect(pb).toMatchObject({
      outcome: Outcome.OUTCOME_UNREGISTERED_QR,
      qrCodeId: 'qr_01jdstaticstaticstaticstat',
      paymentId: '',
      providerPaymentId: 'mbank:MB-1',
      amount: { amountMinor: 150000n, currency: 'KGS' },
    });
    expect(pb.refusalReply?.statusCode).toBe(404);
  });

  it('maps a card binding and a manual-review outcome', () => {
    const pb = callbackResultToProto({
      reply: textReply(200, 'OK'),
      retryReply: textReply(503, 'PROVIDER_UNAVAILABLE'),
      refusalReply: textReply(400, 'PROVIDER_PAYMENT_ALREADY_FINAL'),
      outcome: 'succeeded',
      verdict: 'accepted',
      attributes: {},
      cardBinding: { bindingRef: '3000000701', state: 'activated', cardLast4: '1111' },
      callbackId: 'cb_2',
    });
    expect(pb.cardBinding).toEqual({
      bindingRef: '3000000701',
      state: CardBindingState.CARD_BINDING_STATE_ACTIVATED,
      cardLast4: '1111',
    });
    const review = submitResultToProto({
      outcome: 'manual_review',
      payerMayRetry: false,
      reasonCode: 'PROVIDER_POSSIBLE_TRANSACTION',
      attributes: {},
      nextAction: {
        kind: 'instructions',
        title: 'Pay with Wavepay',
        values: { status: 'manual_review' },
      },
    });
    expect(review).toMatchObject({
      outcome: Outcome.OUTCOME_MANUAL_REVIEW,
      reasonCode: 'PROVIDER_POSSIBLE_TRANSACTION',
      nextAction: { action: { $case: 'instructions' } },
    });
  });

  it('keeps a succeeded payer input without a reported amount without an amount on the wire', () => {
    const unknown = submitResultToProto({
      outcome: 'succeeded',
      payerMayRetry: false,
      reasonCode: 'PROVIDER_AMOUNT_NOT_REPORTED',
      attributes: { paykassma_amount_reported: 'false' },
    });
    const wire = SubmitPayerInputResponse.decode(SubmitPayerInputResponse.encode(unknown).finish());
    expect(wire.outcome).toBe(Outcome.OUTCOME_SUCCEEDED);
    expect(wire.amount).toBeUndefined();
    expect(wire.reasonCode).toBe('PROVIDER_AMOUNT_NOT_REPORTED');

    const known = submitResultToProto({
      outcome: 'succeeded',
      payerMayRetry: false,
      amount: money(50_000n, 'MMK'),
      attributes: {},
    });
    expect(
      SubmitPayerInputResponse.decode(SubmitPayerInputResponse.encode(known).finish()).amount,
    ).toEqual({ amountMinor: 50_000n, currency: 'MMK' });
  });

  it('validates submit and charge requests; a charge defaults to IntellectMoney', () => {
    expect(
      submitRequestToDomain(
        SubmitPayerInputRequest.fromPartial({ paymentId: 'pay_1', fields: { key1: '123' } }),
      ),
    ).toEqual({ paymentId: 'pay_1', fields: { key1: '123' } });
    const charge = ChargeBoundCardRequest.fromPartial({
      idempotencyKey: 'rc:sop_1:1',
      merchantId: 'mer_1',
      bindingRef: '3000000701',
      amount: { amountMinor: 20000n, currency: 'RUB' },
      paymentId: 'pay_rc_1',
    });
    expect(chargeRequestToDomain(charge)).toMatchObject({
      provider: 'intellectmoney',
      input: { idempotencyKey: 'rc:sop_1:1', bindingRef: '3000000701' },
    });
    expect(codeOf(() => chargeRequestToDomain({ ...charge, idempotencyKey: '' }))).toBe(
      'PROVIDER_INVALID_REQUEST',
    );
    expect(codeOf(() => chargeRequestToDomain({ ...charge, idempotencyKey: 'a b' }))).toBe(
      'PROVIDER_INVALID_REQUEST',
    );
    expect(codeOf(() => chargeRequestToDomain({ ...charge, bindingRef: ' ' }))).toBe(
      'PROVIDER_INVALID_REQUEST',
    );
    expect(codeOf(() => chargeRequestToDomain({ ...charge, amount: undefined }))).toBe(
      'PROVIDER_INVALID_REQUEST',
    );
    expect(
      chargeResultToProto({
        outcome: 'failed',
        declineCode: '54',
        declineKind: 'hard',
        replayed: true,
        amount: money(20000n, 'RUB'),
      }),
    ).toMatchObject({
      outcome: Outcome.OUTCOME_FAILED,
      declineCode: '54',
      declineKind: DeclineKind.DECLINE_KIND_HARD,
      replayed: true,
    });
  });

  it('reports a created transaction as PENDING', async () => {
    const repo = inMemoryTransactions({ firstOrderNo: 9n });
    const { transaction } = await repo.createOnce({
      paymentId: 'pay_1',
      merchantId: 'mer_1',
      provider: 'paykassma',
      method: 'wavepay',
      amount: money(50000n, 'MMK'),
      amountText: '500',
      payeePurse: null,
    });
    expect(
      statusToProto({
        transaction,
        checkedWithProvider: false,
        providerReference: 'pay_1',
        attributes: {},
      }),
    ).toMatchObject({
      provider: Provider.PROVIDER_PAYKASSMA,
      method: PaymentMethod.PAYMENT_METHOD_WAVEPAY,
      outcome: Outcome.OUTCOME_PENDING,
      providerReference: 'pay_1',
      amount: { amountMinor: 50000n, currency: 'MMK' },
    });
  });
});
