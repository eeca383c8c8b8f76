import type { Logger } from '@tolem/observability';

/** What one consumer attempt reports to its supervisor. */
export interface AttemptSignals {
  /** Joined its group (got an assignment): a working consumer. */
  joined(): void;
  /** A fetch, heartbeat or processed batch completed: the consumer is still talking to the broker. */
  active(): void;
  /** The attempt is dead (kafkajs crashed and will not restart it). */
  crashed(err: unknown): void;
}

/** One consumer instance: connected, subscribed and running once start resolves. */
export interface ConsumerAttempt {
  stop(): Promise<void>;
}

export interface SuperviseConsumerOptions {
  /** Used in log lines ("notifier payments.events.v1"). */
  name: string;
  log: Logger;
  /** Connects, subscribes and runs a fresh consumer; rejects when the broker does not answer. */
  start(signals: AttemptSignals): Promise<ConsumerAttempt>;
  /** First pause before a restart; doubles per failed attempt (default 1 s). */
  minBackoffMs?: number;
  /** Longest pause between attempts (default 10 s: a consumer is back within seconds of the broker). */
  maxBackoffMs?: number;
  /**
   * A joined consumer that has not completed a fetch or heartbeat for this long is reported as not
   * consuming (default 20 s: two fetch timeouts of createKafka's 10 s requests).
   */
  stallMs?: number;
}

export interface SupervisedConsumer {
  /** In its group and talking to the broker: what its health service (CONSUMER_HEALTH) reports. */
  isConsuming(): boolean;
  /** Called on every change of isConsuming (once now with the current value). */
  onConsumingChange(listener: (consuming: boolean) => void): void;
  /** Attempts that failed to start or crashed so far. */
  restarts(): number;
  stop(): Promise<void>;
}

/**
 * Keeps a consumer running for the life of the process. An attempt that cannot connect (the broker
 * is down or frozen) or that crashes is thrown away and a fresh one starts after a backoff (1 s,
 * 2 s, 4 s … up to maxBackoffMs; back to the minimum once one has joined its group). kafkajs's own
 * restart only covers crashes it deems retriable and never the first connect, which left a
 * service running without its consumer after a broker outage; here there is one path for all.
 */
export function superviseConsumer(options: SuperviseConsumerOptions): SupervisedConsumer {
  const { log, name } = options;
  const minBackoffMs = options.minBackoffMs ?? 1_000;
  const maxBackoffMs = options.maxBackoffMs ?? 10_000;
  const stallMs = options.stallMs ?? 20_000;
  const listeners: ((consuming: boolean) => void)[] = [];
  let consuming = false;
  let joined = false;
  let lastActive = 0;
  let failures = 0;
  let restarts = 0;
  let stopped = false;
  let wake: (() => void) | undefined;

  const setConsuming = (value: boolean) => {
    if (value === consuming) return;
    consuming = value;
    log.info(
      { consumer: name, consuming: value },
      value ? 'consumer consuming' : 'consumer not consuming',
    );
    for (const listener of listeners) listener(value);
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const backoff = () => Math.min(maxBackoffMs, minBackoffMs * 2 ** Math.max(0, failures - 1));

  // A frozen broker neither answers nor closes the connection: no event says "stuck", so a
  // joined consumer that stopped hearing from the broker is reported by the clock.
  const stallCheck = setInterval(() => {
    if (joined && Date.now() - lastActive > stallMs) setConsuming(false);
  }, 1_000);
  stallCheck.unref();

  const loop = (async () => {
    while (!stopped) {
      let crash: (err: unknown) => void = () => undefined;
      const crashed = new Promise<unknown>((resolve) => {
        crash = resolve;
      });
      const signals: AttemptSignals = {
        joined() {
          joined = true;
          failures = 0;
          lastActive = Date.now();
          setConsuming(true);
        },
        active() {
          lastActive = Date.now();
          if (joined) setConsuming(true);
        },
        crashed: (err) => crash(err),
      };
      let attempt: ConsumerAttempt | undefined;
      try {
        attempt = await options.start(signals);
      } catch (err) {
        crash(err);
      }
      let reason: unknown;
      if (!stopped) {
        const stopping = new Promise<undefined>((resolve) => {
          wake = () => resolve(undefined);
        });
        reason = await Promise.race([crashed, stopping]);
      }
      joined = false;
      setConsuming(false);
      await attempt?.stop().catch(() => undefined);
      if (stopped) break;
      failures += 1;
      restarts += 1;
      const delay = backoff();
      log.warn(
        { consumer: name, err: reason, failures, restartInMs: delay },
        attempt ? 'consumer crashed; restarting' : 'consumer could not start; retrying',
      );
      await sleep(delay);
    }
  })();

  return {
    isConsuming: () => consuming,
    onConsumingChange(listener) {
      listeners.push(listener);
      listener(consuming);
    },
    restarts: () => restarts,
    async stop() {
      stopped = true;
      clearInterval(stallCheck);
      wake?.();
      await loop;
    },
  };
}

/** The grpc.health.v1 service (grpc-kit reportStatus) a supervised consumer reports under. */
export const CONSUMER_HEALTH = 'kafka-consumer';
