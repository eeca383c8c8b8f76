import type { Logger } from '@tolem/observability';

import { type CallbackDispatcher, type CallbackRecord, resendCallback } from '../../callbacks';
import { decimalFromMinor } from '../../decimal';
import { encodeForm } from '../../form-body';
import {
  authorizeCard,
  behaviourOf,
  cardBrand,
  type CardInput,
  chargeResponse,
  isHardDecline,
  maskPan,
  type ResponseCode,
  SOFT_DECLINES,
} from './cards';
import { intellectmoneyErrors } from './errors';
import {
  type Invoice,
  type InvoiceStore,
  PAYMENT_STATUS,
  type PaymentStatusCode,
} from './invoices';
import { notificationFields, type NotifyTamper } from './notifications';
import type { InvoiceTerms } from './payment-form';
import type { IntellectmoneySandboxConfig } from './settings';

/** Soft declines allowed per binding within the window before IntellectMoney stops (seed 003). */
export const MAX_SOFT_DECLINES = 4;
export const SOFT_DECLINE_WINDOW_MS = 16 * 24 * 60 * 60 * 1000;

export interface PaymentsDeps {
  config: IntellectmoneySandboxConfig;
  invoices: InvoiceStore;
  dispatcher: CallbackDispatcher;
  clock: () => Date;
  log: Logger;
}

export interface NotifyOptions {
  tamper?: NotifyTamper;
  delayMs?: number;
}

export interface CardPayResult {
  outcome: 'paid' | 'held' | 'declined';
  responseCode: ResponseCode;
  invoice: Invoice;
  notification?: CallbackRecord;
}

/** Why a charge was refused before reaching the issuer (Result.State codes of the Personal API). */
export type ChargeRefusal = 'binding_cancelled' | 'attempts_exhausted';

export type ChargeResult =
  | { kind: 'charged'; invoice: Invoice; responseCode: ResponseCode; replayed: boolean }
  | { kind: 'refused'; reason: ChargeRefusal; message: string };

export interface ChargeInput {
  bindingId: string;
  orderId: string;
  amountMinor: bigint;
  serviceName: string;
  cronOperationId?: string;
  notify?: NotifyOptions;
  /**
   * Answer only once the shop's notification got its first answer (the default, what the test
   * API's callers count on). A scheduled execution sets false: the issuer's answer is the
   * operation's result whatever the shop does with the notification.
   */
  awaitNotification?: boolean;
}

/**
 * IntellectMoney's payment side: invoices from the form (with the "created" notification), card
 * payments with optional binding, charges of bound cards, and notifications on demand.
 */
