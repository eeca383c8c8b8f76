import { ledgerErrors } from '../domain/errors';
import { type Fingerprint, fingerprintConflictField } from '../domain/idempotency';
import type { Transaction, TransactionKind } from '../domain/journal';
import type { RecordResult, StoredTransaction } from '../domain/ports';

export interface Written {
  transaction: Transaction;
  alreadyExisted: boolean;
}

/**
 * TigerBeetle semantics for a key that exists: the same content returns the original; any
 * different field (or a key used for another kind of operation) is LEDGER_IDEMPOTENCY_CONFLICT
 * naming it, and nothing is written.
 */
export function replay(
  existing: StoredTransaction,
  kind: TransactionKind,
  fingerprint: Fingerprint,
): Transaction {
  const field =
    existing.kind !== kind
      ? 'idempotency_key'
      : fingerprintConflictField(existing.fingerprint, fingerprint);
  if (field) {
    throw ledgerErrors.create(
      'LEDGER_IDEMPOTENCY_CONFLICT',
      `idempotency key ${JSON.stringify(existing.idempotencyKey)} was used with a different ${field}`,
      { details: { field } },
    );
  }
  const { fingerprint: _stored, ...transaction } = existing;
  return transaction;
}

/** A journal write's answer: the new transaction, or the replayed original. */
export function writtenOf(
  result: RecordResult,
  kind: TransactionKind,
  fingerprint: Fingerprint,
): Written {
  if (result.recorded) return { transaction: result.transaction, alreadyExisted: false };
  return { transaction: replay(result.existing, kind, fingerprint), alreadyExisted: true };
}
