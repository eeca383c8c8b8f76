import type { Knex } from '@tolem/db-kit';
import { type CurrencyCode, money } from '@tolem/money';

import type { Case, CaseAuditEntry, CaseKind, CaseStatus } from '../domain/case';
import type { PaymentMethod, PaymentStatus, ProviderName } from '../domain/payment';
import type { CaseRepository } from '../domain/ports';
import { retryAtAfter } from './retry-backoff';

interface CaseRow {
  id: string;
  kind: CaseKind;
  status: CaseStatus;
  payment_id: string;
  merchant_id: string;
  provider: ProviderName;
  method: PaymentMethod;
  provider_payment_id: string;
  amount_minor: bigint | string;
  currency: string;
  expected_minor: bigint | string;
  expected_currency: string;
  payment_status: PaymentStatus;
  callback_id: string;
  provider_attributes: Record<string, string>;
  reason: string;
  dedupe_key: string;
  return_reference: string;
  created_at: Date;
  resolved_at: Date | null;
}

function toDomain(r: CaseRow): Case {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    paymentId: r.payment_id,
    merchantId: r.merchant_id,
    provider: r.provider,
    method: r.method,
    providerPaymentId: r.provider_payment_id,
    amount: money(BigInt(r.amount_minor), r.currency.trim() as CurrencyCode),
    expected: money(BigInt(r.expected_minor), r.expected_currency.trim() as CurrencyCode),
    paymentStatus: r.payment_status,
    callbackId: r.callback_id,
    providerAttributes: r.provider_attributes,
    reason: r.reason,
    dedupeKey: r.dedupe_key,
    returnReference: r.return_reference,
    createdAt: r.created_at,
    resolvedAt: r.resolved_at,
  };
}

function toRow(c: Case): Record<string, unknown> {
  return {
    id: c.id,
    kind: c.kind,
    status: c.status,
    payment_id: c.paymentId,
    merchant_id: c.merchantId,
    provider: c.provider,
    method: c.method,
    provider_payment_id: c.providerPaymentId,
    amount_minor: c.amount.amountMinor.toString(),
    currency: c.amount.currency,
    expected_minor: c.expected.amountMinor.toString(),
    expected_currency: c.expected.currency,
    payment_status: c.paymentStatus,
    callback_id: c.callbackId,
    provider_attributes: JSON.stringify(c.providerAttributes),
    reason: c.reason,
    dedupe_key: c.dedupeKey,
    return_reference: c.returnReference,
    created_at: c.createdAt,
    resolved_at: c.resolvedAt,
  };
}

export function createCasesRepo(db: Knex): CaseRepository {
  return {
    async openOnce(c) {
      return db.transaction(async (trx) => {
        const inserted = (await trx('cases')
          .insert(toRow(c))
          .onConflict('dedupe_key')
          .ignore()
          .returning('*')) as CaseRow[];
        const row = inserted[0];
        if (row) {
          await trx('case_audit').insert({
            case_id: c.id,
            at: c.createdAt,
            action: 'opened',
            actor: 'tolem',
            detail: `${c.kind}: ${c.reason}${c.callbackId ? ` (callback ${c.callbackId})` : ''}`,
          });
          return { case: toDomain(row), created: true };
        }
        const existing = (await trx('cases').where({ dedupe_key: c.dedupeKey }).first()) as CaseRow;
        return { case: toDomain(existing), created: false };
      });
    },

    async findById(id) {
      const row = (await db('cases').where({ id }).first()) as CaseRow | undefined;
      return row ? toDomain(row) : undefined;
    },

    async findByDedupeKey(dedupeKey) {
      const row = (await db('cases').where({ dedupe_key: dedupeKey }).first()) as
        | CaseRow
        | undefined;
      return row ? toDomain(row) : undefined;
    },

    async list(filter) {
      const q = db('cases')
        .orderBy([
          { column: 'created_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .limit(filter.limit);
      if (filter.status) q.where({ status: filter.status });
      if (filter.merchantId) q.where({ merchant_id: filter.merchantId });
      if (filter.paymentId) q.where({ payment_id: filter.paymentId });
      if (filter.after) {
        const { createdAt, id } = filter.after;
        q.whereRaw('(created_at, id) < (?, ?)', [createdAt, id]);
      }
      return ((await q) as CaseRow[]).map(toDomain);
    },

    async audit(caseId) {
      const rows = (await db('case_audit').where({ case_id: caseId }).orderBy('id')) as {
        at: Date;
        action: CaseAuditEntry['action'];
        actor: string;
        detail: string;
      }[];
      return rows.map((r) => ({ at: r.at, action: r.action, actor: r.actor, detail: r.detail }));
    },

    async markHeld(caseId, at) {
      await db.transaction(async (trx) => {
        const n = await trx('cases')
          .where({ id: caseId, status: 'opening' })
          .update({ status: 'open' });
        if (n > 0) {
          await trx('case_audit').insert({
            case_id: caseId,
            at,
            action: 'held',
            actor: 'tolem',
            detail: 'the money is in the ledger\u2019s unapplied funds',
          });
        }
      });
    },

    async markResolved(caseId, r) {
      await db.transaction(async (trx) => {
        const n = await trx('cases')
          .where({ id: caseId })
          .whereIn('status', ['opening', 'open'])
          .update({ status: r.status, resolved_at: r.at, return_reference: r.returnReference });
        if (n > 0) {
          await trx('case_audit').insert({
            case_id: caseId,
            at: r.at,
            action: r.status,
            actor: r.actor,
            detail: [r.note, r.returnReference && `reference ${r.returnReference}`]
              .filter(Boolean)
              .join('; '),
          });
        }
      });
    },

    async listOpening(before, limit, dueAt) {
      const rows = (await db('cases')
        .where({ status: 'opening' })
        .where('created_at', '<', before)
        .andWhere((q) => q.whereNull('hold_retry_at').orWhere('hold_retry_at', '<=', dueAt))
        .orderBy('created_at')
        .limit(limit)) as CaseRow[];
      return rows.map(toDomain);
    },

    async deferHold(caseId, now) {
      await db.raw(
        `update cases set hold_refusals = hold_refusals + 1,
           hold_retry_at = ${retryAtAfter('hold_refusals', '1 hour')}
         where id = ? and status = 'opening'`,
        [now, caseId],
      );
    },
  };
}
