import type { Secret } from '@tolem/config';
import { toMajorString } from '@tolem/money';

import { type CallbackResult, jsonReply, type RawCallback } from '../../domain/callback';
import { providerErrors } from '../../domain/errors';
import type { Clock, ProviderTransactionRepository } from '../../domain/ports';
import { isFinal, type ProviderTransaction } from '../../domain/provider-transaction';
import type { PaymentProvider, StartPaymentInput, StartPaymentResult } from '../provider.port';
import { Refusal, refusedResult } from '../shared/refusal';
import { startOnce } from '../shared/start-once';
import { acquirerSignature, hexEquals, withinSkew } from './signatures';
import { ATTR, ConfirmationError, parseConfirmation, type QrConfirmation } from './transformers';

export interface QrAcquirerConfig {
  /** Acquirer id -> shared secret (QR_ACQUIRER_SECRETS). */
  secrets: ReadonlyMap<string, Secret>;
  /** How far X-Tolem-Timestamp may be from our clock (QR_CALLBACK_MAX_SKEW_MS). */
  maxSkewMs: number;
}

export interface QrAcquirerAdapterDeps {
  config: QrAcquirerConfig;
  transactions: ProviderTransactionRepository;
  clock: Clock;
}

const MAX_BODY_BYTES = 16 * 1024;
const QR_CODE_ID = /^qr_[0-9a-z]{26}$/;

/** HTTP status of each refusal: the bank's systems tell auth from data problems by it. */
const REFUSAL_STATUS: Partial<Record<string, number>> = {
  PROVIDER_SIGNATURE_INVALID: 401,
  PROVIDER_TIMESTAMP_SKEW: 401,
  PROVIDER_UNKNOWN_ORDER: 404,
  PROVIDER_AMOUNT_MISMATCH: 422,
  PROVIDER_CURRENCY_MISMATCH: 422,
  PROVIDER_DUPLICATE_PAYMENT: 409,
  PROVIDER_PAYMENT_ALREADY_FINAL: 409,
};

function merchantAttributes(tx: ProviderTransaction): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of [ATTR.acquirerId, ATTR.acquirerReference, ATTR.payerBank, ATTR.paidAt]) {
    const value = tx.attributes[key];
    if (value) out[key] = value;
  }
  return out;
}

/**
 * QR acquiring (seed 002): the payer's bank confirms a QR payment with a signed, timestamped JSON
 * callback (provider.proto QrAcquirerConfirmation). The ELQR code itself is built by qr-platform;
 * StartPayment only registers the expected payment so a confirmation can be checked against it.
 */
