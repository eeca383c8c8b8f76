import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { type LoopOptions, startLoop } from './loop';

function recordingLog() {
  const lines: { level: 'info' | 'error'; message: string; fields: object }[] = [];
  return {
    lines,
    info: (fields: object, message: string) => lines.push({ level: 'info', message, fields }),
    error: (fields: object, message: string) => lines.push({ level: 'error', message, fields }),
  };
}

/** A runOnce that counts its rounds and answers from a script (a number, or an Error to throw). */
function scripted(script: (number | Error)[] = []) {
  const calls: number[] = [];
  const runOnce = vi.fn(async () => {
    calls.push(Date.now());
    const next = script.shift() ?? 0;
    if (next instanceof Error) throw next;
    return next;
  });
  return { runOnce, calls };
}

describe('startLoop', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const start = (options: Partial<LoopOptions> & Pick<LoopOptions, 'runOnce'>) =>
    startLoop({ name: 'test-loop', intervalMs: 1_000, log: recordingLog(), ...options });

  it('runs a round every intervalMs after the previous one ends, the first after one interval', async () => {
    const { runOnce, calls } = scripted();
    const loop = start({ runOnce });
    await vi.advanceTimersByTimeAsync(999);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(2_001);
    expect(calls).toEqual([1_000, 2_000, 3_000]);
    await loop.stop();
  });

  it('runs the first round at once when immediate', async () => {
    const { runOnce, calls } = scripted();
    const loop = start({ runOnce, immediate: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toEqual([0]);
    await loop.stop();
  });

  it('never overlaps rounds: the pause starts when a slow round ends', async () => {
    let active = 0;
    let maxActive = 0;
    const starts: number[] = [];
    const loop = start({
      immediate: true,
      runOnce: async () => {
        starts.push(Date.now());
        active += 1;
        maxActive = Math.max(maxActive, active);
        await new Promise((r) => setTimeout(r, 2_500));
        active -= 1;
      },
    });
    await vi.advanceTimersByTimeAsync(6_999);
    expect(starts).toEqual([0, 3_500]);
    expect(maxActive).toBe(1);
    await loop.stop();
  });

  it('stops while pausing without waiting out the pause, and runs no round after', async () => {
    const { runOnce, calls } = scripted();
    const loop = start({ runOnce, intervalMs: 60_000, immediate: true });
    await vi.advanceTimersByTimeAsync(10);
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(true);
    await stopping;
    await vi.advanceTimersByTimeAsync(120_000);
    expect(calls).toEqual([0]);
  });

  it('stop waits for the round in progress', async () => {
    let finished = false;
    const loop = start({
      immediate: true,
      runOnce: async () => {
        await new Promise((r) => setTimeout(r, 500));
        finished = true;
      },
    });
    await vi.advanceTimersByTimeAsync(100);
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(100);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(400);
    await stopping;
    expect(finished).toBe(true);
  });

  it('wake cuts the pause short and runs a round now', async () => {
    const { runOnce, calls } = scripted();
    const loop = start({ runOnce, intervalMs: 60_000 });
    await vi.advanceTimersByTimeAsync(5_000);
    loop.wake();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toEqual([5_000]);
    // The next round comes a full interval after the woken one.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toEqual([5_000, 65_000]);
    await loop.stop();
  });

  it('wakes during a round coalesce into one more round right after it', async () => {
    const starts: number[] = [];
    const loop = start({
      intervalMs: 60_000,
      immediate: true,
      runOnce: async () => {
        starts.push(Date.now());
        await new Promise((r) => setTimeout(r, 100));
      },
    });
    await vi.advanceTimersByTimeAsync(50);
    loop.wake();
    loop.wake();
    loop.wake();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(starts).toEqual([0, 100]);
    await loop.stop();
  });

  it('runs again at once after a full batch, and pauses once a round handles less', async () => {
    const { runOnce, calls } = scripted([10, 10, 3, 10]);
    const loop = start({ runOnce, fullBatch: 10, immediate: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toEqual([0, 0, 0]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toEqual([0, 0, 0, 1_000, 1_000]);
    await loop.stop();
  });

  it('logs a failed round and tries again after the interval by default', async () => {
    const log = recordingLog();
    const { runOnce, calls } = scripted([new Error('db down'), new Error('db down'), 0]);
    const loop = start({ runOnce, log, immediate: true });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(calls).toEqual([0, 1_000, 2_000]);
    expect(log.lines.map((l) => [l.level, l.message])).toEqual([
      ['error', 'test-loop failed; retrying'],
      ['info', 'test-loop recovered'],
    ]);
    await loop.stop();
  });

  it('backs off after consecutive failures up to maxBackoffMs, and back to the interval on success', async () => {
    const fail = new Error('peer down');
    const { runOnce, calls } = scripted([fail, fail, fail, fail, 0, 0]);
    const loop = start({ runOnce, immediate: true, maxBackoffMs: 5_000 });
    await vi.advanceTimersByTimeAsync(20_000);
    // Pauses: 2 s, 4 s, 5 s (capped), 5 s, then 1 s once a round succeeded.
    expect(calls.slice(0, 6)).toEqual([0, 2_000, 6_000, 11_000, 16_000, 17_000]);
    await loop.stop();
  });

  it('logs the first of consecutive failures and then every twentieth', async () => {
    const log = recordingLog();
    const loop = start({
      log,
      immediate: true,
      intervalMs: 10,
      runOnce: () => Promise.reject(new Error('down')),
    });
    await vi.advanceTimersByTimeAsync(395);
    expect(log.lines.map((l) => (l.fields as { failures: number }).failures)).toEqual([1, 20, 40]);
    await loop.stop();
  });

  it('is disabled by an interval of 0: no round, and wake and stop do nothing', async () => {
    const { runOnce } = scripted();
    const loop = start({ runOnce, intervalMs: 0, immediate: true });
    loop.wake();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runOnce).not.toHaveBeenCalled();
    await loop.stop();
  });
});
