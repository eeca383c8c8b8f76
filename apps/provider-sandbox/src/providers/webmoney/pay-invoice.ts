import type { Logger } from '@tolem/observability';

import { encodeForm } from '../../form-body';
import type { HttpAnswer, MerchantHttp } from '../../merchant-http';
import { type Fields, notificationFields, prerequestFields } from './callbacks';
import { webmoneyErrors } from './errors';
import type { Delivery, Invoice, InvoiceStore, Payer, Tamper, Transfer } from './invoices';
import { type Numbering, wmTransDate } from './numbering';
import type { WebmoneySandboxConfig } from './settings';

export interface PaymentDeps {
  config: WebmoneySandboxConfig;
  invoices: InvoiceStore;
  http: MerchantHttp;
  numbering: Numbering;
  clock: () => Date;
  log: Logger;
  sleep?: (ms: number) => Promise<void>;
  /** For LMI_SIM_MODE=2 (about 80% success); [0, 1). */
  random?: () => number;
}

export type PayOutcome = 'paid' | 'refused' | 'failed';

export interface PayResult {
  outcome: PayOutcome;
  invoice: Invoice;
  prerequest: Delivery;
  /** The last notification delivery (after retries); only when the payment went through. */
  notification?: Delivery;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function record(
  invoice: Invoice,
  kind: Delivery['kind'],
  attempt: number,
  fields: Fields,
  answer: HttpAnswer,
  at: Date,
): Delivery {
  const delivery: Delivery = {
    kind,
    attempt,
    at,
    status: answer.status,
    body: answer.body,
    fields,
  };
  if (answer.error !== undefined) delivery.error = answer.error;
  invoice.deliveries.push(delivery);
  return delivery;
}

/** True when the merchant allowed the payment: HTTP 200 and the body `YES` (§1.3). */
export function prerequestAccepted(answer: HttpAnswer): boolean {
  return answer.status === 200 && answer.body.trim() === 'YES';
}

/**
 * Pays an invoice the way WebMoney does: pre-request to the Result URL (must answer `YES`), the
 * transfer, then the signed notification, re-sent with backoff until the Result URL answers 200.
 * The money has moved once the notification is built, so a Result URL that never answers leaves
 * the invoice paid (WebMoney would keep notifying; the test API can resend).
 */
export function makePayInvoice(deps: PaymentDeps) {
  const sleep = deps.sleep ?? defaultSleep;
  const random = deps.random ?? Math.random;
  const { config, log } = deps;

  const simulatedFailure = (simMode: string | undefined): boolean =>
    config.mode === '1' && (simMode === '1' || (simMode === '2' && random() >= 0.8));

  return async function payInvoice(
    invoiceId: string,
    payer: Payer,
    options: { tamper?: Tamper; holdDays?: string } = {},
  ): Promise<PayResult> {
    const invoice = deps.invoices.get(invoiceId);
    if (invoice === undefined)
      throw webmoneyErrors.create('WEBMONEY_INVOICE_NOT_FOUND', 'No such invoice');
    const request = invoice.request;
    if (invoice.status === 'paying') {
      throw webmoneyErrors.create('WEBMONEY_INVOICE_BUSY', 'This invoice is being paid right now');
    }
    if (
      invoice.status === 'paid' ||
      deps.invoices.paidFor(request.payeePurse, request.paymentNo) !== undefined
    ) {
      throw webmoneyErrors.create(
        'WEBMONEY_PAYMENT_NO_ALREADY_PAID',
        `Payment ${request.paymentNo} to this purse is already paid`,
        {
          details: { payment_no: request.paymentNo },
        },
      );
    }
    if (payer.purse.charAt(0) !== request.payeePurse.charAt(0)) {
      throw webmoneyErrors.create(
        'WEBMONEY_PAYER_INVALID',
        'Payer and payee purses must be of one type',
        {
          details: { field: 'payer_purse' },
        },
      );
    }

    const previous = invoice.status;
    invoice.status = 'paying';
    try {
      const preFields = prerequestFields(request, payer, config.mode);
      const preAnswer = await deps.http.postForm(request.resultUrl, encodeForm(preFields));
      const prerequest = record(invoice, 'prerequest', 1, preFields, preAnswer, deps.clock());
      const context = { invoice: invoice.id, payment_no: request.paymentNo };
      if (!prerequestAccepted(preAnswer)) {
        invoice.status = 'refused';
        delete invoice.transfer;
        log.info(
          { ...context, status: preAnswer.status, error: preAnswer.error },
          'webmoney pre-request refused',
        );
        return { outcome: 'refused', invoice, prerequest };
      }

      const transfer: Transfer = {
        payer,
        sysInvsNo: deps.numbering.nextInvoiceNo(),
        tamper: options.tamper ?? 'none',
        ...(options.holdDays !== undefined ? { holdDays: options.holdDays } : {}),
      };
      invoice.transfer = transfer;
      if (simulatedFailure(request.simMode)) {
        invoice.status = 'failed';
        log.info(context, 'webmoney payment failed (LMI_SIM_MODE)');
        return { outcome: 'failed', invoice, prerequest };
      }

      transfer.sysTransNo = deps.numbering.nextTransferNo();
      transfer.sysTransDate = wmTransDate(deps.clock());
      if (payer.method === 'keeper_mobile')
        transfer.telepatOrderId = deps.numbering.nextTelepatOrderId();
      const fields = notificationFields({
        request,
        payer,
        mode: config.mode,
        sysInvsNo: transfer.sysInvsNo,
        sysTransNo: transfer.sysTransNo,
        sysTransDate: transfer.sysTransDate,
        ...(transfer.telepatOrderId !== undefined
          ? { telepatOrderId: transfer.telepatOrderId }
          : {}),
        secretKey: config.secretKey.reveal(),
        algorithm: config.hashAlgorithm,
        tamper: transfer.tamper,
        ...(transfer.holdDays !== undefined ? { holdDays: transfer.holdDays } : {}),
      });
      transfer.notificationFields = fields;
      transfer.notificationBody = encodeForm(fields);
      invoice.status = 'paid';

      let notification: Delivery | undefined;
      for (let attempt = 1; attempt <= config.notifyAttempts; attempt++) {
        if (attempt > 1) await sleep(config.notifyBackoffMs * 2 ** (attempt - 2));
        const answer = await deps.http.postForm(request.resultUrl, transfer.notificationBody);
        notification = record(invoice, 'notification', attempt, fields, answer, deps.clock());
        log.info(
          {
            ...context,
            attempt,
            status: answer.status,
            error: answer.error,
            tamper: transfer.tamper,
          },
          'webmoney notification delivered',
        );
        if (answer.status === 200) break;
      }
      return { outcome: 'paid', invoice, prerequest, ...(notification ? { notification } : {}) };
    } catch (err) {
      if (invoice.status === 'paying') invoice.status = previous;
      throw err;
    }
  };
}

/** Sends the invoice's last notification again, byte for byte (a duplicate, as WebMoney may send). */
export function makeResendNotification(
  deps: Pick<PaymentDeps, 'invoices' | 'http' | 'clock' | 'log'>,
) {
  return async function resendNotification(invoiceId: string): Promise<Delivery> {
    const invoice = deps.invoices.get(invoiceId);
    if (invoice === undefined)
      throw webmoneyErrors.create('WEBMONEY_INVOICE_NOT_FOUND', 'No such invoice');
    const t = invoice.transfer;
    if (t?.notificationBody === undefined || t.notificationFields === undefined) {
      throw webmoneyErrors.create(
        'WEBMONEY_NOTHING_TO_RESEND',
        'This invoice has sent no notification yet',
      );
    }
    const answer = await deps.http.postForm(invoice.request.resultUrl, t.notificationBody);
    const attempt = invoice.deliveries.filter((d) => d.kind === 'notification').length + 1;
    deps.log.info(
      { invoice: invoice.id, attempt, status: answer.status },
      'webmoney notification resent',
    );
    return record(invoice, 'notification', attempt, t.notificationFields, answer, deps.clock());
  };
}
