import { methodsOfProvider } from '@tolem/catalog';

import type { PaymentProvider } from '../provider.port';
import { makeHandleCallback } from './callback';
import type { PaykassmaConfig, PaykassmaContext } from './config';
import { makeSubmitPayerInput } from './payer-input';
import { makeStartPayment } from './start';
import { queryStatus, settlementOf } from './status';

export type { PaykassmaConfig };

/**
 * Paykassma Wavepay (protocols.md §4, seed 004): the payer gets the wallet to pay to, pays in
 * the Wavepay app, types the wallet's transaction number (key1) into Tolem's page, Tolem
 * activates it (`ok` / `pending` / `possible_transaction_created` / `fail`), and the postback
 * (`sha1(access_key . private_key . md5(json))`) settles it.
 * Each flow lives in its own file; this only assembles them.
 */
export function createPaykassmaAdapter(deps: PaykassmaContext): PaymentProvider {
  return {
    name: 'paykassma',
    methods: methodsOfProvider('paykassma'),
    startPayment: makeStartPayment(deps),
    handleCallback: makeHandleCallback(deps),
    submitPayerInput: makeSubmitPayerInput(deps),
    queryStatus,
    settlementOf,
  };
}
