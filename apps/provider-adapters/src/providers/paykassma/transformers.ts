import { type CurrencyCode, exponentOf, type Money } from '@tolem/money';

import { providerErrors } from '../../domain/errors';
import type { ProviderTransaction } from '../../domain/provider-transaction';
import type { ProviderAction } from '../provider.port';
import type { PaykassmaConfig } from './config';

/** Wallets Tolem pays through at Paykassma, with the one currency each takes (protocols.md §6). */
export const WALLET_CURRENCY: Readonly<Record<'wavepay', CurrencyCode>> = { wavepay: 'MMK' };

/**
 * Paykassma amounts are whole units (`fixed_amount` is an integer; the activation's `amount`
 * carries no pya in the seed): 50000 minor MMK -> "500". A fraction is refused, never rounded.
 */
export function toPaykassmaAmount(amount: Money): string {
  const exponent = exponentOf(amount.currency);
  const unit = 10n ** BigInt(exponent);
  if (amount.amountMinor % unit !== 0n) {
    throw providerErrors.create(
      'PROVIDER_AMOUNT_UNSUPPORTED',
      `Paykassma takes whole ${amount.currency} amounts only`,
      { details: { field: 'amount' } },
    );
  }
  return (amount.amountMinor / unit).toString();
}

/** `label`: the payer's stable id at Paykassma (≤190 characters). */
export function labelOf(customerRef: string | undefined, paymentId: string): string {
  const ref = (customerRef ?? '').trim();
  if (ref === '') return paymentId;
  if (!/^[A-Za-z0-9_.:@-]{1,190}$/.test(ref)) {
    throw providerErrors.create(
      'PROVIDER_INVALID_REQUEST',
      'payer.customer_ref must be 1-190 letters, digits or _ . : @ -',
      { details: { field: 'payer.customer_ref' } },
    );
  }
  return ref;
}

/**
 * `key1`: the transaction number the payer's wallet app showed (≤11 characters, seed 004).
 * Spaces the payer typed are dropped; anything but letters and digits is refused.
 */
export function normalizeKey1(raw: string | undefined): string {
  const key1 = (raw ?? '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9]{1,11}$/.test(key1)) {
    throw providerErrors.create(
      'PROVIDER_PAYER_INPUT_INVALID',
      'key1 must be the wallet transaction number: 1-11 letters or digits',
      { details: { field: 'key1' } },
    );
  }
  return key1;
}

/** The plugin (payment window) URL with its query (protocols.md §4.1). */
export function pluginUrl(
  base: string,
  q: {
    label: string;
    currency: string;
    lang: string;
    walletType: string;
    customTransactionId: string;
    fixedAmount: string;
  },
): string {
  const query = new URLSearchParams({
    label: q.label,
    currency_code: q.currency,
    lang: q.lang,
    wallet_type: q.walletType,
    custom_transaction_id: q.customTransactionId,
    fixed_amount: q.fixedAmount,
  });
  return `${base}${base.includes('?') ? '&' : '?'}${query.toString()}`;
}

/**
 * A JSON object whose values are strings, or bigints written as JSON numbers (the activation's
 * `amount` is a number on the wire; building it from a bigint keeps floats out of money).
 */
export function jsonWithIntegers(values: Record<string, string | bigint>): string {
  const members = Object.entries(values).map(
    ([k, v]) => `${JSON.stringify(k)}:${typeof v === 'bigint' ? v.toString() : JSON.stringify(v)}`,
  );
  return `{${members.join(',')}}`;
}

/** Attribute keys of Paykassma payments (snake_case, shared with checkout and events). */
export const ATTR = {
  label: 'paykassma_label',
  identifier: 'wavepay_wallet_identifier',
  key1: 'wavepay_transaction_no',
  activation: 'paykassma_activation_status',
  transactionId: 'paykassma_transaction_id',
  depositAmount: 'paykassma_deposit_amount',
  /** `false` while Paykassma confirmed the deposit without saying how much (no deposit_amount). */
  amountReported: 'paykassma_amount_reported',
} as const;

/** Attributes a merchant sees. */
export const MERCHANT_ATTRIBUTES = [ATTR.key1, ATTR.transactionId] as const;

/** The only wallet Tolem takes through Paykassma. */
export const WALLET = 'wavepay';

export type Json = Record<string, unknown>;

/** A JSON string or finite number as text; undefined for anything else. */
export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** The attributes a merchant sees of a Wavepay payment. */
export function merchantAttributes(tx: ProviderTransaction): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of MERCHANT_ATTRIBUTES) {
    const value = tx.attributes[key];
    if (value) out[key] = value;
  }
  return out;
}

/** What the payer is shown: the wallet to pay to, the amount, and the payment window link. */
export function walletInstructions(
  config: Pick<PaykassmaConfig, 'pluginUrl' | 'lang'>,
  tx: ProviderTransaction,
  note?: string,
): ProviderAction {
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
