import { methodsOfProvider } from '@tolem/catalog';

import type { PaymentProvider } from '../provider.port';
import { makeHandleCallback } from './callback';
import type { QrAcquirerConfig, QrAcquirerContext } from './config';
import { makeStartPayment } from './start';
import { queryStatus, settlementOf } from './status';

export type { QrAcquirerConfig };

/**
 * QR acquiring (seed 002): the payer's bank confirms a QR payment with a signed, timestamped JSON
 * callback (provider.proto QrAcquirerConfirmation). The ELQR code itself is built by qr-platform;
 * StartPayment only registers the expected payment so a confirmation can be checked against it.
 * Each flow lives in its own file; this only assembles them.
 */
export function createQrAcquirerAdapter(deps: QrAcquirerContext): PaymentProvider {
  return {
    name: 'qr_acquirer',
    methods: methodsOfProvider('qr_acquirer'),
    startPayment: makeStartPayment(deps),
    handleCallback: makeHandleCallback(deps),
    queryStatus,
    settlementOf,
  };
}
