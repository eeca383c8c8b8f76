import { PaymentMethod, Provider } from '@tolem/contracts/common';
import {
  ApplyUnappliedFundsResponse,
  type HoldUnappliedFundsRequest,
  HoldUnappliedFundsResponse,
  LedgerServiceService,
  PostPaymentRequest,
  PostPaymentResponse,
  type RecordPaymentEventRequest,
  RecordPaymentEventResponse,
  type RefundPaymentRequest as LedgerRefundPaymentRequest,
  RefundPaymentResponse as LedgerRefundPaymentResponse,
  type ResolveRefundRequest,
  ResolveRefundResponse,
  ReturnUnappliedFundsResponse,
} from '@tolem/contracts/ledger';
import {
  CardBindingState,
  type ChargeBoundCardRequest,
  ChargeBoundCardResponse,
  GetCallbackResponse,
  type HandleCallbackRequest,
  HandleCallbackResponse,
  Outcome,
  ProviderServiceService,
  type QueryPaymentStatusRequest,
  QueryPaymentStatusResponse,
  type RefundPaymentRequest,
  RefundPaymentResponse,
  type StartPaymentRequest,
  StartPaymentResponse,
  type SubmitPayerInputRequest,
  SubmitPayerInputResponse,
} from '@tolem/contracts/provider';
import {
  type CreateQrCodeRequest,
  CreateQrCodeResponse,
  GetQrCodeResponse,
  type QrCode,
  QrCodeStatus,
  QrKind,
  QrServiceService,
} from '@tolem/contracts/qr';
import {
  BindingState,
  type CardBinding,
  ListCardBindingsResponse,
  type RecordCardBindingRequest,
  RecordCardBindingResponse,
  RecurringServiceService,
} from '@tolem/contracts/recurring';
import { DomainError } from '@tolem/errors';
import { createGrpcServer, type Handlers } from '@tolem/grpc-kit';
import { createLogger } from '@tolem/observability';

/**
 * Test doubles of checkout's PEER services (provider-adapters, ledger, recurring, qr-platform):
 * small real gRPC servers (grpc-js through grpc-kit, as the workspace lint requires) serving the
 * generated service definitions, recording calls and answering as scripted. Checkout itself and
 * PostgreSQL are real.
 */

const silent = createLogger({ service: 'checkout-it-peer', level: 'silent' });

async function serve(register: (server: ReturnType<typeof createGrpcServer>) => void) {
  const server = createGrpcServer({ log: silent });
  register(server);
  const port = await server.listen(0);
  return { address: `127.0.0.1:${port}`, close: () => server.drain(1_000) };
}

const unimplemented = async (): Promise<never> => {
  throw new DomainError('NOT_IMPLEMENTED', 'unimplemented', 'not in this double');
};

/** Every RPC of a service answering UNIMPLEMENTED, for the double to override what it serves. */
function allUnimplemented<S extends object>(service: S): Handlers<S> {
  return Object.fromEntries(
    Object.keys(service).map((name) => [name, unimplemented]),
  ) as unknown as Handlers<S>;
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
  retryReply?: { statusCode: number; contentType: string; body: string };
  refusalReply?: { statusCode: number; contentType: string; body: string };
  /** OUTCOME_UNREGISTERED_QR: the static code the bank names. */
  qrCodeId?: string;
  cardBinding?: { bindingRef: string; state: keyof typeof CardBindingState; cardLast4: string };
}

/** The provider a started method belongs to, as provider-adapters decides it. */
const PROVIDER_OF: Partial<Record<PaymentMethod, Provider>> = {
  [PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE]: Provider.PROVIDER_WEBMONEY,
  [PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE]: Provider.PROVIDER_WEBMONEY,
  [PaymentMethod.PAYMENT_METHOD_CARD]: Provider.PROVIDER_INTELLECTMONEY,
  [PaymentMethod.PAYMENT_METHOD_WAVEPAY]: Provider.PROVIDER_PAYKASSMA,
  [PaymentMethod.PAYMENT_METHOD_QR]: Provider.PROVIDER_QR_ACQUIRER,
};

