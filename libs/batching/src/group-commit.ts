/**
 * Group commit, shared by the ledger's journal writes, checkout's payment creates and the
 * gateway's batched CreatePayments calls: pure (no I/O), so it lives in a core library.
 */
/** One item's outcome within a batch that committed (or failed) as a whole. */
export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface GroupCommitOptions<T, R> {
  /** Independent queues; each has at most one batch in flight. */
  lanes: number;
  /** Most items written in one database transaction. */
  maxBatch: number;
  laneOf(item: T): number;
  /** Writes a batch in one transaction and returns one outcome per item, in order; throws if
   * the batch as a whole failed (then every item is retried alone with writeOne). */
  writeBatch(items: T[]): Promise<Outcome<R>[]>;
  /** Writes one item alone; its error is that item's answer. */
  writeOne(item: T): Promise<R>;
  /** Told when a batch failed as a whole and its items are retried one by one. */
  onBatchFailed?(error: unknown, size: number): void;
}

export interface GroupCommitter<T, R> {
  submit(item: T): Promise<R>;
  /** Resolves once every submitted item has been answered. */
  drain(): Promise<void>;
}

interface Pending<T, R> {
  item: T;
  resolve(value: R): void;
  reject(error: unknown): void;
}

/**
 * Group commit, as databases and TigerBeetle do it: while a lane's batch is being written (and
 * fsynced), new items queue up; the next batch takes all of them in one transaction. Nothing
 * waits on a timer: an idle lane writes the first item at once (on the next macrotask, so items
 * submitted together travel together). Items of one lane never run concurrently with each
 * other, so lanes chosen by shard never contend for a row lock.
 */
export function createGroupCommitter<T, R>(
  options: GroupCommitOptions<T, R>,
): GroupCommitter<T, R> {
  const queues: Pending<T, R>[][] = Array.from({ length: options.lanes }, () => []);
  const running: boolean[] = Array.from({ length: options.lanes }, () => false);
  let inFlight = 0;
  let idle: (() => void)[] = [];

  const settle = (p: Pending<T, R>, outcome: Outcome<R>) => {
    if (outcome.ok) p.resolve(outcome.value);
    else p.reject(outcome.error);
  };

  async function runLane(lane: number): Promise<void> {
    const queue = queues[lane] as Pending<T, R>[];
    while (queue.length > 0) {
      const batch = queue.splice(0, options.maxBatch);
      try {
        const outcomes = await options.writeBatch(batch.map((p) => p.item));
        batch.forEach((p, i) =>
          settle(p, outcomes[i] ?? { ok: false, error: new Error('no outcome') }),
        );
      } catch (err) {
        options.onBatchFailed?.(err, batch.length);
        for (const p of batch) {
          try {
            p.resolve(await options.writeOne(p.item));
          } catch (error) {
            p.reject(error);
          }
        }
      }
      inFlight -= batch.length;
    }
    running[lane] = false;
    if (inFlight === 0) {
      const waiters = idle;
      idle = [];
      for (const w of waiters) w();
    }
  }

  return {
    submit(item) {
      const lane = Math.abs(options.laneOf(item)) % options.lanes;
      return new Promise<R>((resolve, reject) => {
        (queues[lane] as Pending<T, R>[]).push({ item, resolve, reject });
        inFlight += 1;
        if (!running[lane]) {
          running[lane] = true;
          setImmediate(() => void runLane(lane));
        }
      });
    },
    drain() {
      if (inFlight === 0) return Promise.resolve();
      return new Promise((resolve) => idle.push(resolve));
    },
  };
}
