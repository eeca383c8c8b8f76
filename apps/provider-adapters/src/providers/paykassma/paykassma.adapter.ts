import type { Secret } from '@tolem/config';

import {
  type CallbackOutcome,
  type CallbackResult,
  jsonReply,
  type RawCallback,
} from '../../domain/callback';
import { providerErrors } from '../../domain/errors';
import type {
  ProviderHttp,
  ProviderHttpResponse,
  ProviderTransactionRepository,
} from '../../domain/ports';
import { isFinal, type ProviderTransaction } from '../../domain/provider-transaction';
import type {
  PayerInput,
  PayerInputResult,
  PaymentProvider,
  ProviderAction,
  StartPaymentInput,
  StartPaymentResult,
} from '../provider.port';
import { decimalEquals, jsonDecimalText } from '../shared/decimal';
import { Refusal, refusedResult } from '../shared/refusal';
import { startOnce } from '../shared/start-once';
import {
  hexEquals,
  postbackSignature,
  postbackSignedJsonCandidates,
  SIGNATURE_FIELD,
} from './signatures';
import {
  ATTR,
  jsonWithIntegers,
  labelOf,
  MERCHANT_ATTRIBUTES,
  normalizeKey1,
  pluginUrl,
  toPaykassmaAmount,
  WALLET_CURRENCY,
} from './transformers';

export interface PaykassmaConfig {
  /** The payment window, https://plugin.{domain}/ (or the sandbox's). */
  pluginUrl: string;
  /** The plugin-API base, https://api.{domain} (or the sandbox's), no trailing slash. */
  apiUrl: string;
  /** `?secret=` of every plugin-API call. */
  pluginApiSecret: Secret;
  postbackAccessKey: Secret;
  postbackPrivateKey: Secret;
  /** Payment window language: `en` or `my` for Wavepay. */
  lang: string;
}

export interface PaykassmaAdapterDeps {
  config: PaykassmaConfig;
  transactions: ProviderTransactionRepository;
  http: ProviderHttp;
}

const WALLET = 'wavepay';
const MAX_POSTBACK_BYTES = 64 * 1024;

/** Paykassma stops re-sending only on HTTP 200 with exactly this JSON (§4.3). */
const OK_REPLY = jsonReply(200, { status: 'ok' });

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

type Json = Record<string, unknown>;

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

function merchantAttributes(tx: ProviderTransaction): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of MERCHANT_ATTRIBUTES) {
    const value = tx.attributes[key];
    if (value) out[key] = value;
  }
  return out;
}

/**
 * Paykassma Wavepay (protocols.md §4, seed 004): the payer gets the wallet to pay to, pays in
 * the Wavepay app, types the wallet's transaction number (key1) into Tolem's page, Tolem
 * activates it (`ok` / `pending` / `possible_transaction_created` / `fail`), and the postback
 * (`sha1(access_key . private_key . md5(json))`) settles it.
 */
