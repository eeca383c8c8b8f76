import { isCurrencyCode, type Money, toMajorString } from '@tolem/money';

import {
  type AlternativeReplies,
  type CallbackDecision,
  type CallbackOutcome,
  type CallbackResult,
  jsonReply,
  type RawCallback,
} from '../../domain/callback';
import {
  isFinal,
  MAX_PROVIDER_PAYMENT_ID_LENGTH,
  type ProviderTransaction,
} from '../../domain/provider-transaction';
import { decimalEquals, decimalMoney, jsonDecimalText } from '../shared/decimal';
import {
  classifyReceived,
  type ReceivedMoney,
  reportExtraTransfer,
} from '../shared/extra-transfer';
import { Refusal, refusedResult } from '../shared/refusal';
import type { PaykassmaContext } from './config';
import { verifyPostbackSignature } from './signatures';
import { ATTR, type Json, merchantAttributes, str } from './transformers';

const MAX_POSTBACK_BYTES = 64 * 1024;

function sameMoney(a: Money, b: Money): boolean {
  return a.amountMinor === b.amountMinor && a.currency === b.currency;
}

/** Paykassma stops re-sending only on HTTP 200 with exactly this JSON (§4.3). */
const OK_REPLY = jsonReply(200, { status: 'ok' });

/**
 * Anything but HTTP 200 `{"status":"ok"}` makes Paykassma re-send the postback periodically
 * (§4.3): a 503 asks for exactly that. A refusal has the adapter's own refusal shape; Paykassma
 * re-sends it too, and it is refused the same way each time, changing nothing.
 */
const REPLIES: AlternativeReplies = {
  retryReply: jsonReply(503, { status: 'error', code: 'PROVIDER_UNAVAILABLE' }),
  refusalReply: jsonReply(400, { status: 'error', code: 'PROVIDER_PAYMENT_ALREADY_FINAL' }),
};

/** Postback statuses by meaning; the public material does not list them (§4.4), so be broad. */
const SUCCESS_STATUSES = new Set([
  'ok',
  'success',
  'successful',
  'succeeded',
  'approved',
  'activated',
  'completed',
  'paid',
  '1',
]);
const FAILED_STATUSES = new Set([
  'fail',
  'failed',
  'rejected',
  'declined',
  'canceled',
  'cancelled',
  'error',
  '2',
]);
const PENDING_STATUSES = new Set(['pending', 'new', 'processing', 'in_progress', '0']);

/**
 * Postbacks (§4.3): `sha1(access_key . private_key . md5(json))` over the body, then the deposit
 * checked against the payment and its status applied once.
 */
