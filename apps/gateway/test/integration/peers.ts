import type { ServiceDefinition } from '@grpc/grpc-js';
import {
  CaseServiceService,
  CheckoutServiceService,
  Merchant,
  MerchantServiceService,
  RefundServiceService,
} from '@tolem/contracts/checkout';
import { LedgerServiceService } from '@tolem/contracts/ledger';
import { NotifierServiceService } from '@tolem/contracts/notifier';
import { QrServiceService } from '@tolem/contracts/qr';
import { RecurringServiceService } from '@tolem/contracts/recurring';
import { DomainError } from '@tolem/errors';
import {
  type CallContext,
  createGrpcServer,
  type GrpcServer,
  type Handlers,
} from '@tolem/grpc-kit';
import { createLogger } from '@tolem/observability';

/**
 * Test doubles of the gateway's PEER services (checkout and its cases, notifier, ledger, recurring): a real grpc-js server
 * built with grpc-kit's createGrpcServer, so errors cross the wire exactly as in production, and
 * each method's answer is scripted by the test.
 */
type Scripted<S> = { -readonly [K in keyof Handlers<S>]: Handlers<S>[K] };

export interface Script {
  checkout: Scripted<typeof CheckoutServiceService>;
  merchants: Scripted<typeof MerchantServiceService>;
  cases: Scripted<typeof CaseServiceService>;
  refunds: Scripted<typeof RefundServiceService>;
  notifier: Scripted<typeof NotifierServiceService>;
  ledger: Scripted<typeof LedgerServiceService>;
  recurring: Scripted<typeof RecurringServiceService>;
  qr: Scripted<typeof QrServiceService>;
}

export interface PeerCall {
  service: keyof Script;
  method: string;
  request: unknown;
  requestId: string;
}

export interface Peers {
  address: string;
  script: Script;
  calls: PeerCall[];
  callsOf(method: string): PeerCall[];
  /** Back to the default script (every method unimplemented except API key auth) and no calls. */
  reset(): void;
  stop(): Promise<void>;
}

export const GOOD_API_KEY = 'sk_test_gateway_it_good';
export const MERCHANT = Merchant.fromPartial({ id: 'mer_it', name: 'IT shop' });

function notScripted(method: string) {
  return async (): Promise<never> => {
    throw new DomainError('NOT_IMPLEMENTED', 'unimplemented', `${method} is not scripted`);
  };
}

function defaultScript(): Script {
  const unimplemented = <S extends ServiceDefinition>(def: S) =>
    Object.fromEntries(
      Object.keys(def).map((name) => [name, notScripted(name)]),
    ) as unknown as Scripted<S>;
  return {
    checkout: unimplemented(CheckoutServiceService),
    merchants: {
      ...unimplemented(MerchantServiceService),
      authenticateApiKey: async (req) => {
        if (req.apiKey !== GOOD_API_KEY) {
          throw new DomainError(
            'AUTH_INVALID_API_KEY',
            'unauthenticated',
            'unknown or revoked API key',
          );
        }
        return { merchant: MERCHANT };
      },
    },
    cases: unimplemented(CaseServiceService),
    refunds: unimplemented(RefundServiceService),
    notifier: unimplemented(NotifierServiceService),
    ledger: unimplemented(LedgerServiceService),
    recurring: unimplemented(RecurringServiceService),
    qr: {
      ...unimplemented(QrServiceService),
      // A server stream: refused like the unary methods, as a stream that fails at once.
      watchQrPayment: async function* () {
        throw new DomainError('NOT_IMPLEMENTED', 'unimplemented', 'watchQrPayment is not scripted');
      },
    },
  };
}

export async function startPeers(): Promise<Peers> {
  const calls: PeerCall[] = [];
  const peers = {
    script: defaultScript(),
    calls,
  };

  function delegating<S extends ServiceDefinition>(def: S, service: keyof Script): Handlers<S> {
    const handlers: Record<string, (req: unknown, ctx: CallContext) => unknown> = {};
    for (const method of Object.keys(def)) {
      if (def[method]?.responseStream) {
        handlers[method] = async function* (request, ctx) {
          calls.push({ service, method, request, requestId: ctx.requestId });
          const scripted = (
            peers.script[service] as unknown as Record<
              string,
              (req: unknown, ctx: CallContext) => AsyncIterable<unknown>
            >
          )[method];
          if (!scripted) throw new Error(`no script for ${method}`);
          yield* scripted(request, ctx);
        };
        continue;
      }
      handlers[method] = async (request, ctx) => {
        calls.push({ service, method, request, requestId: ctx.requestId });
        const scripted = (
          peers.script[service] as unknown as Record<string, (typeof handlers)[string]>
        )[method];
        if (!scripted) throw new Error(`no script for ${method}`);
        return scripted(request, ctx);
      };
    }
    return handlers as unknown as Handlers<S>;
  }

  const server: GrpcServer = createGrpcServer({
    log: createLogger({ service: 'gateway-peers', level: 'silent' }),
  });
  server.addService(CheckoutServiceService, delegating(CheckoutServiceService, 'checkout'));
  server.addService(MerchantServiceService, delegating(MerchantServiceService, 'merchants'));
  server.addService(CaseServiceService, delegating(CaseServiceService, 'cases'));
  server.addService(RefundServiceService, delegating(RefundServiceService, 'refunds'));
  server.addService(NotifierServiceService, delegating(NotifierServiceService, 'notifier'));
  server.addService(LedgerServiceService, delegating(LedgerServiceService, 'ledger'));
  server.addService(RecurringServiceService, delegating(RecurringServiceService, 'recurring'));
  server.addService(QrServiceService, delegating(QrServiceService, 'qr'));
  const port = await server.listen(0);

  return {
    address: `127.0.0.1:${port}`,
    get script() {
      return peers.script;
    },
    calls,
    callsOf: (method) => calls.filter((c) => c.method === method),
    reset() {
      peers.script = defaultScript();
      calls.length = 0;
    },
    stop: () => server.drain(2_000),
  };
}
