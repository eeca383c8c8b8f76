import {
  CreatePaymentRequest,
  ListPaymentsRequest,
  type Payment,
  type PaymentEvent,
  PaymentStatus,
} from '@tolem/contracts/checkout';
import { PaymentMethod } from '@tolem/contracts/common';
import {
  type Account,
  type GetBalanceRequest,
  type GetBalanceResponse,
  type ListStatementRequest,
  type ListStatementResponse,
} from '@tolem/contracts/ledger';
import { type DomainError } from '@tolem/errors';
import { minorFromJson, money, positiveMoney } from '@tolem/money';

import { gatewayErrors } from '../errors';
import type {
  BalanceTransactionsQuery,
  CreatePaymentBody,
  ListPaymentsQuery,
} from '../payment.schemas';
import { orNull } from './absent';
import { methodFromName, methodName, providerName, statusName } from './enums.mapper';
import { type CursorListJson, cursorPage } from './list.mapper';

/** Minor units as a JSON number while exact, else as a decimal string (never a rounded float). */
export type JsonMinor = number | string;

export function minorToJson(minor: bigint): JsonMinor {
  return minor <= BigInt(Number.MAX_SAFE_INTEGER) && minor >= BigInt(Number.MIN_SAFE_INTEGER)
    ? Number(minor)
    : minor.toString();
}

export interface PaymentJson {
  id: string;
  object: 'payment';
  /** False: created with a test key, paid through the provider sandbox only. */
  livemode: boolean;
  status: string;
  amount: JsonMinor;
  currency: string;
  order_id: string | null;
  description: string | null;
  payment_url: string;
  method: string | null;
  provider: string | null;
  provider_payment_id: string | null;
  provider_attributes: Record<string, string>;
  /** Minor units of the payment's currency; null until known (succeeded). */
  fee: JsonMinor | null;
  /** What succeeded refunds returned, minor units of the payment's currency. */
  amount_refunded: JsonMinor;
  failure_code: string | null;
  available_methods: string[];
  success_url: string | null;
  fail_url: string | null;
  metadata: Record<string, string>;
  /** The merchant's reference of its customer; null when none was given. */
  customer_ref: string | null;
  created_at: string | null;
  updated_at: string | null;
}

/** A required field missing from a peer's answer is a bug on our side, not the merchant's. */
function missing(field: string): DomainError {
  return gatewayErrors.create('INTERNAL', `peer answer lacks ${field}`);
}

/** The query parameter that carries the page secret on every payer URL. */
export const PAGE_SECRET_PARAM = 'secret';

/** `/pay/{id}{suffix}?secret=…`: the payer's pages need the payment's page secret. */
export function payerPath(paymentId: string, pageSecret: string, suffix = ''): string {
  const query = `${PAGE_SECRET_PARAM}=${encodeURIComponent(pageSecret)}`;
  return `/pay/${encodeURIComponent(paymentId)}${suffix}?${query}`;
}

/** The hosted page's link the merchant sends the customer to; the secret makes it unguessable. */
export function paymentUrl(publicBaseUrl: string, p: Pick<Payment, 'id' | 'pageSecret'>): string {
  return `${publicBaseUrl}${payerPath(p.id, p.pageSecret)}`;
}

export function paymentToJson(p: Payment | undefined, publicBaseUrl: string): PaymentJson {
  if (!p) throw missing('payment');
  if (!p.amount) throw missing('payment.amount');
  return {
    id: p.id,
    object: 'payment',
    livemode: p.livemode ?? false,
    status: statusName(p.status),
    amount: minorToJson(p.amount.amountMinor),
    currency: p.amount.currency,
    order_id: orNull(p.orderId),
    description: orNull(p.description),
    payment_url: paymentUrl(publicBaseUrl, p),
    method: methodName(p.method),
    provider: providerName(p.provider),
    provider_payment_id: orNull(p.providerPaymentId),
    provider_attributes: { ...p.providerAttributes },
    fee: p.fee ? minorToJson(p.fee.amountMinor) : null,
    amount_refunded: minorToJson(p.amountRefunded?.amountMinor ?? 0n),
    failure_code: orNull(p.failureCode),
    available_methods: p.availableMethods
      .map(methodName)
      .filter((m): m is NonNullable<typeof m> => m !== null),
    success_url: orNull(p.successUrl),
    fail_url: orNull(p.failUrl),
    metadata: { ...p.metadata },
    customer_ref: orNull(p.customerRef ?? ''),
    created_at: p.createdAt ? p.createdAt.toISOString() : null,
    updated_at: p.updatedAt ? p.updatedAt.toISOString() : null,
  };
}

