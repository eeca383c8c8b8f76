import { checkoutErrors } from './errors';
import type { Canonical } from './fingerprint';
import type { PaymentMethod } from './payment';
import { checkUrl } from './payment-request';

export interface Merchant {
  id: string;
  name: string;
  enabledMethods: PaymentMethod[];
  /** WebMoney MegaStock shop id (LMI_SHOP_ID) Tolem passes on as the aggregator. */
  webmoneyShopId: string;
  defaultSuccessUrl: string;
  defaultFailUrl: string;
  createdAt: Date;
}

export interface CreateMerchantInput {
  /** Optional: without a key every call creates a new merchant. */
  idempotencyKey: string;
  name: string;
  enabledMethods: PaymentMethod[];
  webmoneyShopId: string;
  defaultSuccessUrl: string;
  defaultFailUrl: string;
}

function invalid(field: string, message: string): never {
  throw checkoutErrors.create('MERCHANT_INVALID_REQUEST', message, { details: { field } });
}

/** Validates a CreateMerchant request; the first problem is thrown with details.field naming it. */
export function validateMerchantRequest(input: CreateMerchantInput): void {
  if (input.idempotencyKey.length > 255)
    invalid('idempotency_key', 'idempotency_key is longer than 255');
  const name = input.name.trim();
  if (name.length === 0) invalid('name', 'name is required');
  if (name.length > 200) invalid('name', 'name is longer than 200 characters');
  if (input.enabledMethods.length === 0)
    invalid('enabled_methods', 'at least one method must be enabled');
  if (new Set(input.enabledMethods).size !== input.enabledMethods.length) {
    invalid('enabled_methods', 'enabled_methods has duplicates');
  }
  if (input.webmoneyShopId.length > 64)
    invalid('webmoney_shop_id', 'webmoney_shop_id is longer than 64');
  checkUrl(input.defaultSuccessUrl, 'default_success_url', invalid);
  checkUrl(input.defaultFailUrl, 'default_fail_url', invalid);
}

/** Field order used to name the first difference when an idempotency key is reused. */
export const MERCHANT_REQUEST_FIELDS = [
  'name',
  'enabled_methods',
  'webmoney_shop_id',
  'default_success_url',
  'default_fail_url',
] as const;

type MerchantFields = Omit<CreateMerchantInput, 'idempotencyKey'>;

/** The request as fingerprinted; a stored merchant maps to the same shape for the field diff. */
export function canonicalMerchantRequest(input: MerchantFields): Record<string, Canonical> {
  return {
    name: input.name,
    enabled_methods: input.enabledMethods,
    webmoney_shop_id: input.webmoneyShopId,
    default_success_url: input.defaultSuccessUrl,
    default_fail_url: input.defaultFailUrl,
  };
}
