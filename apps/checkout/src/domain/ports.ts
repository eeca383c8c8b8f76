import type { Money } from '@tolem/money';

import type { ApiKeyRecord } from './api-key';
import type { NewPendingCardBinding, PendingCardBinding } from './card-binding';
import type { Case, CaseAuditEntry, CaseStatus } from './case';
import type { Canonical } from './fingerprint';
import type {
  FeeRule,
  Merchant,
  MerchantPatch,
  OnboardingStep,
  OnboardingStepName,
} from './merchant';
import type {
  Payment,
  PaymentMethod,
  PaymentTransition,
  ProviderName,
  StatusEvent,
} from './payment';
import type {
  BoundCardCharge,
  BoundCardChargeRequest,
  PayerInputAnswer,
  ProviderPayerInput,
  RawHttpRequest,
  ReportedCardBinding,
  StartedProviderPayment,
  StartProviderPaymentInput,
  VerifiedCallback,
} from './provider';
import type { Refund, RefundOutcome, RefundStep } from './refund';

/** Time, injectable so use cases are testable: the one Clock of @tolem/runtime. */
export type { Clock } from '@tolem/runtime';

/** Structured logging; pino satisfies it. Never pass secrets or raw callback bodies. */
export interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export type CreateMerchantResult =
  | { created: true; merchant: Merchant }
  | { created: false; merchant: Merchant; requestFingerprint: string };

/** An onboarding step waiting for its peer, with the version a delivery must still match. */
export interface DueOnboardingStep {
  merchantId: string;
  step: OnboardingStep;
  version: number;
  attempts: number;
}

/** Merchants, their API keys (hashes only) and their onboarding steps. */
export interface MerchantRepository {
  /**
   * Inserts the merchant, its first API key and its onboarding steps in one transaction, unless
   * the idempotency key (when given) already names a merchant: then returns that one with its
   * request fingerprint and writes nothing.
   */
  create(
    merchant: Merchant,
    apiKey: ApiKeyRecord,
    steps: OnboardingStep[],
    secrets: { webhook: string; form: string },
    idempotency: { key: string; requestFingerprint: string } | null,
  ): Promise<CreateMerchantResult>;
  findById(id: string): Promise<Merchant | undefined>;
  /** Merchants ordered by id (time-sortable), after `afterId` when given. */
  list(afterId: string | null, limit: number): Promise<Merchant[]>;
  /**
   * Applies the patch and (re)queues the steps (a queued step gets a new version, so a delivery
   * of the old one in flight cannot mark it done) in one transaction; undefined when unknown.
   */
  update(
    merchantId: string,
    patch: MerchantPatch,
    steps: OnboardingStep[],
    at: Date,
  ): Promise<Merchant | undefined>;
  /** The notifier endpoint as checkout holds it; the secrets are credentials. */
  webhookTarget(merchantId: string): Promise<
    | {
        url: string;
        secret: string;
        /** A rotation's replaced secret while it is still valid. */
        previous?: { secret: string; expiresAt: Date };
      }
    | undefined
  >;
  /** The form-signing secrets: the current one ('' when none yet) and a replaced one with expiry. */
  formSecrets(
    merchantId: string,
  ): Promise<{ current: string; previous?: { secret: string; expiresAt: Date } } | undefined>;
  /**
   * Makes `secret` primary and the current one previous until `previousExpiresAt`; for the
   * webhook secret also requeues the notifier endpoint step (when the merchant has a URL), in one
   * transaction. Undefined when the merchant is unknown. The rotation is recorded under its
   * idempotency key (with the SHA-256 of the secret it made): the same key again changes nothing
   * and answers that rotation while its secret is still the current one.
   */
  rotateSecret(
    merchantId: string,
    kind: 'form' | 'webhook',
    secret: string,
    previousExpiresAt: Date,
    at: Date,
    rotation: { idempotencyKey: string; overlapSeconds: number },
  ): Promise<SecretRotationOutcome | undefined>;

  findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  /**
   * Inserts the key unless `idempotencyKey` already created one of the merchant's keys: then
   * that key, unchanged.
   */
  insertApiKey(
    key: ApiKeyRecord,
    idempotencyKey: string,
  ): Promise<{ inserted: true } | { inserted: false; existing: ApiKeyRecord }>;
  /** Newest first, at most `limit`, older than the key `startingAfter` when it is not empty. */
  listApiKeys(
    merchantId: string,
    page: { limit: number; startingAfter: string },
  ): Promise<ApiKeyRecord[]>;
  findApiKey(merchantId: string, keyId: string): Promise<ApiKeyRecord | undefined>;
  /** Sets revoked_at unless already revoked; undefined when the merchant has no such key. */
  revokeApiKey(merchantId: string, keyId: string, at: Date): Promise<ApiKeyRecord | undefined>;
  /**
   * Inserts `next` and gives the old key `expiresAt` (or keeps an earlier one) and `rolled_to`,
   * in one transaction, only while the old key is usable and not rolled before (checked under a
   * row lock): else `not_active`, or undefined when the merchant has no such key.
   */
  rollApiKey(
    merchantId: string,
    keyId: string,
    next: ApiKeyRecord,
    expiresAt: Date,
    now: Date,
  ): Promise<{ old: ApiKeyRecord } | 'not_active' | undefined>;

  /** Undelivered steps due by `now`, the longest waiting first (all of one merchant with `merchantId`). */
  dueOnboardingSteps(now: Date, limit: number, merchantId?: string): Promise<DueOnboardingStep[]>;
  /** Marks the step delivered if it still has `version` (a newer change stays queued). */
  markStepDelivered(
    merchantId: string,
    step: OnboardingStepName,
    version: number,
    at: Date,
  ): Promise<void>;
  /** Records a failed delivery and when to try again (if it still has `version`). */
  markStepFailed(
    merchantId: string,
    step: OnboardingStepName,
    version: number,
    error: string,
    nextAttemptAt: Date,
  ): Promise<void>;
}

/**
 * The peers that own part of a merchant's configuration. Every call replaces the peer's state
 * with the given one, so delivering a step twice is harmless.
 */
export interface MerchantPeersPort {
  setFeePlan(merchantId: string, rules: FeeRule[]): Promise<void>;
  setMerchantSettings(merchantId: string, allowNegativeBalance: boolean): Promise<void>;
  upsertEndpoint(
    merchantId: string,
    url: string,
    signingSecret: string,
    previous?: { secret: string; expiresAt: Date },
  ): Promise<void>;
}

export interface IdempotencyRecord {
  merchantId: string;
  key: string;
  requestFingerprint: string;
  /** The canonical request remembered with the key, to name the field a reuse changed. */
  request: Record<string, Canonical>;
  paymentId: string;
}

export type CreatePaymentResult =
  | { created: true; payment: Payment }
  | { created: false; record: IdempotencyRecord };

/** Payments, their idempotency records and their transition audit trail. */
export interface PaymentRepository {
  /**
   * Inserts the payment, its idempotency record and its first transition in one transaction,
   * unless (merchant, key) is taken: then nothing is written and the existing record returned.
   */
  createIdempotent(
    payment: Payment,
    idempotency: Omit<IdempotencyRecord, 'paymentId' | 'merchantId'>,
    transition: PaymentTransition,
  ): Promise<CreatePaymentResult>;
  findById(id: string): Promise<Payment | undefined>;
  /** The payments of `ids` that exist, in one read (for pages and passes over many). */
  findByIds(ids: readonly string[]): Promise<Map<string, Payment>>;
  /**
   * Writes `next` (status and provider fields, version + 1) where the row still has
   * `expectedVersion`, plus the transition row when given, in one transaction. Undefined when
   * another writer won the optimistic lock.
   */
  update(
    next: Payment,
    expectedVersion: number,
    transition: PaymentTransition | null,
  ): Promise<Payment | undefined>;
  /**
   * Records the ledger transaction of a succeeded payment and the fee the ledger applied, the
   * payment's only fee; a no-op when already recorded.
   */
  markLedgerPosted(paymentId: string, transactionId: string, at: Date, fee: Money): Promise<void>;
  /**
   * Succeeded payments not yet posted to the ledger, that succeeded before `succeededBefore`;
   * with `dueAt`, not those whose refused posting waits past it (deferPost).
   */
  listUnposted(succeededBefore: Date, limit: number, dueAt?: Date): Promise<Payment[]>;
  /**
   * The ledger refused the payment's posting: a sweep leaves it for 10 s after `now`, twice as
   * long after each further refusal, up to an hour.
   */
  deferPost(paymentId: string, now: Date): Promise<void>;
  /** created/pending payments whose expiry time is not after `now`. */
  listExpirable(now: Date, limit: number): Promise<Payment[]>;
  /**
   * Payments pending since before `before` (last changed then), the longest waiting first,
   * after `after` in that order (updatedAt, id) when given.
   */
  listPendingSince(
    before: Date,
    after: { updatedAt: Date; id: string } | null,
    limit: number,
  ): Promise<Payment[]>;
}

