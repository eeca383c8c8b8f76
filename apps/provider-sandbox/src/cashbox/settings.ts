import type { Secret } from '@tolem/config';

/** The sandbox's online cash register: one shop's Basic-auth credentials, as YooKassa issues them. */
export interface CashboxSandboxConfig {
  shopId: string;
  secretKey: Secret;
}
