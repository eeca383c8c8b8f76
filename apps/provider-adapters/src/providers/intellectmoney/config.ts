import type { Secret } from '@tolem/config';

import type { Clock, ProviderHttp, ProviderTransactionRepository } from '../../domain/ports';
import { createPersonalApi, type PersonalApi } from './personal-api';

export interface IntellectMoneyConfig {
  /** The merchant payment form (https://merchant.intellectmoney.ru/ru/, or the sandbox's). */
  paymentUrl: string;
  /** The API base (https://api.intellectmoney.ru, or the sandbox's), no trailing slash. */
  apiUrl: string;
  /** The shop's eshopId. */
  eshopId: string;
  /** The shop's SecretKey: form hash and notification hash (MD5). */
  secretKey: Secret;
  /** Personal API Bearer token. */
  bearerToken: Secret;
  /** SignSecretKey for the Personal API `Sign` header (SHA-256). */
  signSecret: Secret;
  /** Personal API UserToken, when the account needs one. */
  userToken?: Secret;
  /** Notification hash field order (INTELLECTMONEY_HASH_ORDER), `secretKey` where the key goes. */
  hashOrder: readonly string[];
  /** resultUrl sent with every form: the gateway's callback endpoint for IntellectMoney. */
  resultUrl: string;
}

export interface IntellectMoneyAdapterDeps {
  config: IntellectMoneyConfig;
  transactions: ProviderTransactionRepository;
  http: ProviderHttp;
  clock: Clock;
  /**
   * How long a charge waits for IntellectMoney to run its one-shot operation before answering
   * PENDING (default 8 reads, 500 ms apart).
   */
  chargePoll?: { attempts: number; intervalMs: number };
}

/** What every IntellectMoney flow works with: the deps, the Personal API client, the charge poll. */
export interface IntellectMoneyContext {
  config: IntellectMoneyConfig;
  transactions: ProviderTransactionRepository;
  clock: Clock;
  api: PersonalApi;
  poll: { attempts: number; intervalMs: number };
}

export function intellectMoneyContext(deps: IntellectMoneyAdapterDeps): IntellectMoneyContext {
  return {
    config: deps.config,
    transactions: deps.transactions,
    clock: deps.clock,
    api: createPersonalApi(deps.config, deps.http),
    poll: deps.chargePoll ?? { attempts: 8, intervalMs: 500 },
  };
}
