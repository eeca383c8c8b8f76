import { PaymentMethod, Provider } from '@tolem/contracts/common';
import {
  LedgerServiceService,
  PostPaymentRequest,
  PostPaymentResponse,
} from '@tolem/contracts/ledger';
import {
  type HandleCallbackRequest,
  HandleCallbackResponse,
  Outcome,
  ProviderServiceService,
  type StartPaymentRequest,
  StartPaymentResponse,
} from '@tolem/contracts/provider';
import { DomainError } from '@tolem/errors';
import { createGrpcServer } from '@tolem/grpc-kit';
import { createLogger } from '@tolem/observability';

/**
 * Test doubles of checkout's PEER services (provider-adapters, ledger): small real gRPC servers
 * (grpc-js through grpc-kit, as the workspace lint requires) serving the generated service
 * definitions, recording calls and answering as scripted. Checkout itself and PostgreSQL are real.
 */

const silent = createLogger({ service: 'checkout-it-peer', level: 'silent' });

async function serve(register: (server: ReturnType<typeof createGrpcServer>) => void) {
  const server = createGrpcServer({ log: silent });
  register(server);
  const port = await server.listen(0);
  return { address: `127.0.0.1:${port}`, close: () => server.drain(1_000) };
}

/** What a test puts in a callback body; the fake adapters "verify" it into this outcome. */
export interface CallbackScript {
  outcome: keyof typeof Outcome;
  paymentId: string;
  amountMinor?: string;
  currency?: string;
  method?: keyof typeof PaymentMethod;
  providerPaymentId?: string;
  attributes?: Record<string, string>;
  reasonCode?: string;
  reply?: { statusCode: number; contentType: string; body: string };
}

export async function startFakeProviderAdapters() {
  const starts: StartPaymentRequest[] = [];
  const callbacks: HandleCallbackRequest[] = [];
  let failNextStart: string | null = null;
  const { address, close } = await serve((server) =>
    server.addService(ProviderServiceService, {
      async startPayment(req) {
        starts.push(req);
        if (failNextStart) {
          const code = failNextStart;
          failNextStart = null;
          throw new DomainError(code, 'unavailable', 'provider is down');
        }
        return StartPaymentResponse.fromPartial({
          provider: Provider.PROVIDER_WEBMONEY,
          providerReference: String(starts.length),
          action: {
            action: {
              $case: 'formPost',
              value: {
                url: 'http://sandbox.test/webmoney/lmi/payment_utf.asp',
                acceptCharset: 'utf-8',
                fields: [
                  { name: 'LMI_PAYMENT_NO', value: String(starts.length) },
                  { name: 'LMI_PAYMENT_AMOUNT', value: '100.00' },
                  { name: 'LMI_PAYMENT_DESC', value: req.description },
                ],
              },
            },
          },
        });
      },
      async handleCallback(req) {
        callbacks.push(req);
        const script = JSON.parse(
          Buffer.from(req.request?.body ?? []).toString('utf8'),
        ) as CallbackScript;
        const reply = script.reply ?? { statusCode: 200, contentType: 'text/plain', body: 'YES' };
        return HandleCallbackResponse.fromPartial({
          reply: {
            statusCode: reply.statusCode,
            contentType: reply.contentType,
            body: Buffer.from(reply.body),
          },
          outcome: Outcome[script.outcome],
          paymentId: script.paymentId,
          amount:
            script.amountMinor === undefined
              ? undefined
              : { amountMinor: BigInt(script.amountMinor), currency: script.currency ?? '' },
          method: script.method
            ? PaymentMethod[script.method]
            : PaymentMethod.PAYMENT_METHOD_UNSPECIFIED,
          providerPaymentId: script.providerPaymentId ?? '',
          attributes: script.attributes ?? {},
          reasonCode: script.reasonCode ?? '',
          callbackId: `cb_${callbacks.length}`,
        });
      },
    }),
  );
  return {
    address,
    close,
    starts,
    callbacks,
    failNextStartWith(code: string) {
      failNextStart = code;
    },
  };
}

function sortedJson(request: PostPaymentRequest): string {
  return JSON.stringify(PostPaymentRequest.toJSON(request), (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/** A ledger double with the real one's idempotency contract; `failing` makes it UNAVAILABLE. */
export async function startFakeLedger() {
  const calls: { request: PostPaymentRequest; accepted: boolean }[] = [];
  const posted = new Map<string, { content: string; txnId: string }>();
  const state = { failing: false };
  const unimplemented = async (): Promise<never> => {
    throw new DomainError('NOT_IMPLEMENTED', 'unimplemented', 'not in this double');
  };
  const { address, close } = await serve((server) =>
    server.addService(LedgerServiceService, {
      async postPayment(request) {
        calls.push({ request, accepted: !state.failing });
        if (state.failing)
          throw new DomainError('LEDGER_UNAVAILABLE', 'unavailable', 'ledger is down');
        const content = sortedJson(request);
        const existing = posted.get(request.idempotencyKey);
        if (existing && existing.content !== content) {
          throw new DomainError(
            'LEDGER_IDEMPOTENCY_CONFLICT',
            'conflict',
            'same key, different request',
          );
        }
        const txnId = existing?.txnId ?? `txn_fake_${posted.size + 1}`;
        posted.set(request.idempotencyKey, { content, txnId });
        return PostPaymentResponse.fromPartial({
          transaction: {
            id: txnId,
            idempotencyKey: request.idempotencyKey,
            kind: 'payment',
            paymentId: request.paymentId,
          },
          alreadyExisted: existing !== undefined,
        });
      },
      getBalance: unimplemented,
      listPaymentTransactions: unimplemented,
      checkIntegrity: unimplemented,
    }),
  );
  return {
    address,
    close,
    calls,
    state,
    callsFor: (paymentId: string) => calls.filter((c) => c.request.paymentId === paymentId),
  };
}
