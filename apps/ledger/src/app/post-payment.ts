import { ledgerErrors } from '../domain/errors';
import { paymentSucceeded } from '../domain/events';
import { fingerprintConflictField, paymentFingerprint } from '../domain/idempotency';
import { assertBalanced, type Transaction } from '../domain/journal';
import { paymentPostings, type PostPaymentCommand, validatePayment } from '../domain/payment';
import type { Clock, JournalRepository, StoredTransaction } from '../domain/ports';

export interface PostPaymentDeps {
  journal: JournalRepository;
  clock: Clock;
}

export interface PostPaymentResult {
  transaction: Transaction;
  alreadyExisted: boolean;
}

/**
 * Posts a succeeded payment and its `payment.succeeded` event, atomically. Idempotent with
 * TigerBeetle semantics: the same key with the same content returns the original transaction
 * (already_existed, no second event); the same key with any different field is
 * LEDGER_IDEMPOTENCY_CONFLICT naming that field, and writes nothing.
 */
export function makePostPayment(deps: PostPaymentDeps) {
  return async (cmd: PostPaymentCommand): Promise<PostPaymentResult> => {
    const payment = validatePayment(cmd);
    const fingerprint = paymentFingerprint(payment);

    const replay = (existing: StoredTransaction): PostPaymentResult => {
      const field =
        existing.kind !== 'payment'
          ? 'idempotency_key'
          : fingerprintConflictField(existing.fingerprint, fingerprint);
      if (field) {
        throw ledgerErrors.create(
          'LEDGER_IDEMPOTENCY_CONFLICT',
          `idempotency key ${JSON.stringify(payment.idempotencyKey)} was used with a different ${field}`,
          { details: { field } },
        );
      }
      const { fingerprint: _stored, ...transaction } = existing;
      return { transaction, alreadyExisted: true };
    };

    // The common retry path answers from one indexed read, without opening a write transaction.
    const existing = await deps.journal.findByIdempotencyKey(payment.idempotencyKey);
    if (existing) return replay(existing);

    const postings = paymentPostings(payment);
    assertBalanced(postings);
    const result = await deps.journal.record({
      idempotencyKey: payment.idempotencyKey,
      kind: 'payment',
      paymentId: payment.paymentId,
      fingerprint,
      postings,
      events: [paymentSucceeded(payment, deps.clock.now())],
    });
    // A concurrent request with the same key committed first: answer as a replay of it.
    if (!result.recorded) return replay(result.existing);
    return { transaction: result.transaction, alreadyExisted: false };
  };
}
