import { Writable } from 'node:stream';

import { createLogger } from '@tolem/observability';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { type AttemptSignals, superviseConsumer } from './consumer.supervisor';

const log = createLogger({
  service: 'test',
  level: 'silent',
  destination: new Writable({ write: (_c, _e, d) => d() }),
});

/** A scripted consumer: each attempt either fails to start or hands its signals to the test. */
function scripted(script: ('refuse' | 'run')[]) {
  const startedAt: number[] = [];
  const attempts: AttemptSignals[] = [];
  let stopped = 0;
  return {
    startedAt,
    attempts,
    stopped: () => stopped,
    start(signals: AttemptSignals) {
      startedAt.push(Date.now());
      const step = script[startedAt.length - 1] ?? 'run';
      if (step === 'refuse') return Promise.reject(new Error('broker unreachable'));
      attempts.push(signals);
      return Promise.resolve({
        stop: () => {
          stopped += 1;
          return Promise.resolve();
        },
      });
    },
  };
}

describe('superviseConsumer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('retries a consumer that cannot start with doubling backoff, capped, until one joins', async () => {
    const fake = scripted(['refuse', 'refuse', 'refuse', 'refuse', 'run']);
    const supervised = superviseConsumer({
      name: 'test',
      log,
      start: (s) => fake.start(s),
      minBackoffMs: 1_000,
      maxBackoffMs: 5_000,
    });
    const t0 = Date.now();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(fake.startedAt.map((t) => t - t0)).toEqual([0, 1_000, 3_000, 7_000, 12_000]);
    expect(supervised.isConsuming()).toBe(false);
    expect(supervised.restarts()).toBe(4);

    fake.attempts[0]?.joined();
    expect(supervised.isConsuming()).toBe(true);
    await supervised.stop();
    expect(fake.stopped()).toBe(1);
    expect(supervised.isConsuming()).toBe(false);
  });

  it('replaces a crashed consumer after the minimum backoff once it had joined, and reports each change', async () => {
    const fake = scripted(['run', 'refuse', 'run']);
    const supervised = superviseConsumer({
      name: 'test',
      log,
      start: (s) => fake.start(s),
      minBackoffMs: 1_000,
      maxBackoffMs: 30_000,
    });
    const changes: boolean[] = [];
    supervised.onConsumingChange((c) => changes.push(c));
    await vi.advanceTimersByTimeAsync(0);
    fake.attempts[0]?.joined();
    const crashedAt = Date.now();
    fake.attempts[0]?.crashed(new Error('KafkaJSNonRetriableError'));
    await vi.advanceTimersByTimeAsync(10_000);

    // The crashed attempt is stopped, then a restart after 1 s fails, the next comes 2 s later.
    expect(fake.stopped()).toBe(1);
    expect(fake.startedAt.slice(1).map((t) => t - crashedAt)).toEqual([1_000, 3_000]);
    fake.attempts[1]?.joined();
    expect(changes).toEqual([false, true, false, true]);
    await supervised.stop();
  });

  it('reports a joined consumer that stops hearing from the broker as not consuming, until it does again', async () => {
    const fake = scripted(['run']);
    const supervised = superviseConsumer({
      name: 'test',
      log,
      start: (s) => fake.start(s),
      stallMs: 20_000,
    });
    await vi.advanceTimersByTimeAsync(0);
    const signals = fake.attempts[0] as AttemptSignals;
    signals.joined();
    await vi.advanceTimersByTimeAsync(15_000);
    signals.active();
    await vi.advanceTimersByTimeAsync(15_000);
    expect(supervised.isConsuming()).toBe(true);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(supervised.isConsuming()).toBe(false);
    expect(fake.startedAt).toHaveLength(1);
    signals.active();
    expect(supervised.isConsuming()).toBe(true);
    await supervised.stop();
  });

  it('stops while waiting to retry without starting another attempt', async () => {
    const fake = scripted(['refuse']);
    const supervised = superviseConsumer({
      name: 'test',
      log,
      start: (s) => fake.start(s),
      minBackoffMs: 60_000,
    });
    await vi.advanceTimersByTimeAsync(1_000);
    await supervised.stop();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(fake.startedAt).toHaveLength(1);
  });
});
