import { DomainError } from '@tolem/errors';
import { newId } from '@tolem/ids';
import { type Money, money } from '@tolem/money';

import type { ApiKeyRecord } from '../../src/domain/api-key';
import type { PendingCardBinding } from '../../src/domain/card-binding';
import type { Case, CaseAuditEntry } from '../../src/domain/case';
import type { Canonical } from '../../src/domain/fingerprint';
import type { FeeRule, Merchant, OnboardingStep } from '../../src/domain/merchant';
import type { Payment, PaymentTransition, StatusEvent } from '../../src/domain/payment';
import type {
  CaseRepository,
  Clock,
  HoldUnappliedFundsInput,
  IdempotencyRecord,
  LedgerPort,
  Log,
  MerchantPeersPort,
  MerchantRepository,
  PayerAttemptRepository,
  PaymentProviderPort,
  PaymentRepository,
  PendingCardBindingRepository,
  PostPaymentInput,
  ProviderPaymentStatus,
  QrCodePort,
  ReconcilerCursorRepository,
  ReconcilerDifferenceRepository,
  RecordCardBindingInput,
  RecordPaymentEventInput,
  RecurringPort,
  RefundRepository,
  ResolveUnappliedFundsInput,
  SettledTransaction,
  StatusEventRepository,
  StoredQrCode,
  UnexplainedSettlement,
} from '../../src/domain/ports';
import type {
  BoundCardCharge,
  BoundCardChargeRequest,
  PayerInputAnswer,
  ProviderPayerInput,
  RawHttpRequest,
  StartedProviderPayment,
  StartProviderPaymentInput,
  VerifiedCallback,
} from '../../src/domain/provider';
import { textReply } from '../../src/domain/provider';
import type { Refund } from '../../src/domain/refund';

/** In-memory fakes of checkout's ports for unit tests: same contracts, no I/O. */

export function fixedClock(
  start = new Date('2026-11-23T10:00:00Z'),
): Clock & { advance(ms: number): void } {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance(ms) {
      now += ms;
    },
  };
}

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  obj: object;
  msg: string;
}

export function recordingLog(): Log & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
  };
}

export interface InMemoryStep {
  merchantId: string;
  step: OnboardingStep;
  version: number;
  attempts: number;
  lastError: string;
  nextAttemptAt: Date;
  deliveredAt: Date | null;
}

