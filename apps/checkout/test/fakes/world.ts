import { makeApiKeys } from '../../src/app/api-keys';
import { makeApplyVerifiedSuccess } from '../../src/app/apply-verified-success';
import { makeAuthenticateApiKey } from '../../src/app/authenticate-api-key';
import { makeCancelPayment } from '../../src/app/cancel-payment';
import { makeCases } from '../../src/app/cases';
import { makeChargeBoundCard } from '../../src/app/charge-bound-card';
import { makeCreateFormPayment } from '../../src/app/create-form-payment';
import { makeCreateMerchant } from '../../src/app/create-merchant';
import { makeCreatePayment } from '../../src/app/create-payment';
import { makeCreateQrPayment } from '../../src/app/create-qr-payment';
import { makeExpirePayments } from '../../src/app/expire-payments';
import { makeGetMerchant } from '../../src/app/get-merchant';
import { makeGetPayment } from '../../src/app/get-payment';
import { makeHandleProviderCallback } from '../../src/app/handle-provider-callback';
import { makeListMerchants } from '../../src/app/list-merchants';
import { makeOnboarding } from '../../src/app/onboarding';
import { makePostToLedger } from '../../src/app/post-to-ledger';
import { makeAcknowledgeDifference, makeReconcile } from '../../src/app/reconcile';
import { makeRecordStatusEvents } from '../../src/app/record-status-events';
import { makeReportCardBinding } from '../../src/app/report-card-binding';
import { makeRotateSecret } from '../../src/app/rotate-secret';
import { makeStartOwnPayment, makeStartPayment } from '../../src/app/start-payment';
import { makeSubmitPayerInput } from '../../src/app/submit-payer-input';
import { makeSweepCardBindings } from '../../src/app/sweep-card-bindings';
import { makeSweepUnposted } from '../../src/app/sweep-unposted';
import { makeUpdateMerchant } from '../../src/app/update-merchant';
import type { CreateMerchantInput } from '../../src/domain/merchant';
import type { CreatePaymentInput } from '../../src/domain/payment-request';
import {
  fakeLedger,
  fakeMerchantPeers,
  fakeProvider,
  fakeQr,
  fakeRecurring,
  fixedClock,
  inMemoryCases,
  inMemoryMerchants,
  inMemoryPayerAttempts,
  inMemoryPayments,
  inMemoryPendingCardBindings,
  inMemoryReconcilerCursors,
  inMemoryReconcilerDifferences,
  inMemoryStatusEvents,
  recordingLog,
} from './in-memory';

export const TTL_MS = 60 * 60 * 1000;
export const SWEEP_GRACE_MS = 5_000;
export const BINDING_GRACE_MS = 3_000;
export const RECONCILE_GRACE_MS = 30_000;
export const PENDING_QUERY_AFTER_MS = 15 * 60 * 1000;
export const ATTEMPT_LIMITS = { wavepay: 3, webmoney_keeper_mobile: 2 } as const;

export const merchantInput: CreateMerchantInput = {
  idempotencyKey: 'mer-key-1',
  name: 'Bishkek Books',
  enabledMethods: ['webmoney_purse', 'webmoney_keeper_mobile'],
  webmoneyShopId: 'shop-42',
  defaultSuccessUrl: 'https://books.example/ok',
  defaultFailUrl: 'https://books.example/fail',
  vatRate: 'vat12',
  notificationUrl: 'https://books.example/tolem-hook',
  allowNegativeBalance: false,
  feeRules: [
    { method: 'webmoney_purse', percentBps: 250, fixed: [{ amountMinor: 500n, currency: 'KGS' }] },
  ],
  apiKeyMode: 'test',
};

