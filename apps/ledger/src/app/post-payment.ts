import { type Money, money } from '@tolem/money';

import { ledgerErrors } from '../domain/errors';
import { paymentFingerprint } from '../domain/idempotency';
import {
  applyFee,
  paymentTransaction,
  type PostPaymentCommand,
  validatePayment,
} from '../domain/payment';
import type { Clock, JournalRepository, MerchantSettingsRepository } from '../domain/ports';
import { type Written, writtenOf } from './replay';

export interface PostPaymentDeps {
  journal: JournalRepository;
  settings: Pick<MerchantSettingsRepository, 'feePlanOf'>;
  clock: Clock;
}

export interface PostPaymentResult extends Written {
  fee: Money;
  net: Money;
}

/**
 * Posts a succeeded payment and its `payment.succeeded` event, atomically, with the fee from the
 * merchant's plan (zero without a plan). Idempotent with TigerBeetle semantics: the
 * same key with the same content returns the original transaction (already_existed, no second
 * event); the same key with any different field is LEDGER_IDEMPOTENCY_CONFLICT naming that
 * field, and writes nothing. Concurrent calls are group-committed by the journal.
 */
export function makePostPayment(deps: PostPaymentDeps) {
  return async (cmd: PostPaymentCommand): Promise<PostPaymentResult> => {
    const valid = validatePayment(cmd);
    const plan = await deps.settings.feePlanOf(valid.merchantId);
    const payment = applyFee(valid, plan);
    const fingerprint = paymentFingerprint(valid);
    const result = await deps.journal.record(
      paymentTransaction(payment, fingerprint, deps.clock.now()),
    );
    const written = writtenOf(result, 'payment', fingerprint);
    if (!written.alreadyExisted) return { ...written, fee: payment.fee, net: payment.net };
    // A replay answers with the fee applied the first time, which a later plan does not change.
    const record = await deps.journal.paymentOf(payment.paymentId);
    if (!record)
      throw ledgerErrors.create('LEDGER_PAYMENT_NOT_FOUND', 'posted payment has no register row');
    const fee = money(record.feeMinor, record.currency);
    return { ...written, fee, net: money(record.grossMinor - record.feeMinor, record.currency) };
  };
}

export type PostPayment = ReturnType<typeof makePostPayment>;