export function inMemoryMerchants(): MerchantRepository & {
  revoke(keyHash: string): void;
  keys: Map<string, ApiKeyRecord>;
  steps: Map<string, InMemoryStep>;
  webhookSecrets: Map<string, string>;
  formSecretRows: Map<string, { current: string; previous?: { secret: string; expiresAt: Date } }>;
  previousWebhookSecrets: Map<string, { secret: string; expiresAt: Date }>;
} {
  const merchants = new Map<string, Omit<Merchant, 'pendingSteps'>>();
  const byIdempotencyKey = new Map<string, { merchantId: string; fingerprint: string }>();
  const keys = new Map<string, ApiKeyRecord>();
  const steps = new Map<string, InMemoryStep>();
  const webhookSecrets = new Map<string, string>();
  const previousWebhookSecrets = new Map<string, { secret: string; expiresAt: Date }>();
  const keyIdempotency = new Map<string, ApiKeyRecord>();
  const secretRotations = new Map<
    string,
    { kind: 'form' | 'webhook'; overlapSeconds: number; secret: string; previousExpiresAt: Date }
  >();
  const formSecretRows = new Map<
    string,
    { current: string; previous?: { secret: string; expiresAt: Date } }
  >();
  const stepKey = (merchantId: string, step: string) => `${merchantId}\u0000${step}`;
  const view = (id: string): Merchant | undefined => {
    const m = merchants.get(id);
    if (!m) return undefined;
    const pendingSteps = [...steps.values()]
      .filter((s) => s.merchantId === id && s.deliveredAt === null)
      .map((s) => s.step.step)
      .sort();
    return structuredClone({ ...m, pendingSteps });
  };
  const queue = (merchantId: string, list: OnboardingStep[], at: Date) => {
    for (const step of list) {
      const k = stepKey(merchantId, step.step);
      const prev = steps.get(k);
      steps.set(k, {
        merchantId,
        step: structuredClone(step),
        version: (prev?.version ?? 0) + 1,
        attempts: 0,
        lastError: '',
        nextAttemptAt: at,
        deliveredAt: null,
      });
    }
  };
  const byId = (merchantId: string, keyId: string) =>
    [...keys.values()].find((k) => k.id === keyId && k.merchantId === merchantId);
  return {
    keys,
    steps,
    webhookSecrets,
    formSecretRows,
    previousWebhookSecrets,
    async create(merchant, apiKey, list, secrets, idempotency) {
      if (idempotency) {
        const existing = byIdempotencyKey.get(idempotency.key);
        if (existing) {
          return {
            created: false,
            merchant: view(existing.merchantId) as Merchant,
            requestFingerprint: existing.fingerprint,
          };
        }
        byIdempotencyKey.set(idempotency.key, {
          merchantId: merchant.id,
          fingerprint: idempotency.requestFingerprint,
        });
      }
      const { pendingSteps: _ignored, ...row } = structuredClone(merchant);
      merchants.set(merchant.id, row);
      webhookSecrets.set(merchant.id, secrets.webhook);
      formSecretRows.set(merchant.id, { current: secrets.form });
      keys.set(apiKey.keyHash, { ...apiKey, merchantId: merchant.id });
      queue(merchant.id, list, merchant.createdAt);
      return { created: true, merchant: view(merchant.id) as Merchant };
    },
    async findById(id) {
      return view(id);
    },
    async list(afterId, limit) {
      return [...merchants.keys()]
        .sort()
        .filter((id) => afterId === null || id > afterId)
        .slice(0, limit)
        .map((id) => view(id) as Merchant);
    },
    async update(merchantId, patch, list, at) {
      const m = merchants.get(merchantId);
      if (!m) return undefined;
      merchants.set(merchantId, { ...m, ...structuredClone(patch), updatedAt: at });
      queue(merchantId, list, at);
      return view(merchantId);
    },
    async webhookTarget(merchantId) {
      const m = merchants.get(merchantId);
      if (!m) return undefined;
      const previous = previousWebhookSecrets.get(merchantId);
      return {
        url: m.notificationUrl,
        secret: webhookSecrets.get(merchantId) ?? '',
        ...(previous ? { previous: { ...previous } } : {}),
      };
    },
    async formSecrets(merchantId) {
      const f = formSecretRows.get(merchantId);
      return f && structuredClone(f);
    },
    async rotateSecret(merchantId, kind, secret, previousExpiresAt, at, rotation) {
      const m = merchants.get(merchantId);
      if (!m) return undefined;
      const currentOf = () =>
        kind === 'form'
          ? (formSecretRows.get(merchantId)?.current ?? '')
          : (webhookSecrets.get(merchantId) ?? '');
      const rotationKey = `${merchantId}/${rotation.idempotencyKey}`;
      const prior = secretRotations.get(rotationKey);
      if (prior) {
        if (prior.kind !== kind || prior.overlapSeconds !== rotation.overlapSeconds) {
          return { kind: 'key_reused', reason: 'other_request' };
        }
        if (prior.secret !== currentOf()) return { kind: 'key_reused', reason: 'superseded' };
        const merchant = view(merchantId);
        if (!merchant) return undefined;
        return {
          kind: 'replayed',
          merchant,
          secret: prior.secret,
          previousExpiresAt: prior.previousExpiresAt,
        };
      }
      secretRotations.set(rotationKey, {
        kind,
        overlapSeconds: rotation.overlapSeconds,
        secret,
        previousExpiresAt,
      });
      if (kind === 'form') {
        const current = formSecretRows.get(merchantId)?.current ?? '';
        formSecretRows.set(merchantId, {
          current: secret,
          previous: { secret: current, expiresAt: previousExpiresAt },
        });
      } else {
        previousWebhookSecrets.set(merchantId, {
          secret: webhookSecrets.get(merchantId) ?? '',
          expiresAt: previousExpiresAt,
        });
        webhookSecrets.set(merchantId, secret);
        if (m.notificationUrl !== '') queue(merchantId, [{ step: 'notifier_endpoint' }], at);
      }
      merchants.set(merchantId, { ...m, updatedAt: at });
      const merchant = view(merchantId);
      return merchant && { kind: 'rotated', merchant };
    },
    async findApiKeyByHash(keyHash) {
      const k = keys.get(keyHash);
      return k && { ...k };
    },
    async insertApiKey(key, idempotencyKey) {
      const createdBy = `${key.merchantId}/${idempotencyKey}`;
      const existing = keyIdempotency.get(createdBy);
      if (existing) return { inserted: false, existing: { ...existing } };
      keyIdempotency.set(createdBy, { ...key });
      keys.set(key.keyHash, { ...key });
      return { inserted: true };
    },
    async listApiKeys(merchantId, page) {
      return [...keys.values()]
        .filter(
          (k) => k.merchantId === merchantId && (!page.startingAfter || k.id < page.startingAfter),
        )
        .sort((a, b) => (a.id < b.id ? 1 : -1))
        .slice(0, page.limit)
        .map((k) => ({ ...k }));
    },
    async findApiKey(merchantId, keyId) {
      const k = byId(merchantId, keyId);
      return k ? { ...k } : undefined;
    },
    async revokeApiKey(merchantId, keyId, at) {
      const k = byId(merchantId, keyId);
      if (!k) return undefined;
      k.revokedAt ??= at;
      return { ...k };
    },
    async rollApiKey(merchantId, keyId, next, expiresAt, now) {
      const k = byId(merchantId, keyId);
      if (!k) return undefined;
      const usable =
        k.revokedAt === null &&
        k.rolledTo === null &&
        (k.expiresAt === null || k.expiresAt.getTime() > now.getTime());
      if (!usable) return 'not_active';
      keys.set(next.keyHash, { ...next });
      k.expiresAt = expiresAt;
      k.rolledTo = next.id;
      return { old: { ...k } };
    },
    async dueOnboardingSteps(now, limit, merchantId) {
      return [...steps.values()]
        .filter(
          (s) =>
            s.deliveredAt === null &&
            s.nextAttemptAt.getTime() <= now.getTime() &&
            (!merchantId || s.merchantId === merchantId),
        )
        .sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime())
        .slice(0, limit)
        .map((s) => ({
          merchantId: s.merchantId,
          step: structuredClone(s.step),
          version: s.version,
          attempts: s.attempts,
        }));
    },
    async markStepDelivered(merchantId, step, version, at) {
      const s = steps.get(stepKey(merchantId, step));
      if (s && s.version === version) s.deliveredAt = at;
    },
    async markStepFailed(merchantId, step, version, error, nextAttemptAt) {
      const s = steps.get(stepKey(merchantId, step));
      if (s && s.version === version && s.deliveredAt === null) {
        s.attempts += 1;
        s.lastError = error;
        s.nextAttemptAt = nextAttemptAt;
      }
    },
    revoke(keyHash) {
      const k = keys.get(keyHash);
      if (k) k.revokedAt = new Date();
    },
  };
}

