import { PaymentMethod, Provider } from './gen/tolem/common/v1/payment';

/**
 * The lower-case name of each payment method and provider: what merchants send and receive over
 * HTTP, what notifications and reports carry, and what services store. A name is its proto enum
 * value without the prefix, lower-cased (`PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE` is
 * `webmoney_keeper_mobile`), so the proto is the only list here and no service spells one
 * differently. @tolem/catalog holds the same names with their facts (provider, currencies);
 * provider-adapters' catalog.proto.spec.ts and the typed mappers hold the two lists equal.
 */
type NameOf<Key, Prefix extends string> = Key extends `${Prefix}${infer Rest}`
  ? Rest extends 'UNSPECIFIED'
    ? never
    : Lowercase<Rest>
  : never;

export type PaymentMethodName = NameOf<keyof typeof PaymentMethod, 'PAYMENT_METHOD_'>;
export type ProviderName = NameOf<keyof typeof Provider, 'PROVIDER_'>;

function namesOf<N extends string, V extends number>(
  enumObject: Record<string, string | number>,
  prefix: string,
): Readonly<Record<N, V>> {
  const table: Record<string, number> = {};
  for (const [key, value] of Object.entries(enumObject)) {
    // Skips UNSPECIFIED (0), UNRECOGNIZED (-1) and the enum's reverse (number -> key) entries.
    if (typeof value === 'number' && value > 0 && key.startsWith(prefix)) {
      table[key.slice(prefix.length).toLowerCase()] = value;
    }
  }
  return Object.freeze(table) as Readonly<Record<N, V>>;
}

export const PAYMENT_METHOD_NAMES = namesOf<PaymentMethodName, PaymentMethod>(
  PaymentMethod,
  'PAYMENT_METHOD_',
);

export const PROVIDER_NAMES = namesOf<ProviderName, Provider>(Provider, 'PROVIDER_');

function nameOf<N extends string, V>(table: Readonly<Record<N, V>>, value: V): N | undefined {
  for (const name of Object.keys(table) as N[]) if (table[name] === value) return name;
  return undefined;
}

function valueOf<N extends string, V>(table: Readonly<Record<N, V>>, name: string): V | undefined {
  return Object.prototype.hasOwnProperty.call(table, name) ? table[name as N] : undefined;
}

/** Undefined for UNSPECIFIED and values this build does not know. */
export function paymentMethodName(method: PaymentMethod): PaymentMethodName | undefined {
  return nameOf(PAYMENT_METHOD_NAMES, method);
}

export function paymentMethodFromName(name: string): PaymentMethod | undefined {
  return valueOf(PAYMENT_METHOD_NAMES, name);
}

export function providerName(provider: Provider): ProviderName | undefined {
  return nameOf(PROVIDER_NAMES, provider);
}

export function providerFromName(name: string): Provider | undefined {
  return valueOf(PROVIDER_NAMES, name);
}
