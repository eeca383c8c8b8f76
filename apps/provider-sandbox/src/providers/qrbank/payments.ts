import { newId } from '@tolem/ids';
import type { Logger } from '@tolem/observability';

import { type CallbackDispatcher, type CallbackRecord, resendCallback } from '../../callbacks';
import { type ConfirmationTamper, signedConfirmation } from './confirmation';
import { decodeElqr, type ElqrPayment } from './elqr';
import { qrbankErrors } from './errors';
import type { QrBankSandboxConfig } from './settings';
import { assertPayable, type QrDetails, type TolemQrDetails } from './tolem-details';

/** The payer banks the app can pretend to be (payer_bank values). */
export const PAYER_BANKS: ReadonlyArray<readonly [string, string]> = [
  ['sandbox-bank', 'Sandbox Bank'],
  ['mbank', 'MBank'],
  ['optima', 'Optima Bank'],
  ['bakai', 'Bakai Bank'],
  ['demir', 'Demir Bank'],
];

/** A code as the bank is about to show or pay it: decoded, and Tolem's word on it when asked. */
export interface ReviewedCode {
  qr: ElqrPayment;
  /** Absent when the bank has no Tolem URL (reads codes alone). */
  details?: QrDetails;
}

/** A payment the bank made for a QR code, and the confirmations it sent. */
export interface QrPayment {
  acquirerReference: string;
  qr: ElqrPayment;
  /** What Tolem said about the code just before the debit. */
  details?: QrDetails;
  amountTyiyn: bigint;
  payerBank: string;
  paidAt: Date;
  confirmations: CallbackRecord[];
}

export interface PayOptions {
  amountTyiyn?: bigint;
  payerBank?: string;
  tamper?: ConfirmationTamper;
  delayMs?: number;
}

const MAX_TYIYN = 9_999_999_999_999n;

/** The bank's side: take the payer's money, confirm to Tolem (signed), keep the record. */
export function makeQrBank(deps: {
  config: QrBankSandboxConfig;
  dispatcher: CallbackDispatcher;
  clock: () => Date;
  log: Logger;
  /** Tolem's details endpoint; undefined when the bank reads codes alone. */
  tolem?: TolemQrDetails;
}) {
  const payments = new Map<string, QrPayment>();

  const confirm = (payment: QrPayment, tamper: ConfirmationTamper, delayMs?: number) => {
    const signed = signedConfirmation(
      {
        qrId: payment.qr.qrId,
        amountTyiyn: payment.amountTyiyn,
        acquirerReference: payment.acquirerReference,
        payerBank: payment.payerBank,
        paidAt: payment.paidAt,
      },
      { acquirerId: deps.config.acquirerId, secret: deps.config.acquirerSecret.reveal() },
      deps.clock(),
      tamper,
    );
    const sent = deps.dispatcher.send(
      {
        kind: 'confirmation',
        url: deps.config.callbackUrl,
        headers: signed.headers,
        body: signed.body,
        meta: { reference: payment.acquirerReference, qr_id: payment.qr.qrId, tamper },
      },
      delayMs !== undefined ? { delayMs } : {},
    );
    payment.confirmations.push(sent.record);
    return sent;
  };

  const paymentOf = (reference: string): QrPayment => {
    const payment = payments.get(reference);
    if (payment === undefined) {
      throw qrbankErrors.create('QRBANK_PAYMENT_NOT_FOUND', `No payment ${reference}`);
    }
    return payment;
  };

  return {
    /**
     * Decodes a link and asks Tolem about it: an unknown, paid or expired code, or Tolem not
     * answering, is a QRBANK_* error before anything is shown as payable or debited.
     */
    async review(link: string): Promise<ReviewedCode> {
      const qr = decodeElqr(link);
      if (deps.tolem === undefined) return { qr };
      const details = await deps.tolem.lookup(qr);
      assertPayable(qr, details);
      return { qr, details };
    },

    /**
     * Pays a reviewed code. The amount is the code's own unless it is absent or editable (then the
     * payer's). Whether a dynamic code is still payable is Tolem's to say (review): the bank keeps
     * no memory of its own, so a second debit in the moments before Tolem has the first
     * confirmation reaches Tolem, which holds it as a duplicate payment case.
     */
    async pay(code: ReviewedCode, options: PayOptions = {}) {
      const { qr } = code;
      let amount = qr.amountTyiyn;
      if (amount === undefined || qr.amountEditable) amount = options.amountTyiyn ?? amount;
      if (amount === undefined || amount <= 0n || amount > MAX_TYIYN) {
        throw qrbankErrors.create('QRBANK_AMOUNT_INVALID', 'Enter an amount greater than zero', {
          details: { field: 'amount' },
        });
      }
      const payerBank = options.payerBank ?? 'sandbox-bank';
      if (!PAYER_BANKS.some(([id]) => id === payerBank)) {
        throw qrbankErrors.create('QRBANK_REQUEST_INVALID', `Unknown payer bank ${payerBank}`, {
          details: { field: 'payer_bank' },
        });
      }
      const payment: QrPayment = {
        acquirerReference: newId('qrb'),
        qr,
        ...(code.details !== undefined ? { details: code.details } : {}),
        amountTyiyn: amount,
        payerBank,
        paidAt: deps.clock(),
        confirmations: [],
      };
      payments.set(payment.acquirerReference, payment);
      deps.log.info(
        {
          reference: payment.acquirerReference,
          qr_id: qr.qrId,
          amount: String(amount),
          payer_bank: payerBank,
        },
        'qr bank payment made',
      );
      const sent = confirm(payment, options.tamper ?? 'none', options.delayMs);
      await sent.firstAttempt;
      return payment;
    },

    paymentOf,

    byQrId: (qrId: string) => [...payments.values()].filter((p) => p.qr.qrId === qrId),

    /** Sends a new confirmation of a payment (signed afresh: new timestamp), e.g. tampered. */
    confirm: (reference: string, tamper: ConfirmationTamper = 'none', delayMs?: number) =>
      confirm(paymentOf(reference), tamper, delayMs),

    /** Sends an earlier confirmation again, byte for byte, headers included. */
    resend(reference: string, options: { index?: number; delayMs?: number } = {}) {
      const payment = paymentOf(reference);
      const index = options.index ?? payment.confirmations.length - 1;
      const original = payment.confirmations[index];
      if (original === undefined) {
        throw qrbankErrors.create(
          'QRBANK_PAYMENT_NOT_FOUND',
          `Payment ${reference} has no confirmation #${index}`,
        );
      }
      const sent = resendCallback(deps.dispatcher, original, options.delayMs);
      payment.confirmations.push(sent.record);
      return sent;
    },
  };
}

export type QrBank = ReturnType<typeof makeQrBank>;
