import type { Secret } from '@tolem/config';

import type { HashOrder } from './signing';

/** The IntellectMoney shop the sandbox plays (what a merchant sets up in IntellectMoney's cabinet). */
export interface IntellectmoneySandboxConfig {
  /** The shop id forms must carry (`eshopId`). */
  eshopId: string;
  /** The shop's SecretKey: form `hash` and notification `hash`. */
  secretKey: Secret;
  /** The shop's Result URL from its settings: where notifications go (Tolem's callback URL). */
  resultUrl: string;
  /** Field order of the notification hash (the current official one is not public). */
  hashOrder: HashOrder;
  /** Personal API credentials; without them its routes answer 503. */
  personalApi?: { bearerToken: Secret; signSecretKey: Secret };
}
