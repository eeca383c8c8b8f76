import { isDomainError } from '@tolem/errors';

import { providerErrors } from '../../domain/errors';
import { isFinal, type ProviderTransaction } from '../../domain/provider-transaction';
import type { ChargeBoundCardInput, ChargeResult } from '../provider.port';
import type { IntellectMoneyContext } from './config';
import { type OperationResult, RESULT_STATE, startAtText } from './personal-api';
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

/**
 * A charge sent without an answer (or by a process that died before storing one): pending, with
 * the StartAt its operation was created with but no operation id.
 */
const isUnlinked = (tx: ProviderTransaction) =>
  tx.kind === 'bound_card_charge' &&
  tx.status === 'pending' &&
  tx.externalRef === null &&
  tx.attributes[ATTR.chargeStartAt] !== undefined;

/**
 * How long after its StartAt a charge whose operation IntellectMoney does not list is taken as
 * never created: far past any request that could still be on its way.
 */
export const UNLINKED_CHARGE_GIVE_UP_MS = 10 * 60_000;

/** Whether asking IntellectMoney could still tell something about the charge. */
export const worthAsking = (tx: ProviderTransaction) =>
  isUnlinked(tx) ||
  (tx.kind === 'bound_card_charge' &&
    tx.externalRef !== null &&
    (!isFinal(tx.status) || (tx.status === 'failed' && !tx.declineCode)));

/**
 * Finds the operation of a charge whose create got no answer among the binding's one-shot
 * operations (its amount and StartAt, not already another charge's) and links it, so its result
 * and notifications reach it: the card may have been charged. None there long after its StartAt:
 * it was never created, and the charge fails without a charge (the recurring service may retry).
 * Several: it stays unconfirmed for a person.
 */
async function linkUnlinked(
  ctx: IntellectMoneyContext,
  tx: ProviderTransaction,
): Promise<ProviderTransaction> {
  const startAt = new Date(tx.attributes[ATTR.chargeStartAt] ?? '');
  const found = await ctx.api.findSingleCharges({
    objectId: tx.attributes[ATTR.bindingRef] ?? '',
    amountText: tx.amountText,
    startAt,
  });
  const free: string[] = [];
  for (const id of found) {
    const owner = await ctx.transactions.findByExternalRef('intellectmoney', id);
    if (!owner || owner.id === tx.id) free.push(id);
  }
  const [operationId, ...more] = free;
  if (operationId !== undefined && more.length === 0) {
    return (
      await ctx.transactions.update(
        tx.id,
        { externalRef: operationId, attributes: { [ATTR.operationId]: operationId } },
        ['pending'],
      )
    ).transaction;
  }
  if (
    free.length === 0 &&
    ctx.clock.now().getTime() - startAt.getTime() > UNLINKED_CHARGE_GIVE_UP_MS
  ) {
    return (
      await ctx.transactions.update(
        tx.id,
        { status: 'failed', reasonCode: 'PROVIDER_CHARGE_NOT_CREATED' },
        ['pending'],
      )
    ).transaction;
  }
  return tx;
}

/** The charge as IntellectMoney now reports it, when asking could still tell something. */
export async function refreshCharge(
  ctx: IntellectMoneyContext,
  tx: ProviderTransaction,
): Promise<ProviderTransaction> {
  const linked = isUnlinked(tx) ? await linkUnlinked(ctx, tx) : tx;
  if (!worthAsking(linked) || !linked.externalRef) return linked;
  return settleCharge(ctx, linked, await ctx.api.readOperation(linked.externalRef));
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
    // Its StartAt is stored with the claim: a charge whose answer is lost is found by it again.
    const startAt = startAtText(ctx.clock.now());
    const claimed = await transactions.update(
      stored.id,
      { status: 'pending', attributes: { [ATTR.chargeStartAt]: startAt } },
      ['created'],
    );
    if (!claimed.changed) return chargeResult(claimed.transaction, true);

    let operationId: string;
    try {
      operationId = await api.createSingleCharge({
        objectId: input.bindingRef,
        amountText,
        startAt: new Date(startAt),
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
      // No usable answer: the operation may exist. Leave it pending and unconfirmed, never
      // resend; a later query finds the operation by its StartAt (linkUnlinked).
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
