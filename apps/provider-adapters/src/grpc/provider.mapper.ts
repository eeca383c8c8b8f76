import { isProviderName } from '@tolem/catalog';
import {
  FormPost,
  type HttpReply as PbHttpReply,
  Money as PbMoney,
  PaymentMethod,
  paymentMethodFromName,
  type PaymentMethodName as PbMethodName,
  paymentMethodName,
  Provider,
  ProviderAction as PbProviderAction,
  providerFromName,
  type ProviderName as PbProviderName,
  providerName,
} from '@tolem/contracts/common';
import {
  CardBindingState,
  type ChargeBoundCardRequest,
  ChargeBoundCardResponse,
  DeclineKind,
  type HandleCallbackRequest,
  HandleCallbackResponse,
  type ListSettledTransactionsRequest,
  ListSettledTransactionsResponse,
  Outcome,
  type QueryPaymentStatusRequest,
  QueryPaymentStatusResponse,
  type RefundPaymentRequest,
  RefundPaymentResponse,
  type StartPaymentRequest,
  StartPaymentResponse,
  StoredCallback as PbStoredCallback,
  type SubmitPayerInputRequest,
  SubmitPayerInputResponse,
} from '@tolem/contracts/provider';
import { type Money, positiveMoney } from '@tolem/money';

import type { SettledTransaction } from '../app/list-settled-transactions';
import type {
  CallbackOutcome,
  CallbackResult,
  CardBinding,
  HttpReply,
  RawCallback,
} from '../domain/callback';
import { providerErrors } from '../domain/errors';
import type { StoredCallback } from '../domain/ports';
import type { MethodName, ProviderName } from '../domain/provider-transaction';
import type {
  ChargeBoundCardInput,
  ChargeResult,
  OperationOutcome,
  PayerInputResult,
  PaymentStatusResult,
  ProviderAction,
  RefundResult,
  StartPaymentInput,
  StartPaymentResult,
} from '../providers/provider.port';

function invalid(message: string, field: string) {
  return providerErrors.create('PROVIDER_INVALID_REQUEST', message, { details: { field } });
}

// @tolem/catalog names the methods and providers; @tolem/contracts names the proto enum values the
// same way. Neither lib may import the other, so this service (which owns the providers) ties
// them: compilation fails when the proto and the catalog list different names.
type SameNames<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const CATALOG_MATCHES_PROTO: SameNames<MethodName, PbMethodName> &
  SameNames<ProviderName, PbProviderName> = true;

export function methodFromProto(method: PaymentMethod): MethodName {
  const name: MethodName | undefined = paymentMethodName(method);
  if (!name) throw invalid('method is required', 'method');
  return name;
}

export function methodToProto(method: MethodName): PaymentMethod {
  const value = paymentMethodFromName(method);
  if (value === undefined) {
    throw new Error(
      `method ${method} has no PaymentMethod value in proto/tolem/common/v1/payment.proto`,
    );
  }
  return value;
}

export function providerFromProto(provider: Provider): ProviderName {
  const name: ProviderName | undefined = providerName(provider);
  if (!name) throw invalid('provider is required', 'provider');
  return name;
}

export function providerToProto(provider: ProviderName): Provider {
  const value = providerFromName(provider);
  if (value === undefined) {
    // A provider scaffolded by tools/generators/provider-adapter before its proto enum value.
    throw new Error(
      `provider ${provider} has no Provider value in proto/tolem/common/v1/payment.proto yet`,
    );
  }
  return value;
}

