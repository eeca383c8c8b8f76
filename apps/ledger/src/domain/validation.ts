import { DomainError, isDomainError } from '@tolem/errors';
import { type Money, money, moneyErrors } from '@tolem/money';

import { ledgerErrors } from './errors';

/** An amount as it arrives, before the currency and sign are checked. */
export interface RawMoney {
  amountMinor: bigint;
  currency: string;
}

/** The longest id or idempotency key (transactions.idempotency_key's check). */
export const MAX_ID_LENGTH = 255;

/**
 * Ids and keys: 1..max (255) characters, no surrounding spaces. LEDGER_INVALID_REQUEST naming
 * field. An id the ledger derives a key from is shorter by what the key adds to it.
 */
export function requireId(value: string, field: string, max = MAX_ID_LENGTH): void {
  if (value.length === 0 || value.length > max || value.trim() !== value) {
    throw ledgerErrors.create(
      'LEDGER_INVALID_REQUEST',
      `${field} is required (1..${max} characters, no surrounding spaces)`,
      { details: { field } },
    );
  }
}

/** Free text (reasons, descriptions): bounded, so a row never grows without limit. */
export function requireText(value: string, field: string, max = 1_000): void {
  if (value.length > max) {
    throw ledgerErrors.create('LEDGER_INVALID_REQUEST', `${field} is longer than ${max}`, {
      details: { field },
    });
  }
}

export function invalidField(field: string, message: string): never {
  throw ledgerErrors.create('LEDGER_INVALID_REQUEST', message, { details: { field } });
}

/** Money-lib errors get the proto field name, so callers know which amount was wrong. */
export function withField<T>(field: string, fn: () => T): T {
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
 * A request amount: known currency, fits 64 bits, strictly positive. Codes (kind invalid, with
 * details.field): MONEY_UNKNOWN_CURRENCY, MONEY_AMOUNT_OVERFLOW, MONEY_NEGATIVE_AMOUNT,
 * MONEY_ZERO_AMOUNT; LEDGER_INVALID_REQUEST when absent.
 */
export function positiveAmount(raw: RawMoney | undefined, field: string): Money {
  if (!raw) invalidField(field, `${field} is required`);
  return withField(field, () => {
    const m = money(raw.amountMinor, raw.currency);
    if (m.amountMinor < 0n)
      throw moneyErrors.create('MONEY_NEGATIVE_AMOUNT', 'amount must not be negative');
    if (m.amountMinor === 0n)
      throw moneyErrors.create('MONEY_ZERO_AMOUNT', 'amount must be greater than zero');
    return m;
  });
}

/** Like positiveAmount, and in the given currency (MONEY_CURRENCY_MISMATCH otherwise). */
export function positiveAmountIn(
  raw: RawMoney | undefined,
  field: string,
  currency: string,
): Money {
  const m = positiveAmount(raw, field);
  if (m.currency !== currency) {
    throw withField(field, () => {
      throw moneyErrors.create(
        'MONEY_CURRENCY_MISMATCH',
        `amount is in ${m.currency}, expected ${currency}`,
      );
    });
  }
  return m;
}