/** The ledger and notifier as onboarding sees them; `down` makes every call fail. */
export function fakeMerchantPeers(): MerchantPeersPort & {
  down: boolean;
  feePlans: Map<string, FeeRule[]>;
  settings: Map<string, boolean>;
  endpoints: Map<
    string,
    { url: string; secret: string; previous?: { secret: string; expiresAt: Date } }
  >;
  calls: number;
} {
  const peers = {
    down: false,
    calls: 0,
    feePlans: new Map<string, FeeRule[]>(),
    settings: new Map<string, boolean>(),
    endpoints: new Map<
      string,
      { url: string; secret: string; previous?: { secret: string; expiresAt: Date } }
    >(),
    async setFeePlan(merchantId: string, rules: FeeRule[]) {
      peers.calls += 1;
      if (peers.down) throw new DomainError('UNAVAILABLE', 'unavailable', 'ledger is down');
      peers.feePlans.set(merchantId, structuredClone(rules));
    },
    async setMerchantSettings(merchantId: string, allowNegativeBalance: boolean) {
      peers.calls += 1;
      if (peers.down) throw new DomainError('UNAVAILABLE', 'unavailable', 'ledger is down');
      peers.settings.set(merchantId, allowNegativeBalance);
    },
    async upsertEndpoint(
      merchantId: string,
      url: string,
      secret: string,
      previous?: { secret: string; expiresAt: Date },
    ) {
      peers.calls += 1;
      if (peers.down) throw new DomainError('UNAVAILABLE', 'unavailable', 'notifier is down');
      peers.endpoints.set(merchantId, { url, secret, ...(previous ? { previous } : {}) });
    },
  };
  return peers;
}

export interface InMemoryPayments extends PaymentRepository {
  rows: Map<string, Payment>;
  transitions: PaymentTransition[];
  idempotency: Map<string, IdempotencyRecord>;
  /** Runs before each update's version check, to simulate a concurrent writer. */
  beforeUpdate?: (id: string) => void;
  writes: number;
  /** Reads by id (findById and findByIds calls), to see what a batch costs. */
  reads: number;
}

/**
 * Rows a sweep could not move on, as the repositories keep them (retryAtAfter): tried again 10 s
 * after, doubled per earlier try, at most `maxMs`.
 */
function retryDeferrals(maxMs: number) {
  const deferred = new Map<string, { tries: number; until: number }>();
  return {
    defer(id: string, now: Date) {
      const tries = deferred.get(id)?.tries ?? 0;
      const waitMs = Math.min(maxMs, 10_000 * 2 ** tries);
      deferred.set(id, { tries: tries + 1, until: now.getTime() + waitMs });
    },
    /** Whether `id` still waits at `at`. */
    waits: (id: string, at: Date) => (deferred.get(id)?.until ?? -Infinity) > at.getTime(),
    /** A row that moved on starts its waits over. */
    forget: (id: string) => deferred.delete(id),
  };
}

export function inMemoryPayments(): InMemoryPayments {
  /** Refused postings. */
  const deferred = retryDeferrals(3_600_000);
  const repo: InMemoryPayments = {
    rows: new Map(),
    transitions: [],
    idempotency: new Map(),
    writes: 0,
    reads: 0,
    async createIdempotent(payment, idem, transition) {
      const k = `${payment.merchantId}\u0000${idem.key}`;
      const existing = repo.idempotency.get(k);
      if (existing) return { created: false, record: structuredClone(existing) };
      repo.idempotency.set(k, {
        merchantId: payment.merchantId,
        key: idem.key,
        requestFingerprint: idem.requestFingerprint,
        // Stored as the database would: bigints come back as strings.
        request: JSON.parse(
          JSON.stringify(idem.request, (_k, v: unknown) =>
            typeof v === 'bigint' ? v.toString() : v,
          ),
        ),
        paymentId: payment.id,
      });
      repo.rows.set(payment.id, structuredClone(payment));
      repo.transitions.push(transition);
      repo.writes += 1;
      return { created: true, payment: structuredClone(payment) };
    },
    async findById(id) {
      repo.reads += 1;
      const p = repo.rows.get(id);
      return p && structuredClone(p);
    },
    async deferPost(paymentId, now) {
      deferred.defer(paymentId, now);
    },
    async findByIds(ids) {
      repo.reads += 1;
      const found = new Map<string, Payment>();
      for (const id of ids) {
        const p = repo.rows.get(id);
        if (p) found.set(id, structuredClone(p));
      }
      return found;
    },
    async update(next, expectedVersion, transition) {
      repo.beforeUpdate?.(next.id);
      const current = repo.rows.get(next.id);
      if (!current || current.version !== expectedVersion) return undefined;
      // As the real repository: the fee is written only by markLedgerPosted (it is the ledger's).
      const saved = { ...structuredClone(next), fee: current.fee, version: expectedVersion + 1 };
      repo.rows.set(next.id, saved);
      if (transition) repo.transitions.push(transition);
      repo.writes += 1;
      return structuredClone(saved);
    },
    async markLedgerPosted(id, transactionId, at, fee) {
      const current = repo.rows.get(id);
      if (!current || current.ledgerPostedAt) return;
      repo.rows.set(id, {
        ...current,
        ledgerPostedAt: at,
        ledgerTransactionId: transactionId,
        fee,
        version: current.version + 1,
      });
      repo.writes += 1;
    },
    async listUnposted(before, limit, dueAt) {
      return [...repo.rows.values()]
        .filter(
          (p) =>
            p.status === 'succeeded' &&
            !p.ledgerPostedAt &&
            p.succeededAt &&
            p.succeededAt < before &&
            !(dueAt && deferred.waits(p.id, dueAt)),
        )
        .slice(0, limit)
        .map((p) => structuredClone(p));
    },
    async listExpirable(now, limit) {
      return [...repo.rows.values()]
        .filter((p) => (p.status === 'created' || p.status === 'pending') && p.expiresAt <= now)
        .slice(0, limit)
        .map((p) => structuredClone(p));
    },
    async listPendingSince(before, after, limit) {
      const later = (p: Payment) =>
        !after ||
        p.updatedAt.getTime() > after.updatedAt.getTime() ||
        (p.updatedAt.getTime() === after.updatedAt.getTime() && p.id > after.id);
      return [...repo.rows.values()]
        .filter((p) => p.status === 'pending' && p.updatedAt < before && later(p))
        .sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime() || (a.id < b.id ? -1 : 1))
        .slice(0, limit)
        .map((p) => structuredClone(p));
    },
  };
  return repo;
}