/** Every use case wired to in-memory fakes, sharing one clock, log and set of repositories. */
export function world() {
  const clock = fixedClock();
  const log = recordingLog();
  const merchants = inMemoryMerchants();
  const peers = fakeMerchantPeers();
  const onboarding = makeOnboarding({ merchants, peers, clock, log });
  const payments = inMemoryPayments();
  const provider = fakeProvider();
  const ledger = fakeLedger();
  const recurring = fakeRecurring();
  const qr = fakeQr();
  const bindings = inMemoryPendingCardBindings();
  const statusEvents = inMemoryStatusEvents(payments);
  const caseRepo = inMemoryCases();
  const cases = makeCases({ cases: caseRepo, payments, ledger, clock, log });
  const recordStatusEvents = makeRecordStatusEvents({
    payments,
    statusEvents,
    ledger,
    clock,
    log,
  });
  const postToLedger = makePostToLedger({
    payments,
    ledger,
    clock,
    statusEvents: recordStatusEvents,
  });
  const sweepDeps = { payments, postToLedger, clock, log, graceMs: SWEEP_GRACE_MS };
  const cursors = inMemoryReconcilerCursors();
  const differences = inMemoryReconcilerDifferences();
  const attempts = inMemoryPayerAttempts();
  const attemptDeps = { attempts, attemptLimits: ATTEMPT_LIMITS };
  const createPayment = makeCreatePayment({ merchants, payments, clock, paymentTtlMs: TTL_MS });
  const applyVerifiedSuccess = makeApplyVerifiedSuccess({
    payments,
    postToLedger,
    cases,
    clock,
    log,
  });
  const startDeps = { merchants, payments, provider, qr, clock, ...attemptDeps };
  const startOwnPayment = makeStartOwnPayment(startDeps);
  const reportCardBinding = makeReportCardBinding({
    bindings,
    recurring,
    clock,
    log,
    graceMs: BINDING_GRACE_MS,
  });
  const w = {
    clock,
    log,
    merchants,
    payments,
    provider,
    ledger,
    recurring,
    qr,
    bindings,
    statusEvents,
    recordStatusEvents,
    caseRepo,
    cases,
    cancelPayment: makeCancelPayment({ payments, clock }),
    attempts,
    peers,
    onboarding,
    createMerchant: makeCreateMerchant({
      merchants,
      clock,
      deliverOnboarding: onboarding.deliverFor,
    }),
    updateMerchant: makeUpdateMerchant({
      merchants,
      clock,
      deliverOnboarding: onboarding.deliverFor,
    }),
    listMerchants: makeListMerchants({ merchants }),
    getMerchant: makeGetMerchant({ merchants }),
    sweepOnboarding: () => onboarding.sweep(),
    apiKeys: makeApiKeys({ merchants, clock }),
    rotateSecret: makeRotateSecret({ merchants, clock, deliverOnboarding: onboarding.deliverFor }),
    authenticate: makeAuthenticateApiKey({ merchants, clock }),
    createPayment,
    createFormPayment: makeCreateFormPayment({ merchants, clock, createPayment }),
    chargeBoundCard: makeChargeBoundCard({
      merchants,
      payments,
      provider,
      applyVerifiedSuccess,
      clock,
      log,
      paymentTtlMs: TTL_MS,
    }),
    getPayment: makeGetPayment({ merchants, payments }),
    startPayment: makeStartPayment(startDeps),
    createQrPayment: makeCreateQrPayment({ merchants, createPayment, startOwnPayment, clock }),
    /** CreateQrPayment on a deployment configured with another shortest expiry. */
    createQrPaymentWithMinExpiry: (minExpiryMs: number) =>
      makeCreateQrPayment({ merchants, createPayment, startOwnPayment, clock, minExpiryMs }),
    handleCallback: makeHandleProviderCallback({
      merchants,
      payments,
      provider,
      postToLedger,
      cases,
      reportCardBinding,
      clock,
      log,
      qr,
      createPayment,
      startOwnPayment,
    }),
    submitPayerInput: makeSubmitPayerInput({
      merchants,
      payments,
      provider,
      postToLedger,
      cases,
      clock,
      log,
      ...attemptDeps,
    }),
    sweepCardBindings: makeSweepCardBindings({ bindings, recurring, clock, log }),
    sweepUnposted: makeSweepUnposted(sweepDeps),
    /** What sweepUnposted runs with, for a sweep of another batch size. */
    sweepDeps,
    expirePayments: makeExpirePayments({ payments, clock, log }),
    cursors,
    differences,
    acknowledgeDifference: makeAcknowledgeDifference({ differences, clock, log }),
    reconcile: makeReconcile({
      provider,
      payments,
      cases: caseRepo,
      cursors,
      differences,
      applyVerifiedSuccess,
      reportCardBinding,
      clock,
      log,
      graceMs: RECONCILE_GRACE_MS,
      pendingQueryAfterMs: PENDING_QUERY_AFTER_MS,
      pageSize: 2,
    }),
    async merchant(overrides: Partial<CreateMerchantInput> = {}) {
      return w.createMerchant({ ...merchantInput, ...overrides });
    },
    paymentInput(
      merchantId: string,
      overrides: Partial<CreatePaymentInput> = {},
    ): CreatePaymentInput {
      return {
        merchantId,
        idempotencyKey: 'order-1001',
        amountMinor: 10_000n,
        currency: 'USD',
        orderId: '1001',
        description: 'Two books',
        successUrl: '',
        failUrl: '',
        metadata: { cart: 'c-1' },
        ...overrides,
      };
    },
    /** A merchant and one created payment. */
    async created(overrides: Partial<CreatePaymentInput> = {}) {
      const { merchant } = await w.merchant();
      const { view } = await w.createPayment(w.paymentInput(merchant.id, overrides));
      return { merchant, payment: view.payment };
    },
  };
  return w;
}
