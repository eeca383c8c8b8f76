import {
  PaymentMethod as PbMethod,
  paymentMethodFromName,
  paymentMethodName,
  Provider as PbProvider,
  providerFromName,
  providerName,
} from '@tolem/contracts/common';

import { ledgerErrors } from '../domain/errors';
import type { PaymentMethod, PaymentProvider } from '../domain/payment';

// The names come from the one table in @tolem/contracts; the type check fails if the ledger's
// domain unions and that table ever disagree.

export function methodFromProto(value: PbMethod): PaymentMethod {
  const name: PaymentMethod | undefined = paymentMethodName(value);
  if (!name) {
    throw ledgerErrors.create('LEDGER_INVALID_REQUEST', 'method must be a known payment method', {
      details: { field: 'method' },
    });
  }
  return name;
}

export function providerFromProto(value: PbProvider): PaymentProvider {
  const name: PaymentProvider | undefined = providerName(value);
  if (!name) {
    throw ledgerErrors.create('LEDGER_INVALID_REQUEST', 'provider must be a known provider', {
      details: { field: 'provider' },
    });
  }
  return name;
}

/** Null (payout events) maps to UNSPECIFIED. */
export function methodToProto(value: PaymentMethod | null): PbMethod {
  return (value && paymentMethodFromName(value)) ?? PbMethod.PAYMENT_METHOD_UNSPECIFIED;
}

export function providerToProto(value: PaymentProvider | null): PbProvider {
  return (value && providerFromName(value)) ?? PbProvider.PROVIDER_UNSPECIFIED;
}
