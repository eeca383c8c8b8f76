import type { Logger } from '@tolem/observability';

import type { MerchantHttp } from '../../merchant-http';
import type { SandboxProvider } from '../../provider';
import type { SmsOutbox } from '../../sms-outbox';
import { createInvoiceStore } from './invoices';
import { createKeeperMobileCodes } from './keeper-mobile';
import { createNumbering } from './numbering';
import { makePayInvoice, makeResendNotification } from './pay-invoice';
import { TEST_PAYER_PURSE_DIGITS, TEST_PAYER_WMID } from './payer';
import type { WebmoneySandboxConfig } from './settings';
import { registerWebmoneyRoutes } from './webmoney.routes';

export type { WebmoneySandboxConfig } from './settings';

export interface WebmoneyProviderDeps {
  config: WebmoneySandboxConfig;
  publicBaseUrl: string;
  http: MerchantHttp;
  sms: SmsOutbox;
  log: Logger;
  clock?: () => Date;
}

/** WebMoney Merchant Interface: purse payments and WM Keeper Mobile (seed 000, protocols.md §1). */
export function createWebmoneyProvider(deps: WebmoneyProviderDeps): SandboxProvider {
  const clock = deps.clock ?? (() => new Date());
  const log = deps.log.child({ provider: 'webmoney' });
  const invoices = createInvoiceStore();
  const numbering = createNumbering(clock);
  const payInvoice = makePayInvoice({
    config: deps.config,
    invoices,
    http: deps.http,
    numbering,
    clock,
    log,
  });
  const resendNotification = makeResendNotification({ invoices, http: deps.http, clock, log });
  const codes = createKeeperMobileCodes({ sms: deps.sms, clock });
  return {
    key: 'webmoney',
    title: 'WebMoney Merchant Interface',
    summary:
      'Purse payments and WM Keeper Mobile (phone + SMS code), pre-request and signed notification.',
    endpoints: [
      { method: 'POST', path: '/webmoney/lmi/payment_utf.asp', note: 'payment form, UTF-8' },
      { method: 'POST', path: '/webmoney/lmi/payment.asp', note: 'payment form, windows-1251' },
      {
        method: 'GET',
        path: '/_sandbox/webmoney/invoices?payment_no=…',
        note: 'find invoices (JSON)',
      },
      {
        method: 'POST',
        path: '/_sandbox/webmoney/invoices/:invoice/pay',
        note: 'pay without a browser (JSON); {"hold_days": 3} sends a held notification',
      },
      {
        method: 'POST',
        path: '/_sandbox/webmoney/invoices/:invoice/resend',
        note: 'duplicate notification (JSON)',
      },
    ],
    testData: `<h3>Test data</h3>
<p>Purse payments: any purse of the payee's type (prefilled <code>${TEST_PAYER_PURSE_DIGITS}</code> after the
letter) and WMID <code>${TEST_PAYER_WMID}</code>. Keeper Mobile: any 10-15 digit phone; the SMS code is shown on
the page and at <code>/_sandbox/sms?phone=…</code>. <code>LMI_SIM_MODE=1</code> in the form makes the transfer
fail (test mode), <code>2</code> fails about one in five. <code>POST /_sandbox/webmoney/invoices/:invoice/pay</code>
with <code>{"method":"purse","hold_days":3}</code> sends a validly signed notification carrying
<code>LMI_HOLD=3</code> (an authorization hold the shop must not credit); the pre-request does not carry it.</p>`,
    register(app) {
      registerWebmoneyRoutes(app, {
        config: deps.config,
        publicBaseUrl: deps.publicBaseUrl,
        invoices,
        codes,
        payInvoice,
        resendNotification,
        clock,
      });
    },
  };
}
