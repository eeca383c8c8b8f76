import type { PaymentMethodName, ProviderName as CatalogProviderName } from '@tolem/catalog';
import type { Money } from '@tolem/money';

/** Providers Tolem integrates (@tolem/catalog); the string is what the database and logs carry. */
export type ProviderName = CatalogProviderName;

/** Payment methods as spelled on HTTP and in the database (@tolem/catalog, proto PaymentMethod). */
export type MethodName = PaymentMethodName;

/**
 * `created` until the provider reports; `pending` and `manual_review` are open states a provider
 * can still settle (Paykassma's activation); `succeeded` and `failed` are final: no callback
 * changes them again.
 */
export const TRANSACTION_STATUSES = [
  'created',
  'pending',
  'manual_review',
  'succeeded',
  'failed',
] as const;
export type TransactionStatus = (typeof TRANSACTION_STATUSES)[number];

/** States a callback or a provider answer may still move. */
export const OPEN_STATUSES: readonly TransactionStatus[] = ['created', 'pending', 'manual_review'];

export function isFinal(status: TransactionStatus): boolean {
  return status === 'succeeded' || status === 'failed';
}

/** A payer's payment, or a charge of a bound card that the recurring service asked for. */
export type TransactionKind = 'payment' | 'bound_card_charge';

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
  kind: TransactionKind;
  /**
   * A second reference callbacks may name the transaction by: the QR code id of a QR payment,
   * the scheduled-operation id of a bound-card charge. Unique per provider.
   */
  externalRef: string | null;
  /** The caller's idempotency key (bound-card charges); unique per provider. */
  idempotencyKey: string | null;
  /** What the idempotency key was first used for, to tell a retry from a different request. */
  requestFingerprint: string | null;
  /** The card scheme's response code of a declined charge, e.g. "51". */
  declineCode: string | null;
  /** Why it failed or waits for a person, e.g. PROVIDER_CARD_DECLINED. */
  reasonCode: string | null;
  /** Verified money beyond the settlement, oldest first (see ExtraTransfer). */
  extraTransfers: ExtraTransfer[];
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Why verified money did not settle its transaction as itself: another amount or currency than
 * the order, a second transfer for an order already paid, a success after the order failed.
 */
export type ExtraTransferReason = 'amount_differs' | 'second_transfer' | 'after_failure';

/**
 * The longest provider transfer id taken from a callback (a WebMoney transfer number has 19
 * digits, an IntellectMoney invoice 10): it is unique per provider in an index whose entries
 * hold at most 2704 bytes, so a longer one is a malformed callback, not an internal error.
 */
export const MAX_PROVIDER_PAYMENT_ID_LENGTH = 64;

/**
 * Money the provider verifiably moved for this transaction that does not settle it: recorded
 * beside the first settlement (never over it) and reported to checkout, which holds it in a case.
 * One per provider transfer id, so a resend of the same transfer is answered the same way.
 */
export interface ExtraTransfer {
  providerPaymentId: string;
  /** What the provider says it actually received. */
  amount: Money;
  method: MethodName;
  reason: ExtraTransferReason;
  attributes: Record<string, string>;
  receivedAt: Date;
}

export type NewProviderTransaction = Pick<
  ProviderTransaction,
  'paymentId' | 'merchantId' | 'provider' | 'method' | 'amount' | 'amountText' | 'payeePurse'
> &
  Partial<
    Pick<
      ProviderTransaction,
      'kind' | 'externalRef' | 'idempotencyKey' | 'requestFingerprint' | 'attributes'
    >
  >;

/**
 * A change of an open transaction (never of a final one): a new status, provider ids, more
 * attributes (merged over the stored ones).
 */
export interface TransactionPatch {
  status?: TransactionStatus;
  providerPaymentId?: string;
  externalRef?: string;
  attributes?: Record<string, string>;
  declineCode?: string | null;
  reasonCode?: string | null;
}

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