/** The provider adapters service (tolem.provider.v1.ProviderService). Errors keep their codes. */
export interface PaymentProviderPort {
  startPayment(input: StartProviderPaymentInput): Promise<StartedProviderPayment>;
  handleCallback(provider: ProviderName, request: RawHttpRequest): Promise<VerifiedCallback>;
  /** The payer's second step (Wavepay key1); the adapters never activate a settled payment twice. */
  submitPayerInput(input: ProviderPayerInput): Promise<PayerInputAnswer>;
  /** A raw callback from the adapters' audit log (a case's evidence). */
  getCallback(callbackId: string): Promise<StoredProviderCallback>;
  /** Settled payer payments after `cursor` ('' = from the start), settled at or before the time. */
  listSettledTransactions(input: {
    cursor: string;
    settledBefore: Date;
    limit: number;
    /** The extra transfers (money that did not settle its payment) instead, by their cursor. */
    extraTransfers?: boolean;
  }): Promise<{ transactions: SettledTransaction[]; nextCursor: string }>;
  /**
   * The provider-side state of a payment, asked of the provider where it has a status query.
   * PROVIDER_OPERATION_UNSUPPORTED where it has none.
   */
  queryPaymentStatus(paymentId: string): Promise<ProviderPaymentStatus>;
  /**
   * Charges a bound card without the customer (a scheduled charge). At most one charge per
   * idempotency key: a repeat answers the first charge, refreshed while it is open. Refusals
   * before any charge (unknown or inactive binding, currency) are thrown with their codes.
   */
  chargeBoundCard(input: BoundCardChargeRequest): Promise<BoundCardCharge>;
}

/** A provider callback as provider-adapters stored it for audit, with its verdict. */
export interface StoredProviderCallback {
  callbackId: string;
  receivedAt: Date | null;
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: Uint8Array;
  verdict: string;
  reasonCode: string;
}

/** A payer payment provider-adapters saw settle (ListSettledTransactions). */
export interface SettledTransaction {
  paymentId: string;
  merchantId: string;
  provider: ProviderName;
  method: PaymentMethod | null;
  providerPaymentId: string;
  /** Null when the provider confirmed the payment without its amount. */
  amount: Money | null;
  attributes: Record<string, string>;
  settledAt: Date;
  /** provider-adapters' `ptx_…`. */
  transactionId: string;
  /** The card binding the success reported, as its callback did. */
  cardBinding?: ReportedCardBinding;
}

/** QueryPaymentStatus, normalized. */
export interface ProviderPaymentStatus {
  provider: ProviderName;
  method: PaymentMethod | null;
  outcome: 'succeeded' | 'failed' | 'pending' | 'manual_review';
  providerPaymentId: string;
  amount: Money | null;
  attributes: Record<string, string>;
  /** False: the provider was not asked (it has no status query); the stored state only. */
  checkedWithProvider: boolean;
}

/** A settled transaction the reconciler could not explain, kept until it can. */
export interface UnexplainedSettlement {
  transaction: SettledTransaction;
  code: string;
  detail: string;
}

/**
 * Settled money the reconciler could not explain (no payment here): reported by every pass
 * until a pass explains it, so no difference is seen once and forgotten.
 */
export interface ReconcilerDifferenceRepository {
  /** Stores it unless its transaction is stored already. */
  record(difference: UnexplainedSettlement, at: Date): Promise<void>;
  /** Unresolved ones, oldest first. */
  listOpen(limit: number): Promise<UnexplainedSettlement[]>;
  /** A pass explained it (its payment exists now). */
  resolve(transactionId: string, at: Date): Promise<void>;
  /** An operator looked at it; `already` when resolved before, undefined when never kept. */
  acknowledge(
    transactionId: string,
    by: { operator: string; note: string; at: Date },
  ): Promise<{ already: boolean } | undefined>;
}

/** Durable positions of the reconciler (e.g. its cursor over settled transactions). */
export interface ReconcilerCursorRepository {
  /** '' when never stored. */
  get(name: string): Promise<string>;
  set(name: string, cursor: string, at: Date): Promise<void>;
}