function startActionFor(req: StartPaymentRequest, n: number): StartPaymentResponse['action'] {
  switch (req.method) {
    case PaymentMethod.PAYMENT_METHOD_WAVEPAY:
      return {
        action: {
          $case: 'instructions',
          value: {
            title: 'Pay with Wavepay',
            values: { wallet: '09123456789', plugin_url: 'http://sandbox.test/paykassma/plugin/' },
          },
        },
      };
    case PaymentMethod.PAYMENT_METHOD_QR:
      return {
        action: {
          $case: 'instructions',
          value: {
            title: 'Pay by QR code',
            values: {
              qr_id: req.payer['qr_code_id'] ?? req.paymentId,
              amount_tyiyn: String(req.amount?.amountMinor ?? 0n),
              currency: 'KGS',
            },
          },
        },
      };
    default:
      return {
        action: {
          $case: 'formPost',
          value: {
            url: 'http://sandbox.test/webmoney/lmi/payment_utf.asp',
            acceptCharset: 'utf-8',
            fields: [
              { name: 'LMI_PAYMENT_NO', value: String(n) },
              { name: 'LMI_PAYMENT_AMOUNT', value: '100.00' },
              { name: 'LMI_PAYMENT_DESC', value: req.description },
            ],
          },
        },
      };
  }
}

