import {
  CaseServiceService,
  CheckoutServiceService,
  MerchantServiceService,
  ReconcilerServiceService,
  RefundServiceService,
} from '@tolem/contracts/checkout';
import { createKnex, migrateLatest } from '@tolem/db-kit';
import { createGrpcServer, grpcTransportOf, useGrpcTransport } from '@tolem/grpc-kit';
import { startMetrics } from '@tolem/metrics';
import { createLogger, startTracing } from '@tolem/observability';
import { type Loop, onShutdown, runService, startLoop, systemClock } from '@tolem/runtime';

import { migrations } from '../migrations';
import { makeApiKeys } from './app/api-keys';
import { makeApplyVerifiedSuccess } from './app/apply-verified-success';
import { makeAuthenticateApiKey } from './app/authenticate-api-key';
import { makeCancelPayment } from './app/cancel-payment';
import { makeCases } from './app/cases';
import { makeChargeBoundCard } from './app/charge-bound-card';
import { makeCreateFormPayment } from './app/create-form-payment';
import { makeCreateMerchant } from './app/create-merchant';
import { makeCreatePayment } from './app/create-payment';
import { makeCreateQrPayment } from './app/create-qr-payment';
import { makeExpirePayments } from './app/expire-payments';
import { makeGetMerchant } from './app/get-merchant';
import { makeGetPayment } from './app/get-payment';
import { makeHandleProviderCallback } from './app/handle-provider-callback';
import { makeListMerchants } from './app/list-merchants';
import { makeListPaymentEvents } from './app/list-payment-events';
import { makeListPayments } from './app/list-payments';
import { cachedMerchants } from './app/merchant-cache';
import { makeOnboarding } from './app/onboarding';
import { makePostToLedger } from './app/post-to-ledger';
import { makeAcknowledgeDifference, makeReconcile } from './app/reconcile';
import { makeRecordStatusEvents } from './app/record-status-events';
import { makeRefunds } from './app/refunds';
import { makeReportCardBinding } from './app/report-card-binding';
import { makeRotateSecret } from './app/rotate-secret';
import { makeStartOwnPayment, makeStartPayment } from './app/start-payment';
import { makeSubmitPayerInput } from './app/submit-payer-input';
import { makeSweepCardBindings } from './app/sweep-card-bindings';
import { makeSweepUnposted } from './app/sweep-unposted';
import { makeUpdateMerchant } from './app/update-merchant';
import { createLedgerClient } from './clients/ledger.client';
import { createMerchantPeersClient } from './clients/merchant-peers.client';
import { createProviderAdaptersClient } from './clients/provider-adapters.client';
import { createQrPlatformClient } from './clients/qr-platform.client';
import { createRecurringClient } from './clients/recurring.client';
import { loadConfig } from './config';
import { createCasesRepo } from './db/cases.repo';
import { createMerchantsRepo } from './db/merchants.repo';
import { createPayerAttemptsRepo } from './db/payer-attempts.repo';
import {
  createPaymentListReader,
  createPaymentsRepo,
  createPaymentTimelineReader,
} from './db/payments.repo';
import { createPendingCardBindingsRepo } from './db/pending-card-bindings.repo';
import { createReconcilerCursorsRepo } from './db/reconciler-cursors.repo';
import { createReconcilerDifferencesRepo } from './db/reconciler-differences.repo';
import { createRefundsRepo } from './db/refunds.repo';
import { createStatusEventsRepo } from './db/status-events.repo';
import { caseHandlers } from './grpc/case.grpc';
import { checkoutHandlers } from './grpc/checkout.grpc';
import { merchantHandlers } from './grpc/merchant.grpc';
import { reconcilerHandlers } from './grpc/reconciler.grpc';
import { refundHandlers } from './grpc/refund.grpc';
import { checkoutMetrics } from './metrics';

/** Provider adapters may call the provider over HTTP before answering StartPayment. */
const PROVIDER_DEADLINE_MS = 15_000;
/** Also the sweeper's grace: a post still in flight from a callback is left alone this long. */
const LEDGER_DEADLINE_MS = 5_000;
/**
 * Short: recording a card binding sits on a provider callback's path; when recurring is slow the
 * binding waits in pending_card_bindings for the sweeper instead. Also the sweeper's grace.
 */
const RECURRING_DEADLINE_MS = 3_000;
const QR_PLATFORM_DEADLINE_MS = 5_000;
/** A merchant create waits for its onboarding calls; a slower peer leaves them to the sweeper. */
const ONBOARDING_DEADLINE_MS = 3_000;

