import type { Logger } from '@tolem/observability';

import { createCallbackDispatcher } from '../../callbacks';
import type { MerchantHttp } from '../../merchant-http';
import type { SandboxProvider } from '../../provider';
import { makePaykassma } from './activation';
import { createDepositStore } from './deposits';
import { testAmountsHtml } from './pages';
import { registerPaykassmaRoutes } from './paykassma.routes';
import type { PaykassmaSandboxConfig } from './settings';
import { createWalletApp } from './wallet';

export type { PaykassmaSandboxConfig } from './settings';

export interface PaykassmaProviderDeps {
  config: PaykassmaSandboxConfig;
  http: MerchantHttp;
  log: Logger;
  postbackAttempts: number;
  postbackBackoffMs: number;
  clock?: () => Date;
}

/** Paykassma Wavepay (MMK): plugin window, wallet app, plugin-API, signed postbacks (seed 004, §4). */
export function createPaykassmaProvider(deps: PaykassmaProviderDeps): SandboxProvider {
  const clock = deps.clock ?? (() => new Date());
  const log = deps.log.child({ provider: 'paykassma' });
  const dispatcher = createCallbackDispatcher({
    http: deps.http,
    log,
    attempts: deps.postbackAttempts,
    backoffMs: deps.postbackBackoffMs,
    // §4.3: delivered only by HTTP 200 with JSON {"status":"ok"}.
    accepted: (answer) => {
      if (answer.status !== 200) return false;
      try {
        const body = JSON.parse(answer.body) as { status?: unknown };
        return typeof body.status === 'string' && body.status.toLowerCase() === 'ok';
      } catch {
        return false;
      }
    },
    clock,
  });
  const wallet = createWalletApp(clock);
  const deposits = createDepositStore(clock);
  const paykassma = makePaykassma({
    config: deps.config,
    wallet,
    deposits,
    dispatcher,
    clock,
    log,
  });
  return {
    key: 'paykassma',
    title: 'Paykassma · Wavepay',
    summary:
      "Wavepay wallet deposits in MMK: plugin window with requisites, the payer's wallet app issuing transaction numbers, create/activate plugin-API, signed JSON postbacks.",
    endpoints: [
      {
        method: 'GET',
        path: '/paykassma/plugin/?label=…&currency_code=MMK&wallet_type=wavepay&custom_transaction_id=…&fixed_amount=…',
        note: 'plugin window',
      },
      { method: 'GET', path: '/paykassma/wallet/', note: "the payer's Wavepay app" },
      {
        method: 'POST',
        path: '/paykassma/api/v1/transaction/create/wavepay?secret=…',
        note: 'wallet requisites',
      },
      {
        method: 'POST',
        path: '/paykassma/api/v1/transaction/activate?secret=…',
        note: 'activate a transaction number',
      },
      {
        method: 'POST',
        path: '/_sandbox/paykassma/wallet/transfers, /_sandbox/paykassma/deposits/:id/postback | resend',
        note: 'pay in the wallet, settle/fail/tamper/delay postbacks, duplicates (JSON)',
      },
    ],
    testData: testAmountsHtml(),
    register(app) {
      registerPaykassmaRoutes(app, { config: deps.config, paykassma, deposits, wallet, clock });
    },
    close() {
      paykassma.stop();
      dispatcher.stop();
    },
  };
}