/**
 * The owed status events of the in-memory payments' transitions (transition ids are their
 * positions), with the database repository's order and filters.
 */
export function inMemoryStatusEvents(
  payments: InMemoryPayments,
): StatusEventRepository & { outcomes: Map<string, string> } {
  const recorded = new Map<string, string>();
  const refused = retryDeferrals(3_600_000);
  const owed = () =>
    payments.transitions
      .map((t, i) => ({ t, id: String(i + 1) }))
      .filter(({ t, id }) => t.event !== null && !recorded.has(id));
  return {
    outcomes: recorded,
    async listOwed(paymentId) {
      return owed()
        .filter(({ t }) => t.paymentId === paymentId)
        .map(({ t, id }) => ({
          transitionId: id,
          paymentId,
          event: structuredClone(t.event as StatusEvent),
        }));
    },
    async listPaymentsOwing(before, limit, now) {
      const due = owed().filter(({ t }) => t.at <= before);
      const waiting = new Set(
        due.filter(({ id }) => refused.waits(id, now)).map(({ t }) => t.paymentId),
      );
      const ids = due.map(({ t }) => t.paymentId).filter((id) => !waiting.has(id));
      return [...new Set(ids)].slice(0, limit);
    },
    async markRefused(transitionId, now) {
      if (!recorded.has(transitionId)) refused.defer(transitionId, now);
    },
    async markRecorded(transitionId, _at, outcome) {
      if (!recorded.has(transitionId)) recorded.set(transitionId, outcome);
    },
  };
}

/** A provider's answer to payer input; succeeded unless overridden. */
export function inputAnswer(overrides: Partial<PayerInputAnswer> = {}): PayerInputAnswer {
  return {
    outcome: 'succeeded',
    nextAction: null,
    providerPaymentId: 'key1:12345678901',
    reasonCode: '',
    message: '',
    payerMayRetry: false,
    // The Wavepay payment of the specs (500 000 MMK) as the provider confirmed it.
    amount: { amountMinor: 500_000n, currency: 'MMK' },
    attributes: { wavepay_key1: '12345678901' },
    ...overrides,
  };
}

/** provider-adapters' answer to a bound-card charge; succeeded for 250.00 RUB unless overridden. */
export function chargeAnswer(overrides: Partial<BoundCardCharge> = {}): BoundCardCharge {
  return {
    outcome: 'succeeded',
    declineCode: '',
    declineKind: '',
    providerPaymentId: 'im-inv-9001',
    providerOperationId: 'op-guid-1',
    reasonCode: '',
    replayed: false,
    amount: money(25_000n, 'RUB'),
    ...overrides,
  };
}

export function fakeProvider(): PaymentProviderPort & {
  starts: StartProviderPaymentInput[];
  callbacks: RawHttpRequest[];
  inputs: ProviderPayerInput[];
  nextStart: StartedProviderPayment | Error;
  nextCallback: VerifiedCallback | Error;
  /** Answers to the next HandleCallback calls, in order, before nextCallback. */
  callbackQueue: (VerifiedCallback | Error)[];
  nextInput: PayerInputAnswer | Error;
  /** What the adapters settled, in settlement order; the cursor is an index into it. */
  settled: SettledTransaction[];
  /** The extra transfers the adapters recorded, in order; a cursor of their own. */
  extraTransfers: SettledTransaction[];
  /** QueryPaymentStatus answers by payment id; PROVIDER_OPERATION_UNSUPPORTED when absent. */
  statuses: Map<string, ProviderPaymentStatus | Error>;
  queried: string[];
  /** Every ChargeBoundCard call, replays included. */
  chargeCalls: BoundCardChargeRequest[];
  /** Keys the card was actually charged under (first calls): one each, ever. */
  charged: string[];
  /** The answer of a first charge, or of a replay while the stored one is pending. */
  nextCharge: BoundCardCharge | Error;
  /** Runs before a first charge answers, e.g. the provider's notification arriving first. */
  beforeChargeAnswer: ((input: BoundCardChargeRequest) => Promise<void>) | null;
} {
  const fake = {
    starts: [] as StartProviderPaymentInput[],
    callbacks: [] as RawHttpRequest[],
    inputs: [] as ProviderPayerInput[],
    nextInput: inputAnswer() as PayerInputAnswer | Error,
    nextStart: {
      provider: 'webmoney',
      action: {
        kind: 'form_post',
        url: 'https://sandbox/pay',
        fields: [{ name: 'LMI_PAYEE_PURSE', value: 'Z1' }],
        acceptCharset: 'utf-8',
      },
      providerReference: '1001',
    } as StartedProviderPayment | Error,
    nextCallback: new Error('no callback scripted') as VerifiedCallback | Error,
    callbackQueue: [] as (VerifiedCallback | Error)[],
    async startPayment(input: StartProviderPaymentInput) {
      fake.starts.push(input);
      if (fake.nextStart instanceof Error) throw fake.nextStart;
      return structuredClone(fake.nextStart);
    },
    async handleCallback(_provider: string, request: RawHttpRequest) {
      fake.callbacks.push(request);
      const next = fake.callbackQueue.shift() ?? fake.nextCallback;
      if (next instanceof Error) throw next;
      return structuredClone(next);
    },
    async getCallback(callbackId: string) {
      return {
        callbackId,
        receivedAt: new Date(0),
        method: 'POST',
        path: '/callbacks/webmoney',
        query: '',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new TextEncoder().encode('LMI_PAYMENT_NO=1'),
        verdict: 'accepted',
        reasonCode: '',
      };
    },
    async submitPayerInput(input: ProviderPayerInput) {
      fake.inputs.push(structuredClone(input));
      if (fake.nextInput instanceof Error) throw fake.nextInput;
      return structuredClone(fake.nextInput);
    },
    settled: [] as SettledTransaction[],
    statuses: new Map<string, ProviderPaymentStatus | Error>(),
    queried: [] as string[],
    extraTransfers: [] as SettledTransaction[],
    async listSettledTransactions(input: {
      cursor: string;
      settledBefore: Date;
      limit: number;
      extraTransfers?: boolean;
    }) {
      const from = input.cursor === '' ? 0 : Number(input.cursor);
      const page = (input.extraTransfers ? fake.extraTransfers : fake.settled)
        .slice(from)
        .filter((t) => t.settledAt <= input.settledBefore)
        .slice(0, input.limit);
      return {
        transactions: structuredClone(page),
        nextCursor: page.length > 0 ? String(from + page.length) : input.cursor,
      };
    },
    chargeCalls: [] as BoundCardChargeRequest[],
    charged: [] as string[],
    nextCharge: chargeAnswer() as BoundCardCharge | Error,
    chargesByKey: new Map<string, BoundCardCharge>(),
    beforeChargeAnswer: null as ((input: BoundCardChargeRequest) => Promise<void>) | null,
    /** As the adapters: once per key; a replay answers the stored charge, refreshed while open. */
    async chargeBoundCard(input: BoundCardChargeRequest) {
      fake.chargeCalls.push(structuredClone(input));
      const stored = fake.chargesByKey.get(input.idempotencyKey);
      if (stored && stored.outcome !== 'pending')
        return { ...structuredClone(stored), replayed: true };
      if (fake.nextCharge instanceof Error) throw fake.nextCharge;
      if (!stored) fake.charged.push(input.idempotencyKey);
      const answer = { ...structuredClone(fake.nextCharge), replayed: stored !== undefined };
      fake.chargesByKey.set(input.idempotencyKey, answer);
      if (fake.beforeChargeAnswer) await fake.beforeChargeAnswer(input);
      return structuredClone(answer);
    },
    async queryPaymentStatus(paymentId: string) {
      fake.queried.push(paymentId);
      const answer = fake.statuses.get(paymentId);
      if (answer instanceof Error) throw answer;
      if (!answer) {
        throw new DomainError('PROVIDER_OPERATION_UNSUPPORTED', 'precondition', 'no status query');
      }
      return structuredClone(answer);
    },
  };
  return fake;
}

