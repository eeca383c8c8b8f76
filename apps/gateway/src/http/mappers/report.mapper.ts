import type {
  GetDailyTotalsResponse,
  PaymentFact,
  PaymentFilter,
  RefundFact,
} from '@tolem/contracts/reporting';

import { gatewayErrors } from '../errors';
import type { FilterQuery } from '../report.schemas';
import { methodName, providerName } from './enums.mapper';
import { type JsonMinor, minorToJson } from './payment.mapper';

export interface PaymentReportJson {
  id: string;
  object: 'payment_report';
  merchant_order_id: string | null;
  status: string;
  amount: JsonMinor;
  fee: JsonMinor;
  net: JsonMinor;
  currency: string;
  method: string | null;
  provider: string | null;
  provider_payment_id: string | null;
  failure_code: string | null;
  created_at: string | null;
  /** The UTC day the payment counts on in daily totals (its latest status change but refunds). */
  day: string | null;
  updated_at: string | null;
  history: { status: string; event_type: string; sequence: number; at: string | null }[];
  livemode: boolean;
}

export function paymentReportToJson(p: PaymentFact): PaymentReportJson {
  return {
    id: p.paymentId,
    object: 'payment_report',
    merchant_order_id: p.orderId === '' ? null : p.orderId,
    status: p.status,
    amount: minorToJson(p.gross?.amountMinor ?? 0n),
    fee: minorToJson(p.fee?.amountMinor ?? 0n),
    net: minorToJson(p.net?.amountMinor ?? 0n),
    currency: p.gross?.currency ?? '',
    method: methodName(p.method),
    provider: providerName(p.provider),
    provider_payment_id: p.providerPaymentId === '' ? null : p.providerPaymentId,
    failure_code: p.failureCode === '' ? null : p.failureCode,
    created_at: p.createdAt ? p.createdAt.toISOString() : null,
    day: p.occurredAt ? p.occurredAt.toISOString().slice(0, 10) : null,
    updated_at: p.updatedAt ? p.updatedAt.toISOString() : null,
    history: p.history.map((h) => ({
      status: h.status,
      event_type: h.eventType,
      sequence: Number(h.sequence),
      at: h.occurredAt ? h.occurredAt.toISOString() : null,
    })),
    livemode: p.livemode,
  };
}

export function refundReportToJson(r: RefundFact) {
  return {
    id: r.refundId,
    object: 'refund_report' as const,
    payment: r.paymentId,
    amount: minorToJson(r.amount?.amountMinor ?? 0n),
    currency: r.amount?.currency ?? '',
    status: r.status,
    method: methodName(r.method),
    provider: providerName(r.provider),
    failure_code: r.failureCode === '' ? null : r.failureCode,
    day: r.day,
    requested_at: r.requestedAt ? r.requestedAt.toISOString() : null,
    resolved_at: r.resolvedAt ? r.resolvedAt.toISOString() : null,
    livemode: r.livemode,
  };
}

export function dailyTotalsToJson(res: GetDailyTotalsResponse) {
  return {
    object: 'daily_totals',
    payments: res.payments.map((p) => ({
      day: p.day,
      currency: p.currency,
      method: p.method,
      status: p.status,
      livemode: p.livemode,
      count: minorToJson(p.paymentsCount),
      amount: minorToJson(p.grossMinor),
      fee: minorToJson(p.feeMinor),
      net: minorToJson(p.netMinor),
    })),
    refunds: res.refunds.map((r) => ({
      day: r.day,
      currency: r.currency,
      method: r.method,
      status: r.status,
      livemode: r.livemode,
      count: minorToJson(r.refundsCount),
      amount: minorToJson(r.amountMinor),
    })),
  };
}

function timeOf(raw: string | undefined, field: string): Date | undefined {
  if (raw === undefined) return undefined;
  const t = Date.parse(raw);
  if (Number.isNaN(t)) {
    throw gatewayErrors.create('VALIDATION_FAILED', `${field} must be an ISO 8601 time`, {
      details: { field },
    });
  }
  return new Date(t);
}

/** The key's merchant and mode: a test key reads test figures only, a live key live ones. */
export function toPaymentFilter(
  q: FilterQuery,
  merchantId: string,
  livemode: boolean,
): PaymentFilter {
  return {
    merchantId,
    livemode,
    status: q.status ?? '',
    method: q.method ?? '',
    currency: q.currency ?? '',
    createdFrom: timeOf(q.created_from, 'created_from'),
    createdTo: timeOf(q.created_to, 'created_to'),
  };
}
