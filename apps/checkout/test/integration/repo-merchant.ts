import type { Knex } from '@tolem/db-kit';

import { makeCreateMerchant } from '../../src/app/create-merchant';
import { createMerchantsRepo } from '../../src/db/merchants.repo';
import type { Merchant } from '../../src/domain/merchant';

/**
 * A WebMoney merchant written straight through the repository, for the repository-level specs
 * (no peers: its onboarding steps stay pending, which payments, refunds and cases do not need).
 */
export async function createRepoMerchant(db: Knex, key: string): Promise<Merchant> {
  const created = await makeCreateMerchant({
    merchants: createMerchantsRepo(db),
    clock: { now: () => new Date() },
    deliverOnboarding: async () => undefined,
  })({
    idempotencyKey: key,
    name: 'Batch Books',
    enabledMethods: ['webmoney_purse'],
    webmoneyShopId: 'shop-1',
    defaultSuccessUrl: 'https://books.example/ok',
    defaultFailUrl: 'https://books.example/fail',
    vatRate: 'none',
    notificationUrl: '',
    allowNegativeBalance: false,
    feeRules: [],
    apiKeyMode: 'test',
  });
  return created.merchant;
}
