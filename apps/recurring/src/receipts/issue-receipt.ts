import type { Knex } from '@tolem/db-kit';
import { isDomainError } from '@tolem/errors';
import { newId } from '@tolem/ids';
import type { Money } from '@tolem/money';
import { type Clock, systemClock } from '@tolem/runtime';

import { receiptErrors } from './errors';
import { MAX_DESCRIPTION_LENGTH, type Receipt, type VatCode, vatCodeOf } from './receipt';
import { insertReceiptOnce } from './receipts.repo';
import { normalizePhone, validateReceipt } from './validation';

export interface IssueReceiptInput {
  merchantId: string;
  chargeId: string;
  /** The charge's payment (YooKassa's payment_id). */
  paymentId: string;
  operationId: string;
  /** The operation's description: the receipt's one line. */
  description: string;
  /** The charged amount: the line's price and the cashless settlement. */
  amount: Money;
  /** The operation's receipt customer; empty fields are absent. */
  customer: { email?: string; phone?: string; fullName?: string; inn?: string };
  /** The merchant's vat_rate setting (checkout's GetMerchant), e.g. `vat22`. */
  vatRate: string;
  /** 1..6; unset or 0: the register's default. */
  taxSystemCode?: number;
  livemode: boolean;
}

export interface IssueReceiptOptions {
  /** The scheduler's clock, so a moved test clock and the sender agree on "due". */
  clock?: Clock;
}

/**
 * Issues the receipt of a successful recurring charge inside the caller's (the scheduler's)
 * transaction and returns its id, for the charge and its recurring.charge.succeeded fact.
 *
 * Exactly one receipt per charge: a second call for the same charge returns the first receipt's
 * id (unique charge_id). It never throws for the receipt's content, because the money was taken
 * and the charge must still be recorded: a receipt no 54-FZ register would accept (no customer
 * contact, not RUB, a vat_rate without a vat_code, …) is stored `canceled` with its stable code in
 * last_error and is never sent; a valid one is stored `pending` for the sender. One line:
 * quantity 1, price = the charge, `service` / `full_payment`, the description cut to 128
 * characters (YooKassa's limit) rather than losing the receipt.
 */
export async function issueReceiptForCharge(
  trx: Knex | Knex.Transaction,
  input: IssueReceiptInput,
  options: IssueReceiptOptions = {},
): Promise<string> {
  const now = (options.clock ?? systemClock).now();
  const vatCode = vatCodeOf(input.vatRate);
  const receipt: Receipt = {
    id: newId('rct'),
    merchantId: input.merchantId,
    type: 'payment',
    paymentId: input.paymentId,
    operationId: input.operationId,
    chargeId: input.chargeId,
    customer: {
      email: (input.customer.email ?? '').trim(),
      phone: normalizePhone(input.customer.phone ?? ''),
      fullName: (input.customer.fullName ?? '').trim(),
      inn: (input.customer.inn ?? '').trim(),
    },
    items: [
      {
        description: [...input.description.trim()].slice(0, MAX_DESCRIPTION_LENGTH).join(''),
        quantity: '1',
        amount: input.amount,
        // 0: the merchant's rate has no code; such a receipt is stored canceled just below.
        vatCode: vatCode ?? (0 as VatCode),
        paymentSubject: 'service',
        paymentMode: 'full_payment',
      },
    ],
    taxSystemCode: input.taxSystemCode ?? 0,
    settlement: input.amount,
    status: 'pending',
    registerReceiptId: '',
    fiscalDocumentNumber: '',
    fiscalStorageNumber: '',
    fiscalAttribute: '',
    registeredAt: undefined,
    sendAttempts: 0,
    lastError: '',
    livemode: input.livemode,
    createdAt: now,
  };
  try {
    if (vatCode === undefined) {
      throw receiptErrors.create(
        'RECEIPT_VAT_RATE_UNSUPPORTED',
        `the merchant's vat_rate ${JSON.stringify(input.vatRate)} has no 54-FZ vat_code`,
        { details: { field: 'vat_rate' } },
      );
    }
    validateReceipt(receipt);
  } catch (err) {
    if (!isDomainError(err)) throw err;
    receipt.status = 'canceled';
    receipt.lastError = `${err.code}: ${err.message}`;
  }
  const { receipt: stored } = await insertReceiptOnce(
    trx,
    receipt,
    receipt.status === 'pending' ? now : undefined,
  );
  return stored.id;
}
