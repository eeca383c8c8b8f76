import { type Money, money } from '@tolem/money';

import { ledgerErrors } from '../domain/errors';
import type { Clock, JournalRepository, MerchantSettingsRepository } from '../domain/ports';
import {
  applyBody,
  holdBody,
  holdFingerprint,
  type HoldUnappliedCommand,
  resolveFingerprint,
  type ResolveUnappliedCommand,
  returnBody,
  unappliedHead,
  type UnappliedRecord,
  validateHold,
  validateResolve,
} from '../domain/unapplied';
import { type Written, writtenOf } from './replay';

export interface UnappliedFundsDeps {
  journal: JournalRepository;
  settings: Pick<MerchantSettingsRepository, 'feePlanOf'>;
  clock: Clock;
}

async function heldCaseOf(
  deps: Pick<UnappliedFundsDeps, 'journal'>,
  caseId: string,
): Promise<UnappliedRecord> {
  const found = await deps.journal.unappliedOf(caseId);
  if (!found) {
    throw ledgerErrors.create('LEDGER_CASE_NOT_FOUND', `no money is held for case ${caseId}`, {
      details: { field: 'case_id' },
    });
  }
  return found;
}

/**
 * Holds a case's verified money in unapplied funds (provider clearing debit, unapplied funds
 * credit), with `funds.unapplied` and `case.opened`, under the payment's and the case's locks.
 * One per case; TigerBeetle idempotency on the key.
 */
export function makeHoldUnappliedFunds(deps: UnappliedFundsDeps) {
  return async (cmd: HoldUnappliedCommand): Promise<Written> => {
    const hold = validateHold(cmd);
    const fingerprint = holdFingerprint(hold);
    const head = unappliedHead(hold.idempotencyKey, 'unapplied_hold', hold.paymentId, fingerprint);
    const now = deps.clock.now();
    const result = await deps.journal.recordLocked(
      head,
      { paymentId: hold.paymentId, caseId: hold.caseId },
      (state) => holdBody(hold, { case: state.unapplied, payment: state.payment }, now),
    );
    return writtenOf(result, 'unapplied_hold', fingerprint);
  };
}

/**
 * Applies all of a case's money to its payment's merchant (fee from the merchant's plan):
 * posts a payment the ledger had not posted, or adds to a posted one. A case resolves once.
 */
export function makeApplyUnappliedFunds(deps: UnappliedFundsDeps) {
  return async (
    cmd: ResolveUnappliedCommand,
  ): Promise<Written & { fee: Money; net: Money; eventType: string }> => {
    validateResolve(cmd, false);
    const held = await heldCaseOf(deps, cmd.caseId);
    const plan = await deps.settings.feePlanOf(held.merchantId);
    const fingerprint = resolveFingerprint(cmd);
    const head = unappliedHead(cmd.idempotencyKey, 'unapplied_apply', held.paymentId, fingerprint);
    const now = deps.clock.now();
    let decided: ReturnType<typeof applyBody> | undefined;
    const result = await deps.journal.recordLocked(
      head,
      { paymentId: held.paymentId, caseId: cmd.caseId },
      (state) => {
        decided = applyBody(cmd, { case: state.unapplied, payment: state.payment }, plan, now);
        return decided.body;
      },
    );
    const written = writtenOf(result, 'unapplied_apply', fingerprint);
    if (decided) {
      return { ...written, fee: decided.fee, net: decided.net, eventType: decided.eventType };
    }
    // A replay: the fee and net are the first write's legs to fee revenue and the merchant.
    const found = await deps.journal.findTransaction(written.transaction.id);
    const credited = (purpose: string): Money => {
      const minor = (found?.transaction.postings ?? [])
        .filter((p) => found?.accounts.get(p.accountId)?.purpose === purpose)
        .reduce((sum, p) => sum - p.amountMinor, 0n);
      return money(minor, held.amount.currency);
    };
    return { ...written, fee: credited('fee_revenue'), net: credited('available'), eventType: '' };
  };
}

/** Records that a case's money went back to the payer, with the transfer's reference. */
export function makeReturnUnappliedFunds(deps: UnappliedFundsDeps) {
  return async (cmd: ResolveUnappliedCommand): Promise<Written> => {
    validateResolve(cmd, true);
    const held = await heldCaseOf(deps, cmd.caseId);
    const fingerprint = resolveFingerprint(cmd);
    const head = unappliedHead(cmd.idempotencyKey, 'unapplied_return', held.paymentId, fingerprint);
    const now = deps.clock.now();
    const result = await deps.journal.recordLocked(head, { caseId: cmd.caseId }, (state) =>
      returnBody(cmd, { case: state.unapplied }, now),
    );
    return writtenOf(result, 'unapplied_return', fingerprint);
  };
}

/** A case's money as the ledger holds it; LEDGER_CASE_NOT_FOUND when none was held. */
export function makeGetUnappliedFunds(deps: Pick<UnappliedFundsDeps, 'journal'>) {
  return (caseId: string): Promise<UnappliedRecord> => heldCaseOf(deps, caseId);
}