export function createQrAcquirerAdapter(deps: QrAcquirerAdapterDeps): PaymentProvider {
  const { config, transactions } = deps;

  async function startPayment(input: StartPaymentInput): Promise<StartPaymentResult> {
    if (input.method !== 'qr') {
      throw providerErrors.create(
        'PROVIDER_METHOD_UNSUPPORTED',
        `QR acquiring does not serve ${input.method}`,
        {
          details: { method: input.method, provider: 'qr_acquirer' },
        },
      );
    }
    if (input.amount.currency !== 'KGS') {
      throw providerErrors.create(
        'PROVIDER_CURRENCY_UNSUPPORTED',
        'Kyrgyz QR payments are in KGS only',
        {
          details: { field: 'amount.currency', currency: input.amount.currency },
        },
      );
    }
    const qrCodeId = (input.payer['qr_code_id'] ?? '').trim();
    if (qrCodeId !== '' && !QR_CODE_ID.test(qrCodeId)) {
      throw providerErrors.create(
        'PROVIDER_INVALID_REQUEST',
        'payer.qr_code_id must be a qr_… id',
        {
          details: { field: 'payer.qr_code_id' },
        },
      );
    }
    const { transaction: stored } = await startOnce(transactions, {
      paymentId: input.paymentId,
      merchantId: input.merchantId,
      provider: 'qr_acquirer',
      method: 'qr',
      amount: input.amount,
      amountText: input.amount.amountMinor.toString(),
      payeePurse: null,
      externalRef: qrCodeId || undefined,
      attributes: qrCodeId ? { [ATTR.qrCodeId]: qrCodeId } : {},
    });
    let tx = stored;
    if (qrCodeId && tx.externalRef !== qrCodeId) {
      // The payer got a new code for the same payment (the old one expired or was lost).
      const updated = await transactions.update(tx.id, {
        externalRef: qrCodeId,
        attributes: { [ATTR.qrCodeId]: qrCodeId },
      });
      if (updated.conflict) {
        throw providerErrors.create(
          'PROVIDER_PAYMENT_CONFLICT',
          'this QR code belongs to another payment',
          {
            details: { field: 'payer.qr_code_id' },
          },
        );
      }
      if (!updated.changed) {
        throw providerErrors.create(
          'PROVIDER_PAYMENT_ALREADY_FINAL',
          `payment ${input.paymentId} is ${tx.status}`,
        );
      }
      tx = updated.transaction;
    }
    const values: Record<string, string> = {
      qr_id: tx.externalRef ?? tx.paymentId,
      amount_tyiyn: tx.amount.amountMinor.toString(),
      amount: toMajorString(tx.amount),
      currency: 'KGS',
      qr_issuer: 'qr-platform',
    };
    return {
      provider: 'qr_acquirer',
      action: { kind: 'instructions', title: 'Pay by QR code', values },
      providerReference: tx.externalRef ?? tx.paymentId,
    };
  }

  function reply(status: number, value: Record<string, string>) {
    return jsonReply(status, value);
  }

  function succeeded(tx: ProviderTransaction, verdict: 'accepted' | 'duplicate'): CallbackResult {
    return {
      reply: reply(200, { status: 'ok', code: '', payment_id: tx.paymentId }),
      outcome: 'succeeded',
      verdict,
      paymentId: tx.paymentId,
      amount: tx.amount,
      method: 'qr',
      providerPaymentId: tx.providerPaymentId ?? undefined,
      attributes: merchantAttributes(tx),
      diagnostics:
        verdict === 'duplicate'
          ? { note: 'repeated confirmation', fields: ['acquirer_reference'], level: 'info' }
          : undefined,
    };
  }

  /** Headers, then the signature over the exact bytes, then the time window. */
  function verify(raw: RawCallback): string {
    const acquirerId = (raw.headers['x-tolem-acquirer'] ?? '').trim();
    const timestamp = (raw.headers['x-tolem-timestamp'] ?? '').trim();
    const signature = (raw.headers['x-tolem-signature'] ?? '').trim();
    const secret = config.secrets.get(acquirerId);
    if (!secret) {
      // An unknown acquirer is a signature we cannot check: the same refusal as a forged one.
      throw new Refusal('PROVIDER_SIGNATURE_INVALID', 'unknown or missing X-Tolem-Acquirer', [
        'x-tolem-acquirer',
      ]);
    }
    if (!/^\d{1,12}$/.test(timestamp)) {
      throw new Refusal('PROVIDER_SIGNATURE_INVALID', 'X-Tolem-Timestamp is not Unix seconds', [
        'x-tolem-timestamp',
      ]);
    }
    if (
      !/^[0-9a-fA-F]{64}$/.test(signature) ||
      !hexEquals(signature, acquirerSignature(secret.reveal(), timestamp, raw.body))
    ) {
      throw new Refusal('PROVIDER_SIGNATURE_INVALID', 'X-Tolem-Signature does not match', [
        'x-tolem-signature',
      ]);
    }
    if (!withinSkew(BigInt(timestamp), deps.clock(), config.maxSkewMs)) {
      throw new Refusal(
        'PROVIDER_TIMESTAMP_SKEW',
        'X-Tolem-Timestamp is outside the allowed window',
        ['x-tolem-timestamp'],
      );
    }
    return acquirerId;
  }

  function read(raw: RawCallback, acquirerId: string): QrConfirmation {
    const contentType = (raw.headers['content-type'] ?? '').toLowerCase();
    if (contentType !== '' && !contentType.startsWith('application/json')) {
      throw new Refusal('PROVIDER_MALFORMED_CALLBACK', 'content-type is not application/json', [
        'content-type',
      ]);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw.body));
    } catch {
      throw new Refusal('PROVIDER_MALFORMED_CALLBACK', 'body is not UTF-8 JSON');
    }
    let confirmation: QrConfirmation;
    try {
      confirmation = parseConfirmation(parsed);
    } catch (err) {
      if (!(err instanceof ConfirmationError)) throw err;
      const code =
        err.field === 'currency' ? 'PROVIDER_CURRENCY_MISMATCH' : 'PROVIDER_MALFORMED_CALLBACK';
      throw new Refusal(code, err.message, [err.field]);
    }
    if (confirmation.acquirerId !== '' && confirmation.acquirerId !== acquirerId) {
      throw new Refusal(
        'PROVIDER_MALFORMED_CALLBACK',
        'acquirer_id differs from X-Tolem-Acquirer',
        ['acquirer_id'],
      );
    }
    return confirmation;
  }

  async function apply(c: QrConfirmation, acquirerId: string): Promise<CallbackResult> {
    const tx =
      (await transactions.findByExternalRef('qr_acquirer', c.qrId)) ??
      (await transactions.findByPaymentId('qr_acquirer', c.qrId));
    if (!tx) throw new Refusal('PROVIDER_UNKNOWN_ORDER', 'no payment has this qr_id', ['qr_id']);
    if (c.amount.amountMinor !== tx.amount.amountMinor) {
      throw new Refusal(
        'PROVIDER_AMOUNT_MISMATCH',
        'amount differs from the payment',
        ['amount'],
        tx,
        'error',
      );
    }
    // Replays are recognised by the bank's own reference, unique per provider in our store.
    const providerPaymentId = `${acquirerId}:${c.acquirerReference}`;
    const attributes: Record<string, string> = {
      [ATTR.acquirerId]: acquirerId,
      [ATTR.acquirerReference]: c.acquirerReference,
    };
    if (c.payerBank) attributes[ATTR.payerBank] = c.payerBank;
    if (c.paidAt) attributes[ATTR.paidAt] = c.paidAt;

    if (!isFinal(tx.status)) {
      const settled = await transactions.markSucceeded(tx.id, {
        providerPaymentId,
        method: 'qr',
        attributes,
      });
      if (settled.conflict) {
        throw new Refusal(
          'PROVIDER_DUPLICATE_PAYMENT',
          'acquirer_reference already confirmed another payment',
          ['acquirer_reference'],
          settled.transaction,
          'error',
        );
      }
      if (settled.changed) return succeeded(settled.transaction, 'accepted');
      return apply(c, acquirerId);
    }
    if (tx.status === 'succeeded' && tx.providerPaymentId === providerPaymentId)
      return succeeded(tx, 'duplicate');
    if (tx.status === 'succeeded') {
      throw new Refusal(
        'PROVIDER_DUPLICATE_PAYMENT',
        'a second confirmation for a paid payment: the payer may have paid twice',
        ['acquirer_reference'],
        tx,
        'error',
      );
    }
    throw new Refusal(
      'PROVIDER_PAYMENT_ALREADY_FINAL',
      `confirmation for a ${tx.status} payment`,
      [],
      tx,
      'error',
    );
  }

  async function handleCallback(raw: RawCallback): Promise<CallbackResult> {
    try {
      if (raw.method.toUpperCase() !== 'POST')
        throw new Refusal('PROVIDER_MALFORMED_CALLBACK', 'not a POST');
      if (raw.body.length === 0 || raw.body.length > MAX_BODY_BYTES) {
        throw new Refusal('PROVIDER_MALFORMED_CALLBACK', 'empty or oversized body');
      }
      const acquirerId = verify(raw);
      return await apply(read(raw, acquirerId), acquirerId);
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      const status = REFUSAL_STATUS[err.code] ?? 400;
      return refusedResult(
        err,
        reply(status, { status: 'rejected', code: err.code, payment_id: err.tx?.paymentId ?? '' }),
      );
    }
  }

  return {
    name: 'qr_acquirer',
    methods: ['qr'],
    startPayment,
    handleCallback,
    // Confirmations are pushed by the banks; there is nothing to ask.
    async queryStatus(tx) {
      return {
        transaction: tx,
        checkedWithProvider: false,
        providerReference: tx.externalRef ?? tx.paymentId,
        attributes: merchantAttributes(tx),
      };
    },
  };
}