/**
 * A ledger with the real one's idempotency: same key + same content = the original. The fee is
 * the ledger's: `planFee` stands in for the merchant's fee plan; without one the fee is zero.
 */
export function fakeLedger(): LedgerPort & {
  calls: PostPaymentInput[];
  down: boolean;
  posted: Map<string, { transactionId: string; fee: Money }>;
  planFee: Money | null;
  /** Every event the ledger would publish, in order: status facts and postings. */
  events: { paymentId: string; eventType: string; sequence: bigint; key: string }[];
  unapplied: Map<string, { amount: Money; resolution: 'held' | 'applied' | 'returned' }>;
  /** The livemode each call sent, by its idempotency key. */
  livemodes: Map<string, boolean>;
  /** Payments whose status events, postings and case holds the ledger refuses (LEDGER_INVALID_REQUEST). */
  refusing: Set<string>;
} {
  const facts = new Map<string, { eventId: string; sequence: bigint; superseded: boolean }>();
  const sequenceOf = (paymentId: string) =>
    BigInt(fake.events.filter((e) => e.paymentId === paymentId).length + 1);
  const fake = {
    calls: [] as PostPaymentInput[],
    down: false,
    planFee: null as Money | null,
    posted: new Map<string, { transactionId: string; fee: Money }>(),
    events: [] as { paymentId: string; eventType: string; sequence: bigint; key: string }[],
    /** Case money the ledger holds, by case id, with how it was resolved. */
    unapplied: new Map<string, { amount: Money; resolution: 'held' | 'applied' | 'returned' }>(),
    livemodes: new Map<string, boolean>(),
    refusing: new Set<string>(),
    async holdUnappliedFunds(input: HoldUnappliedFundsInput) {
      if (fake.down) throw new DomainError('UPSTREAM_UNAVAILABLE', 'unavailable', 'ledger down');
      if (fake.refusing.has(input.case.paymentId)) {
        throw new DomainError('LEDGER_INVALID_REQUEST', 'invalid', 'refused by the ledger');
      }
      fake.livemodes.set(input.idempotencyKey, input.livemode);
      if (!fake.unapplied.has(input.case.id)) {
        fake.unapplied.set(input.case.id, { amount: input.case.amount, resolution: 'held' });
        for (const eventType of ['funds.unapplied', 'case.opened']) {
          fake.events.push({
            paymentId: input.case.paymentId,
            eventType,
            sequence: sequenceOf(input.case.paymentId),
            key: input.idempotencyKey,
          });
        }
      }
      return { transactionId: `txn_hold_${input.case.id}` };
    },
    async applyUnappliedFunds(input: ResolveUnappliedFundsInput) {
      return fake.resolve(input, 'applied');
    },
    async returnUnappliedFunds(input: ResolveUnappliedFundsInput) {
      return fake.resolve(input, 'returned');
    },
    async resolve(input: ResolveUnappliedFundsInput, resolution: 'applied' | 'returned') {
      if (fake.down) throw new DomainError('UPSTREAM_UNAVAILABLE', 'unavailable', 'ledger down');
      const held = fake.unapplied.get(input.caseId);
      if (!held) throw new DomainError('LEDGER_CASE_NOT_FOUND', 'not_found', 'no such case');
      if (held.resolution !== 'held' && held.resolution !== resolution) {
        throw new DomainError('LEDGER_CASE_ALREADY_RESOLVED', 'conflict', 'already resolved');
      }
      held.resolution = resolution;
      return {
        transactionId: `txn_${resolution}_${input.caseId}`,
        fee: fake.planFee ?? money(0n, held.amount.currency),
      };
    },
    async recordPaymentEvent(input: RecordPaymentEventInput) {
      if (fake.down) throw new DomainError('UPSTREAM_UNAVAILABLE', 'unavailable', 'ledger down');
      if (fake.refusing.has(input.paymentId)) {
        throw new DomainError('LEDGER_INVALID_REQUEST', 'invalid', 'refused by the ledger');
      }
      fake.livemodes.set(input.idempotencyKey, input.livemode);
      const known = facts.get(input.idempotencyKey);
      if (known) return known;
      const moneyMoved = fake.events.some(
        (e) => e.paymentId === input.paymentId && e.eventType === 'payment.succeeded',
      );
      const answer = moneyMoved
        ? { eventId: '', sequence: 0n, superseded: true }
        : { eventId: newId('evt'), sequence: sequenceOf(input.paymentId), superseded: false };
      if (!moneyMoved) {
        fake.events.push({
          paymentId: input.paymentId,
          eventType: input.eventType,
          sequence: answer.sequence,
          key: input.idempotencyKey,
        });
      }
      facts.set(input.idempotencyKey, answer);
      return answer;
    },
    async postPayment(input: PostPaymentInput) {
      fake.calls.push(structuredClone(input));
      if (fake.down) throw new DomainError('UPSTREAM_UNAVAILABLE', 'unavailable', 'ledger down');
      if (fake.refusing.has(input.paymentId)) {
        throw new DomainError('LEDGER_INVALID_REQUEST', 'invalid', 'refused by the ledger');
      }
      fake.livemodes.set(input.idempotencyKey, input.livemode);
      const existing = fake.posted.get(input.idempotencyKey);
      if (existing) return { ...existing, alreadyExisted: true };
      const fee = fake.planFee ?? money(0n, input.gross.currency);
      const entry = { transactionId: newId('txn'), fee };
      fake.posted.set(input.idempotencyKey, entry);
      fake.events.push({
        paymentId: input.paymentId,
        eventType: 'payment.succeeded',
        sequence: sequenceOf(input.paymentId),
        key: input.idempotencyKey,
      });
      return { ...entry, alreadyExisted: false };
    },
  };
  return fake;
}

