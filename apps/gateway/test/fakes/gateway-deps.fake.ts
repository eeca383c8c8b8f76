import { Writable } from 'node:stream';

import { Secret } from '@tolem/config';
import { type AuthenticateApiKeyResponse, Merchant } from '@tolem/contracts/checkout';
import { DomainError } from '@tolem/errors';
import { createLogger } from '@tolem/observability';
import type { FastifyInstance } from 'fastify';

import { buildGateway, type GatewayDeps } from '../../src/http/server';
import { createMemoryIdempotencyStore } from './idempotency-store.fake';

/** A peer call a spec did not script: its test fails loudly instead of getting a made-up answer. */
export const notScripted = async (): Promise<never> => {
  throw new Error('not scripted');
};

type PeerClients = 'checkout' | 'merchants' | 'cases' | 'notifier' | 'ledger';

/** What a spec scripts: any peer method, and any other dependency as is. */
export type ScriptedDeps = {
  [K in PeerClients]?: Partial<GatewayDeps[K]>;
} & Partial<Omit<GatewayDeps, PeerClients>>;

/**
 * The gateway's dependencies for a route spec: every peer method not scripted throws, the rest
 * are the usual spec defaults (in-memory idempotency store, a silent logger, checkout ready).
 */
export function gatewayDeps(scripted: ScriptedDeps = {}): GatewayDeps {
  const { checkout, merchants, cases, notifier, ledger, ...rest } = scripted;
  return {
    checkout: {
      createPayment: notScripted,
      getPayment: notScripted,
      startPayment: notScripted,
      handleProviderCallback: notScripted,
      submitPayerInput: notScripted,
      cancelPayment: notScripted,
      listPayments: notScripted,
      listPaymentEvents: notScripted,
      createFormPayment: notScripted,
      ...checkout,
    },
    merchants: {
      authenticateApiKey: notScripted,
      createMerchant: notScripted,
      getMerchant: notScripted,
      listMerchants: notScripted,
      updateMerchant: notScripted,
      createApiKey: notScripted,
      listApiKeys: notScripted,
      revokeApiKey: notScripted,
      rollApiKey: notScripted,
      rotateSecret: notScripted,
      ...merchants,
    },
    cases: {
      listCases: notScripted,
      getCase: notScripted,
      applyCase: notScripted,
      returnCase: notScripted,
      ...cases,
    },
    notifier: { upsertEndpoint: notScripted, ...notifier },
    ledger: {
      getBalance: notScripted,
      getFeePlan: notScripted,
      getMerchantSettings: notScripted,
      listAccounts: notScripted,
      listStatement: notScripted,
      ...ledger,
    },
    idempotency: { store: createMemoryIdempotencyStore() },
    checkoutReady: async () => true,
    log: createLogger({ service: 'gateway-spec', level: 'silent' }),
    publicBaseUrl: 'https://pay.tolem.test',
    adminToken: new Secret('admin-secret'),
    ...rest,
  };
}

/**
 * checkout's AuthenticateApiKey over a fixed table of keys: each key's merchant, and its mode
 * from its prefix (`sk_live_…` live, anything else test); an unknown key is refused as checkout
 * refuses it.
 */
export function authenticateByKeys(
  keys: Record<string, string>,
  /** The merchants' names, by id ('' when absent). */
  names: Record<string, string> = {},
): (req: { apiKey: string }) => Promise<AuthenticateApiKeyResponse> {
  return async (req) => {
    const merchantId = keys[req.apiKey];
    if (!merchantId) {
      throw new DomainError('AUTH_INVALID_API_KEY', 'unauthenticated', 'unknown API key');
    }
    return {
      merchant: Merchant.fromPartial({ id: merchantId, name: names[merchantId] ?? '' }),
      livemode: req.apiKey.startsWith('sk_live_'),
      apiKeyId: `key_${req.apiKey}`,
    };
  };
}

/** A logger at info whose lines a spec reads (what reached the logs, secrets never). */
export function capturingLogger(level = 'info'): { log: GatewayDeps['log']; lines: string[] } {
  const lines: string[] = [];
  const log = createLogger({
    service: 'gateway-spec',
    level,
    destination: new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  });
  return { log, lines };
}

/** A peer call a spec recorded: which method, with what, under which request id. */
export type RecordedCall = { method: string; request: unknown; requestId?: string };

/**
 * Scripted methods of one peer client (`C`, named by the spec, which types the scripts) that
 * append each call to `calls` before answering, so a spec can assert what reached the peer (or
 * that nothing did). Only the methods given here are recorded.
 */
export function recorded<C extends object>(calls: RecordedCall[], methods: Partial<C>): Partial<C> {
  return Object.fromEntries(
    Object.entries(methods).map(([method, answer]) => [
      method,
      (request: unknown, opts?: { requestId?: string }) => {
        calls.push({ method, request, requestId: opts?.requestId });
        return (answer as (request: unknown, opts?: unknown) => unknown)(request, opts);
      },
    ]),
  ) as Partial<C>;
}

/** A spec's fake with its deps built into a gateway, ready for `inject`; the spec closes it. */
export async function readyGateway<T extends { deps: GatewayDeps }>(
  fake: T,
): Promise<T & { app: FastifyInstance }> {
  const app = buildGateway(fake.deps);
  await app.ready();
  return { ...fake, app };
}
