import {
  CheckIntegrityResponse,
  GetBalanceResponse,
  type PostPaymentRequest,
  Transaction as PbTransaction,
} from '@tolem/contracts/ledger';
import type { Money } from '@tolem/money';

import type { MerchantBalance } from '../app/get-balance';
import { ledgerErrors } from '../domain/errors';
import type { IntegrityReport } from '../domain/integrity';
import type { Transaction } from '../domain/journal';
import type { PostPaymentCommand } from '../domain/payment';
import { methodFromProto, providerFromProto } from './payment-enums.mapper';

function required<T>(value: T | undefined, field: string): T {
  if (value === undefined) {
    throw ledgerErrors.create('LEDGER_INVALID_REQUEST', `${field} is required`, {
      details: { field },
    });
  }
  return value;
}

/** Shape only (presence, enums); amounts and ids are validated by the domain. */
export function postPaymentFromProto(req: PostPaymentRequest): PostPaymentCommand {
  const gross = required(req.gross, 'gross');
  const fee = required(req.fee, 'fee');
  return {
    idempotencyKey: req.idempotencyKey,
    paymentId: req.paymentId,
    merchantId: req.merchantId,
    gross: { amountMinor: gross.amountMinor, currency: gross.currency },
    fee: { amountMinor: fee.amountMinor, currency: fee.currency },
    method: methodFromProto(req.method),
    provider: providerFromProto(req.provider),
    providerPaymentId: req.providerPaymentId,
    providerAttributes: { ...req.providerAttributes },
    orderId: req.orderId,
    description: req.description,
    occurredAt: req.occurredAt,
  };
}

export function moneyToProto(m: Money): { amountMinor: bigint; currency: string } {
  return { amountMinor: m.amountMinor, currency: m.currency };
}

export function transactionToProto(t: Transaction): PbTransaction {
  return PbTransaction.fromPartial({
    id: t.id,
    idempotencyKey: t.idempotencyKey,
    kind: t.kind,
    paymentId: t.paymentId,
    postings: t.postings.map((p) => ({
      accountId: p.accountId,
      amountMinor: p.amountMinor,
      currency: p.currency,
    })),
    createdAt: t.createdAt,
  });
}

export function balanceToProto(b: MerchantBalance): GetBalanceResponse {
  return GetBalanceResponse.fromPartial({
    available: moneyToProto(b.available),
    pending: moneyToProto(b.pending),
  });
}

export function integrityToProto(r: IntegrityReport): CheckIntegrityResponse {
  return CheckIntegrityResponse.fromPartial({
    ok: r.ok,
    checks: r.checks,
    violations: r.violations.map((v) => ({ check: v.check, detail: v.detail })),
  });
}
