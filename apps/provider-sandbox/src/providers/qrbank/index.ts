import type { Logger } from '@tolem/observability';

import { createCallbackDispatcher } from '../../callbacks';
import type { MerchantHttp } from '../../merchant-http';
import type { SandboxProvider } from '../../provider';
import { testLinksHtml } from './pages';
import { makeQrBank } from './payments';
import { registerQrBankRoutes } from './qrbank.routes';
import type { QrBankSandboxConfig } from './settings';
import { createTolemQrDetails } from './tolem-details';

export type { QrBankSandboxConfig } from './settings';

export interface QrBankProviderDeps {
  config: QrBankSandboxConfig;
  http: MerchantHttp;
  log: Logger;
  confirmAttempts: number;
  confirmBackoffMs: number;
  /** Timeout of the details lookup at Tolem. */
  lookupTimeoutMs: number;
  clock?: () => Date;
}

/**
 * A payer's bank app for Kyrgyz ELQR codes and payment links (seed 002, protocols.md §5). The
 * confirmation it sends Tolem (JSON body, X-Tolem-Acquirer / X-Tolem-Timestamp /
 * X-Tolem-Signature headers) is specified at the top of confirmation.ts.
 */
export function createQrBankProvider(deps: QrBankProviderDeps): SandboxProvider {
  const clock = deps.clock ?? (() => new Date());
  const log = deps.log.child({ provider: 'qrbank' });
  const dispatcher = createCallbackDispatcher({
    http: deps.http,
    log,
    attempts: deps.confirmAttempts,
    backoffMs: deps.confirmBackoffMs,
    accepted: (answer) => answer.status >= 200 && answer.status < 300,
    clock,
  });
  const tolemUrl = deps.config.tolemUrl;
  const bank = makeQrBank({
    config: deps.config,
    dispatcher,
    clock,
    log,
    ...(tolemUrl !== undefined
      ? { tolem: createTolemQrDetails({ baseUrl: tolemUrl, timeoutMs: deps.lookupTimeoutMs }) }
      : {}),
  });
  return {
    key: 'qrbank',
    title: 'QR payer bank app (ELQR)',
    summary:
      'Reads a Kyrgyz ELQR payment link (TLV, ID 63 SHA-256 checksum), asks Tolem for the details to show (GET /qr/v1/details), pays an active code, and confirms to Tolem with an HMAC-signed JSON callback.',
    endpoints: [
      { method: 'GET', path: '/qrbank/', note: 'paste a payment link' },
      { method: 'GET', path: '/qrbank/pay?link=<urlencoded>', note: 'review and pay' },
      {
        method: 'POST',
        path: '/_sandbox/qrbank/pay, /_sandbox/qrbank/payments/:reference/confirm | resend',
        note: 'pay, tampered/late confirmations, duplicates (JSON)',
      },
    ],
    testData: testLinksHtml(),
    register(app) {
      registerQrBankRoutes(app, { bank });
    },
    close() {
      dispatcher.stop();
    },
  };
}