export async function startFakeProviderAdapters() {
  const starts: StartPaymentRequest[] = [];
  const callbacks: HandleCallbackRequest[] = [];
  const inputs: SubmitPayerInputRequest[] = [];
  const charges: ChargeBoundCardRequest[] = [];
  const queries: QueryPaymentStatusRequest[] = [];
  const refunds: RefundPaymentRequest[] = [];
  /** Answers to the next SubmitPayerInput calls, in order; SUCCEEDED when none is queued. */
  const inputAnswers: Partial<SubmitPayerInputResponse>[] = [];
  /** Answers by payment id, like the adapters' own transaction state. */
  const statuses = new Map<string, Partial<QueryPaymentStatusResponse>>();
  const script = {
    charge: { outcome: Outcome.OUTCOME_SUCCEEDED } as Partial<ChargeBoundCardResponse>,
    /** Thrown by the next ChargeBoundCard calls instead of answering (the adapters' refusals). */
    chargeError: null as { code: string; kind: 'precondition' | 'unavailable' } | null,
    refund: null as Partial<RefundPaymentResponse> | null,
  };
  /** As the adapters: one charge per key; a replay answers it, refreshed (script.charge) while pending. */
  const chargesByKey = new Map<string, Partial<ChargeBoundCardResponse>>();
  /** Keys a card was actually charged under: a key twice here would be a double charge. */
  const charged: string[] = [];
  let failNextStart: string | null = null;
  /** Static-code scans as the adapters register them: bank reference -> payment id. */
  const scans = new Map<string, string>();
  const handlers: Handlers<typeof ProviderServiceService> = {
    async getCallback(req) {
      // Callback ids are `cb_<position>` in this double.
      const stored = callbacks[Number(req.callbackId.replace(/^cb_/, '')) - 1];
      if (!stored?.request) {
        throw new DomainError('PROVIDER_CALLBACK_NOT_FOUND', 'not_found', 'no such callback');
      }
      return GetCallbackResponse.fromPartial({
        callback: {
          callbackId: req.callbackId,
          receivedAt: new Date(),
          method: stored.request.method,
          path: stored.request.path,
          query: stored.request.query,
          headers: stored.request.headers,
          body: stored.request.body,
          verdict: 'accepted',
        },
      });
    },
    async startPayment(req) {
      starts.push(req);
      if (failNextStart) {
        const code = failNextStart;
        failNextStart = null;
        throw new DomainError(code, 'unavailable', 'provider is down');
      }
      const scan = req.payer['qr_scan_reference'];
      if (scan) scans.set(scan, req.paymentId);
      return StartPaymentResponse.fromPartial({
        provider: PROVIDER_OF[req.method] ?? Provider.PROVIDER_WEBMONEY,
        providerReference: String(starts.length),
        action: startActionFor(req, starts.length),
      });
    },
    async handleCallback(req) {
      callbacks.push(req);
      const script = JSON.parse(
        Buffer.from(req.request?.body ?? []).toString('utf8'),
      ) as CallbackScript;
      // As the QR adapter: a scan registered under the bank's reference is settled, not unknown.
      const scanned =
        script.outcome === 'OUTCOME_UNREGISTERED_QR'
          ? scans.get(script.providerPaymentId ?? '')
          : undefined;
      const s: CallbackScript = scanned
        ? {
            ...script,
            outcome: 'OUTCOME_SUCCEEDED',
            paymentId: scanned,
            qrCodeId: '',
            attributes: { ...script.attributes, qr_code_id: script.qrCodeId ?? '' },
          }
        : script;
      const toProto = (r: { statusCode: number; contentType: string; body: string }) => ({
        statusCode: r.statusCode,
        contentType: r.contentType,
        body: Buffer.from(r.body),
      });
      return HandleCallbackResponse.fromPartial({
        reply: toProto(s.reply ?? { statusCode: 200, contentType: 'text/plain', body: 'YES' }),
        // As the WebMoney adapter renders them for a payment notification.
        retryReply: toProto(
          s.retryReply ?? {
            statusCode: 503,
            contentType: 'text/plain',
            body: 'PROVIDER_UNAVAILABLE',
          },
        ),
        refusalReply: toProto(
          s.refusalReply ?? {
            statusCode: 400,
            contentType: 'text/plain',
            body: 'PROVIDER_PAYMENT_ALREADY_FINAL',
          },
        ),
        outcome: Outcome[s.outcome],
        paymentId: s.paymentId,
        amount:
          s.amountMinor === undefined
            ? undefined
            : { amountMinor: BigInt(s.amountMinor), currency: s.currency ?? '' },
        method: s.method ? PaymentMethod[s.method] : PaymentMethod.PAYMENT_METHOD_UNSPECIFIED,
        providerPaymentId: s.providerPaymentId ?? '',
        attributes: s.attributes ?? {},
        reasonCode: s.reasonCode ?? '',
        qrCodeId: s.qrCodeId ?? '',
        callbackId: `cb_${callbacks.length}`,
        cardBinding: s.cardBinding && {
          bindingRef: s.cardBinding.bindingRef,
          state: CardBindingState[s.cardBinding.state],
          cardLast4: s.cardBinding.cardLast4,
        },
      });
    },
    async submitPayerInput(req) {
      inputs.push(req);
      const answer = inputAnswers.shift() ?? {
        outcome: Outcome.OUTCOME_SUCCEEDED,
        providerPaymentId: `key1:${req.fields['key1'] ?? ''}`,
        // What the specs' Wavepay payments ask (500 000 MMK), as the provider confirmed it.
        amount: { amountMinor: 500_000n, currency: 'MMK' },
        attributes: { wavepay_key1: req.fields['key1'] ?? '' },
      };
      return SubmitPayerInputResponse.fromPartial(answer);
    },
    async chargeBoundCard(req) {
      charges.push(req);
      if (script.chargeError) {
        throw new DomainError(script.chargeError.code, script.chargeError.kind, 'scripted refusal');
      }
      const stored = chargesByKey.get(req.idempotencyKey);
      if (stored && stored.outcome !== Outcome.OUTCOME_PENDING) {
        return ChargeBoundCardResponse.fromPartial({ ...stored, replayed: true });
      }
      if (!stored) charged.push(req.idempotencyKey);
      const answer = { amount: req.amount, ...script.charge, replayed: stored !== undefined };
      chargesByKey.set(req.idempotencyKey, answer);
      return ChargeBoundCardResponse.fromPartial(answer);
    },
    async queryPaymentStatus(req) {
      queries.push(req);
      return QueryPaymentStatusResponse.fromPartial(
        statuses.get(req.paymentId) ?? { outcome: Outcome.OUTCOME_PENDING },
      );
    },
    async refundPayment(req) {
      refunds.push(req);
      if (!script.refund) {
        throw new DomainError('PROVIDER_OPERATION_UNSUPPORTED', 'precondition', 'no refund API');
      }
      return RefundPaymentResponse.fromPartial(script.refund);
    },
    async listSettledTransactions(req) {
      // Nothing settles behind checkout's back in these specs; the cursor stays where it is.
      return { transactions: [], nextCursor: req.cursor };
    },
  };
  const { address, close } = await serve((server) =>
    server.addService(ProviderServiceService, handlers),
  );
  return {
    address,
    close,
    starts,
    callbacks,
    inputs,
    charges,
    charged,
    queries,
    refunds,
    inputAnswers,
    statuses,
    script,
    failNextStartWith(code: string) {
      failNextStart = code;
    },
    scans,
    startsFor: (paymentId: string) => starts.filter((s) => s.paymentId === paymentId),
    inputsFor: (paymentId: string) => inputs.filter((i) => i.paymentId === paymentId),
  };
}

