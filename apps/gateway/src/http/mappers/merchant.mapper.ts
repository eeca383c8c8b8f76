import { CreateMerchantRequest, type Merchant } from '@tolem/contracts/checkout';
import { type PaymentMethod } from '@tolem/contracts/common';
import { SetFeePlanRequest } from '@tolem/contracts/ledger';
import { CURRENCIES, type CurrencyCode, minorFromJson } from '@tolem/money';

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

export function toCreateMerchantRequest(
  body: CreateMerchantBody,
  idempotencyKey: string,
): CreateMerchantRequest {
  return CreateMerchantRequest.fromPartial({
    idempotencyKey,
    name: body.name,
    enabledMethods: body.enabled_methods.map((m) => method(m, 'enabled_methods')),
    feeRules: (body.fee_rules ?? []).map((rule, i) => {
      const fixedMinor = minorFromJson(rule.fixed_minor);
      if (fixedMinor < 0n) {
        throw gatewayErrors.create(
          'VALIDATION_FAILED',
          `fee_rules[${i}].fixed_minor must not be negative`,
          {
            details: { field: `fee_rules[${i}].fixed_minor` },
          },
        );
      }
      return {
        method: method(rule.method, `fee_rules[${i}].method`),
        percentBps: rule.percent_bps,
        fixedMinor,
      };
    }),
    webmoneyShopId: body.webmoney_shop_id ?? '',
    defaultSuccessUrl: httpUrl(body.success_url, 'success_url'),
    defaultFailUrl: httpUrl(body.fail_url, 'fail_url'),
  });
}

export interface MerchantJson {
  id: string;
  object: 'merchant';
  name: string;
  enabled_methods: string[];
  fee_rules: { method: string | null; percent_bps: number; fixed_minor: JsonMinor }[];
  webmoney_shop_id: string | null;
  success_url: string | null;
  fail_url: string | null;
  created_at: string | null;
}

export function merchantToJson(m: Merchant | undefined): MerchantJson {
  if (!m) throw gatewayErrors.create('INTERNAL', 'peer answer lacks merchant');
  return {
    id: m.id,
    object: 'merchant',
    name: m.name,
    enabled_methods: m.enabledMethods
      .map(methodName)
      .filter((x): x is NonNullable<typeof x> => x !== null),
    fee_rules: m.feeRules.map((r) => ({
      method: methodName(r.method),
      percent_bps: r.percentBps,
      fixed_minor: minorToJson(r.fixedMinor),
    })),
    webmoney_shop_id: m.webmoneyShopId === '' ? null : m.webmoneyShopId,
    success_url: m.defaultSuccessUrl === '' ? null : m.defaultSuccessUrl,
    fail_url: m.defaultFailUrl === '' ? null : m.defaultFailUrl,
    created_at: m.createdAt ? m.createdAt.toISOString() : null,
  };
}

const CURRENCY_CODES = Object.keys(CURRENCIES) as CurrencyCode[];

/**
 * The merchant's fee rules as the ledger's fee plan. Checkout's fixed part is in minor units of
 * whatever the payment's currency is, so it becomes one fixed entry per currency Tolem handles:
 * the ledger then computes exactly the fee checkout does, in every currency.
 */
export function toSetFeePlanRequest(m: Merchant | undefined): SetFeePlanRequest {
  if (!m) throw gatewayErrors.create('INTERNAL', 'peer answer lacks merchant');
  return SetFeePlanRequest.fromPartial({
    merchantId: m.id,
    rules: m.feeRules.map((r) => ({
      method: r.method,
      percentBps: r.percentBps,
      fixed:
        r.fixedMinor === 0n
          ? []
          : CURRENCY_CODES.map((currency) => ({ amountMinor: r.fixedMinor, currency })),
    })),
  });
}