function outcomeToProto(outcome: CallbackOutcome | OperationOutcome): Outcome {
  switch (outcome) {
    case 'succeeded':
      return Outcome.OUTCOME_SUCCEEDED;
    case 'failed':
      return Outcome.OUTCOME_FAILED;
    case 'pending':
      return Outcome.OUTCOME_PENDING;
    case 'manual_review':
      return Outcome.OUTCOME_MANUAL_REVIEW;
    case 'precheck_accepted':
      return Outcome.OUTCOME_PRECHECK_ACCEPTED;
    case 'rejected':
      return Outcome.OUTCOME_REJECTED;
    case 'unregistered_qr':
      return Outcome.OUTCOME_UNREGISTERED_QR;
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

function httpReplyToProto(reply: HttpReply): PbHttpReply {
  return { statusCode: reply.statusCode, contentType: reply.contentType, body: reply.body };
}

export function callbackResultToProto(
  result: CallbackResult & { callbackId: string },
): HandleCallbackResponse {
  return HandleCallbackResponse.fromPartial({
    reply: httpReplyToProto(result.reply),
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
    cardBinding: cardBindingToProto(result.cardBinding),
    retryReply: httpReplyToProto(result.retryReply),
    refusalReply: httpReplyToProto(result.refusalReply),
    qrCodeId: result.qrCodeId ?? '',
  });
}

function moneyToProto(m: Money | undefined): PbMoney | undefined {
  return m ? PbMoney.fromPartial({ amountMinor: m.amountMinor, currency: m.currency }) : undefined;
}

function requireId(value: string, field: string): string {
  if (!ID_PATTERN.test(value))
    throw invalid(`${field} is required (letters, digits, _ or -)`, field);
  return value;
}

function requireMoney(
  m: { amountMinor: bigint; currency: string } | undefined,
  field: string,
): Money {
  if (!m) throw invalid(`${field} is required`, field);
  return positiveMoney(m.amountMinor, m.currency);
}

/** An idempotency key: printable ASCII without spaces, at most 128 characters. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;

function requireIdempotencyKey(value: string): string {
  if (!IDEMPOTENCY_KEY.test(value)) {
    throw invalid(
      'idempotency_key is required (1-128 printable characters, no spaces)',
      'idempotency_key',
    );
  }
  return value;
}

const optionalMethod = (m: PaymentMethod): MethodName | undefined =>
  m === PaymentMethod.PAYMENT_METHOD_UNSPECIFIED ? undefined : methodFromProto(m);

const optionalProvider = (p: Provider): ProviderName | undefined =>
  p === Provider.PROVIDER_UNSPECIFIED ? undefined : providerFromProto(p);

export function submitRequestToDomain(req: SubmitPayerInputRequest): {
  paymentId: string;
  method?: MethodName;
  fields: Record<string, string>;
} {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.fields)) {
    if (name.length > 64 || value.length > 256)
      throw invalid(`fields.${name.slice(0, 64)} is too long`, 'fields');
    fields[name] = value;
  }
  const method = optionalMethod(req.method);
  return {
    paymentId: requireId(req.paymentId, 'payment_id'),
    ...(method ? { method } : {}),
    fields,
  };
}

export function submitResultToProto(result: PayerInputResult): SubmitPayerInputResponse {
  return SubmitPayerInputResponse.fromPartial({
    outcome: outcomeToProto(result.outcome),
    nextAction: result.nextAction ? actionToProto(result.nextAction) : undefined,
    providerPaymentId: result.providerPaymentId ?? '',
    reasonCode: result.reasonCode ?? '',
    message: result.message ?? '',
    payerMayRetry: result.payerMayRetry,
    amount: moneyToProto(result.amount),
    attributes: result.attributes,
  });
}

export function chargeRequestToDomain(req: ChargeBoundCardRequest): {
  provider: ProviderName;
  input: ChargeBoundCardInput;
} {
  if (req.bindingRef.trim() === '' || req.bindingRef.length > 64)
    throw invalid('binding_ref is required (at most 64 characters)', 'binding_ref');
  return {
    provider: optionalProvider(req.provider) ?? 'intellectmoney',
    input: {
      idempotencyKey: requireIdempotencyKey(req.idempotencyKey),
      merchantId: requireId(req.merchantId, 'merchant_id'),
      bindingRef: req.bindingRef.trim(),
      amount: requireMoney(req.amount, 'amount'),
      description: req.description.slice(0, 1024),
      paymentId: requireId(req.paymentId, 'payment_id'),
    },
  };
}

export function chargeResultToProto(result: ChargeResult): ChargeBoundCardResponse {
  return ChargeBoundCardResponse.fromPartial({
    outcome: outcomeToProto(result.outcome),
    declineCode: result.declineCode ?? '',
    declineKind:
      result.declineKind === 'soft'
        ? DeclineKind.DECLINE_KIND_SOFT
        : result.declineKind === 'hard'
          ? DeclineKind.DECLINE_KIND_HARD
          : DeclineKind.DECLINE_KIND_UNSPECIFIED,
    providerPaymentId: result.providerPaymentId ?? '',
    providerOperationId: result.providerOperationId ?? '',
    reasonCode: result.reasonCode ?? '',
    replayed: result.replayed,
    amount: moneyToProto(result.amount),
  });
}

export function queryRequestToDomain(req: QueryPaymentStatusRequest): {
  paymentId: string;
  provider?: ProviderName;
} {
  const provider = optionalProvider(req.provider);
  return { paymentId: requireId(req.paymentId, 'payment_id'), ...(provider ? { provider } : {}) };
}

export function statusToProto(result: PaymentStatusResult): QueryPaymentStatusResponse {
  const tx = result.transaction;
  const outcome: OperationOutcome = tx.status === 'created' ? 'pending' : tx.status;
  return QueryPaymentStatusResponse.fromPartial({
    provider: providerToProto(tx.provider),
    method: methodToProto(tx.method),
    outcome: outcomeToProto(outcome),
    providerPaymentId: tx.providerPaymentId ?? '',
    amount: moneyToProto(tx.amount),
    attributes: result.attributes,
    providerReference: result.providerReference,
    checkedWithProvider: result.checkedWithProvider,
    declineCode: tx.declineCode ?? '',
    reasonCode: tx.reasonCode ?? '',
  });
}

export function refundRequestToDomain(req: RefundPaymentRequest): {
  idempotencyKey: string;
  paymentId: string;
  amount: Money;
} {
  return {
    idempotencyKey: requireIdempotencyKey(req.idempotencyKey),
    paymentId: requireId(req.paymentId, 'payment_id'),
    amount: requireMoney(req.amount, 'amount'),
  };
}

export function refundResultToProto(result: RefundResult): RefundPaymentResponse {
  return RefundPaymentResponse.fromPartial({
    outcome: outcomeToProto(result.outcome),
    providerRefundId: result.providerRefundId ?? '',
    reasonCode: result.reasonCode ?? '',
  });
}

export function storedCallbackToProto(c: StoredCallback): PbStoredCallback {
  return PbStoredCallback.fromPartial({
    callbackId: c.id,
    provider: isProviderName(c.provider)
      ? providerToProto(c.provider)
      : Provider.PROVIDER_UNSPECIFIED,
    receivedAt: c.receivedAt,
    method: c.method,
    path: c.path,
    query: c.query,
    headers: c.headers,
    body: c.body,
    remoteAddress: c.remoteAddress,
    verdict: c.verdict,
    reasonCode: c.reasonCode,
    paymentId: c.paymentId,
  });
}

export function listSettledRequestToDomain(req: ListSettledTransactionsRequest): {
  cursor: string;
  settledBefore: Date | null;
  limit: number;
  extraTransfers: boolean;
} {
  const limit = req.limit === 0 ? 100 : req.limit;
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
    throw invalid('limit must be 1..500', 'limit');
  }
  if (req.cursor.length > 100) throw invalid('cursor is too long', 'cursor');
  return {
    cursor: req.cursor,
    settledBefore: req.settledBefore ?? null,
    limit,
    extraTransfers: req.extraTransfers,
  };
}

function cardBindingToProto(binding: CardBinding | undefined) {
  if (!binding) return undefined;
  return {
    bindingRef: binding.bindingRef,
    state:
      binding.state === 'activated'
        ? CardBindingState.CARD_BINDING_STATE_ACTIVATED
        : CardBindingState.CARD_BINDING_STATE_ERROR,
    cardLast4: binding.cardLast4,
  };
}

export function settledToProto(page: {
  transactions: SettledTransaction[];
  nextCursor: string;
}): ListSettledTransactionsResponse {
  return ListSettledTransactionsResponse.fromPartial({
    transactions: page.transactions.map(({ transaction: tx, settlement, extra }) => ({
      paymentId: tx.paymentId,
      merchantId: tx.merchantId,
      provider: providerToProto(tx.provider),
      method: methodToProto(extra ? extra.transfer.method : tx.method),
      providerPaymentId: extra ? extra.transfer.providerPaymentId : (tx.providerPaymentId ?? ''),
      amount: moneyToProto(settlement.amount ?? undefined),
      attributes: settlement.attributes,
      settledAt: extra ? extra.transfer.receivedAt : tx.updatedAt,
      transactionId: extra ? `${tx.id}-x${extra.number}` : tx.id,
      cardBinding: cardBindingToProto(settlement.cardBinding),
    })),
    nextCursor: page.nextCursor,
  });
}
