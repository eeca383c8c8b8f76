import { methodsOfProvider } from '@tolem/catalog';

import type { PaymentProvider } from '../provider.port';
import { makeHandleCallback, redactForAudit } from './callback';
import { makeChargeBoundCard } from './charge';
import {
  type IntellectMoneyAdapterDeps,
  type IntellectMoneyConfig,
  intellectMoneyContext,
} from './config';
import { makeStartPayment } from './start';
import { makeQueryStatus, settlementOf } from './status';

export type { IntellectMoneyAdapterDeps, IntellectMoneyConfig };

/**
 * IntellectMoney (protocols.md §3): card payments through the merchant payment form with the MD5
 * `hash`, optionally binding the card (recurringType=Activate); Result URL notifications verified
 * against the configured hash order and answered `OK`; charges of bound cards through one-shot
 * scheduled operations of the Personal API (Bearer token + SHA-256 `Sign`).
 * Each flow lives in its own file; this only assembles them.
 */
export function createIntellectMoneyAdapter(deps: IntellectMoneyAdapterDeps): PaymentProvider {
  const ctx = intellectMoneyContext(deps);
  return {
    name: 'intellectmoney',
    methods: methodsOfProvider('intellectmoney'),
    startPayment: makeStartPayment(ctx),
    handleCallback: makeHandleCallback(ctx),
    chargeBoundCard: makeChargeBoundCard(ctx),
    queryStatus: makeQueryStatus(ctx),
    settlementOf,
    redactForAudit,
  };
}
