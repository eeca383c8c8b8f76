import {
  ApiKey as PbApiKey,
  ApiKeyMode as PbApiKeyMode,
  type CreateMerchantRequest,
  Merchant as PbMerchant,
  type MerchantFeeRule as PbFeeRule,
  type UpdateMerchantRequest,
} from '@tolem/contracts/checkout';

import type { ApiKeyMode, ApiKeyRecord } from '../domain/api-key';
import { checkoutErrors } from '../domain/errors';
import type {
  CreateMerchantInput,
  FeeRule,
  Merchant,
  UpdateMerchantInput,
} from '../domain/merchant';
import type { PaymentMethod } from '../domain/payment';
import { methodFromProto, methodToProto } from './common.mapper';

function methodOrInvalid(value: number, field: string): PaymentMethod {
  const method = methodFromProto(value);
  if (!method) {
    throw checkoutErrors.create(
      'MERCHANT_INVALID_REQUEST',
      `${field} has an unknown payment method`,
      {
        details: { field },
      },
    );
  }
  return method;
}

/** Unspecified is test: a key is live only when asked for. */
export function apiKeyModeFromProto(
  value: PbApiKeyMode,
  code: 'API_KEY_INVALID_REQUEST' | 'MERCHANT_INVALID_REQUEST',
  field: string,
): ApiKeyMode {
  switch (value) {
    case PbApiKeyMode.API_KEY_MODE_UNSPECIFIED:
    case PbApiKeyMode.API_KEY_MODE_TEST:
      return 'test';
    case PbApiKeyMode.API_KEY_MODE_LIVE:
      return 'live';
    default:
      throw checkoutErrors.create(code, `${field} is not a known mode`, { details: { field } });
  }
}

function feeRulesFromProto(rules: PbFeeRule[]): FeeRule[] {
  return rules.map((r, i) => ({
    method: methodOrInvalid(r.method, `fee_plan[${i}].method`),
    percentBps: r.percentBps,
    fixed: r.fixed.map((f) => ({ amountMinor: f.amountMinor, currency: f.currency })),
  }));
}

export function createMerchantRequestToDomain(req: CreateMerchantRequest): CreateMerchantInput {
  return {
    idempotencyKey: req.idempotencyKey,
    name: req.name,
    enabledMethods: req.enabledMethods.map((m) => methodOrInvalid(m, 'enabled_methods')),
    webmoneyShopId: req.webmoneyShopId,
    defaultSuccessUrl: req.defaultSuccessUrl,
    defaultFailUrl: req.defaultFailUrl,
    vatRate: req.vatRate || 'none',
    notificationUrl: req.notificationUrl ?? '',
    allowNegativeBalance: req.allowNegativeBalance ?? false,
    feeRules: feeRulesFromProto(req.feePlan?.rules ?? []),
    apiKeyMode: apiKeyModeFromProto(
      req.apiKeyMode ?? PbApiKeyMode.API_KEY_MODE_UNSPECIFIED,
      'MERCHANT_INVALID_REQUEST',
      'api_key_mode',
    ),
  };
}

export function updateMerchantRequestToDomain(req: UpdateMerchantRequest): UpdateMerchantInput {
  const out: UpdateMerchantInput = { merchantId: req.merchantId };
  if (req.name !== undefined) out.name = req.name;
  if (req.enabledMethods !== undefined) {
    out.enabledMethods = req.enabledMethods.methods.map((m) =>
      methodOrInvalid(m, 'enabled_methods'),
    );
  }
  if (req.webmoneyShopId !== undefined) out.webmoneyShopId = req.webmoneyShopId;
  if (req.defaultSuccessUrl !== undefined) out.defaultSuccessUrl = req.defaultSuccessUrl;
  if (req.defaultFailUrl !== undefined) out.defaultFailUrl = req.defaultFailUrl;
  if (req.vatRate !== undefined) out.vatRate = req.vatRate;
  if (req.notificationUrl !== undefined) out.notificationUrl = req.notificationUrl;
  if (req.allowNegativeBalance !== undefined) out.allowNegativeBalance = req.allowNegativeBalance;
  if (req.feePlan !== undefined) out.feeRules = feeRulesFromProto(req.feePlan.rules);
  return out;
}

export function merchantToProto(m: Merchant): PbMerchant {
  return PbMerchant.fromPartial({
    id: m.id,
    name: m.name,
    enabledMethods: m.enabledMethods.map(methodToProto),
    webmoneyShopId: m.webmoneyShopId,
    defaultSuccessUrl: m.defaultSuccessUrl,
    defaultFailUrl: m.defaultFailUrl,
    createdAt: m.createdAt,
    vatRate: m.vatRate,
    notificationUrl: m.notificationUrl,
    updatedAt: m.updatedAt,
    onboarding: {
      status: m.pendingSteps.length === 0 ? 'complete' : 'pending',
      pendingSteps: m.pendingSteps,
    },
  });
}

export function apiKeyToProto(k: ApiKeyRecord): PbApiKey {
  return PbApiKey.fromPartial({
    id: k.id,
    merchantId: k.merchantId,
    mode: k.mode === 'live' ? PbApiKeyMode.API_KEY_MODE_LIVE : PbApiKeyMode.API_KEY_MODE_TEST,
    name: k.name,
    keyPrefix: k.keyPrefix,
    createdAt: k.createdAt,
    revokedAt: k.revokedAt ?? undefined,
    expiresAt: k.expiresAt ?? undefined,
    rolledTo: k.rolledTo ?? '',
  });
}
