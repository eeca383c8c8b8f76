import { type Money, money } from '@tolem/money';

import { ledgerErrors } from '../domain/errors';
import {
  type CreateHoldCommand,
  decidePostHold,
  decideVoidHold,
  expiryKeyOf,
  holdTransaction,
  type PostHoldCommand,
  postHoldHead,
  validateCreateHold,
  validatePostHold,
  validateVoidHold,
  type VoidHoldCommand,
  voidHoldHead,
} from '../domain/hold';
import type {
  Clock,
  HoldRepository,
  JournalRepository,
  MerchantSettingsRepository,
} from '../domain/ports';
import { type Written, writtenOf } from './replay';

export interface HoldDeps {
  journal: JournalRepository;
  settings: Pick<MerchantSettingsRepository, 'feePlanOf'>;
  clock: Clock;
}

/** CreateHold: pending postings and a `payment.held` event; the payment is in the register. */
export function makeCreateHold(deps: HoldDeps) {
  return async (cmd: CreateHoldCommand): Promise<Written & { expiresAt: Date }> => {
    const hold = validateCreateHold(cmd);
    const tx = holdTransaction(hold, deps.clock.now());
    const written = writtenOf(await deps.journal.record(tx), 'hold', tx.fingerprint);
    if (!written.alreadyExisted && tx.payment) {
      return { ...written, expiresAt: tx.payment.record.holdExpiresAt ?? new Date(0) };
    }
    const record = await deps.journal.paymentOf(hold.paymentId);
    return { ...written, expiresAt: record?.holdExpiresAt ?? new Date(0) };
  };
}

/** PostHold: captures the hold under the payment's lock, with the fee from the merchant's plan. */
export function makePostHold(deps: HoldDeps) {
  return async (cmd: PostHoldCommand): Promise<Written & { fee: Money; net: Money }> => {
    validatePostHold(cmd);
    const head = postHoldHead(cmd);
    const now = deps.clock.now();
    const known = await deps.journal.paymentOf(cmd.paymentId);
    const plan = known ? await deps.settings.feePlanOf(known.merchantId) : undefined;
    let applied: { fee: Money; net: Money } | undefined;
    const result = await deps.journal.recordLocked(head, { paymentId: cmd.paymentId }, (state) => {
      const decided = decidePostHold(cmd, state.payment, plan, now);
      applied = { fee: decided.fee, net: decided.net };
      return decided.body;
    });
    const written = writtenOf(result, 'payment', head.fingerprint);
    if (applied && !written.alreadyExisted) return { ...written, ...applied };
    const record = await deps.journal.paymentOf(cmd.paymentId);
    if (!record)
      throw ledgerErrors.create('LEDGER_PAYMENT_NOT_FOUND', 'captured payment has no register row');
    return {
      ...written,
      fee: money(record.feeMinor, record.currency),
      net: money(record.grossMinor - record.feeMinor, record.currency),
    };
  };
}

/** VoidHold: releases the pending legs; `payment.hold_voided`. */
export function makeVoidHold(deps: Pick<HoldDeps, 'journal' | 'clock'>) {
  return async (cmd: VoidHoldCommand): Promise<Written> => {
    validateVoidHold(cmd);
    const head = voidHoldHead(cmd);
    const now = deps.clock.now();
    const result = await deps.journal.recordLocked(head, { paymentId: cmd.paymentId }, (state) =>
      decideVoidHold(cmd, state.payment, now),
    );
    return writtenOf(result, 'hold_void', head.fingerprint);
  };
}

/**
 * The sweeper's step: voids holds past their timeout, each under the key `hold:<id>:expired`, so
 * two sweepers (or a sweeper and a client) void a hold once. A hold captured or voided meanwhile
 * is skipped. Returns how many it voided.
 */
export function makeExpireHolds(deps: {
  journal: JournalRepository;
  holds: HoldRepository;
  clock: Clock;
}) {
  const voidHold = makeVoidHold(deps);
  return async (limit = 100): Promise<number> => {
    const due = await deps.holds.expiredHolds(deps.clock.now(), limit);
    let voided = 0;
    for (const paymentId of due) {
      try {
        const res = await voidHold({
          idempotencyKey: expiryKeyOf(paymentId),
          paymentId,
          reason: 'expired',
        });
        if (!res.alreadyExisted) voided += 1;
      } catch (err) {
        if ((err as { code?: string }).code !== 'LEDGER_HOLD_NOT_PENDING') throw err;
      }
    }
    return voided;
  };
}
