import {
  type Case,
  type CaseAuditEntry,
  CaseStatus,
  type GetCaseResponse,
  ListCasesRequest,
  type ListCasesResponse,
} from '@tolem/contracts/checkout';
import type { Money } from '@tolem/contracts/common';
import type { DomainError } from '@tolem/errors';

import type { ListCasesQuery } from '../case.schemas';
import { gatewayErrors } from '../errors';
import { orNull } from './absent';
import { type CaseStatusName, methodName, providerName } from './enums.mapper';
import { type CursorListJson, cursorPage } from './list.mapper';
import { type JsonMinor, minorToJson } from './payment.mapper';

const STATUS_OF_NAME: Record<CaseStatusName, CaseStatus> = {
  opening: CaseStatus.CASE_STATUS_OPENING,
  open: CaseStatus.CASE_STATUS_OPEN,
  applied: CaseStatus.CASE_STATUS_APPLIED,
  returned: CaseStatus.CASE_STATUS_RETURNED,
};

export function caseStatusName(status: CaseStatus): CaseStatusName | 'unknown' {
  switch (status) {
    case CaseStatus.CASE_STATUS_OPENING:
      return 'opening';
    case CaseStatus.CASE_STATUS_OPEN:
      return 'open';
    case CaseStatus.CASE_STATUS_APPLIED:
      return 'applied';
    case CaseStatus.CASE_STATUS_RETURNED:
      return 'returned';
    case CaseStatus.CASE_STATUS_UNSPECIFIED:
    case CaseStatus.UNRECOGNIZED:
      return 'unknown';
  }
}

export interface CaseJson {
  id: string;
  object: 'case';
  /** duplicate_payment, late_payment, amount_mismatch, amount_unknown, unsettled_at_provider. */
  kind: string;
  status: CaseStatusName | 'unknown';
  reason: string;
  payment_id: string;
  merchant_id: string;
  /** The payment's status when the case opened. */
  payment_status: string;
  provider: string | null;
  method: string | null;
  provider_payment_id: string | null;
  /** What the provider moved, in minor units of `currency`. */
  amount: JsonMinor;
  currency: string;
  /** What the payment asked for; differs from amount/currency for amount_mismatch. */
  expected_amount: JsonMinor;
  expected_currency: string;
  /** The raw callback in provider-adapters' audit log (`cb_…`); null for payer input. */
  callback_id: string | null;
  provider_attributes: Record<string, string>;
  return_reference: string | null;
  created_at: string | null;
  resolved_at: string | null;
}

export interface CaseAuditJson {
  at: string | null;
  action: string;
  actor: string;
  detail: string;
}

export type CaseListJson = CursorListJson<CaseJson>;

function missing(field: string): DomainError {
  return gatewayErrors.create('INTERNAL', `peer answer lacks ${field}`);
}

function money(m: Money | undefined, field: string): { amount: JsonMinor; currency: string } {
  if (!m) throw missing(field);
  return { amount: minorToJson(m.amountMinor), currency: m.currency };
}

export function caseToJson(c: Case | undefined): CaseJson {
  if (!c) throw missing('case');
  const amount = money(c.amount, 'case.amount');
  const expected = money(c.expected, 'case.expected');
  return {
    id: c.id,
    object: 'case',
    kind: c.kind,
    status: caseStatusName(c.status),
    reason: c.reason,
    payment_id: c.paymentId,
    merchant_id: c.merchantId,
    payment_status: c.paymentStatus,
    provider: providerName(c.provider),
    method: methodName(c.method),
    provider_payment_id: orNull(c.providerPaymentId),
    amount: amount.amount,
    currency: amount.currency,
    expected_amount: expected.amount,
    expected_currency: expected.currency,
    callback_id: orNull(c.callbackId),
    provider_attributes: { ...c.providerAttributes },
    return_reference: orNull(c.returnReference),
    created_at: c.createdAt ? c.createdAt.toISOString() : null,
    resolved_at: c.resolvedAt ? c.resolvedAt.toISOString() : null,
  };
}

function auditToJson(e: CaseAuditEntry): CaseAuditJson {
  return {
    at: e.at ? e.at.toISOString() : null,
    action: e.action,
    actor: e.actor,
    detail: e.detail,
  };
}

/** The callback's body as text when it is UTF-8 (every provider's is), else base64. */
function bodyJson(body: Uint8Array): { body: string; body_encoding: 'utf8' | 'base64' } {
  try {
    return { body: new TextDecoder('utf-8', { fatal: true }).decode(body), body_encoding: 'utf8' };
  } catch {
    return { body: Buffer.from(body).toString('base64'), body_encoding: 'base64' };
  }
}

export interface CaseCallbackJson {
  id: string;
  received_at: string | null;
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: string;
  body_encoding: 'utf8' | 'base64';
  verdict: string;
  reason_code: string;
}

/**
 * GET /admin/v1/cases/{id}: the case with its audit trail, oldest step first, and the raw
 * callback that opened it (null for payer input, or past its retention).
 */
export function caseDetailToJson(
  res: GetCaseResponse,
): CaseJson & { audit: CaseAuditJson[]; raw_callback: CaseCallbackJson | null } {
  const cb = res.callback;
  return {
    ...caseToJson(res.case),
    audit: res.audit.map(auditToJson),
    raw_callback: cb
      ? {
          id: cb.callbackId,
          received_at: cb.receivedAt ? cb.receivedAt.toISOString() : null,
          method: cb.method,
          path: cb.path,
          query: cb.query,
          headers: { ...cb.headers },
          ...bodyJson(cb.body),
          verdict: cb.verdict,
          reason_code: cb.reasonCode,
        }
      : null,
  };
}

export const DEFAULT_CASE_PAGE_SIZE = 50;
export const MAX_CASE_PAGE_SIZE = 200;

/**
 * Validated query -> ListCases. `limit` arrives as digits (query strings are not coerced);
 * `cursor` is checkout's page token, passed through untouched (checkout refuses one it did not
 * issue with CASE_INVALID_REQUEST).
 */
export function toListCasesRequest(query: ListCasesQuery): ListCasesRequest {
  const limit = query.limit === undefined ? DEFAULT_CASE_PAGE_SIZE : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CASE_PAGE_SIZE) {
    throw gatewayErrors.create(
      'VALIDATION_FAILED',
      `limit must be an integer 1..${MAX_CASE_PAGE_SIZE}`,
      { details: { field: 'limit' } },
    );
  }
  return ListCasesRequest.fromPartial({
    status:
      query.status === undefined
        ? CaseStatus.CASE_STATUS_UNSPECIFIED
        : STATUS_OF_NAME[query.status],
    merchantId: query.merchant_id ?? '',
    paymentId: query.payment_id ?? '',
    pageSize: limit,
    pageToken: query.cursor ?? '',
  });
}

export function caseListToJson(res: ListCasesResponse): CaseListJson {
  return cursorPage('/admin/v1/cases', res.cases.map(caseToJson), res.nextPageToken);
}
