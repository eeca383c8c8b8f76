import { PaymentMethod as PbMethod, Provider as PbProvider } from '@tolem/contracts/common';

import { ledgerErrors } from '../domain/errors';
import type { PaymentMethod, PaymentProvider } from '../domain/payment';

// One table per enum, used both ways (requests in, events out), so they cannot drift apart.
const METHODS: readonly (readonly [PbMethod, PaymentMethod])[] = [
  [PbMethod.PAYMENT_METHOD_WEBMONEY_PURSE, 'webmoney_purse'],
  [PbMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE, 'webmoney_keeper_mobile'],
  [PbMethod.PAYMENT_METHOD_CARD, 'card'],
  [PbMethod.PAYMENT_METHOD_WAVEPAY, 'wavepay'],
  [PbMethod.PAYMENT_METHOD_QR, 'qr'],
];

const PROVIDERS: readonly (readonly [PbProvider, PaymentProvider])[] = [
  [PbProvider.PROVIDER_WEBMONEY, 'webmoney'],
  [PbProvider.PROVIDER_INTELLECTMONEY, 'intellectmoney'],
  [PbProvider.PROVIDER_PAYKASSMA, 'paykassma'],
  [PbProvider.PROVIDER_QR_ACQUIRER, 'qr_acquirer'],
];

export function methodFromProto(value: PbMethod): PaymentMethod {
  const found = METHODS.find(([pb]) => pb === value);
  if (!found) {
    throw ledgerErrors.create('LEDGER_INVALID_REQUEST', 'method must be a known payment method', {
      details: { field: 'method' },
    });
  }
  return found[1];
}

export function providerFromProto(value: PbProvider): PaymentProvider {
  const found = PROVIDERS.find(([pb]) => pb === value);
  if (!found) {
    throw ledgerErrors.create('LEDGER_INVALID_REQUEST', 'provider must be a known provider', {
      details: { field: 'provider' },
    });
  }
  return found[1];
}

/** Null (payout events) maps to UNSPECIFIED. */
export function methodToProto(value: PaymentMethod | null): PbMethod {
  return METHODS.find(([, d]) => d === value)?.[0] ?? PbMethod.PAYMENT_METHOD_UNSPECIFIED;
}

export function providerToProto(value: PaymentProvider | null): PbProvider {
  return PROVIDERS.find(([, d]) => d === value)?.[0] ?? PbProvider.PROVIDER_UNSPECIFIED;
}
