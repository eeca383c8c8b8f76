import {
  PAYMENT_METHOD_NAMES,
  type PaymentMethodName,
  PROVIDER_NAMES,
  type ProviderName,
} from '@tolem/catalog';
import { PaymentStatus } from '@tolem/contracts/checkout';
import {
  type PaymentMethod,
  paymentMethodFromName,
  paymentMethodName,
  Provider,
  providerName as nameOfProvider,
} from '@tolem/contracts/common';

/** HTTP spelling of each payment method: the names of @tolem/catalog. */
export type MethodName = PaymentMethodName;

export const METHOD_NAME_LIST: readonly MethodName[] = PAYMENT_METHOD_NAMES;

export const PROVIDER_NAME_LIST: readonly ProviderName[] = PROVIDER_NAMES;

export function methodFromName(name: string): PaymentMethod | undefined {
  return paymentMethodFromName(name);
}

export function methodName(method: PaymentMethod): MethodName | null {
  // Typed with the catalog's names: compilation fails if the proto names one it lacks.
  const name: MethodName | undefined = paymentMethodName(method);
  return name ?? null;
}

export function providerName(provider: Provider): ProviderName | null {
  const name: ProviderName | undefined = nameOfProvider(provider);
  return name ?? null;
}

/** The path segment of `/callbacks/{provider}` for each provider that calls Tolem back. */
export const CALLBACK_PROVIDERS: Readonly<Record<string, Provider>> = Object.freeze({
  webmoney: Provider.PROVIDER_WEBMONEY,
  intellectmoney: Provider.PROVIDER_INTELLECTMONEY,
  paykassma: Provider.PROVIDER_PAYKASSMA,
  qr: Provider.PROVIDER_QR_ACQUIRER,
});

export function callbackProvider(segment: string): Provider | undefined {
  return Object.prototype.hasOwnProperty.call(CALLBACK_PROVIDERS, segment)
    ? CALLBACK_PROVIDERS[segment]
    : undefined;
}

export type StatusName =
  | 'created'
  | 'pending'
  | 'requires_review'
  | 'succeeded'
  | 'failed'
  | 'expired'
  | 'canceled'
  | 'partially_refunded'
  | 'refunded'
  | 'unknown';

/** Every status a payment can be in on the wire (OpenAPI enum). */
export const STATUS_NAME_LIST: readonly StatusName[] = [
  'created',
  'pending',
  'requires_review',
  'succeeded',
  'failed',
  'expired',
  'canceled',
  'partially_refunded',
  'refunded',
];

export function statusName(status: PaymentStatus): StatusName {
  switch (status) {
    case PaymentStatus.PAYMENT_STATUS_CREATED:
      return 'created';
    case PaymentStatus.PAYMENT_STATUS_PENDING:
      return 'pending';
    case PaymentStatus.PAYMENT_STATUS_REQUIRES_REVIEW:
      return 'requires_review';
    case PaymentStatus.PAYMENT_STATUS_SUCCEEDED:
      return 'succeeded';
    case PaymentStatus.PAYMENT_STATUS_FAILED:
      return 'failed';
    case PaymentStatus.PAYMENT_STATUS_EXPIRED:
      return 'expired';
    case PaymentStatus.PAYMENT_STATUS_CANCELED:
      return 'canceled';
    case PaymentStatus.PAYMENT_STATUS_PARTIALLY_REFUNDED:
      return 'partially_refunded';
    case PaymentStatus.PAYMENT_STATUS_REFUNDED:
      return 'refunded';
    default:
      return 'unknown';
  }
}

/**
 * Final states: nothing the payer does changes them. `requires_review` is not final (a person
 * resolves it to succeeded or failed) but the payer must not pay again meanwhile.
 */
export function isTerminal(status: StatusName): boolean {
  return (
    status === 'succeeded' ||
    status === 'failed' ||
    status === 'expired' ||
    status === 'canceled' ||
    // Paid, then (partly) refunded: the payer never pays it again.
    status === 'partially_refunded' ||
    status === 'refunded'
  );
}

export type CaseStatusName = 'opening' | 'open' | 'applied' | 'returned';

/** Every status a case can be in on the wire (OpenAPI enum, `?status=`). */
export const CASE_STATUS_NAME_LIST: readonly CaseStatusName[] = [
  'opening',
  'open',
  'applied',
  'returned',
];
