import { PaymentStatus } from '@tolem/contracts/checkout';
import { PaymentMethod, Provider } from '@tolem/contracts/common';

/** HTTP spelling of each payment method (snake_case, as merchants and forms send them). */
export const METHOD_NAMES = {
  webmoney_purse: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
  webmoney_keeper_mobile: PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
  card: PaymentMethod.PAYMENT_METHOD_CARD,
  wavepay: PaymentMethod.PAYMENT_METHOD_WAVEPAY,
  qr: PaymentMethod.PAYMENT_METHOD_QR,
} as const;

export type MethodName = keyof typeof METHOD_NAMES;

export const METHOD_NAME_LIST = Object.keys(METHOD_NAMES) as MethodName[];

export function methodFromName(name: string): PaymentMethod | undefined {
  return Object.prototype.hasOwnProperty.call(METHOD_NAMES, name)
    ? METHOD_NAMES[name as MethodName]
    : undefined;
}

export function methodName(method: PaymentMethod): MethodName | null {
  switch (method) {
    case PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE:
      return 'webmoney_purse';
    case PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE:
      return 'webmoney_keeper_mobile';
    case PaymentMethod.PAYMENT_METHOD_CARD:
      return 'card';
    case PaymentMethod.PAYMENT_METHOD_WAVEPAY:
      return 'wavepay';
    case PaymentMethod.PAYMENT_METHOD_QR:
      return 'qr';
    default:
      return null;
  }
}

export function providerName(provider: Provider): string | null {
  switch (provider) {
    case Provider.PROVIDER_WEBMONEY:
      return 'webmoney';
    case Provider.PROVIDER_INTELLECTMONEY:
      return 'intellectmoney';
    case Provider.PROVIDER_PAYKASSMA:
      return 'paykassma';
    // Same spelling as the merchant notifications; `qr` is the method and the callback path.
    case Provider.PROVIDER_QR_ACQUIRER:
      return 'qr_acquirer';
    default:
      return null;
  }
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
  | 'unknown';

/** Every status a payment can be in on the wire (OpenAPI enum). */
export const STATUS_NAME_LIST: readonly StatusName[] = [
  'created',
  'pending',
  'requires_review',
  'succeeded',
  'failed',
  'expired',
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
    default:
      return 'unknown';
  }
}

/**
 * Final states: nothing the payer does changes them. `requires_review` is not final (a person
 * resolves it to succeeded or failed) but the payer must not pay again meanwhile.
 */
export function isTerminal(status: StatusName): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'expired';
}