export interface PostPaymentInput {
  idempotencyKey: string;
  paymentId: string;
  merchantId: string;
  gross: Money;
  method: PaymentMethod | null;
  provider: ProviderName | null;
  providerPaymentId: string;
  providerAttributes: Record<string, string>;
  orderId: string;
  description: string;
  occurredAt: Date;
  /** The payment's mode: every event of it carries it to the merchant. */
  livemode: boolean;
}

export interface PostPaymentResult {
  transactionId: string;
  alreadyExisted: boolean;
  /** The fee the ledger applied from the merchant's fee plan (zero without a plan). */
  fee: Money;
}

export interface RecordPaymentEventInput extends StatusEvent {
  idempotencyKey: string;
  paymentId: string;
  merchantId: string;
  orderId: string;
  description: string;
  livemode: boolean;
}

export interface HoldUnappliedFundsInput {
  idempotencyKey: string;
  case: Case;
  orderId: string;
  description: string;
  livemode: boolean;
}

export interface ResolveUnappliedFundsInput {
  idempotencyKey: string;
  caseId: string;
  operator: string;
  note: string;
  returnReference: string;
}

/** The ledger service (tolem.ledger.v1.LedgerService); idempotent on idempotencyKey. */
export interface LedgerPort {
  /** Puts a case's verified money into unapplied funds (one hold per case). */
  holdUnappliedFunds(input: HoldUnappliedFundsInput): Promise<{ transactionId: string }>;
  /**
   * Credits a case's money to its merchant, with the fee applied (on a replay, the first's).
   * LEDGER_CASE_ALREADY_RESOLVED when the case was returned.
   */
  applyUnappliedFunds(
    input: ResolveUnappliedFundsInput,
  ): Promise<{ transactionId: string; fee: Money }>;
  returnUnappliedFunds(input: ResolveUnappliedFundsInput): Promise<{ transactionId: string }>;
  postPayment(input: PostPaymentInput): Promise<PostPaymentResult>;
  /**
   * Records a status fact as an event in the payment's sequence. superseded: the payment's money
   * had already moved in the ledger, so the fact was stale and no event was written.
   */
  recordPaymentEvent(
    input: RecordPaymentEventInput,
  ): Promise<{ eventId: string; sequence: bigint; superseded: boolean }>;
}

/** A status event owed to the ledger: its transition row, in the payment's transition order. */
export interface OwedStatusEvent {
  transitionId: string;
  paymentId: string;
  event: StatusEvent;
}

/**
 * The status events of payment transitions (written with the transition, see
 * PaymentRepository.update) that the ledger has not acknowledged yet: an outbox to the ledger.
 */
export interface StatusEventRepository {
  /** The payment's owed events, oldest transition first. */
  listOwed(paymentId: string): Promise<OwedStatusEvent[]>;
  /**
   * Payments with an event owed since before `before`, the longest waiting first, leaving out
   * those with a refused event still waiting to be sent again at `now`.
   */
  listPaymentsOwing(before: Date, limit: number, now: Date): Promise<string[]>;
  /**
   * The ledger refused the event: not sent again by the relay for 10 s after `now`, twice as long
   * after each further refusal, up to an hour.
   */
  markRefused(transitionId: string, now: Date): Promise<void>;
  markRecorded(transitionId: string, at: Date, outcome: 'recorded' | 'superseded'): Promise<void>;
}

export interface RecordCardBindingInput {
  merchantId: string;
  paymentId: string;
  binding: ReportedCardBinding;
  firstAmount: Money;
  /** The payment's customer reference ('' when none): the binding belongs to that customer. */
  customerRef: string;
  /** `MM/YY` or ''. */
  cardExpiry: string;
  livemode: boolean;
}

/**
 * The recurring service (tolem.recurring.v1.RecurringService). RecordCardBinding is idempotent
 * per payment: the same content again is answered as the first time.
 */
export interface RecurringPort {
  recordCardBinding(input: RecordCardBindingInput): Promise<{ alreadyExisted: boolean }>;
}

/** A QR code as qr-platform issued it. */
export interface IssuedQrCode {
  /** `qr_…`: the reference (ELQR 32/11) the payer's bank echoes back in its confirmation. */
  id: string;
  /** The ELQR TLV text inside the QR image. */
  payload: string;
  /** The payment link (router base URL + "#" + payload). */
  link: string;
}

