import { CreatePaymentRequest, type Payment } from '@tolem/contracts/checkout';
import type { GetBalanceRequest, GetBalanceResponse } from '@tolem/contracts/ledger';
import { type DomainError } from '@tolem/errors';
import { minorFromJson, money, positiveMoney } from '@tolem/money';

import { gatewayErrors } from '../errors';
import type { CreatePaymentBody } from '../schemas';
import { methodName, providerName, statusName } from './enums.mapper';

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
  failure_code: string | null;
  available_methods: string[];
  success_url: string | null;
  fail_url: string | null;
  metadata: Record<string, string>;
  created_at: string | null;
  updated_at: string | null;
}

const orNull = (value: string): string | null => (value === '' ? null : value);

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
    failure_code: orNull(p.failureCode),
    available_methods: p.availableMethods
      .map(methodName)
      .filter((m): m is NonNullable<typeof m> => m !== null),
    success_url: orNull(p.successUrl),
    fail_url: orNull(p.failUrl),
    metadata: { ...p.metadata },
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
  });
}

/** Unknown currencies are refused here with MONEY_UNKNOWN_CURRENCY rather than asked of the ledger. */
export function toBalanceRequest(merchantId: string, currency: string): GetBalanceRequest {
  // No as_of: the balance now.
  return { merchantId, currency: money(0n, currency).currency, asOf: undefined };
}

export interface BalanceJson {
  object: 'balance';
  currency: string;
  available: JsonMinor;
  pending: JsonMinor;
}

export function balanceToJson(res: GetBalanceResponse, currency: string): BalanceJson {
  return {
    object: 'balance',
    currency,
    available: minorToJson(res.available?.amountMinor ?? 0n),
    pending: minorToJson(res.pending?.amountMinor ?? 0n),
  };
}