function sortedJson(request: PostPaymentRequest): string {
  return JSON.stringify(PostPaymentRequest.toJSON(request), (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/**
 * A ledger double with the real one's idempotency contract; `failing` makes it UNAVAILABLE,
 * `planFee` stands in for the merchant's fee plan (without one the ledger applies no fee). It
 * holds and resolves case money (unapplied funds) as the real ledger does: once each.
 */
export async function startFakeLedger() {
  const calls: { request: PostPaymentRequest; accepted: boolean }[] = [];
  const posted = new Map<string, { content: string; txnId: string; fee: bigint }>();
  const state = { failing: false, planFee: null as bigint | null };
  const postPayment: Handlers<typeof LedgerServiceService>['postPayment'] = async (request) => {
    calls.push({ request, accepted: !state.failing });
    if (state.failing) throw new DomainError('LEDGER_UNAVAILABLE', 'unavailable', 'ledger is down');
    const content = sortedJson(request);
    const existing = posted.get(request.idempotencyKey);
    if (existing && existing.content !== content) {
      throw new DomainError(
        'LEDGER_IDEMPOTENCY_CONFLICT',
        'conflict',
        'same key, different request',
      );
    }
    const gross = request.gross?.amountMinor ?? 0n;
    const entry = existing ?? {
      content,
      txnId: `txn_fake_${posted.size + 1}`,
      fee: state.planFee ?? 0n,
    };
    posted.set(request.idempotencyKey, entry);
    const currency = request.gross?.currency ?? '';
    return PostPaymentResponse.fromPartial({
      transaction: {
        id: entry.txnId,
        idempotencyKey: request.idempotencyKey,
        kind: 'payment',
        paymentId: request.paymentId,
      },
      alreadyExisted: existing !== undefined,
      fee: { amountMinor: entry.fee, currency },
      net: { amountMinor: gross - entry.fee, currency },
    });
  };
  // Status facts in arrival order; one per key, stale (superseded) once the payment is posted.
  const facts: RecordPaymentEventRequest[] = [];
  const recordPaymentEvent: Handlers<typeof LedgerServiceService>['recordPaymentEvent'] = async (
    request,
  ) => {
    if (state.failing) throw new DomainError('LEDGER_UNAVAILABLE', 'unavailable', 'ledger is down');
    const known = facts.findIndex((f) => f.idempotencyKey === request.idempotencyKey);
    if (known >= 0) {
      return RecordPaymentEventResponse.fromPartial({
        eventId: `evt_fake_${known + 1}`,
        sequence: BigInt(known + 1),
        alreadyExisted: true,
      });
    }
    const isPosted = [...posted.keys()].includes(`payment:${request.paymentId}:succeeded`);
    if (isPosted) return RecordPaymentEventResponse.fromPartial({ superseded: true });
    facts.push(request);
    return RecordPaymentEventResponse.fromPartial({
      eventId: `evt_fake_${facts.length}`,
      sequence: BigInt(facts.filter((f) => f.paymentId === request.paymentId).length),
    });
  };
  // Case money: held once per case, then applied or returned once.
  const unapplied = new Map<
    string,
    { status: 'held' | 'applied' | 'returned'; request: HoldUnappliedFundsRequest }
  >();
  const holdUnappliedFunds: Handlers<typeof LedgerServiceService>['holdUnappliedFunds'] = async (
    request,
  ) => {
    if (state.failing) throw new DomainError('LEDGER_UNAVAILABLE', 'unavailable', 'ledger is down');
    const known = unapplied.get(request.caseId);
    if (!known) unapplied.set(request.caseId, { status: 'held', request });
    return HoldUnappliedFundsResponse.fromPartial({
      transaction: { id: `txn_hold_${request.caseId}`, kind: 'unapplied_hold' },
      alreadyExisted: known !== undefined,
    });
  };
  const resolve = (caseId: string, to: 'applied' | 'returned') => {
    if (state.failing) throw new DomainError('LEDGER_UNAVAILABLE', 'unavailable', 'ledger is down');
    const held = unapplied.get(caseId);
    if (!held) throw new DomainError('LEDGER_CASE_NOT_FOUND', 'not_found', 'no such case');
    if (held.status !== 'held' && held.status !== to) {
      throw new DomainError('LEDGER_CASE_ALREADY_RESOLVED', 'conflict', 'already resolved');
    }
    held.status = to;
    return held;
  };
  // Refunds: started once per refund id, ended once (same end replays, the other conflicts).
  const refunds = new Map<
    string,
    { request: LedgerRefundPaymentRequest; end?: ResolveRefundRequest; resolveCalls: number }
  >();
  const refundPayment: Handlers<typeof LedgerServiceService>['refundPayment'] = async (request) => {
    if (state.failing) throw new DomainError('LEDGER_UNAVAILABLE', 'unavailable', 'ledger is down');
    const known = refunds.get(request.refundId);
    if (!known) refunds.set(request.refundId, { request, resolveCalls: 0 });
    return LedgerRefundPaymentResponse.fromPartial({
      transaction: { id: `txn_refund_${request.refundId}`, kind: 'refund' },
      alreadyExisted: known !== undefined,
    });
  };
  const resolveRefund: Handlers<typeof LedgerServiceService>['resolveRefund'] = async (request) => {
    if (state.failing) throw new DomainError('LEDGER_UNAVAILABLE', 'unavailable', 'ledger is down');
    const known = refunds.get(request.refundId);
    if (!known) throw new DomainError('LEDGER_REFUND_NOT_FOUND', 'not_found', 'no such refund');
    known.resolveCalls += 1;
    if (known.end && known.end.outcome !== request.outcome) {
      throw new DomainError('LEDGER_IDEMPOTENCY_CONFLICT', 'conflict', 'ended otherwise');
    }
    known.end = request;
    return ResolveRefundResponse.fromPartial({
      transaction: { id: `txn_refund_end_${request.refundId}`, kind: 'refund' },
    });
  };
  const { address, close } = await serve((server) =>
    server.addService(LedgerServiceService, {
      ...allUnimplemented(LedgerServiceService),
      postPayment,
      refundPayment,
      resolveRefund,
      recordPaymentEvent,
      holdUnappliedFunds,
      async applyUnappliedFunds(request) {
        const held = resolve(request.caseId, 'applied');
        const fee = state.planFee ?? 0n;
        const amount = held.request.amount;
        return ApplyUnappliedFundsResponse.fromPartial({
          transaction: { id: `txn_apply_${request.caseId}`, kind: 'unapplied_apply' },
          fee: { amountMinor: fee, currency: amount?.currency ?? '' },
          net: { amountMinor: (amount?.amountMinor ?? 0n) - fee, currency: amount?.currency ?? '' },
        });
      },
      async returnUnappliedFunds(request) {
        resolve(request.caseId, 'returned');
        return ReturnUnappliedFundsResponse.fromPartial({
          transaction: { id: `txn_return_${request.caseId}`, kind: 'unapplied_return' },
        });
      },
    }),
  );
  return {
    address,
    close,
    calls,
    posted,
    facts,
    unapplied,
    refunds,
    state,
    callsFor: (paymentId: string) => calls.filter((c) => c.request.paymentId === paymentId),
  };
}

/** The recurring service: RecordCardBinding idempotent per payment; `failing` = UNAVAILABLE. */
export async function startFakeRecurring() {
  const calls: { request: RecordCardBindingRequest; accepted: boolean }[] = [];
  const bindings = new Map<string, CardBinding>();
  const state = { failing: false };
  // Only what checkout calls is served; the rest of the grown service answers UNIMPLEMENTED.
  const handlers: Handlers<typeof RecurringServiceService> = {
    ...allUnimplemented(RecurringServiceService),
    async recordCardBinding(request) {
      calls.push({ request, accepted: !state.failing });
      if (state.failing)
        throw new DomainError('RECURRING_UNAVAILABLE', 'unavailable', 'recurring is down');
      const existing = bindings.get(request.paymentId);
      if (existing) {
        if (
          existing.providerBindingRef !== request.providerBindingRef ||
          existing.state !== request.state
        ) {
          throw new DomainError('RECURRING_BINDING_CONFLICT', 'conflict', 'another binding');
        }
        return RecordCardBindingResponse.fromPartial({ binding: existing, alreadyExisted: true });
      }
      const binding: CardBinding = {
        id: `cbd_fake_${bindings.size + 1}`,
        merchantId: request.merchantId,
        paymentId: request.paymentId,
        providerBindingRef: request.providerBindingRef,
        state: request.state,
        cardLast4: request.cardLast4,
        createdAt: new Date(),
        firstAmount: request.firstAmount,
        customerRef: request.customerRef,
        cardExpiry: request.cardExpiry,
        failureMessage: '',
        livemode: request.livemode,
      };
      bindings.set(request.paymentId, binding);
      return RecordCardBindingResponse.fromPartial({ binding, alreadyExisted: false });
    },
    async listCardBindings(request) {
      return ListCardBindingsResponse.fromPartial({
        bindings: [...bindings.values()].filter((b) => b.merchantId === request.merchantId),
      });
    },
  };
  const { address, close } = await serve((server) =>
    server.addService(RecurringServiceService, handlers),
  );
  return {
    address,
    close,
    calls,
    bindings,
    state,
    activated: (paymentId: string) =>
      bindings.get(paymentId)?.state === BindingState.BINDING_STATE_ACTIVATED,
  };
}

/**
 * qr-platform: CreateQrCode idempotent per (merchant, key); payload and link made up; GetQrCode
 * answers issued codes and static ones a test adds; `failing` makes it UNAVAILABLE.
 */
export async function startFakeQrPlatform() {
  const calls: CreateQrCodeRequest[] = [];
  const codes = new Map<string, QrCode>();
  const state = { failing: false };
  const newCode = (request: Partial<QrCode>): QrCode => {
    const id = `qr_${String(codes.size + 1).padStart(26, '0')}`;
    const payload = `00020101021232${id}5303417540${String(request.amount?.amountMinor ?? 0n)}`;
    return {
      id,
      merchantId: '',
      kind: QrKind.QR_KIND_DYNAMIC,
      amount: undefined,
      description: '',
      payload,
      link: `https://qr.test/pay#${payload}`,
      createdAt: new Date(),
      livemode: false,
      expiresAt: undefined,
      paymentId: '',
      status: QrCodeStatus.QR_CODE_STATUS_ACTIVE,
      label: '',
      ...request,
    };
  };
  const handlers: Handlers<typeof QrServiceService> = {
    ...allUnimplemented(QrServiceService),
    async createQrCode(request) {
      calls.push(request);
      if (state.failing) throw new DomainError('QR_UNAVAILABLE', 'unavailable', 'qr is down');
      const key = `${request.merchantId}\u0000${request.idempotencyKey}`;
      const existing = codes.get(key);
      if (existing) return CreateQrCodeResponse.fromPartial({ qrCode: existing, replayed: true });
      const qrCode = newCode({
        merchantId: request.merchantId,
        kind: request.kind,
        amount: request.amount,
        description: request.description,
        livemode: request.livemode,
        expiresAt: request.expiresAt,
        paymentId: request.paymentId,
        label: request.label,
      });
      codes.set(key, qrCode);
      return CreateQrCodeResponse.fromPartial({ qrCode, replayed: false });
    },
    async getQrCode(request) {
      if (state.failing) throw new DomainError('QR_UNAVAILABLE', 'unavailable', 'qr is down');
      const code = [...codes.values()].find((c) => c.id === request.qrCodeId);
      if (!code) throw new DomainError('QR_CODE_NOT_FOUND', 'not_found', 'unknown code');
      return GetQrCodeResponse.fromPartial({ qrCode: code });
    },
  };
  const { address, close } = await serve((server) => server.addService(QrServiceService, handlers));
  return {
    address,
    close,
    calls,
    codes,
    state,
    byKey: (merchantId: string, key: string) => codes.get(`${merchantId}\u0000${key}`),
    /** A merchant's static code for a cash desk, as POST /v1/qr_codes kind=static makes it. */
    addStatic(merchantId: string, description = 'Cash desk 1'): QrCode {
      const code = newCode({ merchantId, kind: QrKind.QR_KIND_STATIC, description });
      codes.set(`${merchantId}\u0000static:${code.id}`, code);
      return code;
    },
  };
}
