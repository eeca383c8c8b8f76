import type { Logger } from '@tolem/observability';

import type { CallbackDispatcher, CallbackRecord } from '../../callbacks';
import { corruptHex, resendCallback } from '../../callbacks';
import { isoAt, MANILA_OFFSET_MINUTES } from '../../time-format';
import type { ActivationAnswer, ActivationRule, Deposit, DepositStore } from './deposits';
import { paykassmaErrors } from './errors';
import type { PaykassmaSandboxConfig } from './settings';
import { signedPostback } from './signing';
import { MERCHANT_WALLETS, type WalletApp } from './wallet';

export const PENDING_MESSAGE =
  'The deposit status check has been started. The operation may take longer than expected. Upon completion of the verification, the funds will be credited to your account';
export const POSSIBLE_MESSAGE = 'Transaction not found. Possible transaction created';

/**
 * The sandbox's test-amount rule, on the amount the payer sent (whole kyat): ending in 01 ->
 * `pending`, then a success postback after SANDBOX_PAYKASSMA_PENDING_DELAY_MS; 02 ->
 * `possible_transaction_created` (no postback until the test API settles it); 03 -> `fail`;
 * 04 -> `ok` without `deposit_amount` (the deposit is credited, but the answer does not say how
 * much; no postback until the test API sends one); anything else -> `ok` and a success postback
 * at once.
 */
export function activationRule(amount: bigint): ActivationRule {
  switch (amount % 100n) {
    case 1n:
      return 'pending';
    case 2n:
      return 'possible_transaction_created';
    case 3n:
      return 'fail';
    case 4n:
      return 'ok_without_amount';
    default:
      return 'ok';
  }
}

/** An activation request after its shape was checked (`amount` in whole kyat). */
export interface ActivationRequest {
  currencyCode: string;
  walletType: string;
  label: string;
  key1: string;
  amount: bigint;
  customTransactionId: string;
}

export type PostbackTamper = 'none' | 'signature' | 'amount';

export interface PostbackOptions {
  status?: 'success' | 'fail';
  tamper?: PostbackTamper;
  delayMs?: number;
}

const fail = (message: string): ActivationAnswer => ({ status: 'fail', message });