export function makeIntellectmoneyPayments(deps: PaymentsDeps) {
  const { config, invoices, clock, log } = deps;

  const notify = (
    invoice: Invoice,
    status: PaymentStatusCode,
    options: NotifyOptions = {},
  ): { record: CallbackRecord; firstAttempt: Promise<CallbackRecord> } => {
    const tamper = options.tamper ?? 'none';
    const fields = notificationFields({
      invoice,
      status,
      at: clock(),
      hashOrder: config.hashOrder,
      secretKey: config.secretKey.reveal(),
      tamper,
    });
    const sent = deps.dispatcher.send(
      {
        kind: 'notification',
        url: config.resultUrl,
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: encodeForm(fields),
        meta: { paymentId: invoice.paymentId, paymentStatus: status, tamper },
      },
      options.delayMs !== undefined ? { delayMs: options.delayMs } : {},
    );
    invoice.notifications.push(sent.record);
    return sent;
  };

  const invoiceOf = (paymentId: string): Invoice => {
    const invoice = invoices.get(paymentId);
    if (invoice === undefined) {
      throw intellectmoneyErrors.create(
        'INTELLECTMONEY_INVOICE_NOT_FOUND',
        `No invoice ${paymentId}`,
      );
    }
    return invoice;
  };

  return {
    invoiceOf,

    /**
     * A form's invoice. The same orderId with the same terms reopens its open invoice (a payer
     * going back and forth); other terms, or a paid one, is a conflict. A new invoice is announced
     * with paymentStatus 3, as IntellectMoney notifies invoice creation (seed 003).
     */
    openInvoice(terms: InvoiceTerms): { invoice: Invoice; reused: boolean } {
      for (const existing of invoices.byOrderId(terms.orderId)) {
        const same =
          existing.origin === 'form' &&
          existing.terms.amountMinor === terms.amountMinor &&
          existing.terms.recipientCurrency === terms.recipientCurrency &&
          existing.terms.recurringRequested === terms.recurringRequested;
        if (same && existing.status === 'created') return { invoice: existing, reused: true };
        if (existing.status !== 'cancelled') {
          throw intellectmoneyErrors.create(
            'INTELLECTMONEY_ORDER_CONFLICT',
            same
              ? `Order ${terms.orderId} is already ${existing.status}`
              : `Order ${terms.orderId} already has an invoice with other terms`,
            { details: { field: 'orderId', payment_id: existing.paymentId } },
          );
        }
      }
      const invoice = invoices.add(terms, 'form', clock());
      log.info(
        {
          payment_id: invoice.paymentId,
          order_id: terms.orderId,
          recurring: terms.recurringRequested,
        },
        'intellectmoney invoice created',
      );
      notify(invoice, PAYMENT_STATUS.created);
      return { invoice, reused: false };
    },

    /**
     * Test API: a second invoice for the order of `paymentId`, with its terms, whatever the first
     * one's state. Real IntellectMoney issues one when the shop does not insist on unique orderIds,
     * so a payer can pay the same order twice (two invoices, two transfers). Announced with
     * paymentStatus 3 like any new invoice.
     */
    repeatOrder(paymentId: string): Invoice {
      const first = invoiceOf(paymentId);
      const invoice = invoices.add(first.terms, first.origin, clock());
      log.info(
        { payment_id: invoice.paymentId, order_id: first.terms.orderId, repeat_of: paymentId },
        'intellectmoney second invoice for an order',
      );
      notify(invoice, PAYMENT_STATUS.created);
      return invoice;
    },

    /**
     * Pays a form invoice with a card. A decline leaves the invoice open (the payer may try another
     * card) and notifies nothing. Approval pays it (or holds it, with holdMode), binds the card when
     * the form asked for recurring and the payer ticked "remember card", and notifies 5 (or 6).
     */
    async payWithCard(
      paymentId: string,
      card: CardInput,
      remember: boolean,
      options: NotifyOptions = {},
    ): Promise<CardPayResult> {
      const invoice = invoiceOf(paymentId);
      if (invoice.status !== 'created') {
        throw intellectmoneyErrors.create(
          'INTELLECTMONEY_INVOICE_CLOSED',
          `Invoice ${paymentId} is ${invoice.status}`,
        );
      }
      const now = clock();
      const responseCode = authorizeCard(card, now);
      const cardMask = maskPan(card.pan);
      invoice.attempts.push({ at: now, cardMask, responseCode });
      log.info(
        { payment_id: paymentId, card: cardMask, response_code: responseCode },
        'intellectmoney card authorization',
      );
      if (responseCode !== '00') return { outcome: 'declined', responseCode, invoice };

      invoice.status = invoice.terms.holdMode ? 'held' : 'paid';
      invoice.paidAt = now;
      invoice.card = { mask: cardMask, brand: cardBrand(card.pan) };
      if (invoice.terms.recurringRequested && remember) {
        const behaviour = behaviourOf(card.pan);
        if (behaviour.binding === 'Activated') {
          invoices.addBinding({
            id: invoice.paymentId,
            eshopId: invoice.terms.eshopId,
            createdAt: now,
            cardMask,
            brand: invoice.card.brand,
            expMonth: card.expMonth,
            expYear: card.expYear,
            behaviour,
            currency: invoice.terms.recipientCurrency,
            userName: invoice.terms.userName,
            userEmail: invoice.terms.userEmail,
            state: 'active',
            softDeclines: [],
          });
          invoice.recurring = { state: 'Activated', bindingId: invoice.paymentId };
        } else {
          invoice.recurring = { state: 'Error' };
        }
      }
      const status = invoice.status === 'held' ? PAYMENT_STATUS.held : PAYMENT_STATUS.paid;
      const sent = notify(invoice, status, options);
      const notification = await sent.firstAttempt;
      return {
        outcome: invoice.status === 'held' ? 'held' : 'paid',
        responseCode,
        invoice,
        notification,
      };
    },

    /**
     * Charges a bound card without card data. Approved: a paid invoice and paymentStatus 5.
     * Declined: a cancelled invoice and paymentStatus 4; a hard decline (14, 54, 57) cancels the
     * binding, soft ones count towards 4 within 16 days, after which charges are refused. The same
     * orderId after an approval returns that charge again instead of charging twice.
     */
    async chargeBinding(input: ChargeInput): Promise<ChargeResult> {
      const binding = invoices.binding(input.bindingId);
      if (binding === undefined) {
        throw intellectmoneyErrors.create(
          'INTELLECTMONEY_BINDING_NOT_FOUND',
          `No activated card binding ${input.bindingId}`,
          { details: { field: 'ObjectId' } },
        );
      }
      for (const existing of invoices.byOrderId(input.orderId)) {
        if (existing.origin !== 'charge' || existing.chargeOf?.bindingId !== binding.id) {
          throw intellectmoneyErrors.create(
            'INTELLECTMONEY_ORDER_CONFLICT',
            `Order ${input.orderId} belongs to another invoice`,
            { details: { field: 'OrderId', payment_id: existing.paymentId } },
          );
        }
        if (existing.status === 'paid') {
          if (existing.terms.amountMinor !== input.amountMinor) {
            throw intellectmoneyErrors.create(
              'INTELLECTMONEY_ORDER_CONFLICT',
              `Order ${input.orderId} was charged with another amount`,
              { details: { field: 'Amount', payment_id: existing.paymentId } },
            );
          }
          return { kind: 'charged', invoice: existing, responseCode: '00', replayed: true };
        }
      }
      const now = clock();
      if (binding.state === 'cancelled') {
        return {
          kind: 'refused',
          reason: 'binding_cancelled',
          message: `Recurring is cancelled: ${binding.cancelReason ?? 'hard decline'}`,
        };
      }
      binding.softDeclines = binding.softDeclines.filter(
        (at) => now.getTime() - at.getTime() < SOFT_DECLINE_WINDOW_MS,
      );
      if (binding.softDeclines.length >= MAX_SOFT_DECLINES) {
        return {
          kind: 'refused',
          reason: 'attempts_exhausted',
          message: `${MAX_SOFT_DECLINES} declined attempts within 16 days: further attempts are stopped`,
        };
      }

      const terms: InvoiceTerms = {
        eshopId: binding.eshopId,
        orderId: input.orderId,
        serviceName: input.serviceName,
        recipientAmount: decimalFromMinor(input.amountMinor, 2),
        amountMinor: input.amountMinor,
        recipientCurrency: binding.currency,
        userName: binding.userName,
        userEmail: binding.userEmail,
        holdMode: false,
        recurringRequested: false,
        userFields: [],
      };
      const invoice = invoices.add(terms, 'charge', now);
      invoice.chargeOf = {
        bindingId: binding.id,
        ...(input.cronOperationId !== undefined ? { cronOperationId: input.cronOperationId } : {}),
      };
      invoice.card = { mask: binding.cardMask, brand: binding.brand };
      const responseCode = chargeResponse(binding, input.amountMinor, now);
      invoice.attempts.push({ at: now, cardMask: binding.cardMask, responseCode });
      if (responseCode === '00') {
        invoice.status = 'paid';
        invoice.paidAt = now;
      } else {
        invoice.status = 'cancelled';
        if (isHardDecline(responseCode)) {
          binding.state = 'cancelled';
          binding.cancelReason = `hard decline ${responseCode}`;
        } else if ((SOFT_DECLINES as readonly string[]).includes(responseCode)) {
          binding.softDeclines.push(now);
        }
      }
      log.info(
        {
          payment_id: invoice.paymentId,
          binding: binding.id,
          operation: input.cronOperationId,
          response_code: responseCode,
        },
        'intellectmoney bound card charged',
      );
      const sent = notify(
        invoice,
        responseCode === '00' ? PAYMENT_STATUS.paid : PAYMENT_STATUS.cancelled,
        input.notify ?? {},
      );
      if (input.awaitNotification ?? true) await sent.firstAttempt;
      return { kind: 'charged', invoice, responseCode, replayed: false };
    },

    /**
     * Sends a notification with any status for an invoice, without changing the invoice: a late or
     * out-of-order one (a `5`, then an older `3`), a partial payment `7`, a tampered one.
     */
    notify(paymentId: string, status: PaymentStatusCode, options: NotifyOptions = {}) {
      return notify(invoiceOf(paymentId), status, options);
    },

    /** Sends an earlier notification again, byte for byte (by index, default the last one). */
    resend(paymentId: string, options: { index?: number; delayMs?: number } = {}) {
      const invoice = invoiceOf(paymentId);
      const index = options.index ?? invoice.notifications.length - 1;
      const original = invoice.notifications[index];
      if (original === undefined) {
        throw intellectmoneyErrors.create(
          'INTELLECTMONEY_NOTHING_TO_RESEND',
          `Invoice ${paymentId} has no notification #${index}`,
        );
      }
      const sent = resendCallback(deps.dispatcher, original, options.delayMs);
      invoice.notifications.push(sent.record);
      return sent;
    },
  };
}

export type IntellectmoneyPayments = ReturnType<typeof makeIntellectmoneyPayments>;