/** The recurring service: idempotent per payment, a conflict for other content; `down` fails. */
export function fakeRecurring(): RecurringPort & {
  calls: RecordCardBindingInput[];
  recorded: Map<string, RecordCardBindingInput>;
  down: boolean;
} {
  const fake = {
    calls: [] as RecordCardBindingInput[],
    recorded: new Map<string, RecordCardBindingInput>(),
    down: false,
    async recordCardBinding(input: RecordCardBindingInput) {
      fake.calls.push(structuredClone(input));
      if (fake.down) throw new DomainError('UPSTREAM_UNAVAILABLE', 'unavailable', 'recurring down');
      const existing = fake.recorded.get(input.paymentId);
      if (existing && JSON.stringify(existing.binding) !== JSON.stringify(input.binding)) {
        throw new DomainError('RECURRING_BINDING_CONFLICT', 'conflict', 'another binding');
      }
      fake.recorded.set(input.paymentId, structuredClone(input));
      return { alreadyExisted: existing !== undefined };
    },
  };
  return fake;
}

/** qr-platform: one code per (merchant, key), replayed on a repeat; `stored` answers GetQrCode. */
export function fakeQr(): QrCodePort & {
  calls: Parameters<QrCodePort['createDynamicCode']>[0][];
  codes: Map<string, { id: string; payload: string; link: string }>;
  /** Codes GetQrCode knows (dynamic codes are added as they are issued). */
  stored: Map<string, StoredQrCode>;
  lookups: string[];
  fail: Error | null;
  /** Fails GetQrCode only. */
  failGet: Error | null;
  addStatic(code?: Partial<StoredQrCode>): StoredQrCode;
} {
  const fake = {
    calls: [] as Parameters<QrCodePort['createDynamicCode']>[0][],
    codes: new Map<string, { id: string; payload: string; link: string }>(),
    stored: new Map<string, StoredQrCode>(),
    lookups: [] as string[],
    fail: null as Error | null,
    failGet: null as Error | null,
    async createDynamicCode(input: Parameters<QrCodePort['createDynamicCode']>[0]) {
      fake.calls.push(structuredClone(input));
      if (fake.fail) throw fake.fail;
      const key = `${input.merchantId}\u0000${input.idempotencyKey}`;
      const existing = fake.codes.get(key);
      if (existing) return { ...existing };
      const id = newId('qr');
      const payload = `000201010212|${id}|${input.amount.amountMinor}`;
      const code = { id, payload, link: `https://qr.example/pay#${payload}` };
      fake.codes.set(key, code);
      fake.stored.set(id, {
        id,
        merchantId: input.merchantId,
        kind: 'dynamic',
        description: input.description,
        livemode: input.livemode,
        paymentId: input.paymentId,
      });
      return { ...code };
    },
    async getCode(id: string) {
      fake.lookups.push(id);
      if (fake.failGet) throw fake.failGet;
      const code = fake.stored.get(id);
      return code ? { ...code } : undefined;
    },
    addStatic(code: Partial<StoredQrCode> = {}): StoredQrCode {
      const stored: StoredQrCode = {
        id: newId('qr'),
        merchantId: '',
        kind: 'static',
        description: 'Cash desk 1',
        livemode: false,
        paymentId: '',
        ...code,
      };
      fake.stored.set(stored.id, stored);
      return stored;
    },
  };
  return fake;
}

