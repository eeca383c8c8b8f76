import { isDomainError } from '@tolem/errors';

import { providerErrors } from '../../domain/errors';
import { isFinal, type ProviderTransaction } from '../../domain/provider-transaction';
import type { ChargeBoundCardInput, ChargeResult } from '../provider.port';
import type { IntellectMoneyContext } from './config';
import { type OperationResult, RESULT_STATE } from './personal-api';
import {
  ATTR,
  declineKindOf,
  INTELLECTMONEY_CURRENCIES,
  toIntellectMoneyAmount,
} from './transformers';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Records what IntellectMoney said about an operation's execution. Moves only open charges,
 * except that a charge a notification already failed (status 4 carries no code) still gets
 * its decline code.
 */
async function settleCharge(
  { transactions }: IntellectMoneyContext,
  tx: ProviderTransaction,
  op: OperationResult,
): Promise<ProviderTransaction> {
  const attributes: Record<string, string> = { [ATTR.operationId]: op.operationId };
  if (op.invoiceId) attributes[ATTR.invoiceId] = op.invoiceId;
  switch (op.state) {
    case 'approved':
      return (
        await transactions.markSucceeded(tx.id, {
          providerPaymentId: op.invoiceId ?? `operation:${op.operationId}`,
          method: 'card',
          attributes,
        })
      ).transaction;
    case 'declined':
      return (
        await transactions.update(
          tx.id,
          {
            status: 'failed',
            declineCode: op.declineCode ?? null,
            reasonCode: 'PROVIDER_CARD_DECLINED',
            attributes,
          },
          ['created', 'pending', 'manual_review', 'failed'],
        )
      ).transaction;
    case 'refused':
      return (
        await transactions.update(tx.id, {
          status: 'failed',
          reasonCode:
            op.refusal === 'binding_cancelled'
              ? 'PROVIDER_BINDING_INACTIVE'
              : 'PROVIDER_REQUEST_REFUSED',
          attributes,
        })
      ).transaction;
    case 'pending':
      return tx;
  }
}

/** Whether asking IntellectMoney could still tell something about the charge. */
export const worthAsking = (tx: ProviderTransaction) =>
  tx.kind === 'bound_card_charge' &&
  tx.externalRef !== null &&
  (!isFinal(tx.status) || (tx.status === 'failed' && !tx.declineCode));

/** The charge as IntellectMoney now reports it, when asking could still tell something. */
export async function refreshCharge(
  ctx: IntellectMoneyContext,
  tx: ProviderTransaction,
): Promise<ProviderTransaction> {
  if (!worthAsking(tx) || !tx.externalRef) return tx;
  return settleCharge(ctx, tx, await ctx.api.readOperation(tx.externalRef));
}

/**
 * Charges of bound cards (§3.5, seed 003) through one-shot scheduled operations of the Personal
 * API: at most one operation per idempotency key, its result awaited briefly.
 */
