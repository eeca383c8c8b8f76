import type { Knex } from '@tolem/db-kit';

import type { PaymentCase } from '../domain/payment-case';
import type { PaymentCaseRepository } from '../domain/ports';

interface PaymentCaseRow {
  case_id: string;
  payment_id: string;
  merchant_id: string;
  case_kind: string;
  currency: string;
  method: string;
  received_minor: bigint;
  applied_gross_minor: bigint;
  applied_fee_minor: bigint;
  applied_net_minor: bigint;
  returned_minor: bigint;
  applied_on_top: boolean;
  applied_at: Date | null;
  resolution: string;
  opened_at: Date;
  resolved_at: Date | null;
  updated_at: Date;
  livemode: boolean;
}

function toDomain(row: PaymentCaseRow): PaymentCase {
  return {
    caseId: row.case_id,
    paymentId: row.payment_id,
    merchantId: row.merchant_id,
    caseKind: row.case_kind,
    currency: row.currency,
    method: row.method,
    receivedMinor: BigInt(row.received_minor),
    appliedGrossMinor: BigInt(row.applied_gross_minor),
    appliedFeeMinor: BigInt(row.applied_fee_minor),
    appliedNetMinor: BigInt(row.applied_net_minor),
    returnedMinor: BigInt(row.returned_minor),
    appliedOnTop: row.applied_on_top,
    appliedAt: row.applied_at,
    resolution: row.resolution,
    openedAt: row.opened_at,
    resolvedAt: row.resolved_at,
    updatedAt: row.updated_at,
    livemode: row.livemode,
  };
}

/** Works on the pool or on a transaction (the consumer passes its transaction). */
export function createPaymentCasesRepo(db: Knex): PaymentCaseRepository {
  return {
    async getForUpdate(caseId) {
      const row = await db<PaymentCaseRow>('payment_cases')
        .where({ case_id: caseId })
        .forUpdate()
        .first();
      return row ? toDomain(row as PaymentCaseRow) : undefined;
    },

    async save(c, isNew) {
      const row = {
        case_id: c.caseId,
        payment_id: c.paymentId,
        merchant_id: c.merchantId,
        case_kind: c.caseKind,
        currency: c.currency,
        method: c.method,
        received_minor: c.receivedMinor.toString(),
        applied_gross_minor: c.appliedGrossMinor.toString(),
        applied_fee_minor: c.appliedFeeMinor.toString(),
        applied_net_minor: c.appliedNetMinor.toString(),
        returned_minor: c.returnedMinor.toString(),
        applied_on_top: c.appliedOnTop,
        applied_at: c.appliedAt,
        resolution: c.resolution,
        opened_at: c.openedAt,
        resolved_at: c.resolvedAt,
        updated_at: c.updatedAt,
        livemode: c.livemode,
      };
      if (isNew) {
        await db('payment_cases').insert(row);
        return;
      }
      const updated = await db('payment_cases').where({ case_id: c.caseId }).update(row);
      if (updated !== 1) throw new Error(`payment case ${c.caseId} vanished during its update`);
    },
  };
}