/** A code as qr-platform stores it (GetQrCode), as much as checkout needs of it. */
export interface StoredQrCode {
  id: string;
  merchantId: string;
  /** static: the payer enters the amount, every scan is a new payment; dynamic: one payment. */
  kind: 'static' | 'dynamic';
  description: string;
  /** False: made with a test key; pays through the sandbox only. */
  livemode: boolean;
  /** Dynamic codes: the payment it was issued for; '' otherwise. */
  paymentId: string;
}

/** qr-platform (tolem.qr.v1.QrService); CreateQrCode is idempotent per (merchant, key). */
export interface QrCodePort {
  /** A payment's code: one per payment (the key), valid until the payment's own expiry. */
  createDynamicCode(input: {
    merchantId: string;
    idempotencyKey: string;
    amount: Money;
    description: string;
    livemode: boolean;
    /** When the code stops being payable: the payment's expiry. */
    expiresAt: Date;
    paymentId: string;
    /** The merchant's name, for the payer's bank app (ELQR 59). */
    merchantName: string;
  }): Promise<IssuedQrCode>;
  /**
   * The code a bank confirmed a scan of; undefined when qr-platform has no such code
   * (QR_CODE_NOT_FOUND). Any other failure is thrown (the bank is asked to resend).
   */
  getCode(id: string): Promise<StoredQrCode | undefined>;
}

/**
 * Card bindings owed to the recurring service (an outbox): written before recurring is called,
 * marked recorded once it answered, retried by the sweeper until then.
 */
export interface PendingCardBindingRepository {
  /**
   * Inserts the binding unless one is stored for the payment already; returns the stored row and
   * whether this call inserted it.
   */
  enqueue(
    binding: NewPendingCardBinding,
  ): Promise<{ inserted: boolean; binding: PendingCardBinding }>;
  markRecorded(paymentId: string, at: Date): Promise<void>;
  /** Counts a failed attempt: the next one not before nextAttemptAt, or never when giveUp. */
  markFailed(
    paymentId: string,
    failure: { error: string; nextAttemptAt: Date; giveUp: boolean; at: Date },
  ): Promise<void>;
  /** Unrecorded, not given up, due at or before `now`, oldest first. */
  listDue(now: Date, limit: number): Promise<PendingCardBinding[]>;
}

/**
 * The payer's tries of an attempt-limited method per payment (payer_attempts). Tries are
 * reserved before the provider is asked, so parallel submissions cannot slip past the limit.
 */
export interface PayerAttemptRepository {
  /**
   * Counts one try of `method` for the payment unless `limit` tries are counted already; false
   * when the method is locked. Atomic: of N concurrent calls at most `limit` in total succeed.
   */
  reserve(paymentId: string, method: string, limit: number, at: Date): Promise<boolean>;
  /** Gives back a reserved try that did not count (accepted, still checking, provider down). */
  release(paymentId: string, method: string, at: Date): Promise<void>;
  /** True when `limit` tries are counted: the method is locked for this payment. */
  isLocked(paymentId: string, method: string, limit: number): Promise<boolean>;
}

export interface CaseFilter {
  status: CaseStatus | null;
  merchantId: string;
  paymentId: string;
  limit: number;
  /** Resume after this case (newest first). */
  after: { createdAt: Date; id: string } | null;
}

/** Cases and their audit trail (every step with who and why). */
export interface CaseRepository {
  /**
   * Stores the case (status opening) with its `opened` audit entry, unless a case with its
   * dedupe key exists (the same transfer reported again): then returns that one.
   */
  openOnce(c: Case): Promise<{ case: Case; created: boolean }>;
  findById(id: string): Promise<Case | undefined>;
  /** The case of one provider transfer (its dedupe key), if the transfer already made one. */
  findByDedupeKey(dedupeKey: string): Promise<Case | undefined>;
  list(filter: CaseFilter): Promise<Case[]>;
  audit(caseId: string): Promise<CaseAuditEntry[]>;
  /** opening -> open once the ledger holds the money; a no-op otherwise. */
  markHeld(caseId: string, at: Date): Promise<void>;
  /** open -> applied | returned, with the audit entry; a no-op when already so. */
  markResolved(
    caseId: string,
    resolution: {
      status: 'applied' | 'returned';
      at: Date;
      actor: string;
      note: string;
      returnReference: string;
    },
  ): Promise<void>;
  /**
   * Cases still opening since before `before`, oldest first (the ledger was unreachable), leaving
   * out those whose refused hold waits past `dueAt` (deferHold).
   */
  listOpening(before: Date, limit: number, dueAt: Date): Promise<Case[]>;
  /** The ledger refused the case's hold: not asked again for 10 s, doubling up to an hour. */
  deferHold(caseId: string, now: Date): Promise<void>;
}