export function createPaykassmaAdapter(deps: PaykassmaAdapterDeps): PaymentProvider {
  const { config, transactions } = deps;

  const apiUrl = (path: string) =>
    `${config.apiUrl}${path}?secret=${encodeURIComponent(config.pluginApiSecret.reveal())}`;

  /** One plugin-API call; the secret travels in the query, so it is never logged or echoed. */
  async function callApi(path: string, body: string, what: string): Promise<Json> {
    const res: ProviderHttpResponse = await deps.http.send({
      method: 'POST',
      url: apiUrl(path),
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body,
    });
    if (res.status === 404 || res.status === 401 || res.status === 403) {
      // §4.2: a wrong secret or an unregistered caller IP answers 404.
      throw providerErrors.create(
        'PROVIDER_UNAVAILABLE',
        `Paykassma ${what} answered HTTP ${res.status}: check the plugin-API secret and the registered IP`,
        { details: { status: String(res.status) } },
      );
    }
    if (res.status >= 500) {
      throw providerErrors.create(
        'PROVIDER_UNAVAILABLE',
        `Paykassma ${what} answered HTTP ${res.status}`,
        {
          details: { status: String(res.status) },
        },
      );
    }
    let value: unknown;
    try {
      value = JSON.parse(res.body.toString('utf8'));
    } catch {
      value = undefined;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw providerErrors.create(
        'PROVIDER_BAD_RESPONSE',
        `Paykassma ${what} answered without a JSON object`,
        {
          details: { status: String(res.status) },
        },
      );
    }
    return value as Json;
  }

  function instructions(tx: ProviderTransaction, note?: string): ProviderAction {
    const amount = toPaykassmaAmount(tx.amount);
    const values: Record<string, string> = {
      wallet_type: WALLET,
      wallet_identifier: tx.attributes[ATTR.identifier] ?? '',
      amount,
      currency: tx.amount.currency,
      payer_input: 'key1',
      plugin_url: pluginUrl(config.pluginUrl, {
        label: tx.attributes[ATTR.label] ?? tx.paymentId,
        currency: tx.amount.currency,
        lang: config.lang,
        walletType: WALLET,
        customTransactionId: tx.paymentId,
        fixedAmount: amount,
      }),
    };
    if (note) values['status'] = note;
    return { kind: 'instructions', title: 'Pay with Wavepay', values };
  }

  async function startPayment(input: StartPaymentInput): Promise<StartPaymentResult> {
    if (input.method !== 'wavepay') {
      throw providerErrors.create(
        'PROVIDER_METHOD_UNSUPPORTED',
        `Paykassma does not serve ${input.method}`,
        {
          details: { method: input.method, provider: 'paykassma' },
        },
      );
    }
    if (input.amount.currency !== WALLET_CURRENCY.wavepay) {
      throw providerErrors.create('PROVIDER_CURRENCY_UNSUPPORTED', 'Wavepay takes MMK only', {
        details: { field: 'amount.currency', currency: input.amount.currency },
      });
    }
    const amountText = toPaykassmaAmount(input.amount);
    const label = labelOf(input.payer['customer_ref'], input.paymentId);

    const { transaction: stored } = await startOnce(transactions, {
      paymentId: input.paymentId,
      merchantId: input.merchantId,
      provider: 'paykassma',
      method: 'wavepay',
      amount: input.amount,
      amountText,
      payeePurse: null,
      attributes: { [ATTR.label]: label },
    });
    let tx = stored;
    if (!tx.attributes[ATTR.identifier]) {
      // Server to server: the wallet the payer must pay to (§4.2 create).
      const res = await callApi(
        `/api/v1/transaction/create/${WALLET}`,
        JSON.stringify({ currency: tx.amount.currency, label: tx.attributes[ATTR.label] ?? label }),
        'create',
      );
      const identifier = str((res['params'] as Json | undefined)?.['identifier']);
      if (res['status'] !== 'ok' || !identifier) {
        const message = str(res['message']) ?? '';
        throw providerErrors.create(
          'PROVIDER_REQUEST_REFUSED',
          'Paykassma refused to create the Wavepay transaction',
          {
            details: { provider_status: str(res['status']) ?? '', message: message.slice(0, 200) },
          },
        );
      }
      const updated = await transactions.update(tx.id, {
        attributes: { [ATTR.identifier]: identifier.slice(0, 190) },
      });
      tx = updated.transaction;
    }
    return {
      provider: 'paykassma',
      action: instructions(tx),
      providerReference: tx.paymentId,
    };
  }

  function inputResult(
    tx: ProviderTransaction,
    extra: Partial<PayerInputResult> = {},
  ): PayerInputResult {
    const outcome =
      tx.status === 'succeeded'
        ? 'succeeded'
        : tx.status === 'failed'
          ? 'failed'
          : tx.status === 'manual_review'
            ? 'manual_review'
            : 'pending';
    return {
      outcome,
      payerMayRetry: false,
      providerPaymentId: tx.providerPaymentId ?? undefined,
      reasonCode: tx.reasonCode ?? undefined,
      attributes: merchantAttributes(tx),
      ...extra,
    };
  }

  async function submitPayerInput(input: PayerInput): Promise<PayerInputResult> {
    let tx = input.transaction;
    // Settled already (by an earlier activation or the postback): never activate twice.
    if (isFinal(tx.status)) return inputResult(tx);
    const key1 = normalizeKey1(input.fields['key1']);
    const amount = toPaykassmaAmount(tx.amount);
    const res = await callApi(
      '/api/v1/transaction/activate',
      jsonWithIntegers({
        currency_code: tx.amount.currency,
        wallet_type: WALLET,
        label: tx.attributes[ATTR.label] ?? tx.paymentId,
        key1,
        amount: BigInt(amount),
        custom_transaction_id: tx.paymentId,
      }),
      'activate',
    );
    const status = str(res['status']) ?? '';
    const message = (str(res['message']) ?? '').slice(0, 300);
    const attrs = { [ATTR.key1]: key1, [ATTR.activation]: status.slice(0, 64) };

    switch (status) {
      case 'ok': {
        const depositText = jsonDecimalText(res['deposit_amount']);
        const currencyCode =
          str((res['currency'] as Json | undefined)?.['code']) ?? tx.amount.currency;
        const matches =
          res['deposit'] !== false &&
          currencyCode === tx.amount.currency &&
          (depositText === undefined || decimalEquals(depositText, tx.amount));
        if (!matches) {
          // Money arrived, but not what the payment asked for: a person decides.
          const review = await transactions.update(tx.id, {
            status: 'manual_review',
            reasonCode: 'PROVIDER_AMOUNT_MISMATCH',
            attributes: { ...attrs, ...(depositText ? { [ATTR.depositAmount]: depositText } : {}) },
          });
          return inputResult(review.transaction, {
            reasonCode: 'PROVIDER_AMOUNT_MISMATCH',
            message: 'The deposit differs from the payment amount; it will be reviewed.',
            nextAction: instructions(review.transaction, 'manual_review'),
          });
        }
        const settled = await transactions.markSucceeded(tx.id, {
          providerPaymentId: `key1:${key1}`,
          method: 'wavepay',
          attributes: attrs,
        });
        if (settled.conflict) {
          // This wallet transaction number already paid another payment of ours.
          const review = await transactions.update(tx.id, {
            status: 'manual_review',
            reasonCode: 'PROVIDER_DUPLICATE_PAYMENT',
            attributes: attrs,
          });
          return inputResult(review.transaction, {
            reasonCode: 'PROVIDER_DUPLICATE_PAYMENT',
            nextAction: instructions(review.transaction, 'manual_review'),
          });
        }
        return inputResult(settled.transaction);
      }
      case 'pending': {
        const updated = await transactions.update(tx.id, {
          status: 'pending',
          attributes: attrs,
          reasonCode: null,
        });
        tx = updated.transaction;
        return inputResult(tx, { message, nextAction: instructions(tx, 'pending') });
      }
      case 'possible_transaction_created': {
        const updated = await transactions.update(tx.id, {
          status: 'manual_review',
          attributes: attrs,
          reasonCode: 'PROVIDER_POSSIBLE_TRANSACTION',
        });
        tx = updated.transaction;
        return inputResult(tx, {
          reasonCode: 'PROVIDER_POSSIBLE_TRANSACTION',
          message,
          nextAction: instructions(tx, 'manual_review'),
        });
      }
      case 'fail': {
        // Usually a mistyped number: the payment stays open for another try.
        const updated = await transactions.update(tx.id, { attributes: attrs });
        tx = updated.transaction;
        return {
          ...inputResult(tx),
          outcome: isFinal(tx.status) ? inputResult(tx).outcome : 'failed',
          reasonCode: 'PROVIDER_ACTIVATION_FAILED',
          message,
          payerMayRetry: !isFinal(tx.status),
          nextAction: instructions(tx),
        };
      }
      default:
        throw providerErrors.create(
          'PROVIDER_BAD_RESPONSE',
          'Paykassma activate answered an unknown status',
          {
            details: { provider_status: status.slice(0, 64) },
          },
        );
    }
  }

  // --- Postbacks (§4.3) ----------------------------------------------------------------------------

  function verifySignature(text: string, body: Json): void {
    const signature = str(body[SIGNATURE_FIELD]) ?? '';
    if (!/^[0-9a-fA-F]{40}$/.test(signature)) {
      throw new Refusal('PROVIDER_SIGNATURE_INVALID', 'signature is missing or not SHA-1 hex', [
        SIGNATURE_FIELD,
      ]);
    }
    const access = config.postbackAccessKey.reveal();
    const priv = config.postbackPrivateKey.reveal();
    const matches = postbackSignedJsonCandidates(text, body).map((json) =>
      hexEquals(signature, postbackSignature(access, priv, json)),
    );
    if (!matches.includes(true)) {
      throw new Refusal('PROVIDER_SIGNATURE_INVALID', 'signature does not match the body', [
        SIGNATURE_FIELD,
      ]);
    }
  }

  function answer(
    tx: ProviderTransaction,
    verdict: 'accepted' | 'duplicate',
    note?: { text: string; level: 'info' | 'warn' | 'error' },
  ): CallbackResult {
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

  async function postback(text: string, body: Json): Promise<CallbackResult> {
    verifySignature(text, body);
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

    const currency = str(body['currency_code']) ?? str(body['currency']) ?? '';
    if (currency !== '' && currency !== tx.amount.currency) {
      throw new Refusal(
        'PROVIDER_CURRENCY_MISMATCH',
        'currency differs from the payment',
        ['currency_code'],
        tx,
        'error',
      );
    }
    const amountText = jsonDecimalText(body['amount']);
    if (amountText === undefined || !decimalEquals(amountText, tx.amount)) {
      throw new Refusal(
        'PROVIDER_AMOUNT_MISMATCH',
        'amount differs from the payment',
        ['amount'],
        tx,
        'error',
      );
    }
    const status = (str(body['status']) ?? '').trim().toLowerCase();
    const providerTxId = (str(body['transaction_id']) ?? str(body['id']) ?? '').slice(0, 128);
    const key1 = str(body['key1']) ?? tx.attributes[ATTR.key1];
    const attrs: Record<string, string> = {};
    if (providerTxId) attrs[ATTR.transactionId] = providerTxId;
    if (key1) attrs[ATTR.key1] = key1.slice(0, 32);

    if (SUCCESS_STATUSES.has(status)) {
      if (!isFinal(tx.status)) {
        const settled = await transactions.markSucceeded(tx.id, {
          providerPaymentId: key1 ? `key1:${key1}` : `paykassma:${providerTxId || tx.paymentId}`,
          method: 'wavepay',
          attributes: attrs,
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
        return answer(settled.transaction, 'duplicate', {
          text: 'repeated success postback',
          level: 'info',
        });
      }
      if (tx.status === 'succeeded') {
        // custom_transaction_id is unique per deposit at Paykassma: a repeat of the same deposit.
        const merged = Object.keys(attrs).some((k) => tx.attributes[k] !== attrs[k])
          ? (await transactions.update(tx.id, { attributes: attrs }, ['succeeded'])).transaction
          : tx;
        return answer(merged, 'duplicate', { text: 'repeated success postback', level: 'info' });
      }
      return answer(tx, 'duplicate', {
        text: 'success postback for a failed payment: reconcile by hand',
        level: 'error',
      });
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

  async function handleCallback(raw: RawCallback): Promise<CallbackResult> {
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

  return {
    name: 'paykassma',
    methods: ['wavepay'],
    startPayment,
    handleCallback,
    submitPayerInput,
    // No status call in the plugin-API (§4.2): activation answers and postbacks keep it current.
    async queryStatus(tx) {
      return {
        transaction: tx,
        checkedWithProvider: false,
        providerReference: tx.paymentId,
        attributes: merchantAttributes(tx),
      };
    },
  };
}
