import { methodsOfProvider } from '@tolem/catalog';

import type { PaymentProvider } from '../provider.port';
import { makeHandleCallback, redactForAudit } from './callback';
import type { WebMoneyConfig, WebMoneyContext } from './config';
import { makeStartPayment } from './start';

export type { WebMoneyConfig };

/**
 * WebMoney Merchant Interface (protocols.md §1): purse payments and WM Keeper Mobile payments
 * (phone + SMS code, seed 000) share one form, one Result URL and one signature scheme. Each flow
 * lives in its own file; this only assembles them.
 */
export function createWebMoneyAdapter(deps: WebMoneyContext): PaymentProvider {
  return {
    name: 'webmoney',
    methods: methodsOfProvider('webmoney'),
    startPayment: makeStartPayment(deps),
    handleCallback: makeHandleCallback(deps),
    redactForAudit,
  };
}
