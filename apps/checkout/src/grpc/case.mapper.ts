import {
  type Case as PbCase,
  CaseAuditEntry as PbCaseAuditEntry,
  CaseStatus as PbCaseStatus,
} from '@tolem/contracts/checkout';
import { unstorableValue } from '@tolem/errors';

import type { Case, CaseAuditEntry, CaseStatus } from '../domain/case';
import { checkoutErrors } from '../domain/errors';
import { methodToProto, providerToProto } from './common.mapper';

const STATUSES: Record<CaseStatus, PbCaseStatus> = {
  opening: PbCaseStatus.CASE_STATUS_OPENING,
  open: PbCaseStatus.CASE_STATUS_OPEN,
  applied: PbCaseStatus.CASE_STATUS_APPLIED,
  returned: PbCaseStatus.CASE_STATUS_RETURNED,
};

export function caseStatusFromProto(status: PbCaseStatus): CaseStatus | null {
  if (status === PbCaseStatus.CASE_STATUS_UNSPECIFIED) return null;
  const found = (Object.entries(STATUSES) as [CaseStatus, PbCaseStatus][]).find(
    ([, pb]) => pb === status,
  );
  if (!found) {
    throw checkoutErrors.create('CASE_INVALID_REQUEST', 'status is not a case status', {
      details: { field: 'status' },
    });
  }
  return found[0];
}

export function caseToProto(c: Case): PbCase {
  return {
    id: c.id,
    kind: c.kind,
    status: STATUSES[c.status],
    paymentId: c.paymentId,
    merchantId: c.merchantId,
    provider: providerToProto(c.provider),
    method: methodToProto(c.method),
    providerPaymentId: c.providerPaymentId,
    amount: { amountMinor: c.amount.amountMinor, currency: c.amount.currency },
    expected: { amountMinor: c.expected.amountMinor, currency: c.expected.currency },
    paymentStatus: c.paymentStatus,
    callbackId: c.callbackId,
    returnReference: c.returnReference,
    createdAt: c.createdAt,
    resolvedAt: c.resolvedAt ?? undefined,
    providerAttributes: { ...c.providerAttributes },
    reason: c.reason,
  };
}

export function auditToProto(e: CaseAuditEntry): PbCaseAuditEntry {
  return PbCaseAuditEntry.fromPartial({
    at: e.at,
    action: e.action,
    actor: e.actor,
    detail: e.detail,
  });
}

/** Page tokens are the last case's (created_at, id), opaque to callers. */
export function pageTokenOf(c: Case): string {
  return Buffer.from(JSON.stringify([c.createdAt.toISOString(), c.id])).toString('base64url');
}

export function afterOf(token: string): { createdAt: Date; id: string } | null {
  if (!token) return null;
  try {
    const [at, id] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as [
      string,
      string,
    ];
    const createdAt = new Date(at);
    // A forged token's time or id would fail in the database as an internal error.
    if (typeof id !== 'string' || unstorableValue([createdAt, id])) throw new Error('bad token');
    return { createdAt, id };
  } catch {
    throw checkoutErrors.create('CASE_INVALID_REQUEST', 'page_token is not one this API issued', {
      details: { field: 'page_token' },
    });
  }
}