export function makeChargeBoundCard(ctx: IntellectMoneyContext) {
  const { config, transactions, poll, api } = ctx;

  function chargeResult(tx: ProviderTransaction, replayed: boolean): ChargeResult {
    const outcome =
      tx.status === 'succeeded' ? 'succeeded' : tx.status === 'failed' ? 'failed' : 'pending';
    const result: ChargeResult = { outcome, replayed, amount: tx.amount };
    if (tx.declineCode) {
      result.declineCode = tx.declineCode;
      const kind = declineKindOf(tx.declineCode);
      if (kind) result.declineKind = kind;
    }
    if (tx.providerPaymentId) result.providerPaymentId = tx.providerPaymentId;
    if (tx.externalRef) result.providerOperationId = tx.externalRef;
    if (outcome !== 'succeeded' && tx.reasonCode) result.reasonCode = tx.reasonCode;
    return result;
  }

  /**
   * Waits briefly for IntellectMoney to run a just-created operation (it runs when due, on its own
   * schedule), so most charges answer with their result rather than PENDING. It pauses before
   * each query: one made the moment the operation was created only ever finds it not run yet.
   */
  async function awaitExecution(tx: ProviderTransaction): Promise<ProviderTransaction> {
    let current = tx;
    for (let attempt = 0; attempt < poll.attempts; attempt += 1) {
      await sleep(poll.intervalMs);
      current = await refreshCharge(ctx, current);
      if (!worthAsking(current)) return current;
    }
    return current;
  }

  /** The field in which a retried charge differs from the first request with its key. */
  function chargeConflictField(
    tx: ProviderTransaction,
    input: ChargeBoundCardInput,
  ): string | undefined {
    if (tx.kind !== 'bound_card_charge') return 'payment_id';
    if (tx.paymentId !== input.paymentId) return 'payment_id';
    if (tx.merchantId !== input.merchantId) return 'merchant_id';
    if (tx.attributes[ATTR.bindingRef] !== input.bindingRef) return 'binding_ref';
    if (tx.amount.currency !== input.amount.currency) return 'currency';
    if (tx.amount.amountMinor !== input.amount.amountMinor) return 'amount';
    if (tx.idempotencyKey !== input.idempotencyKey) return 'idempotency_key';
    return undefined;
  }

  /** A replay answers from what is stored, asking IntellectMoney only while the result is open. */
  async function replay(tx: ProviderTransaction): Promise<ChargeResult> {
    try {
      return chargeResult(await refreshCharge(ctx, tx), true);
    } catch (err) {
      if (!isDomainError(err) || !err.retriable) throw err;
      return chargeResult(tx, true);
    }
  }

  return async function chargeBoundCard(input: ChargeBoundCardInput): Promise<ChargeResult> {
    if (!config.userToken) {
      throw providerErrors.create(
        'PROVIDER_OPERATION_UNSUPPORTED',
        'bound-card charges need INTELLECTMONEY_USER_TOKEN (Personal API UserToken)',
        { details: { provider: 'intellectmoney', operation: 'chargeBoundCard' } },
      );
    }
    if (!INTELLECTMONEY_CURRENCIES.has(input.amount.currency)) {
      throw providerErrors.create(
        'PROVIDER_CURRENCY_UNSUPPORTED',
        `IntellectMoney does not take ${input.amount.currency}`,
        { details: { field: 'amount.currency', currency: input.amount.currency } },
      );
    }
    const conflict = (field: string) =>
      providerErrors.create(
        'PROVIDER_IDEMPOTENCY_CONFLICT',
        `idempotency key ${input.idempotencyKey} was used for a different charge (${field})`,
        { details: { field } },
      );

    const previous = await transactions.findByIdempotencyKey(
      'intellectmoney',
      input.idempotencyKey,
    );
    if (previous) {
      const field = chargeConflictField(previous, input);
      if (field) throw conflict(field);
      return replay(previous);
    }

    const source = await transactions.findByProviderPaymentId('intellectmoney', input.bindingRef);
    if (!source || source.kind !== 'payment' || source.merchantId !== input.merchantId) {
      throw providerErrors.create(
        'PROVIDER_BINDING_NOT_FOUND',
        'no card binding with this reference for the merchant',
        { details: { field: 'binding_ref' } },
      );
    }
    if (source.attributes[ATTR.recurringState] !== 'activated') {
      throw providerErrors.create(
        'PROVIDER_BINDING_INACTIVE',
        'the card binding was not activated',
        {
          details: {
            field: 'binding_ref',
            state: source.attributes[ATTR.recurringState] ?? 'none',
          },
        },
      );
    }
    if (source.amount.currency !== input.amount.currency) {
      throw providerErrors.create(
        'PROVIDER_CURRENCY_MISMATCH',
        `the card was bound for ${source.amount.currency} charges`,
        { details: { field: 'amount.currency' } },
      );
    }

    const amountText = toIntellectMoneyAmount(input.amount);
    const { transaction: stored, created } = await transactions.createOnce({
      paymentId: input.paymentId,
      merchantId: input.merchantId,
      provider: 'intellectmoney',
      method: 'card',
      amount: input.amount,
      amountText,
      payeePurse: null,
      kind: 'bound_card_charge',
      idempotencyKey: input.idempotencyKey,
      requestFingerprint: [
        input.merchantId,
        input.bindingRef,
        amountText,
        input.amount.currency,
      ].join('|'),
      attributes: { [ATTR.bindingRef]: input.bindingRef },
    });
    if (!created) {
      const field = chargeConflictField(stored, input);
      if (field) throw conflict(field);
      return replay(stored);
    }

    // Claim the send: only the request that moves created -> pending calls IntellectMoney, and a
    // pending charge without an operation id is never sent again (at most one charge).
    const claimed = await transactions.update(stored.id, { status: 'pending' }, ['created']);
    if (!claimed.changed) return chargeResult(claimed.transaction, true);

    let operationId: string;
    try {
      operationId = await api.createSingleCharge({
        objectId: input.bindingRef,
        amountText,
        startAt: ctx.clock.now(),
      });
    } catch (err) {
      if (isDomainError(err) && err.code === 'PROVIDER_REQUEST_REFUSED') {
        const state = err.details['result_state'];
        const reasonCode =
          state === String(RESULT_STATE.bindingNotFound)
            ? 'PROVIDER_BINDING_NOT_FOUND'
            : state === String(RESULT_STATE.bindingCancelled)
              ? 'PROVIDER_BINDING_INACTIVE'
              : 'PROVIDER_REQUEST_REFUSED';
        const failed = await transactions.update(stored.id, { status: 'failed', reasonCode });
        return chargeResult(failed.transaction, false);
      }
      // No usable answer: the operation may exist. Leave it pending and unconfirmed, never resend.
      if (!isDomainError(err)) throw err;
      const unconfirmed = await transactions.update(stored.id, {
        reasonCode: 'PROVIDER_CHARGE_UNCONFIRMED',
      });
      return chargeResult(unconfirmed.transaction, false);
    }
    const linked = await transactions.update(
      stored.id,
      { externalRef: operationId, attributes: { [ATTR.operationId]: operationId } },
      ['pending', 'succeeded', 'failed'],
    );
    try {
      return chargeResult(await awaitExecution(linked.transaction), false);
    } catch (err) {
      // The operation exists; its result comes with a later query or notification.
      if (!isDomainError(err) || !err.retriable) throw err;
      return chargeResult(linked.transaction, false);
    }
  };
}