export function inMemoryPendingCardBindings(): PendingCardBindingRepository & {
  rows: Map<string, PendingCardBinding>;
} {
  const repo = {
    rows: new Map<string, PendingCardBinding>(),
    async enqueue(b: Parameters<PendingCardBindingRepository['enqueue']>[0]) {
      const existing = repo.rows.get(b.paymentId);
      if (existing) return { inserted: false, binding: structuredClone(existing) };
      const row: PendingCardBinding = {
        ...structuredClone(b),
        attempts: 0,
        lastError: null,
        recordedAt: null,
        gaveUpAt: null,
      };
      repo.rows.set(b.paymentId, row);
      return { inserted: true, binding: structuredClone(row) };
    },
    async markRecorded(paymentId: string, at: Date) {
      const row = repo.rows.get(paymentId);
      if (row && !row.recordedAt)
        repo.rows.set(paymentId, { ...row, recordedAt: at, lastError: null });
    },
    async markFailed(
      paymentId: string,
      f: { error: string; nextAttemptAt: Date; giveUp: boolean; at: Date },
    ) {
      const row = repo.rows.get(paymentId);
      if (!row || row.recordedAt) return;
      repo.rows.set(paymentId, {
        ...row,
        attempts: row.attempts + 1,
        lastError: f.error,
        nextAttemptAt: f.nextAttemptAt,
        gaveUpAt: f.giveUp ? f.at : null,
      });
    },
    async listDue(now: Date, limit: number) {
      return [...repo.rows.values()]
        .filter((r) => !r.recordedAt && !r.gaveUpAt && r.nextAttemptAt <= now)
        .sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime())
        .slice(0, limit)
        .map((r) => structuredClone(r));
    },
  };
  return repo;
}

/** Tries per `paymentId method`; the same contract as payer-attempts.repo.ts. */
export function inMemoryPayerAttempts(): PayerAttemptRepository & { counts: Map<string, number> } {
  const counts = new Map<string, number>();
  const key = (paymentId: string, method: string) => `${paymentId} ${method}`;
  return {
    counts,
    async reserve(paymentId, method, limit) {
      const used = counts.get(key(paymentId, method)) ?? 0;
      if (used >= limit) return false;
      counts.set(key(paymentId, method), used + 1);
      return true;
    },
    async release(paymentId, method) {
      const used = counts.get(key(paymentId, method)) ?? 0;
      if (used > 0) counts.set(key(paymentId, method), used - 1);
    },
    async isLocked(paymentId, method, limit) {
      return (counts.get(key(paymentId, method)) ?? 0) >= limit;
    },
  };
}

export function callback(overrides: Partial<VerifiedCallback> = {}): VerifiedCallback {
  return {
    reply: textReply(200, 'YES'),
    // As the WebMoney adapter renders them for a payment notification.
    retryReply: textReply(503, 'PROVIDER_UNAVAILABLE'),
    refusalReply: textReply(400, 'PROVIDER_PAYMENT_ALREADY_FINAL'),
    outcome: 'succeeded',
    paymentId: '',
    amount: null,
    method: 'webmoney_purse',
    providerPaymentId: 'wm-777',
    attributes: { payer_purse: 'Z123456789012', payer_wmid: '123456789012' },
    reasonCode: '',
    callbackId: 'cb_1',
    cardBinding: null,
    qrCodeId: '',
    ...overrides,
  };
}

export const rawRequest: RawHttpRequest = {
  method: 'POST',
  path: '/callbacks/webmoney',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new TextEncoder().encode('LMI_PAYMENT_NO=1'),
  remoteAddress: '127.0.0.1',
  query: '',
};

/** Cases in memory, with the repository's dedupe, status steps and audit trail. */
export function inMemoryCases(): CaseRepository & {
  rows: Map<string, Case>;
  entries: Map<string, CaseAuditEntry[]>;
} {
  const rows = new Map<string, Case>();
  const entries = new Map<string, CaseAuditEntry[]>();
  /** Refused holds. */
  const deferred = retryDeferrals(3_600_000);
  const note = (id: string, e: CaseAuditEntry) => entries.set(id, [...(entries.get(id) ?? []), e]);
  return {
    rows,
    entries,
    async openOnce(c) {
      const existing = [...rows.values()].find((r) => r.dedupeKey === c.dedupeKey);
      if (existing) return { case: structuredClone(existing), created: false };
      rows.set(c.id, structuredClone(c));
      note(c.id, { at: c.createdAt, action: 'opened', actor: 'tolem', detail: c.kind });
      return { case: structuredClone(c), created: true };
    },
    async findById(id) {
      const found = rows.get(id);
      return found && structuredClone(found);
    },
    async findByDedupeKey(dedupeKey) {
      const found = [...rows.values()].find((r) => r.dedupeKey === dedupeKey);
      return found && structuredClone(found);
    },
    async list(filter) {
      return [...rows.values()]
        .filter((c) => !filter.status || c.status === filter.status)
        .filter((c) => !filter.merchantId || c.merchantId === filter.merchantId)
        .filter((c) => !filter.paymentId || c.paymentId === filter.paymentId)
        .slice(0, filter.limit)
        .map((c) => structuredClone(c));
    },
    async audit(caseId) {
      return structuredClone(entries.get(caseId) ?? []);
    },
    async markHeld(caseId, at) {
      const c = rows.get(caseId);
      if (c?.status !== 'opening') return;
      rows.set(caseId, { ...c, status: 'open' });
      note(caseId, { at, action: 'held', actor: 'tolem', detail: '' });
    },
    async markResolved(caseId, r) {
      const c = rows.get(caseId);
      if (!c || (c.status !== 'opening' && c.status !== 'open')) return;
      rows.set(caseId, {
        ...c,
        status: r.status,
        resolvedAt: r.at,
        returnReference: r.returnReference,
      });
      note(caseId, { at: r.at, action: r.status, actor: r.actor, detail: r.note });
    },
    async listOpening(before, limit, dueAt) {
      return [...rows.values()]
        .filter(
          (c) => c.status === 'opening' && c.createdAt < before && !deferred.waits(c.id, dueAt),
        )
        .slice(0, limit)
        .map((c) => structuredClone(c));
    },
    async deferHold(caseId, now) {
      deferred.defer(caseId, now);
    },
  };
}