/** Only absolute http(s) URLs: anything else would be a broken (or script) link for the payer. */
export function httpUrl(value: string | undefined, field: string): string {
  if (value === undefined || value === '') return '';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw gatewayErrors.create('VALIDATION_FAILED', `${field} must be an absolute http(s) URL`, {
      details: { field },
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw gatewayErrors.create('VALIDATION_FAILED', `${field} must be an absolute http(s) URL`, {
      details: { field },
    });
  }
  return value;
}

/**
 * Validated body -> CreatePayment. The amount goes through minorFromJson (integers up to 2^53-1 or
 * decimal strings) and positiveMoney (known currency, above zero): the stable MONEY_* codes reach
 * the merchant as 400s before checkout is bothered.
 */
export function toCreatePaymentRequest(
  body: CreatePaymentBody,
  merchantId: string,
  idempotencyKey: string,
): CreatePaymentRequest {
  const amount = positiveMoney(minorFromJson(body.amount), body.currency);
  return CreatePaymentRequest.fromPartial({
    merchantId,
    idempotencyKey,
    amount: { amountMinor: amount.amountMinor, currency: amount.currency },
    orderId: body.order_id ?? '',
    description: body.description ?? '',
    successUrl: httpUrl(body.success_url, 'success_url'),
    failUrl: httpUrl(body.fail_url, 'fail_url'),
    metadata: { ...(body.metadata ?? {}) },
    // Only when given, so a request without one is the same message as before.
    ...(body.customer_ref === undefined ? {} : { customerRef: body.customer_ref }),
  });
}

/**
 * Unknown currencies are refused here with MONEY_UNKNOWN_CURRENCY rather than asked of the
 * ledger. The mode is the key's: a test key reads the test balance, a live key the live one.
 */
export function toBalanceRequest(
  merchantId: string,
  currency: string,
  livemode: boolean,
): GetBalanceRequest {
  // No as_of: the balance now.
  return { merchantId, currency: money(0n, currency).currency, asOf: undefined, livemode };
}

export interface BalanceJson {
  object: 'balance';
  currency: string;
  available: JsonMinor;
  pending: JsonMinor;
  livemode: boolean;
}

export function balanceToJson(res: GetBalanceResponse, currency: string): BalanceJson {
  return {
    object: 'balance',
    currency,
    available: minorToJson(res.available?.amountMinor ?? 0n),
    pending: minorToJson(res.pending?.amountMinor ?? 0n),
    livemode: res.livemode,
  };
}

function invalidQuery(field: string, message: string): DomainError {
  return gatewayErrors.create('VALIDATION_FAILED', message, { details: { field } });
}

/** A digits-only query value (the schema checked the digits) within 1..max; absent: fallback. */
export function limitFrom(value: string | undefined, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number.parseInt(value, 10);
  if (n < 1 || n > max) throw invalidQuery('limit', `limit must be 1..${max}`);
  return n;
}

/** An RFC 3339 instant (the schema checked its shape) that is also a real date. */
export function instantFrom(value: string | undefined, field: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw invalidQuery(field, `${field} is not a valid instant`);
  return date;
}

const STATUS_BY_NAME: Readonly<Record<string, PaymentStatus>> = Object.freeze(
  Object.fromEntries(
    Object.values(PaymentStatus)
      .filter((v): v is PaymentStatus => typeof v === 'number')
      .map((v) => [statusName(v), v]),
  ),
);

/** The merchant's payments of the key's mode (a test key lists only test payments). */
export function toListPaymentsRequest(
  query: ListPaymentsQuery,
  merchantId: string,
  livemode: boolean,
): ListPaymentsRequest {
  if (query.starting_after !== undefined && query.ending_before !== undefined) {
    throw invalidQuery('ending_before', 'send starting_after or ending_before, not both');
  }
  const gte = instantFrom(query['created[gte]'], 'created[gte]');
  const lt = instantFrom(query['created[lt]'], 'created[lt]');
  return ListPaymentsRequest.fromPartial({
    merchantId,
    limit: limitFrom(query.limit, 100, 10),
    startingAfter: query.starting_after ?? '',
    endingBefore: query.ending_before ?? '',
    status:
      query.status === undefined
        ? PaymentStatus.PAYMENT_STATUS_UNSPECIFIED
        : (STATUS_BY_NAME[query.status] ?? PaymentStatus.PAYMENT_STATUS_UNSPECIFIED),
    method:
      query.method === undefined
        ? PaymentMethod.PAYMENT_METHOD_UNSPECIFIED
        : (methodFromName(query.method) ?? PaymentMethod.PAYMENT_METHOD_UNSPECIFIED),
    orderId: query.order_id ?? '',
    createdGte: gte,
    createdLt: lt,
    livemode,
  });
}

export interface PaymentEventJson {
  object: 'payment_event';
  sequence: JsonMinor;
  type: string;
  from_status: string | null;
  to_status: string;
  reason: string;
  created_at: string | null;
}

export function paymentEventToJson(e: PaymentEvent): PaymentEventJson {
  return {
    object: 'payment_event',
    sequence: minorToJson(e.sequence),
    type: e.type,
    from_status:
      e.fromStatus === PaymentStatus.PAYMENT_STATUS_UNSPECIFIED ? null : statusName(e.fromStatus),
    to_status: statusName(e.toStatus),
    reason: e.reason,
    created_at: e.occurredAt ? e.occurredAt.toISOString() : null,
  };
}

/** The currencies of the merchant's available accounts, sorted (one balance each). */
export function balanceCurrencies(accounts: Account[]): string[] {
  return [
    ...new Set(accounts.filter((a) => a.purpose === 'available').map((a) => a.currency)),
  ].sort();
}

/** The statement of the key's mode (test keys: the test balance's). */
export function toStatementRequest(
  query: BalanceTransactionsQuery,
  merchantId: string,
  livemode: boolean,
): ListStatementRequest {
  return {
    merchantId,
    livemode,
    currency: money(0n, query.currency).currency,
    from: instantFrom(query['created[gte]'], 'created[gte]'),
    to: instantFrom(query['created[lt]'], 'created[lt]'),
    pageSize: limitFrom(query.limit, 100, 20),
    pageToken: query.cursor ?? '',
  };
}

export interface BalanceTransactionJson {
  object: 'balance_transaction';
  id: string;
  type: string;
  payment_id: string | null;
  /** Signed change of the available balance: positive credits the merchant. */
  amount: JsonMinor;
  balance_after: JsonMinor;
  currency: string;
  created_at: string | null;
}

export interface BalanceTransactionsJson extends CursorListJson<BalanceTransactionJson> {
  currency: string;
  /** The available balance before the first line of the whole range. */
  opening_balance: JsonMinor;
  livemode: boolean;
}

export function statementToJson(
  res: ListStatementResponse,
  currency: string,
): BalanceTransactionsJson {
  const lines = res.lines.map(
    (l): BalanceTransactionJson => ({
      object: 'balance_transaction',
      id: l.transactionId,
      type: l.kind,
      payment_id: orNull(l.paymentId),
      amount: minorToJson(l.amountMinor),
      balance_after: minorToJson(l.balanceAfterMinor),
      currency: l.currency,
      created_at: l.createdAt ? l.createdAt.toISOString() : null,
    }),
  );
  return {
    ...cursorPage('/v1/balance_transactions', lines, res.nextPageToken),
    currency,
    opening_balance: minorToJson(res.openingBalance?.amountMinor ?? 0n),
    livemode: res.livemode,
  };
}
