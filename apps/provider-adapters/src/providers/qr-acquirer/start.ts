import { toMajorString } from '@tolem/money';

import { providerErrors } from '../../domain/errors';
import type { StartPaymentInput, StartPaymentResult } from '../provider.port';
import { startOnce } from '../shared/start-once';
import type { QrAcquirerContext } from './config';
import { ATTR, QR_CODE_ID, SCAN_REFERENCE } from './transformers';

/**
 * Registers the payment a bank will confirm, under the QR code id qr-platform issued, so a
 * confirmation can be checked against it. The ELQR code itself is built by qr-platform. A static
 * code's scan (payer `qr_scan_reference` = the `<acquirer>:<acquirer_reference>` of a confirmation
 * no payment was registered for, with `qr_code_id` the static code) is registered under that
 * reference instead: a static code has one payment per scan, so the code id cannot be the key.
 */
export function makeStartPayment(ctx: QrAcquirerContext) {
  const { transactions } = ctx;

  return async function startPayment(input: StartPaymentInput): Promise<StartPaymentResult> {
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
    const scanReference = (input.payer['qr_scan_reference'] ?? '').trim();
    if (scanReference !== '' && (!SCAN_REFERENCE.test(scanReference) || qrCodeId === '')) {
      throw providerErrors.create(
        'PROVIDER_INVALID_REQUEST',
        'payer.qr_scan_reference must be <acquirer>:<reference>, with payer.qr_code_id',
        { details: { field: 'payer.qr_scan_reference' } },
      );
    }
    const externalRef = scanReference || qrCodeId;
    const { transaction: stored } = await startOnce(transactions, {
      paymentId: input.paymentId,
      merchantId: input.merchantId,
      provider: 'qr_acquirer',
      method: 'qr',
      amount: input.amount,
      amountText: input.amount.amountMinor.toString(),
      payeePurse: null,
      externalRef: externalRef || undefined,
      attributes: qrCodeId ? { [ATTR.qrCodeId]: qrCodeId } : {},
    });
    let tx = stored;
    if (externalRef && tx.externalRef !== externalRef) {
      // The payer got a new code for the same payment (the old one expired or was lost).
      const updated = await transactions.update(tx.id, {
        externalRef,
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
      qr_id: tx.attributes[ATTR.qrCodeId] ?? tx.externalRef ?? tx.paymentId,
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
  };
}