/** The reconciler's cursors, in memory. */
export function inMemoryReconcilerCursors(): ReconcilerCursorRepository & {
  rows: Map<string, string>;
} {
  const rows = new Map<string, string>();
  return {
    rows,
    async get(name) {
      return rows.get(name) ?? '';
    },
    async set(name, cursor) {
      rows.set(name, cursor);
    },
  };
}

/** Unexplained settlements, in memory, with the database repository's order and filters. */
export function inMemoryReconcilerDifferences(): ReconcilerDifferenceRepository & {
  rows: Map<string, UnexplainedSettlement & { foundAt: Date; resolvedAt: Date | null }>;
} {
  const rows = new Map<
    string,
    UnexplainedSettlement & { foundAt: Date; resolvedAt: Date | null }
  >();
  return {
    rows,
    async record(difference, at) {
      const key = difference.transaction.transactionId;
      if (!rows.has(key))
        rows.set(key, { ...structuredClone(difference), foundAt: at, resolvedAt: null });
    },
    async listOpen(limit) {
      return [...rows.values()]
        .filter((r) => r.resolvedAt === null)
        .sort((a, b) => a.foundAt.getTime() - b.foundAt.getTime())
        .slice(0, limit)
        .map(({ transaction, code, detail }) => structuredClone({ transaction, code, detail }));
    },
    async resolve(transactionId, at) {
      const row = rows.get(transactionId);
      if (row && row.resolvedAt === null) row.resolvedAt = at;
    },
    async acknowledge(transactionId, { at }) {
      const row = rows.get(transactionId);
      if (!row) return undefined;
      if (row.resolvedAt !== null) return { already: true };
      row.resolvedAt = at;
      return { already: false };
    },
  };
}

/** Refunds over an in-memory payments map, with the real repository's step guard. */
export function inMemoryRefunds(payments: InMemoryPayments): RefundRepository & {
  rows: Map<string, Refund>;
  requests: Map<string, { canonical: Record<string, Canonical>; fingerprint: string }>;
} {
  const rows = new Map<string, Refund>();
  const requests = new Map<string, { canonical: Record<string, Canonical>; fingerprint: string }>();
  /** Refunds the sweeper could not move on. */
  const deferred = retryDeferrals(600_000);
  return {
    rows,
    requests,
    async createIdempotent(key, request, decide) {
      const existing = [...rows.values()].find(
        (r) => r.merchantId === key.merchantId && r.idempotencyKey === key.idempotencyKey,
      );
      if (existing) {
        const stored = requests.get(existing.id);
        return {
          created: false,
          refund: structuredClone(existing),
          request: stored?.canonical ?? {},
          fingerprint: stored?.fingerprint ?? '',
        };
      }
      const payment = payments.rows.get(key.paymentId);
      if (!payment || payment.merchantId !== key.merchantId) {
        throw new DomainError('PAYMENT_NOT_FOUND', 'not_found', 'payment not found');
      }
      const taken = [...rows.values()]
        .filter((r) => r.paymentId === key.paymentId && r.status !== 'failed')
        .reduce((sum, r) => sum + r.amount.amountMinor, 0n);
      const refund = decide(structuredClone(payment), taken);
      rows.set(refund.id, refund);
      requests.set(refund.id, request);
      return { created: true, refund: structuredClone(refund) };
    },
    async findById(id) {
      const r = rows.get(id);
      return r && structuredClone(r);
    },
    async list(filter) {
      return [...rows.values()]
        .filter(
          (r) =>
            r.merchantId === filter.merchantId &&
            (filter.livemode === null || r.livemode === filter.livemode) &&
            (!filter.paymentId || r.paymentId === filter.paymentId) &&
            (!filter.startingAfter || r.id < filter.startingAfter),
        )
        .sort((a, b) => (a.id < b.id ? 1 : -1))
        .slice(0, filter.limit);
    },
    async advance(id, from, next, at) {
      const r = rows.get(id);
      if (!r || r.step !== from) return undefined;
      const moved: Refund = { ...r, ...next, updatedAt: at };
      rows.set(id, moved);
      deferred.forget(id);
      if (next.status === 'succeeded') {
        const p = payments.rows.get(r.paymentId);
        if (p)
          payments.rows.set(p.id, { ...p, refundedMinor: p.refundedMinor + r.amount.amountMinor });
      }
      return structuredClone(moved);
    },
    async listUnfinished(before, limit, dueAt) {
      return [...rows.values()]
        .filter(
          (r) =>
            ['reserve', 'execute', 'resolve'].includes(r.step) &&
            r.updatedAt < before &&
            !deferred.waits(r.id, dueAt),
        )
        .slice(0, limit);
    },
    async deferSweep(refundId, now) {
      deferred.defer(refundId, now);
    },
    async listAwaitingPayout(limit, after) {
      const key = (r: Pick<Refund, 'id' | 'createdAt'>) => `${r.createdAt.toISOString()} ${r.id}`;
      return [...rows.values()]
        .filter((r) => r.step === 'await_payout' && (!after || key(r) > key(after)))
        .sort((a, b) => (key(a) < key(b) ? -1 : 1))
        .slice(0, limit)
        .flatMap((refund) => {
          const payment = payments.rows.get(refund.paymentId);
          return payment ? [{ refund, payment }] : [];
        });
    },
  };
}
