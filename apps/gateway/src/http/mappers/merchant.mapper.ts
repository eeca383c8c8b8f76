import { CreateMerchantRequest, type Merchant } from '@tolem/contracts/checkout';
import { type PaymentMethod } from '@tolem/contracts/common';
import { type FeeRule, SetFeePlanRequest } from '@tolem/contracts/ledger';
import { isCurrencyCode, minorFromJson } from '@tolem/money';

import { gatewayErrors } from '../errors';
import type { CreateMerchantBody } from '../schemas';
import { methodFromName, methodName } from './enums.mapper';
import { httpUrl, type JsonMinor, minorToJson } from './payment.mapper';

function method(name: string, field: string): PaymentMethod {
  const m = methodFromName(name);
  if (m === undefined) {
    throw gatewayErrors.create(
      'VALIDATION_FAILED',
      `${field}: unknown method ${JSON.stringify(name)}`,
      {
        details: { field },
      },
    );
  }
  return m;
}

function invalid(field: string, message: string): never {
  throw gatewayErrors.create('VALIDATION_FAILED', `${field} ${message}`, { details: { field } });
}

/**
 * The body's fee rules in the ledger's shape (the ledger owns fees; checkout never sees them),
 * checked here in full so a plan the ledger would refuse is refused before anything is written:
 * one rule per method, fixed parts in known currencies, one per currency, none negative.
 */
export function toFeeRules(body: CreateMerchantBody): FeeRule[] {
  const methods = new Set<PaymentMethod>();
  return (body.fee_rules ?? []).map((rule, i) => {
    const m = method(rule.method, `fee_rules[${i}].method`);
    if (methods.has(m)) invalid(`fee_rules[${i}].method`, `repeats the rule for ${rule.method}`);
    methods.add(m);
    const currencies = new Set<string>();
    const fixed = (rule.fixed ?? []).map((f, j) => {
      const field = `fee_rules[${i}].fixed[${j}]`;
      if (!isCurrencyCode(f.currency)) invalid(`${field}.currency`, 'is not a known currency');
      if (currencies.has(f.currency)) invalid(`${field}.currency`, `repeats ${f.currency}`);
      currencies.add(f.currency);
      const amountMinor = minorFromJson(f.amount);
      if (amountMinor < 0n) invalid(`${field}.amount`, 'must not be negative');
      return { amountMinor, currency: f.currency };
    });
    return { method: m, percentBps: rule.percent_bps, fixed };
  });
}

export function toSetFeePlanRequest(merchantId: string, rules: FeeRule[]): SetFeePlanRequest {
  return SetFeePlanRequest.fromPartial({ merchantId, rules });
}

/** Order-free form of a plan's rules: two plans are the same when these are equal. */
function canonicalRules(rules: FeeRule[]): string {
  return JSON.stringify(
    rules
      .map((r) => ({
        method: r.method,
        percentBps: r.percentBps,
        fixed: r.fixed
          .map((f) => `${f.amountMinor.toString()} ${f.currency}`)
          .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
      }))
      .sort((a, b) => a.method - b.method),
  );
}

export function sameFeeRules(a: FeeRule[], b: FeeRule[]): boolean {
  return canonicalRules(a) === canonicalRules(b);
}

export function toCreateMerchantRequest(
  body: CreateMerchantBody,
  idempotencyKey: string,
): CreateMerchantRequest {
  return CreateMerchantRequest.fromPartial({
    idempotencyKey,
    name: body.name,
    enabledMethods: body.enabled_methods.map((m) => method(m, 'enabled_methods')),
    webmoneyShopId: body.webmoney_shop_id ?? '',
    defaultSuccessUrl: httpUrl(body.success_url, 'success_url'),
    defaultFailUrl: httpUrl(body.fail_url, 'fail_url'),
  });
}

export interface FeeRuleJson {
  method: string | null;
  percent_bps: number;
  fixed: { amount: JsonMinor; currency: string }[];
}

export interface MerchantJson {
  id: string;
  object: 'merchant';
  name: string;
  enabled_methods: string[];
  /** The merchant's fee plan as the ledger holds it; null when it could not be set. */
  fee_rules: FeeRuleJson[] | null;
  webmoney_shop_id: string | null;
  success_url: string | null;
  fail_url: string | null;
  created_at: string | null;
}

export function merchantToJson(
  m: Merchant | undefined,
  feeRules: FeeRule[] | undefined,
): MerchantJson {
  if (!m) throw gatewayErrors.create('INTERNAL', 'peer answer lacks merchant');
  return {
    id: m.id,
    object: 'merchant',
    name: m.name,
    enabled_methods: m.enabledMethods
      .map(methodName)
      .filter((x): x is NonNullable<typeof x> => x !== null),
    fee_rules: feeRules
      ? feeRules.map((r) => ({
          method: methodName(r.method),
          percent_bps: r.percentBps,
          fixed: r.fixed.map((f) => ({ amount: minorToJson(f.amountMinor), currency: f.currency })),
        }))
      : null,
    webmoney_shop_id: m.webmoneyShopId === '' ? null : m.webmoneyShopId,
    success_url: m.defaultSuccessUrl === '' ? null : m.defaultSuccessUrl,
    fail_url: m.defaultFailUrl === '' ? null : m.defaultFailUrl,
    created_at: m.createdAt ? m.createdAt.toISOString() : null,
  };
}
