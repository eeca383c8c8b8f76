import { computeFee, type Money, money } from '@tolem/money';

import { checkoutErrors } from './errors';
import type { Canonical } from './fingerprint';
import type { PaymentMethod } from './payment';
import { checkUrl } from './payment-request';

/** Tolem's fee for one method: percent of the gross in basis points plus a fixed part. */
export interface MerchantFeeRule {
  method: PaymentMethod;
  percentBps: number;
  /** Minor units of the payment's currency. */
  fixedMinor: bigint;
}

export interface Merchant {
  id: string;
  name: string;
  enabledMethods: PaymentMethod[];
  feeRules: MerchantFeeRule[];
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
  feeRules: MerchantFeeRule[];
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
  const seen = new Set<PaymentMethod>();
  for (const rule of input.feeRules) {
    if (seen.has(rule.method)) invalid('fee_rules', `more than one fee rule for ${rule.method}`);
    seen.add(rule.method);
    if (!Number.isInteger(rule.percentBps) || rule.percentBps < 0 || rule.percentBps > 10_000) {
      invalid('fee_rules', 'percent_bps must be an integer 0..10000');
    }
    if (rule.fixedMinor < 0n) invalid('fee_rules', 'fixed_minor must not be negative');
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
  'fee_rules',
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
    fee_rules: input.feeRules.map((r) => ({
      method: r.method,
      percent_bps: r.percentBps,
      fixed_minor: r.fixedMinor,
    })),
    webmoney_shop_id: input.webmoneyShopId,
    default_success_url: input.defaultSuccessUrl,
    default_fail_url: input.defaultFailUrl,
  };
}

/** The merchant's fee for a gross paid with `method`; no rule for the method means no fee. */
export function feeFor(merchant: Merchant, method: PaymentMethod | null, gross: Money): Money {
  const rule = method ? merchant.feeRules.find((r) => r.method === method) : undefined;
  if (!rule) return money(0n, gross.currency);
  return computeFee(gross, { percentBps: rule.percentBps, fixedMinor: rule.fixedMinor });
}
