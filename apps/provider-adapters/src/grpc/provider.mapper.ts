import {
  FormPost,
  Money as PbMoney,
  PaymentMethod,
  Provider,
  ProviderAction as PbProviderAction,
} from '@tolem/contracts/common';
import {
  type HandleCallbackRequest,
  HandleCallbackResponse,
  Outcome,
  type StartPaymentRequest,
  StartPaymentResponse,
} from '@tolem/contracts/provider';
import { positiveMoney } from '@tolem/money';

import type { CallbackOutcome, CallbackResult, RawCallback } from '../domain/callback';
import { providerErrors } from '../domain/errors';
import type { MethodName, ProviderName } from '../domain/provider-transaction';
import type {
  ProviderAction,
  StartPaymentInput,
  StartPaymentResult,
} from '../providers/provider.port';

function invalid(message: string, field: string) {
  return providerErrors.create('PROVIDER_INVALID_REQUEST', message, { details: { field } });
}

export function methodFromProto(method: PaymentMethod): MethodName {
  switch (method) {
    case PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE:
      return 'webmoney_purse';
    case PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE:
      return 'webmoney_keeper_mobile';
    case PaymentMethod.PAYMENT_METHOD_CARD:
      return 'card';
    case PaymentMethod.PAYMENT_METHOD_WAVEPAY:
      return 'wavepay';
    case PaymentMethod.PAYMENT_METHOD_QR:
      return 'qr';
    case PaymentMethod.PAYMENT_METHOD_UNSPECIFIED:
    case PaymentMethod.UNRECOGNIZED:
    default:
      throw invalid('method is required', 'method');
  }
}

export function methodToProto(method: MethodName): PaymentMethod {
  switch (method) {
    case 'webmoney_purse':
      return PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE;
    case 'webmoney_keeper_mobile':
      return PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE;
    case 'card':
      return PaymentMethod.PAYMENT_METHOD_CARD;
    case 'wavepay':
      return PaymentMethod.PAYMENT_METHOD_WAVEPAY;
    case 'qr':
      return PaymentMethod.PAYMENT_METHOD_QR;
  }
}

export function providerFromProto(provider: Provider): ProviderName {
  switch (provider) {
    case Provider.PROVIDER_WEBMONEY:
      return 'webmoney';
    case Provider.PROVIDER_INTELLECTMONEY:
      return 'intellectmoney';
    case Provider.PROVIDER_PAYKASSMA:
      return 'paykassma';
    case Provider.PROVIDER_QR_ACQUIRER:
      return 'qr_acquirer';
    case Provider.PROVIDER_UNSPECIFIED:
    case Provider.UNRECOGNIZED:
    default:
      throw invalid('provider is required', 'provider');
  }
}

export function providerToProto(provider: ProviderName): Provider {
  switch (provider) {
    case 'webmoney':
      return Provider.PROVIDER_WEBMONEY;
    case 'intellectmoney':
      return Provider.PROVIDER_INTELLECTMONEY;
    case 'paykassma':
      return Provider.PROVIDER_PAYKASSMA;
    case 'qr_acquirer':
      return Provider.PROVIDER_QR_ACQUIRER;
  }
}

function outcomeToProto(outcome: CallbackOutcome): Outcome {
  switch (outcome) {
    case 'succeeded':
      return Outcome.OUTCOME_SUCCEEDED;
    case 'failed':
      return Outcome.OUTCOME_FAILED;
    case 'pending':
      return Outcome.OUTCOME_PENDING;
    case 'precheck_accepted':
      return Outcome.OUTCOME_PRECHECK_ACCEPTED;
    case 'rejected':
      return Outcome.OUTCOME_REJECTED;
  }
}

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function startRequestToDomain(req: StartPaymentRequest): StartPaymentInput {
  if (!ID_PATTERN.test(req.paymentId))
    throw invalid('payment_id is required (letters, digits, _ or -)', 'payment_id');
  if (!ID_PATTERN.test(req.merchantId))
    throw invalid('merchant_id is required (letters, digits, _ or -)', 'merchant_id');
  if (!req.amount) throw invalid('amount is required', 'amount');
  return {
    paymentId: req.paymentId,
    merchantId: req.merchantId,
    method: methodFromProto(req.method),
    amount: positiveMoney(req.amount.amountMinor, req.amount.currency),
    description: req.description,
    successUrl: req.successUrl,
    failUrl: req.failUrl,
    payer: { ...req.payer },
    providerShopId: req.providerShopId,
  };
}

function actionToProto(action: ProviderAction): PbProviderAction {
  switch (action.kind) {
    case 'form_post':
      return PbProviderAction.fromPartial({
        action: {
          $case: 'formPost',
          value: FormPost.fromPartial({
            url: action.url,
            fields: action.fields,
            acceptCharset: action.acceptCharset,
          }),
        },
      });
    case 'redirect':
      return PbProviderAction.fromPartial({ action: { $case: 'redirectUrl', value: action.url } });
    case 'instructions':
      return PbProviderAction.fromPartial({
        action: { $case: 'instructions', value: { title: action.title, values: action.values } },
      });
  }
}

export function startResultToProto(result: StartPaymentResult): StartPaymentResponse {
  return StartPaymentResponse.fromPartial({
    provider: providerToProto(result.provider),
    action: actionToProto(result.action),
    providerReference: result.providerReference,
  });
}

export function callbackRequestToDomain(req: HandleCallbackRequest): {
  provider: ProviderName;
  raw: RawCallback;
} {
  const provider = providerFromProto(req.provider);
  if (!req.request) throw invalid('request is required', 'request');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.request.headers))
    headers[name.toLowerCase()] = value;
  return {
    provider,
    raw: {
      method: req.request.method,
      path: req.request.path,
      query: req.request.query,
      headers,
      body: Buffer.from(req.request.body),
      remoteAddress: req.request.remoteAddress,
    },
  };
}

export function callbackResultToProto(
  result: CallbackResult & { callbackId: string },
): HandleCallbackResponse {
  return HandleCallbackResponse.fromPartial({
    reply: {
      statusCode: result.reply.statusCode,
      contentType: result.reply.contentType,
      body: result.reply.body,
    },
    outcome: outcomeToProto(result.outcome),
    paymentId: result.paymentId ?? '',
    amount: result.amount
      ? PbMoney.fromPartial({
          amountMinor: result.amount.amountMinor,
          currency: result.amount.currency,
        })
      : undefined,
    method: result.method ? methodToProto(result.method) : PaymentMethod.PAYMENT_METHOD_UNSPECIFIED,
    providerPaymentId: result.providerPaymentId ?? '',
    attributes: result.attributes,
    reasonCode: result.reasonCode ?? '',
    callbackId: result.callbackId,
  });
}
