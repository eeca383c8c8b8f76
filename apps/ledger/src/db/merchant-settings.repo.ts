import type { Knex } from '@tolem/db-kit';
import { type CurrencyCode, money } from '@tolem/money';

import type { FeePlan, FeePlanRule } from '../domain/fees';
import type { PaymentMethod } from '../domain/payment';
import type { MerchantSettings, MerchantSettingsRepository } from '../domain/ports';

interface SettingsRow {
  merchant_id: string;
  allow_negative_balance: boolean;
  fee_plan: StoredRule[] | null;
  updated_at: Date;
}

/** jsonb shape of one rule; amounts as decimal strings so no JSON number rounds them. */
interface StoredRule {
  method: PaymentMethod;
  percent_bps: number;
  fixed: Record<string, string>;
}

function toStored(rules: FeePlanRule[]): StoredRule[] {
  return rules.map((r) => ({
    method: r.method,
    percent_bps: r.percentBps,
    fixed: Object.fromEntries(r.fixed.map((f) => [f.currency, f.amountMinor.toString()])),
  }));
}

function toPlan(row: SettingsRow): FeePlan | undefined {
  if (!row.fee_plan) return undefined;
  return {
    merchantId: row.merchant_id,
    updatedAt: row.updated_at,
    rules: row.fee_plan.map((r) => ({
      method: r.method,
      percentBps: r.percent_bps,
      fixed: Object.entries(r.fixed)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([currency, minor]) => money(BigInt(minor), currency as CurrencyCode)),
    })),
  };
}

/**
 * Merchant settings and fee plans. feePlanOf reads fresh every time (no cache to go stale
 * across ledger instances) but coalesces the calls of one event-loop turn into one query, so
 * a batch of concurrent payments costs one read, the way a DataLoader does.
 */
export function createMerchantSettingsRepo(db: Knex): MerchantSettingsRepository {
  let pending: Map<string, ((plan: FeePlan | undefined) => void)[]> | undefined;
  let failWaiters: ((err: unknown) => void)[] = [];

  async function flush(
    batch: Map<string, ((plan: FeePlan | undefined) => void)[]>,
    fail: ((err: unknown) => void)[],
  ) {
    try {
      const rows: SettingsRow[] = await db('merchant_settings').whereIn('merchant_id', [
        ...batch.keys(),
      ]);
      const plans = new Map(rows.map((r) => [r.merchant_id, toPlan(r)]));
      for (const [merchantId, waiters] of batch) for (const w of waiters) w(plans.get(merchantId));
    } catch (err) {
      for (const f of fail) f(err);
    }
  }

  return {
    feePlanOf(merchantId) {
      return new Promise((resolve, reject) => {
        if (!pending) {
          const batch = new Map<string, ((plan: FeePlan | undefined) => void)[]>();
          pending = batch;
          failWaiters = [];
          const fail = failWaiters;
          setImmediate(() => {
            pending = undefined;
            void flush(batch, fail);
          });
        }
        pending.set(merchantId, [...(pending.get(merchantId) ?? []), resolve]);
        failWaiters.push(reject);
      });
    },

    async setFeePlan(merchantId, rules) {
      const [row] = (await db('merchant_settings')
        .insert({ merchant_id: merchantId, fee_plan: JSON.stringify(toStored(rules)) })
        .onConflict('merchant_id')
        .merge({ fee_plan: JSON.stringify(toStored(rules)), updated_at: db.fn.now() })
        .returning('*')) as SettingsRow[];
      if (!row) throw new Error('fee plan upsert returned nothing');
      const plan = toPlan(row);
      if (!plan) throw new Error('fee plan upsert stored no plan');
      return plan;
    },

    async settingsOf(merchantId): Promise<MerchantSettings> {
      const row: SettingsRow | undefined = await db('merchant_settings')
        .where({ merchant_id: merchantId })
        .first();
      return {
        merchantId,
        allowNegativeBalance: row?.allow_negative_balance ?? false,
        updatedAt: row?.updated_at,
      };
    },

    async setSettings(merchantId, settings) {
      const [row] = (await db('merchant_settings')
        .insert({ merchant_id: merchantId, allow_negative_balance: settings.allowNegativeBalance })
        .onConflict('merchant_id')
        .merge({ allow_negative_balance: settings.allowNegativeBalance, updated_at: db.fn.now() })
        .returning('*')) as SettingsRow[];
      if (!row) throw new Error('settings upsert returned nothing');
      return {
        merchantId,
        allowNegativeBalance: row.allow_negative_balance,
        updatedAt: row.updated_at,
      };
    },
  };
}
