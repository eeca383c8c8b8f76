import {
  type ChargeBoundCardRequest,
  ChargeBoundCardResponse,
  CheckoutServiceService,
  PaymentStatus,
} from '@tolem/contracts/checkout';
import {
  LedgerServiceService,
  type RecordPaymentEventRequest,
  RecordPaymentEventResponse,
} from '@tolem/contracts/ledger';
import { DomainError } from '@tolem/errors';
import { createGrpcServer, type Handlers } from '@tolem/grpc-kit';
import { createLogger } from '@tolem/observability';

/**
 * Test doubles of recurring's peers (checkout, ledger): small real gRPC servers serving the
 * generated definitions, recording calls and answering as scripted. PostgreSQL is real.
 */

const silent = createLogger({ service: 'recurring-it-peer', level: 'silent' });

async function serve(register: (server: ReturnType<typeof createGrpcServer>) => void) {
  const server = createGrpcServer({ log: silent });
  register(server);
  const port = await server.listen(0);
  return { address: `127.0.0.1:${port}`, close: () => server.drain(1_000) };
}

const unimplemented = async (): Promise<never> => {
  throw new DomainError('NOT_IMPLEMENTED', 'unimplemented', 'not in this double');
};

function allUnimplemented<S extends object>(service: S): Handlers<S> {
  return Object.fromEntries(
    Object.keys(service).map((name) => [name, unimplemented]),
  ) as unknown as Handlers<S>;
}

/** What the fake card answers to one attempt. */
export interface CardAnswer {
  status: 'succeeded' | 'failed' | 'pending';
  declineCode?: string;
  reasonCode?: string;
}

const STATUS = {
  succeeded: PaymentStatus.PAYMENT_STATUS_SUCCEEDED,
  failed: PaymentStatus.PAYMENT_STATUS_FAILED,
  pending: PaymentStatus.PAYMENT_STATUS_PENDING,
} as const;

/**
 * A fake checkout: one payment per idempotency key (a repeated key answers the same payment, as
 * checkout does), decided by `script` (default: succeeded). A pending payment's later answer is
 * asked of `script` again on the next call with its key.
 */
export async function startFakeCheckout() {
  const calls: ChargeBoundCardRequest[] = [];
  const payments = new Map<
    string,
    { id: string; answer: CardAnswer; request: ChargeBoundCardRequest }
  >();
  const state = {
    script: (_req: ChargeBoundCardRequest): CardAnswer => ({ status: 'succeeded' }),
    delayMs: 0,
    /** Answers UNAVAILABLE without making a payment. */
    down: false,
    /** Makes (or replays) the payment, then answers UNAVAILABLE: an answer lost on its way. */
    loseAnswer: false,
    /** Runs while a call is in flight, before it is answered (what a merchant does meanwhile). */
    meanwhile: undefined as ((req: ChargeBoundCardRequest) => Promise<void>) | undefined,
  };
  let n = 0;
  const { address, close } = await serve((server) =>
    server.addService(CheckoutServiceService, {
      ...allUnimplemented(CheckoutServiceService),
      async chargeBoundCard(req) {
        calls.push(req);
        await state.meanwhile?.(req);
        if (state.down) throw new DomainError('CHECKOUT_DOWN', 'unavailable', 'checkout is down');
        if (state.delayMs > 0)
          await new Promise((r) => setTimeout(r, Math.random() * state.delayMs));
        let payment = payments.get(req.idempotencyKey);
        const replayed = payment !== undefined && payment.answer.status !== 'pending';
        if (!payment || payment.answer.status === 'pending') {
          const answer = state.script(req);
          payment = { id: payment?.id ?? `pay_fake_${++n}`, answer, request: req };
          payments.set(req.idempotencyKey, payment);
        }
        if (state.loseAnswer) {
          throw new DomainError('CHECKOUT_DEADLINE', 'unavailable', 'the answer was lost');
        }
        return ChargeBoundCardResponse.fromPartial({
          payment: {
            id: payment.id,
            merchantId: req.merchantId,
            amount: req.amount,
            status: STATUS[payment.answer.status],
            orderId: req.orderId,
            description: req.description,
            metadata: req.metadata,
          },
          declineCode: payment.answer.declineCode ?? '',
          declineKind: '',
          reasonCode:
            payment.answer.reasonCode ??
            (payment.answer.status === 'failed' ? 'PROVIDER_CARD_DECLINED' : ''),
          replayed,
        });
      },
    }),
  );
  return { address, close, calls, payments, state };
}

/** A fake ledger recording RecordPaymentEvent once per key; `down` answers UNAVAILABLE. */
export async function startFakeLedger() {
  const events = new Map<string, RecordPaymentEventRequest>();
  const state = { down: false, received: 0 };
  let seq = 0;
  const { address, close } = await serve((server) =>
    server.addService(LedgerServiceService, {
      ...allUnimplemented(LedgerServiceService),
      async recordPaymentEvent(req) {
        state.received += 1;
        if (state.down) throw new DomainError('LEDGER_DOWN', 'unavailable', 'ledger is down');
        const existed = events.has(req.idempotencyKey);
        if (!existed) events.set(req.idempotencyKey, req);
        return RecordPaymentEventResponse.fromPartial({
          eventId: `evt_${req.idempotencyKey}`,
          sequence: BigInt(++seq),
          alreadyExisted: existed,
        });
      },
    }),
  );
  return { address, close, events, state };
}