/** The answer to a refund create: the stored refund, or the one an earlier request created. */
export type CreateRefundResult =
  | { created: true; refund: Refund }
  | { created: false; refund: Refund; request: Record<string, Canonical>; fingerprint: string };

/**
 * Refunds and their steps. Every change of a refund is conditional on the step it expects, so
 * two workers (a request and the sweeper) never both advance one.
 */
export interface RefundRepository {
  /**
   * Under the payment's row lock: unless (merchant, key) exists (then it is returned and nothing
   * written), asks `decide` for the new refund given the payment and what its other pending and
   * succeeded refunds take, and inserts it. decide throws to refuse; nothing is written then.
   * PAYMENT_NOT_FOUND for a missing payment or one of another merchant.
   */
  createIdempotent(
    key: { merchantId: string; idempotencyKey: string; paymentId: string },
    request: { canonical: Record<string, Canonical>; fingerprint: string },
    decide: (payment: Payment, takenMinor: bigint) => Refund,
  ): Promise<CreateRefundResult>;
  findById(id: string): Promise<Refund | undefined>;
  /** Newest first; after = the id to resume after (ids are time-sortable). */
  list(filter: {
    merchantId: string;
    paymentId: string;
    limit: number;
    startingAfter: string;
    /** Only refunds of this mode; null: any. */
    livemode: boolean | null;
  }): Promise<Refund[]>;
  /**
   * Moves the refund from step `from` to `next`'s step, status, execution, outcome and failure;
   * when the refund becomes succeeded, adds its amount to its payment's refunded_minor in the
   * same transaction. Undefined when the refund is no longer at `from` (another worker moved it).
   */
  advance(
    id: string,
    from: RefundStep,
    next: Pick<
      Refund,
      'step' | 'status' | 'execution' | 'outcome' | 'outcomeReference' | 'failureCode' | 'operator'
    >,
    at: Date,
  ): Promise<Refund | undefined>;
  /** Refunds at reserve, execute or resolve, last changed before `before`, oldest first. */
  listUnfinished(before: Date, limit: number, dueAt: Date): Promise<Refund[]>;
  /**
   * The sweeper could not move the refund on: not tried again for 10 s after `now`, twice as long
   * after each further try, up to 10 minutes (a refund that moves starts over).
   */
  deferSweep(refundId: string, now: Date): Promise<void>;
  /**
   * The payout-to-payer queue, oldest first (creation time, then id), with the payments they
   * refund; after `after` (a refund, queued or not) when given.
   */
  listAwaitingPayout(
    limit: number,
    after?: Pick<Refund, 'id' | 'createdAt'>,
  ): Promise<{ refund: Refund; payment: Payment }[]>;
}

export interface LedgerRefundPort {
  /** Merchant available -> refunds payable (`refund.pending`); idempotent on the refund id. */
  refundPayment(input: {
    refundId: string;
    paymentId: string;
    amount: Money;
    reason: string;
    occurredAt: Date;
  }): Promise<{ transactionId: string }>;
  /** Ends a refund once (`refund.succeeded` / `refund.failed`); idempotent per outcome. */
  resolveRefund(input: {
    refundId: string;
    outcome: RefundOutcome;
    reference: string;
    occurredAt: Date;
  }): Promise<{ transactionId: string; paymentStatus: string }>;
}

export interface ProviderRefundPort {
  /**
   * Refunds through the payment's provider, idempotent on the key (the refund id).
   * PROVIDER_OPERATION_UNSUPPORTED where the provider has no refund.
   */
  refundPayment(input: { idempotencyKey: string; paymentId: string; amount: Money }): Promise<{
    outcome: 'succeeded' | 'failed' | 'pending';
    providerRefundId: string;
    reasonCode: string;
  }>;
}

/** What a rotation under an idempotency key did. */
export type SecretRotationOutcome =
  | { kind: 'rotated'; merchant: Merchant }
  | { kind: 'replayed'; merchant: Merchant; secret: string; previousExpiresAt: Date }
  /** The key rotated with another kind or overlap, or a later rotation replaced its secret. */
  | { kind: 'key_reused'; reason: 'other_request' | 'superseded' };
