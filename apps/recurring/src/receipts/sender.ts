import type { Knex } from '@tolem/db-kit';
import {
  type Clock,
  exponentialBackoffMs,
  type Loop,
  type LoopLog,
  startLoop,
} from '@tolem/runtime';

import type { CashRegisterClient, SendOutcome } from './cash-register.client';
import type { Receipt } from './receipt';
import { claimDueReceipts, markReceiptRetry, markReceiptSucceeded } from './receipts.repo';
import { toRegisterRequest } from './wire';

export interface ReceiptSenderPolicy {
  /** Receipts claimed per round. */
  batchSize: number;
  /** How long a claim keeps other instances off a receipt; longer than the send's timeout. */
  leaseMs: number;
  /** Pause after the first failed send; doubles with each further one up to retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
  /**
   * Pause after a refusal (4xx on the content): the same body gets the same answer until the
   * register's settings change, so it is asked rarely rather than hammered, and never given up.
   */
  refusedRetryMs: number;
}

export const DEFAULT_SENDER_POLICY: ReceiptSenderPolicy = Object.freeze({
  batchSize: 20,
  leaseMs: 60_000,
  retryBaseMs: 5_000,
  retryMaxMs: 3_600_000,
  refusedRetryMs: 6 * 3_600_000,
});

export interface ReceiptSenderDeps {
  db: Knex;
  client: CashRegisterClient;
  /** The scheduler's clock: receipts are due by the time it wrote them at. */
  clock: Clock;
  log: LoopLog & { warn(fields: object, message: string): void };
  policy?: Partial<ReceiptSenderPolicy>;
}

export interface ReceiptSender {
  /** One round: claims due receipts, sends each once; resolves to how many it sent. */
  runOnce(): Promise<number>;
}

/** Backoff of the n-th failed send (n ≥ 1). */
export function retryDelayMs(policy: ReceiptSenderPolicy, attempts: number): number {
  return exponentialBackoffMs({ baseMs: policy.retryBaseMs, maxMs: policy.retryMaxMs }, attempts);
}

/**
 * Sends pending receipts to the cash register until each is accepted. Each claimed receipt is
 * sent with its id as Idempotence-Key, so a send that timed out and is repeated (by this
 * instance later, or by another after the lease) is never registered twice.
 */
export function makeReceiptSender(deps: ReceiptSenderDeps): ReceiptSender {
  const policy: ReceiptSenderPolicy = { ...DEFAULT_SENDER_POLICY, ...deps.policy };

  async function record(receipt: Receipt, outcome: SendOutcome): Promise<void> {
    const now = deps.clock.now();
    switch (outcome.kind) {
      case 'registered':
        if (outcome.receipt.status === 'succeeded') {
          await markReceiptSucceeded(deps.db, receipt.id, outcome.receipt, now);
          return;
        }
        // Accepted, still registering: ask again (same key) to learn the fiscal data.
        await markReceiptRetry(
          deps.db,
          receipt.id,
          {
            lastError: `register status ${outcome.receipt.status}`,
            nextAttemptAt: new Date(now.getTime() + policy.retryBaseMs),
            refused: false,
            registerReceiptId: outcome.receipt.id,
          },
          now,
        );
        return;
      case 'refused':
        deps.log.warn(
          {
            receiptId: receipt.id,
            merchantId: receipt.merchantId,
            status: outcome.status,
            error: outcome.error,
          },
          'cash register refused a receipt; retrying rarely',
        );
        await markReceiptRetry(
          deps.db,
          receipt.id,
          {
            lastError: `refused: ${outcome.error}`,
            nextAttemptAt: new Date(now.getTime() + policy.refusedRetryMs),
            refused: true,
          },
          now,
        );
        return;
      case 'failed':
        await markReceiptRetry(
          deps.db,
          receipt.id,
          {
            lastError: outcome.error,
            nextAttemptAt: new Date(now.getTime() + retryDelayMs(policy, receipt.sendAttempts)),
            refused: false,
          },
          now,
        );
        return;
    }
  }

  return {
    async runOnce() {
      const now = deps.clock.now();
      const claimed = await claimDueReceipts(
        deps.db,
        now,
        new Date(now.getTime() + policy.leaseMs),
        policy.batchSize,
      );
      await Promise.all(
        claimed.map(async (receipt) => {
          const outcome = await deps.client.register(receipt.id, toRegisterRequest(receipt));
          await record(receipt, outcome);
        }),
      );
      return claimed.length;
    },
  };
}

/** The sender as a background loop; a full batch is followed at once by the next round. */
export function startReceiptSender(deps: ReceiptSenderDeps & { intervalMs: number }): Loop {
  const sender = makeReceiptSender(deps);
  const batch = deps.policy?.batchSize ?? DEFAULT_SENDER_POLICY.batchSize;
  return startLoop({
    name: 'receipt-sender',
    runOnce: () => sender.runOnce(),
    intervalMs: deps.intervalMs,
    log: deps.log,
    fullBatch: batch,
    maxBackoffMs: 60_000,
  });
}
