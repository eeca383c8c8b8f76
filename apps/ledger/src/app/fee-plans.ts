import { type FeePlan, type RawFeeRule, validateFeePlanRules } from '../domain/fees';
import type { MerchantSettings, MerchantSettingsRepository } from '../domain/ports';
import { requireId } from '../domain/validation';

/** Replaces a merchant's fee plan (a put: repeating it is harmless). */
export function makeSetFeePlan(deps: { settings: MerchantSettingsRepository }) {
  return async (input: { merchantId: string; rules: RawFeeRule[] }): Promise<FeePlan> => {
    requireId(input.merchantId, 'merchant_id');
    return deps.settings.setFeePlan(input.merchantId, validateFeePlanRules(input.rules));
  };
}

export function makeGetFeePlan(deps: { settings: MerchantSettingsRepository }) {
  return async (merchantId: string): Promise<FeePlan | undefined> => {
    requireId(merchantId, 'merchant_id');
    return deps.settings.feePlanOf(merchantId);
  };
}

/** Sets whether the merchant's available balance may go below zero (a put). */
export function makeSetMerchantSettings(deps: { settings: MerchantSettingsRepository }) {
  return async (input: {
    merchantId: string;
    allowNegativeBalance: boolean;
  }): Promise<MerchantSettings> => {
    requireId(input.merchantId, 'merchant_id');
    return deps.settings.setSettings(input.merchantId, {
      allowNegativeBalance: input.allowNegativeBalance,
    });
  };
}

export function makeGetMerchantSettings(deps: { settings: MerchantSettingsRepository }) {
  return async (merchantId: string): Promise<MerchantSettings> => {
    requireId(merchantId, 'merchant_id');
    return deps.settings.settingsOf(merchantId);
  };
}
