import { PAYMENT_METHOD_NAMES, PROVIDER_NAMES } from '@tolem/catalog';
import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { describe, expect, it } from 'vitest';

import {
  CATALOG_MATCHES_PROTO,
  methodFromProto,
  methodToProto,
  providerFromProto,
  providerToProto,
} from './provider.mapper';

/** The numeric members of a ts-proto enum, without UNSPECIFIED (0) and UNRECOGNIZED (-1). */
const valuesOf = (e: Record<string, string | number>) =>
  Object.values(e).filter((v): v is number => typeof v === 'number' && v > 0);

describe('the catalog and the proto enums', () => {
  it('compiles only while both list the same names', () => {
    expect(CATALOG_MATCHES_PROTO).toBe(true);
  });

  it('maps every PaymentMethod value to exactly one catalog method and back', () => {
    const values = valuesOf(PaymentMethod) as PaymentMethod[];
    const names = values.map(methodFromProto);
    expect(new Set(names).size).toBe(values.length);
    expect([...names].sort()).toEqual([...PAYMENT_METHOD_NAMES].sort());
    for (const value of values) expect(methodToProto(methodFromProto(value))).toBe(value);
  });

  it('maps every Provider value to exactly one catalog provider and back', () => {
    const values = valuesOf(Provider) as Provider[];
    const names = values.map(providerFromProto);
    expect(new Set(names).size).toBe(values.length);
    expect([...names].sort()).toEqual([...PROVIDER_NAMES].sort());
    for (const value of values) expect(providerToProto(providerFromProto(value))).toBe(value);
  });
});
