import type { Logger } from '@tolem/observability';

import { createCallbackDispatcher } from '../../callbacks';
import type { MerchantHttp } from '../../merchant-http';
import type { SandboxProvider } from '../../provider';
import { registerIntellectmoneyRoutes } from './intellectmoney.routes';
import { createInvoiceNumbers, createInvoiceStore } from './invoices';
import { testCardsHtml } from './pages';
import { makeIntellectmoneyPayments } from './payments';
import { makePersonalApi } from './personal-api';
import { createOperationStore, startScheduler } from './scheduler';
import type { IntellectmoneySandboxConfig } from './settings';

export type { IntellectmoneySandboxConfig } from './settings';

export interface IntellectmoneyProviderDeps {
  config: IntellectmoneySandboxConfig;
  http: MerchantHttp;
  log: Logger;
  /** Notification deliveries (first included) until the Result URL answers 200 `OK`. */
  notifyAttempts: number;
  notifyBackoffMs: number;
  clock?: () => Date;
  /** How often due scheduled operations are looked for. */
  schedulerTickMs?: number;
}

/** IntellectMoney: card payments with binding, Result URL notifications, Personal API (seed 003, §3). */
export function createIntellectmoneyProvider(deps: IntellectmoneyProviderDeps): SandboxProvider {
  const clock = deps.clock ?? (() => new Date());
  const log = deps.log.child({ provider: 'intellectmoney' });
  const dispatcher = createCallbackDispatcher({
    http: deps.http,
    log,
    attempts: deps.notifyAttempts,
    backoffMs: deps.notifyBackoffMs,
    // §3.4: delivered only by HTTP 200 with the body exactly `OK`.
    accepted: (answer) => answer.status === 200 && answer.body === 'OK',
    clock,
  });
  const invoices = createInvoiceStore(createInvoiceNumbers(clock));
  const operations = createOperationStore();
  const payments = makeIntellectmoneyPayments({
    config: deps.config,
    invoices,
    dispatcher,
    clock,
    log,
  });
  const personalApi = makePersonalApi({ invoices, operations, payments, clock });
  let scheduler: { stop(): void } | undefined;
  return {
    key: 'intellectmoney',
    title: 'IntellectMoney',
    summary:
      'Bank card payments with "remember card", Result URL notifications (hash per SANDBOX_INTELLECTMONEY_HASH_ORDER), Personal API scheduled operations and bound-card charges.',
    endpoints: [
      {
        method: 'POST',
        path: '/intellectmoney/ru/',
        note: 'merchant payment form (MD5 hash checked)',
      },
      { method: 'GET', path: '/intellectmoney/invoices/:paymentId', note: 'card page' },
      {
        method: 'POST',
        path: '/intellectmoney/personal/scheduler/setScheduledOperationData',
        note: 'create/edit a scheduled operation (Bearer + SHA-256 Sign)',
      },
      {
        method: 'POST',
        path: '/intellectmoney/personal/scheduler/getScheduledOperationData',
        note: 'list scheduled operations',
      },
      {
        method: 'POST',
        path: '/intellectmoney/personal/recurring/chargeBoundCard',
        note: 'charge a bound card now (sandbox method)',
      },
      {
        method: 'POST',
        path: '/_sandbox/intellectmoney/invoices/:paymentId/pay | notify | resend | repeat-order',
        note: 'pay/decline, any-status or tampered notifications, duplicates, delays, a second invoice for the same order (JSON)',
      },
      {
        method: 'POST',
        path: '/_sandbox/intellectmoney/bindings/:id/charge, /_sandbox/intellectmoney/operations/:id/fire',
        note: 'charge a binding, fire a scheduled operation now (JSON)',
      },
    ],
    testData: testCardsHtml(),
    register(app) {
      registerIntellectmoneyRoutes(app, {
        config: deps.config,
        invoices,
        operations,
        payments,
        personalApi,
        clock,
      });
      scheduler ??= startScheduler({
        operations,
        fire: (op) => personalApi.fireOperation(op, { awaitNotification: false }),
        clock,
        log,
        ...(deps.schedulerTickMs !== undefined ? { tickMs: deps.schedulerTickMs } : {}),
      });
    },
    close() {
      scheduler?.stop();
      dispatcher.stop();
    },
  };
}
