import type { Knex } from '@tolem/db-kit';
import { type Clock, type LoopLog, startLoop, systemClock } from '@tolem/runtime';

import { createCheckoutClient } from '../clients/checkout.client';
import { createLedgerClient } from '../clients/ledger.client';
import type { RecurringConfig } from '../config';
import { chargesHandlers } from '../grpc/charges.grpc';
import { createChargesReader } from './charges.repo';
import { createFactsRelay, DEFAULT_RELAY_OPTIONS } from './facts-relay';
import type { ChargeSucceededPort, NextOccurrence } from './ports';
import { createScheduler } from './scheduler';
import { createOffsetClock, type TestClock } from './test-clock';

/** A charge goes through checkout and the provider within it. */
const CHECKOUT_DEADLINE_MS = 30_000;
const LEDGER_DEADLINE_MS = 5_000;
/** The relay's pause grows up to this while the ledger refuses. */
const RELAY_MAX_BACKOFF_MS = 30_000;

export interface ServiceClock {
  clock: Clock;
  /** Set only with RECURRING_TEST_CLOCK: the clock AdvanceTestClock moves. */
  testClock: TestClock | null;
}

/** Real time, or with RECURRING_TEST_CLOCK real time plus what AdvanceTestClock added. */
export function serviceClock(config: Pick<RecurringConfig, 'testClock'>): ServiceClock {
  const testClock = config.testClock ? createOffsetClock() : null;
  return { clock: testClock ?? systemClock, testClock };
}

/**
 * The scheduler, its peers and its loops, for main.ts. With RECURRING_TEST_CLOCK the clock is
 * real time plus what AdvanceTestClock added, and the scheduler runs only in AdvanceTestClock
 * (so its answer counts every attempt of the pass); the facts relay always runs by itself.
 */
export function startScheduling(deps: {
  db: Knex;
  log: LoopLog;
  config: RecurringConfig;
  nextOccurrence: NextOccurrence;
  receipts?: ChargeSucceededPort;
  /** The service's clock (serviceClock): the scheduler, operations and receipts share it. */
  clock?: ServiceClock;
}) {
  const { db, log, config } = deps;
  const { clock, testClock } = deps.clock ?? serviceClock(config);
  const checkout = createCheckoutClient(config.checkoutAddr, { deadlineMs: CHECKOUT_DEADLINE_MS });
  const ledger = createLedgerClient(config.ledgerAddr, { deadlineMs: LEDGER_DEADLINE_MS });
  const scheduler = createScheduler({
    db,
    clock,
    checkout,
    nextOccurrence: deps.nextOccurrence,
    ...(deps.receipts ? { receipts: deps.receipts } : {}),
    log,
    options: {
      batchSize: config.schedulerBatchSize,
      concurrency: config.schedulerConcurrency,
      leaseMs: config.schedulerLeaseMs,
    },
  });
  // Stopping ends a pass after its batch in hand instead of when nothing is due any more.
  const stopping = new AbortController();
  const schedulerLoop = startLoop({
    name: 'recurring-scheduler',
    intervalMs: testClock ? 0 : config.schedulerIntervalMs,
    runOnce: () => scheduler.runPass(stopping.signal),
    log,
  });
  const relay = createFactsRelay({ db, clock, ledger, log });
  const relayLoop = startLoop({
    name: 'recurring-facts-relay',
    intervalMs: config.factsRelayIntervalMs,
    runOnce: () => relay.runOnce(),
    fullBatch: DEFAULT_RELAY_OPTIONS.batchSize,
    maxBackoffMs: RELAY_MAX_BACKOFF_MS,
    log,
  });
  return {
    /** ListCharges and AdvanceTestClock, to spread into RecurringService's handlers. */
    handlers: chargesHandlers({ charges: createChargesReader(db), scheduler, testClock }),
    scheduler,
    /** Wakes the relay after a commit that wrote facts (e.g. a cancel). */
    wakeRelay: () => relayLoop.wake(),
    /** Stops the loops (a round in progress finishes) and closes the peers. */
    async stop() {
      stopping.abort();
      await Promise.all([schedulerLoop.stop(), relayLoop.stop()]);
      checkout.close();
      ledger.close();
    },
  };
}