/** Safe as a JSON number: deposits beyond 2^53 kyat do not exist. */
function jsonInt(amount: bigint): number {
  if (amount > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('amount too large');
  return Number(amount);
}

/**
 * Postback (protocols.md §4.3), JSON, keys in this order: id, type ("deposit"), status
 * ("success" | "fail"), wallet_type, label, custom_transaction_id, key1, amount (integer kyat
 * actually paid), currency_code, created_at, activated_at (ISO 8601, +08:00 account time zone),
 * then signature = sha1(access_key . private_key . md5(<the same JSON without signature>)).
 */
export function postbackData(deposit: Deposit, status: 'success' | 'fail', amount: bigint) {
  return {
    id: jsonInt(BigInt(deposit.id)),
    type: 'deposit',
    status,
    wallet_type: deposit.walletType,
    label: deposit.label,
    custom_transaction_id: deposit.customTransactionId,
    key1: deposit.key1,
    amount: jsonInt(amount),
    currency_code: deposit.currency,
    created_at: isoAt(deposit.createdAt, MANILA_OFFSET_MINUTES),
    activated_at: isoAt(deposit.activatedAt, MANILA_OFFSET_MINUTES),
  };
}

export interface PaykassmaDeps {
  config: PaykassmaSandboxConfig;
  wallet: WalletApp;
  deposits: DepositStore;
  dispatcher: CallbackDispatcher;
  clock: () => Date;
  log: Logger;
}

/** Activation and postbacks: the merchant-facing half of Paykassma's Wavepay flow. */
export function makePaykassma(deps: PaykassmaDeps) {
  const { config, deposits, clock, log } = deps;
  const timers = new Set<NodeJS.Timeout>();

  const sendPostback = (deposit: Deposit, options: PostbackOptions = {}) => {
    const status = options.status ?? 'success';
    const tamper = options.tamper ?? 'none';
    const amount = tamper === 'amount' ? deposit.amount + 1n : deposit.amount;
    const signed = signedPostback(postbackData(deposit, status, amount), {
      accessKey: config.postbackAccessKey.reveal(),
      privateKey: config.postbackPrivateKey.reveal(),
    });
    const body =
      tamper === 'signature'
        ? signed.body.replace(
            `"signature":"${signed.signature}"`,
            `"signature":"${corruptHex(signed.signature)}"`,
          )
        : signed.body;
    const sent = deps.dispatcher.send(
      {
        kind: 'postback',
        url: config.postbackUrl,
        headers: { 'content-type': 'application/json' },
        body,
        meta: { deposit: deposit.id, status, tamper },
      },
      options.delayMs !== undefined ? { delayMs: options.delayMs } : {},
    );
    deposit.postbacks.push(sent.record);
    return sent;
  };

  /** Credits a waiting deposit and tells the merchant. */
  const settle = (deposit: Deposit, options: PostbackOptions = {}) => {
    const status = options.status ?? 'success';
    if (deposit.status === 'pending' || deposit.status === 'possible') {
      deposit.status = status;
      deposit.activatedAt = clock();
    }
    return sendPostback(deposit, { ...options, status });
  };

  return {
    /**
     * POST /api/v1/transaction/activate: matches key1 to a wallet payment to the merchant's
     * wallets and answers by the test-amount rule. The same key1 and custom_transaction_id again
     * repeats the first answer (no second postback); reusing either with another is `fail`.
     */
    activate(request: ActivationRequest): ActivationAnswer {
      if (request.walletType.toLowerCase() !== 'wavepay')
        return fail('Wallet type is not available');
      if (request.currencyCode !== 'MMK') return fail('Currency is not available for this wallet');
      const existing = deposits.byKey1(request.key1);
      if (existing !== undefined) {
        return existing.customTransactionId === request.customTransactionId
          ? existing.answer
          : fail('Transaction already activated');
      }
      if (deposits.byCustomTransactionId(request.customTransactionId) !== undefined) {
        return fail('custom_transaction_id is already used');
      }
      const transfer = deps.wallet.get(request.key1);
      if (transfer === undefined || !MERCHANT_WALLETS.includes(transfer.to)) {
        log.info({ key1: request.key1 }, 'paykassma activation: no such wallet transaction');
        return fail('Transaction not found');
      }
      const rule = activationRule(transfer.amount);
      if (rule === 'fail') {
        log.info({ key1: request.key1, rule }, 'paykassma activation refused by test amount');
        return fail('Transaction is not confirmed by the payment system');
      }
      const now = clock();
      const answer: ActivationAnswer =
        rule === 'ok'
          ? {
              status: 'ok',
              deposit: true,
              deposit_amount: jsonInt(transfer.amount),
              currency: { code: 'MMK', symbol: 'MMK' },
            }
          : rule === 'ok_without_amount'
            ? { status: 'ok', deposit: true, currency: { code: 'MMK', symbol: 'MMK' } }
            : { status: rule, message: rule === 'pending' ? PENDING_MESSAGE : POSSIBLE_MESSAGE };
      const deposit = deposits.add({
        key1: request.key1,
        label: request.label,
        customTransactionId: request.customTransactionId,
        walletType: 'wavepay',
        currency: 'MMK',
        requestedAmount: request.amount,
        amount: transfer.amount,
        status:
          rule === 'ok' || rule === 'ok_without_amount'
            ? 'success'
            : rule === 'pending'
              ? 'pending'
              : 'possible',
        answer,
        createdAt: transfer.createdAt,
        activatedAt: now,
      });
      log.info(
        {
          deposit: deposit.id,
          key1: deposit.key1,
          custom_transaction_id: deposit.customTransactionId,
          rule,
        },
        'paykassma deposit activated',
      );
      if (rule === 'ok') sendPostback(deposit);
      if (rule === 'pending') {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (deposit.status === 'pending') settle(deposit);
        }, config.pendingDelayMs);
        timers.add(timer);
      }
      return answer;
    },

    depositOf(id: string): Deposit {
      const deposit = deposits.get(id);
      if (deposit === undefined) {
        throw paykassmaErrors.create('PAYKASSMA_DEPOSIT_NOT_FOUND', `No deposit ${id}`);
      }
      return deposit;
    },

    /**
     * Sends a postback now (or delayed): settles a pending/possible deposit with the given status,
     * or for a settled one sends another postback as given (late, out of order, tampered).
     */
    postback: settle,

    /** Sends an earlier postback again, byte for byte (by index, default the last one). */
    resend(deposit: Deposit, options: { index?: number; delayMs?: number } = {}) {
      const index = options.index ?? deposit.postbacks.length - 1;
      const original: CallbackRecord | undefined = deposit.postbacks[index];
      if (original === undefined) {
        throw paykassmaErrors.create(
          'PAYKASSMA_NOTHING_TO_RESEND',
          `Deposit ${deposit.id} has no postback #${index}`,
        );
      }
      const sent = resendCallback(deps.dispatcher, original, options.delayMs);
      deposit.postbacks.push(sent.record);
      return sent;
    },

    stop() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}

export type Paykassma = ReturnType<typeof makePaykassma>;
