import type { FeePlan, FeePlanRule } from '../domain/fees';
import type { MerchantSettings, MerchantSettingsRepository } from '../domain/ports';

/** Fee plans and overdraft permissions in memory, for unit tests. */
export class InMemorySettings implements MerchantSettingsRepository {
  readonly plans = new Map<string, FeePlan>();
  readonly negative = new Map<string, boolean>();
  now = new Date('2026-11-23T00:00:00.000Z');

  allowsNegative(merchantId: string): boolean {
    return this.negative.get(merchantId) === true;
  }

  async feePlanOf(merchantId: string) {
    return this.plans.get(merchantId);
  }

  async setFeePlan(merchantId: string, rules: FeePlanRule[]) {
    const plan = { merchantId, rules, updatedAt: this.now };
    this.plans.set(merchantId, plan);
    return plan;
  }

  async settingsOf(merchantId: string): Promise<MerchantSettings> {
    return {
      merchantId,
      allowNegativeBalance: this.allowsNegative(merchantId),
      updatedAt: undefined,
    };
  }

  async setSettings(merchantId: string, s: { allowNegativeBalance: boolean }) {
    this.negative.set(merchantId, s.allowNegativeBalance);
    return { merchantId, allowNegativeBalance: s.allowNegativeBalance, updatedAt: this.now };
  }
}