async function main(): Promise<void> {
  const config = loadConfig();
  useGrpcTransport(grpcTransportOf('checkout', config.grpcTls));
  const log = createLogger({ service: 'checkout', level: config.logLevel });
  // Off unless the OTEL_* variables ask for it (README: Traces).
  const tracing = startTracing({ service: 'checkout' });
  const metrics = await startMetrics({
    service: 'checkout',
    port: config.metricsPort,
    host: config.metricsHost,
    log,
  });
  const db = createKnex({ url: config.databaseUrl.reveal(), applicationName: 'checkout' });
  if (config.migrateOnStart) await migrateLatest(db, migrations);

  const clock = systemClock;
  const merchants = createMerchantsRepo(db);
  // The relay is created once the ledger client exists; transitions only wake it.
  const relay: { current?: Loop } = {};
  const counts = checkoutMetrics(db);
  const payments = createPaymentsRepo(db, {
    afterStatusEvent: () => relay.current?.wake(),
    afterFinal: (payment) => counts.finished(payment),
  });
  const provider = createProviderAdaptersClient(config.providerAdaptersAddr, {
    deadlineMs: PROVIDER_DEADLINE_MS,
  });
  const ledger = createLedgerClient(config.ledgerAddr, { deadlineMs: LEDGER_DEADLINE_MS });
  const recurring = createRecurringClient(config.recurringAddr, {
    deadlineMs: RECURRING_DEADLINE_MS,
  });
  const qr = createQrPlatformClient(config.qrPlatformAddr, { deadlineMs: QR_PLATFORM_DEADLINE_MS });
  const bindings = createPendingCardBindingsRepo(db);
  const attemptDeps = {
    attempts: createPayerAttemptsRepo(db),
    attemptLimits: config.payerAttemptLimits,
  };

  const recordStatusEvents = makeRecordStatusEvents({
    payments,
    statusEvents: createStatusEventsRepo(db),
    ledger,
    clock,
    log,
  });
  // Owed status events go to the ledger at once when a transition wakes the relay, and every
  // STATUS_EVENT_SWEEP_MS for whatever is still owed (the ledger was down, the process restarted).
  const statusEventRelay = startLoop({
    name: 'status-event-relay',
    runOnce: () => recordStatusEvents.sweep({ graceMs: 0 }),
    intervalMs: config.statusEventSweepMs,
    log,
  });
  relay.current = statusEventRelay;
  const postToLedger = makePostToLedger({
    payments,
    ledger,
    clock,
    statusEvents: recordStatusEvents,
  });
  const cardBindingDeps = { bindings, recurring, clock, log };
  const caseRepo = createCasesRepo(db);
  const cases = makeCases({ cases: caseRepo, payments, ledger, clock, log });
  const differences = createReconcilerDifferencesRepo(db);
  const applyVerifiedSuccess = makeApplyVerifiedSuccess({
    payments,
    postToLedger,
    cases,
    clock,
    log,
  });
  const reportCardBinding = makeReportCardBinding({
    ...cardBindingDeps,
    graceMs: RECURRING_DEADLINE_MS,
  });
  const reconcile = makeReconcile({
    provider,
    payments,
    cases: caseRepo,
    cursors: createReconcilerCursorsRepo(db),
    differences,
    applyVerifiedSuccess,
    reportCardBinding,
    clock,
    log,
    graceMs: config.reconcileGraceMs,
    pendingQueryAfterMs: config.reconcilePendingQueryAfterMs,
  });
  const merchantPeers = createMerchantPeersClient(
    { ledger: config.ledgerAddr, notifier: config.notifierAddr },
    { deadlineMs: ONBOARDING_DEADLINE_MS },
  );
  const onboarding = makeOnboarding({ merchants, peers: merchantPeers, clock, log });
  // Creates and the payer's page reads (which only list the enabled methods; starting one checks
  // the merchant as stored) take a merchant up to MERCHANT_CACHE_TTL_MS old.
  const recentMerchants = cachedMerchants(merchants, { ttlMs: config.merchantCacheTtlMs });
  const createPayment = makeCreatePayment({
    merchants: recentMerchants,
    payments,
    clock,
    paymentTtlMs: config.paymentTtlMs,
  });
  const startDeps = { merchants, payments, provider, qr, clock, ...attemptDeps };
  const startOwnPayment = makeStartOwnPayment(startDeps);
  const grpc = createGrpcServer({ log });
  grpc.addService(
    CheckoutServiceService,
    checkoutHandlers({
      createPayment,
      createFormPayment: makeCreateFormPayment({ merchants, clock, createPayment }),
      chargeBoundCard: makeChargeBoundCard({
        merchants: recentMerchants,
        payments,
        provider,
        applyVerifiedSuccess,
        clock,
        log,
        paymentTtlMs: config.paymentTtlMs,
      }),
      getPayment: makeGetPayment({ merchants: recentMerchants, payments }),
      listPayments: makeListPayments({ reader: createPaymentListReader(db), merchants }),
      listPaymentEvents: makeListPaymentEvents({
        payments,
        timeline: createPaymentTimelineReader(db),
      }),
      startPayment: makeStartPayment(startDeps),
      createQrPayment: makeCreateQrPayment({
        merchants: recentMerchants,
        createPayment,
        startOwnPayment,
        clock,
        minExpiryMs: config.qrMinExpiryMs,
      }),
      handleProviderCallback: makeHandleProviderCallback({
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
      cancelPayment: makeCancelPayment({ payments, clock }),
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
    }),
  );
  grpc.addService(CaseServiceService, caseHandlers({ cases, repo: caseRepo, provider }));
  grpc.addService(
    ReconcilerServiceService,
    reconcilerHandlers({
      reconcile,
      acknowledgeDifference: makeAcknowledgeDifference({ differences, clock, log }),
    }),
  );
  grpc.addService(
    MerchantServiceService,
    merchantHandlers({
      createMerchant: makeCreateMerchant({
        merchants,
        clock,
        deliverOnboarding: onboarding.deliverFor,
      }),
      getMerchant: makeGetMerchant({ merchants }),
      listMerchants: makeListMerchants({ merchants }),
      updateMerchant: makeUpdateMerchant({
        merchants,
        clock,
        deliverOnboarding: onboarding.deliverFor,
      }),
      authenticateApiKey: makeAuthenticateApiKey({ merchants, clock }),
      apiKeys: makeApiKeys({ merchants, clock }),
      rotateSecret: makeRotateSecret({
        merchants,
        clock,
        deliverOnboarding: onboarding.deliverFor,
      }),
    }),
  );
  const refunds = makeRefunds({ refunds: createRefundsRepo(db), ledger, provider, clock, log });
  grpc.addService(RefundServiceService, refundHandlers({ refunds }));
  const port = await grpc.listen(config.grpcPort, config.grpcHost);

  // Succeeded payments the ledger has not acknowledged are posted again.
  const ledgerSweeper = startLoop({
    name: 'ledger-sweeper',
    runOnce: makeSweepUnposted({ payments, postToLedger, clock, log, graceMs: LEDGER_DEADLINE_MS }),
    intervalMs: config.ledgerSweepMs,
    log,
  });
  // Overdue created/pending payments are marked expired.
  const expirySweeper = startLoop({
    name: 'expiry-sweeper',
    runOnce: makeExpirePayments({ payments, clock, log }),
    intervalMs: config.paymentExpirySweepMs,
    log,
  });
  // Cases whose money the ledger did not hold yet (it was down when the provider called).
  const caseSweeper = startLoop({
    name: 'case-sweeper',
    runOnce: () => cases.sweepOpening(LEDGER_DEADLINE_MS),
    intervalMs: config.ledgerSweepMs,
    log,
  });
  // Refunds interrupted at a step (a peer was down, or checkout restarted).
  const refundSweeper = startLoop({
    name: 'refund-sweeper',
    runOnce: () => refunds.sweep(config.refundSweepGraceMs),
    intervalMs: config.ledgerSweepMs,
    log,
  });
  // Onboarding steps a peer did not take when the merchant was created or changed.
  const onboardingSweeper = startLoop({
    name: 'onboarding-sweeper',
    runOnce: () => onboarding.sweep(),
    intervalMs: config.onboardingSweepMs,
    log,
  });
  const reconciler = startLoop({
    name: 'reconciler',
    runOnce: reconcile,
    intervalMs: config.reconcileSweepMs,
    log,
  });
  // Card bindings the recurring service has not acknowledged are sent again.
  const cardBindingSweeper = startLoop({
    name: 'card-binding-sweeper',
    runOnce: makeSweepCardBindings(cardBindingDeps),
    intervalMs: config.cardBindingSweepMs,
    log,
  });

  onShutdown(log, [
    // Intake and background work stop together: the shutdown has a grace period to fit in.
    [
      () => grpc.drain(),
      () => ledgerSweeper.stop(),
      () => statusEventRelay.stop(),
      () => expirySweeper.stop(),
      () => cardBindingSweeper.stop(),
      () => caseSweeper.stop(),
      () => refundSweeper.stop(),
      () => onboardingSweeper.stop(),
      () => reconciler.stop(),
    ],
    () => provider.close(),
    () => ledger.close(),
    () => recurring.close(),
    () => qr.close(),
    () => merchantPeers.close(),
    () => db.destroy(),
    () => metrics.close(),
    () => tracing.shutdown(),
  ]);
  log.info({ port }, 'checkout started');
}

runService('checkout', main);
