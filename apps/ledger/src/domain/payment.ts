import { DomainError, isDomainError } from '@tolem/errors';
import { type Money, money, moneyErrors } from '@tolem/money';

import { chart } from './accounts';
import { ledgerErrors } from './errors';
import type { PostingDraft } from './journal';

export type PaymentMethod = 'webmoney_purse' | 'webmoney_keeper_mobile' | 'card' | 'wavepay' | 'qr';

/** Providers are account owners: each has its own clearing account per currency. */
export type PaymentProvider = 'webmoney' | 'intellectmoney' | 'paykassma' | 'qr_acquirer';

/** An amount as it arrives, before the currency and sign are checked. */
export interface RawMoney {
  amountMinor: bigint;
  currency: string;
}

/** PostPayment as the transport hands it over (enums already mapped, money not yet checked). */
export interface PostPaymentCommand {
  idempotencyKey: string;
  paymentId: string;
  merchantId: string;
  gross: RawMoney;
  fee: RawMoney;
  method: PaymentMethod;
  provider: PaymentProvider;
  providerPaymentId: string;
  providerAttributes: Record<string, string>;
  orderId: string;
  description: string;
  /** When the provider confirmed the payment; the event falls back to the posting time. */
  occurredAt: Date | undefined;
}

/** A succeeded payment that passed validation: gross > 0, 0 <= fee <= gross, one currency. */
export interface PaymentPosting extends Omit<PostPaymentCommand, 'gross' | 'fee'> {
  gross: Money;
  fee: Money;
  net: Money;
}

const MAX_ID_LENGTH = 255;

function requireId(value: string, field: string): void {
  if (value.length === 0 || value.length > MAX_ID_LENGTH || value.trim() !== value) {
    throw ledgerErrors.create(
      'LEDGER_INVALID_REQUEST',
      `${field} is required (1..${MAX_ID_LENGTH} characters, no surrounding spaces)`,
      {
        details: { field },
      },
    );
  }
}

/** Money-lib errors get the proto field name, so callers know which amount was wrong. */
function withField<T>(field: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (isDomainError(err)) {
      throw new DomainError(err.code, err.kind, `${field}: ${err.message}`, {
        details: { ...err.details, field },
        cause: err,
      });
    }
    throw err;
  }
}

/**
 * Validates a payment posting. Codes: LEDGER_INVALID_REQUEST (ids), MONEY_UNKNOWN_CURRENCY,
 * MONEY_ZERO_AMOUNT, MONEY_NEGATIVE_AMOUNT, MONEY_AMOUNT_OVERFLOW, MONEY_CURRENCY_MISMATCH,
 * LEDGER_FEE_EXCEEDS_GROSS; all of kind invalid, all with details.field.
 */
export function validatePayment(cmd: PostPaymentCommand): PaymentPosting {
  requireId(cmd.idempotencyKey, 'idempotency_key');
  requireId(cmd.paymentId, 'payment_id');
  requireId(cmd.merchantId, 'merchant_id');
  const gross = withField('gross', () => {
    const m = money(cmd.gross.amountMinor, cmd.gross.currency);
    if (m.amountMinor < 0n)
      throw moneyErrors.create('MONEY_NEGATIVE_AMOUNT', 'amount must not be negative');
    if (m.amountMinor === 0n)
      throw moneyErrors.create('MONEY_ZERO_AMOUNT', 'amount must be greater than zero');
    return m;
  });
  const fee = withField('fee', () => {
    const m = money(cmd.fee.amountMinor, cmd.fee.currency);
    if (m.currency !== gross.currency) {
      throw moneyErrors.create(
        'MONEY_CURRENCY_MISMATCH',
        `fee is in ${m.currency}, gross in ${gross.currency}`,
      );
    }
    if (m.amountMinor < 0n)
      throw moneyErrors.create('MONEY_NEGATIVE_AMOUNT', 'amount must not be negative');
    return m;
  });
  if (fee.amountMinor > gross.amountMinor) {
    throw ledgerErrors.create('LEDGER_FEE_EXCEEDS_GROSS', 'fee must not exceed gross', {
      details: { field: 'fee' },
    });
  }
  return {
    ...cmd,
    gross,
    fee,
    // 0 <= fee <= gross <= 2^63-1, so the difference always fits.
    net: { amountMinor: gross.amountMinor - fee.amountMinor, currency: gross.currency },
  };
}

/**
 * The posting rule of a succeeded payment: the provider owes us the gross (clearing, debit),
 * we owe the merchant the net (available, credit) and earned the fee (fee revenue, credit).
 * Zero legs are left out: a posting of zero means nothing and the schema forbids it.
 */
export function paymentPostings(p: PaymentPosting): PostingDraft[] {
  const currency = p.gross.currency;
  const drafts: PostingDraft[] = [
    { account: chart.providerClearing(p.provider, currency), amountMinor: p.gross.amountMinor },
  ];
  if (p.net.amountMinor > 0n) {
    drafts.push({
      account: chart.merchantAvailable(p.merchantId, currency),
      amountMinor: -p.net.amountMinor,
    });
  }
  if (p.fee.amountMinor > 0n) {
    drafts.push({ account: chart.platformFeeRevenue(currency), amountMinor: -p.fee.amountMinor });
  }
  return drafts;
}
