import {
  type ApiKey,
  ApiKeyMode,
  CreateMerchantRequest,
  type ListMerchantsResponse,
  type Merchant,
  type MerchantFeeRule,
  UpdateMerchantRequest,
} from '@tolem/contracts/checkout';
import { type PaymentMethod } from '@tolem/contracts/common';
import { isCurrencyCode, minorFromJson } from '@tolem/money';

import { gatewayErrors } from '../errors';
import type { CreateMerchantBody, FeeRuleBody, UpdateMerchantBody } from '../merchant.schemas';
import { orNull } from './absent';
import { methodFromName, methodName } from './enums.mapper';
import { cursorPage } from './list.mapper';
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
 * The body's fee rules in the contract's shape, checked here in full so a plan the ledger would
 * refuse is refused before anything is written: one rule per method, fixed parts in known
 * currencies, one per currency, none negative. Checkout forwards them to the ledger (which owns
 * fees) as an onboarding step.
 */
export function toFeeRules(rules: FeeRuleBody[] | undefined): MerchantFeeRule[] {
  const methods = new Set<PaymentMethod>();
  return (rules ?? []).map((rule, i) => {
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

function modeToProto(mode: 'test' | 'live' | undefined): ApiKeyMode {
  return mode === 'live' ? ApiKeyMode.API_KEY_MODE_LIVE : ApiKeyMode.API_KEY_MODE_TEST;
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
    notificationUrl: httpUrl(body.result_url, 'result_url'),
    vatRate: body.vat_rate ?? 'none',
    allowNegativeBalance: body.allow_negative_balance ?? false,
    feePlan: { rules: toFeeRules(body.fee_rules) },
    apiKeyMode: modeToProto(body.api_key_mode),
  });
}

/** Only what the body names; an empty URL clears it. */
export function toUpdateMerchantRequest(
  merchantId: string,
  body: UpdateMerchantBody,
): UpdateMerchantRequest {
  const url = (value: string | undefined, field: string) =>
    value === undefined ? undefined : httpUrl(value, field);
  return UpdateMerchantRequest.fromPartial({
    merchantId,
    name: body.name,
    enabledMethods: body.enabled_methods
      ? { methods: body.enabled_methods.map((m) => method(m, 'enabled_methods')) }
      : undefined,
    webmoneyShopId: body.webmoney_shop_id,
    defaultSuccessUrl: url(body.success_url, 'success_url'),
    defaultFailUrl: url(body.fail_url, 'fail_url'),
    notificationUrl: url(body.result_url, 'result_url'),
    vatRate: body.vat_rate,
    allowNegativeBalance: body.allow_negative_balance,
    feePlan: body.fee_rules ? { rules: toFeeRules(body.fee_rules) } : undefined,
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
  /** The merchant's fee plan as the ledger holds it; null when not read (lists) or unreadable. */
  fee_rules: FeeRuleJson[] | null;
  allow_negative_balance: boolean | null;
  webmoney_shop_id: string | null;
  success_url: string | null;
  fail_url: string | null;
  result_url: string | null;
  vat_rate: string;
  onboarding: { status: 'pending' | 'complete'; pending_steps: string[] };
  created_at: string | null;
  updated_at: string | null;
}

/** What the ledger holds for the merchant (it owns fees and the negative-balance flag). */
export interface LedgerMerchantFacts {
  feeRules: MerchantFeeRule[] | null;
  allowNegativeBalance: boolean | null;
}

export function merchantToJson(
  m: Merchant | undefined,
  ledger: LedgerMerchantFacts = { feeRules: null, allowNegativeBalance: null },
): MerchantJson {
  if (!m) throw gatewayErrors.create('INTERNAL', 'peer answer lacks merchant');
  const pending = m.onboarding?.pendingSteps ?? [];
  return {
    id: m.id,
    object: 'merchant',
    name: m.name,
    enabled_methods: m.enabledMethods
      .map(methodName)
      .filter((x): x is NonNullable<typeof x> => x !== null),
    fee_rules: ledger.feeRules
      ? ledger.feeRules.map((r) => ({
          method: methodName(r.method),
          percent_bps: r.percentBps,
          fixed: r.fixed.map((f) => ({ amount: minorToJson(f.amountMinor), currency: f.currency })),
        }))
      : null,
    allow_negative_balance: ledger.allowNegativeBalance,
    webmoney_shop_id: orNull(m.webmoneyShopId),
    success_url: orNull(m.defaultSuccessUrl),
    fail_url: orNull(m.defaultFailUrl),
    result_url: orNull(m.notificationUrl),
    vat_rate: m.vatRate || 'none',
    onboarding: { status: pending.length === 0 ? 'complete' : 'pending', pending_steps: pending },
    created_at: m.createdAt ? m.createdAt.toISOString() : null,
    updated_at: m.updatedAt ? m.updatedAt.toISOString() : null,
  };
}

export function merchantListToJson(res: ListMerchantsResponse) {
  return cursorPage(
    '/admin/v1/merchants',
    res.merchants.map((m) => merchantToJson(m)),
    res.nextPageToken,
  );
}

export interface ApiKeyJson {
  id: string;
  object: 'api_key';
  merchant_id: string;
  mode: 'test' | 'live';
  livemode: boolean;
  name: string;
  key_prefix: string;
  status: 'active' | 'expiring' | 'expired' | 'revoked';
  created_at: string | null;
  revoked_at: string | null;
  expires_at: string | null;
  rolled_to: string | null;
}

export function apiKeyToJson(k: ApiKey | undefined, now: Date = new Date()): ApiKeyJson {
  if (!k) throw gatewayErrors.create('INTERNAL', 'peer answer lacks api_key');
  const live = k.mode === ApiKeyMode.API_KEY_MODE_LIVE;
  const status = k.revokedAt
    ? 'revoked'
    : k.expiresAt
      ? k.expiresAt.getTime() <= now.getTime()
        ? 'expired'
        : 'expiring'
      : 'active';
  return {
    id: k.id,
    object: 'api_key',
    merchant_id: k.merchantId,
    mode: live ? 'live' : 'test',
    livemode: live,
    name: k.name,
    key_prefix: k.keyPrefix,
    status,
    created_at: k.createdAt ? k.createdAt.toISOString() : null,
    revoked_at: k.revokedAt ? k.revokedAt.toISOString() : null,
    expires_at: k.expiresAt ? k.expiresAt.toISOString() : null,
    rolled_to: orNull(k.rolledTo),
  };
}

export function apiKeyModeToProto(mode: 'test' | 'live' | undefined): ApiKeyMode {
  return modeToProto(mode);
}
