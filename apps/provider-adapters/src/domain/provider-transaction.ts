import type { Money } from '@tolem/money';

/** Providers Tolem integrates; the string is what the database and logs carry. */
export const PROVIDER_NAMES = ['webmoney', 'intellectmoney', 'paykassma', 'qr_acquirer'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** Payment methods as spelled on HTTP and in the database (proto enum PaymentMethod). */
export const METHOD_NAMES = [
  'webmoney_purse',
  'webmoney_keeper_mobile',
  'card',
  'wavepay',
  'qr',
] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

/** Which provider moves the money for a method; one provider may serve several methods. */
export const PROVIDER_OF_METHOD: Readonly<Record<MethodName, ProviderName>> = {
  webmoney_purse: 'webmoney',
  webmoney_keeper_mobile: 'webmoney',
  card: 'intellectmoney',
  wavepay: 'paykassma',
  qr: 'qr_acquirer',
};

export type TransactionStatus = 'created' | 'succeeded' | 'failed';

/**
 * One payment's attempt at one provider. Unique per (provider, payment): starting the same
 * payment again reuses it, so the provider sees one order number per payment.
 */
export interface ProviderTransaction {
  id: string;
  paymentId: string;
  merchantId: string;
  provider: ProviderName;
  method: MethodName;
  /** Our order number at the provider (WebMoney LMI_PAYMENT_NO), 1..2147483647. */
  orderNo: bigint;
  amount: Money;
  /** The exact decimal string sent to the provider; callbacks must echo it byte for byte. */
  amountText: string;
  /** The account that receives the money at the provider (WebMoney purse), when it has one. */
  payeePurse: string | null;
  status: TransactionStatus;
  /** The provider's id of the settled transfer (WebMoney LMI_SYS_TRANS_NO). */
  providerPaymentId: string | null;
  attributes: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
}

export type NewProviderTransaction = Pick<
  ProviderTransaction,
  'paymentId' | 'merchantId' | 'provider' | 'method' | 'amount' | 'amountText' | 'payeePurse'
>;

/**
 * The field in which a repeated start of the same payment differs from the stored transaction,
 * if any. The method may change while unpaid (the payer went back and picked another method of
 * the same provider); amount, currency and merchant never may.
 */
export function startConflictField(
  existing: ProviderTransaction,
  incoming: NewProviderTransaction,
): string | undefined {
  if (existing.merchantId !== incoming.merchantId) return 'merchant_id';
  if (existing.amount.currency !== incoming.amount.currency) return 'currency';
  if (existing.amount.amountMinor !== incoming.amount.amountMinor) return 'amount';
  return undefined;
}
