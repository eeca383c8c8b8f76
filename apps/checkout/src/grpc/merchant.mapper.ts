import { type CreateMerchantRequest, Merchant as PbMerchant } from '@tolem/contracts/checkout';

import { checkoutErrors } from '../domain/errors';
import type { CreateMerchantInput, Merchant } from '../domain/merchant';
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

export function createMerchantRequestToDomain(req: CreateMerchantRequest): CreateMerchantInput {
  return {
    idempotencyKey: req.idempotencyKey,
    name: req.name,
    enabledMethods: req.enabledMethods.map((m) => methodOrInvalid(m, 'enabled_methods')),
    webmoneyShopId: req.webmoneyShopId,
    defaultSuccessUrl: req.defaultSuccessUrl,
    defaultFailUrl: req.defaultFailUrl,
  };
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
  });
}