export function makeHandleCallback(ctx: PaykassmaContext) {
  const { config, transactions } = ctx;

  function answer(
    tx: ProviderTransaction,
    verdict: 'accepted' | 'duplicate',
    note?: { text: string; level: 'info' | 'warn' | 'error' },
  ): CallbackDecision {
    const outcome: CallbackOutcome =
      tx.status === 'succeeded'
        ? 'succeeded'
        : tx.status === 'failed'
          ? 'failed'
          : tx.status === 'manual_review'
            ? 'manual_review'
            : 'pending';
    return {
      reply: OK_REPLY,
      outcome,
      verdict,
      paymentId: tx.paymentId,
      amount: tx.amount,
      method: tx.method,
      providerPaymentId: tx.providerPaymentId ?? undefined,
      attributes: merchantAttributes(tx),
      reasonCode: outcome === 'failed' ? (tx.reasonCode ?? 'PROVIDER_PAYMENT_FAILED') : undefined,
      diagnostics: note ? { note: note.text, fields: ['status'], level: note.level } : undefined,
    };
  }

  /**
   * What a signed success postback says was deposited: `amount` in `currency_code` (whole units
   * or decimals, never rounded). One that cannot be read is malformed, never taken as the order's.
   */
  function receivedAmount(
    amountText: string | undefined,
    currency: string,
    tx: ProviderTransaction,
  ): Money {
    if (!isCurrencyCode(currency)) {
      throw new Refusal(
        'PROVIDER_CURRENCY_MISMATCH',
        'currency_code is not a currency Tolem books',
        ['currency_code'],
        tx,
        'error',
      );
    }
    try {
      if (amountText === undefined) throw new Error('no amount');
      return decimalMoney(amountText, currency);
    } catch {
      throw new Refusal(
        'PROVIDER_MALFORMED_CALLBACK',
        'amount is not a decimal amount',
        ['amount'],
        tx,
        'error',
      );
    }
  }

  /**
   * A verified success: it settles an open payment of exactly its amount once (the activation may
   * have settled it already, with or without an amount). Any other deposit it reports (another
   * amount or currency, another wallet transaction for a paid payment, a deposit for a failed
   * one) is recorded and reported as received, so checkout holds it in a case before Paykassma
   * gets its `ok`: refusing would leave money Paykassma credited recorded nowhere.
   */
  async function settle(
    tx: ProviderTransaction,
    received: ReceivedMoney,
  ): Promise<CallbackDecision> {
    const fields = ['key1', 'amount', 'currency_code'];
    let current = tx;
    for (;;) {
      const reason = classifyReceived(current, received);
      if (reason !== undefined) {
        const extra = await reportExtraTransfer(transactions, current, reason, received, fields);
        return { ...extra, reply: OK_REPLY };
      }
      if (current.status === 'succeeded') {
        // The deposit that settled it, again (custom_transaction_id is unique per deposit).
        const asOrdered = sameMoney(current.amount, received.amount);
        const attrs = { ...received.attributes };
        if (current.attributes[ATTR.amountReported] === 'false') {
          // The activation settled it without an amount; this signed postback says how much.
          attrs[ATTR.depositAmount] = toMajorString(received.amount);
          if (asOrdered) attrs[ATTR.amountReported] = 'true';
        }
        const merged = Object.keys(attrs).some((k) => current.attributes[k] !== attrs[k])
          ? (await transactions.update(current.id, { attributes: attrs }, ['succeeded']))
              .transaction
          : current;
        return answer(
          merged,
          'duplicate',
          asOrdered
            ? { text: 'repeated success postback', level: 'info' }
            : {
                text: 'the deposit that settled the payment is reported with another amount: reconcile',
                level: 'error',
              },
        );
      }
      const settled = await transactions.markSucceeded(current.id, {
        providerPaymentId: received.providerPaymentId,
        method: 'wavepay',
        attributes: received.attributes,
      });
      if (settled.conflict) {
        throw new Refusal(
          'PROVIDER_DUPLICATE_PAYMENT',
          'this wallet transaction already settled another payment',
          ['key1'],
          settled.transaction,
          'error',
        );
      }
      if (settled.changed) return answer(settled.transaction, 'accepted');
      current = settled.transaction;
    }
  }

  async function postback(text: string, body: Json): Promise<CallbackDecision> {
    verifyPostbackSignature(config, text, body);
    const ref = str(body['custom_transaction_id']) ?? '';
    if (ref === '')
      throw new Refusal('PROVIDER_MALFORMED_CALLBACK', 'custom_transaction_id is missing', [
        'custom_transaction_id',
      ]);
    const type = str(body['type']);
    if (type !== undefined && type !== 'deposit') {
      // Tolem makes no withdrawals through Paykassma: nothing of ours can match.
      throw new Refusal('PROVIDER_UNKNOWN_ORDER', 'postback is not about a deposit', ['type']);
    }
    const tx = await transactions.findByPaymentId('paykassma', ref);
    if (!tx)
      throw new Refusal('PROVIDER_UNKNOWN_ORDER', 'no payment has this custom_transaction_id', [
        'custom_transaction_id',
      ]);

    const currency = str(body['currency_code']) || str(body['currency']) || tx.amount.currency;
    const amountText = jsonDecimalText(body['amount']);
    const status = (str(body['status']) ?? '').trim().toLowerCase();
    const providerTxId = (str(body['transaction_id']) ?? str(body['id']) ?? '').slice(0, 128);
    const key1 = str(body['key1']) ?? tx.attributes[ATTR.key1];
    if (key1 && key1.length > MAX_PROVIDER_PAYMENT_ID_LENGTH - 'key1:'.length) {
      throw new Refusal('PROVIDER_MALFORMED_CALLBACK', 'key1 is too long', ['key1']);
    }
    const attrs: Record<string, string> = {};
    if (providerTxId) attrs[ATTR.transactionId] = providerTxId;
    if (key1) attrs[ATTR.key1] = key1.slice(0, 32);

    if (SUCCESS_STATUSES.has(status)) {
      const received: ReceivedMoney = {
        providerPaymentId: key1 ? `key1:${key1}` : `paykassma:${providerTxId || tx.paymentId}`,
        amount: receivedAmount(amountText, currency, tx),
        method: 'wavepay',
        attributes: attrs,
      };
      return settle(tx, received);
    }
    // No money moved: a failure or a pending state about another sum is not about this payment.
    if (currency !== tx.amount.currency) {
      throw new Refusal(
        'PROVIDER_CURRENCY_MISMATCH',
        'currency differs from the payment',
        ['currency_code'],
        tx,
        'error',
      );
    }
    if (amountText === undefined || !decimalEquals(amountText, tx.amount)) {
      throw new Refusal(
        'PROVIDER_AMOUNT_MISMATCH',
        'amount differs from the payment',
        ['amount'],
        tx,
        'error',
      );
    }
    if (FAILED_STATUSES.has(status)) {
      if (isFinal(tx.status)) {
        return answer(tx, 'duplicate', {
          text: `late failure postback for a ${tx.status} payment`,
          level: tx.status === 'succeeded' ? 'error' : 'info',
        });
      }
      const updated = await transactions.update(tx.id, {
        status: 'failed',
        attributes: attrs,
        reasonCode: 'PROVIDER_PAYMENT_FAILED',
      });
      return answer(updated.transaction, updated.changed ? 'accepted' : 'duplicate');
    }
    if (PENDING_STATUSES.has(status)) {
      if (isFinal(tx.status))
        return answer(tx, 'duplicate', {
          text: `late pending postback for a ${tx.status} payment`,
          level: 'info',
        });
      // Only a fresh payment becomes pending: one waiting for a person stays in manual review.
      const updated = await transactions.update(tx.id, { status: 'pending', attributes: attrs }, [
        'created',
      ]);
      return answer(updated.transaction, updated.changed ? 'accepted' : 'duplicate');
    }
    throw new Refusal('PROVIDER_MALFORMED_CALLBACK', 'unknown postback status', ['status'], tx);
  }

  async function decide(raw: RawCallback): Promise<CallbackDecision> {
    const refuse = (err: Refusal) =>
      refusedResult(err, jsonReply(400, { status: 'error', code: err.code }));
    let text: string;
    let body: Json;
    try {
      if (raw.method.toUpperCase() !== 'POST')
        throw new Refusal('PROVIDER_MALFORMED_CALLBACK', 'not a POST');
      if (raw.body.length === 0 || raw.body.length > MAX_POSTBACK_BYTES)
        throw new Refusal('PROVIDER_MALFORMED_CALLBACK', 'empty or oversized body');
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(raw.body);
        body = JSON.parse(text) as Json;
      } catch {
        throw new Refusal('PROVIDER_MALFORMED_CALLBACK', 'body is not UTF-8 JSON');
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        throw new Refusal('PROVIDER_MALFORMED_CALLBACK', 'body is not a JSON object');
    } catch (err) {
      if (err instanceof Refusal) return refuse(err);
      throw err;
    }
    try {
      return await postback(text, body);
    } catch (err) {
      if (err instanceof Refusal) return refuse(err);
      throw err;
    }
  }

  return async function handleCallback(raw: RawCallback): Promise<CallbackResult> {
    return { ...(await decide(raw)), ...REPLIES };
  };
}
