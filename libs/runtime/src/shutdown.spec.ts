import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { runShutdown } from './shutdown';

describe('runShutdown', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const log = () => {
    const errors: unknown[] = [];
    return { errors, info: () => undefined, error: (fields: object) => errors.push(fields) };
  };

  it('runs the steps in order, each after the previous one finished', async () => {
    const done: string[] = [];
    const shutdown = runShutdown(log(), [
      async () => {
        await new Promise((r) => setTimeout(r, 100));
        done.push('drain');
      },
      () => done.push('stop consumer'),
      async () => done.push('close pool'),
    ]);
    await vi.advanceTimersByTimeAsync(100);
    await shutdown;
    expect(done).toEqual(['drain', 'stop consumer', 'close pool']);
  });

  it('gives up on a stuck step after its timeout and still runs the next', async () => {
    const l = log();
    const done: number[] = [];
    const shutdown = runShutdown(
      l,
      [() => new Promise(() => undefined), () => done.push(Date.now())],
      { stageTimeoutMs: 1_000 },
    );
    await vi.advanceTimersByTimeAsync(1_000);
    await shutdown;
    expect(done).toEqual([1_000]);
  });

  it('logs a failing step and goes on', async () => {
    const l = log();
    const done: string[] = [];
    await runShutdown(l, [
      () => {
        throw new Error('pool gone');
      },
      () => Promise.reject(new Error('broker gone')),
      () => done.push('last'),
    ]);
    expect(done).toEqual(['last']);
    expect(l.errors).toHaveLength(2);
  });

  it('runs the steps of a stage at once: a loop stops while the server drains, not after', async () => {
    const done: string[] = [];
    const shutdown = runShutdown(log(), [
      [
        async () => {
          await new Promise((r) => setTimeout(r, 3_000));
          done.push(`drained at ${Date.now()}`);
        },
        async () => {
          await new Promise((r) => setTimeout(r, 2_000));
          done.push(`scheduler stopped at ${Date.now()}`);
        },
        () => {
          throw new Error('consumer gone');
        },
      ],
      () => done.push(`pool closed at ${Date.now()}`),
    ]);
    await vi.advanceTimersByTimeAsync(3_000);
    await shutdown;
    expect(done).toEqual(['scheduler stopped at 2000', 'drained at 3000', 'pool closed at 3000']);
  });

  it('skips what is left once the budget is spent, so the process exits inside its grace period', async () => {
    const l = log();
    const done: string[] = [];
    const shutdown = runShutdown(
      l,
      [
        () => new Promise(() => undefined),
        () => new Promise(() => undefined),
        () => done.push('never'),
      ],
      { stageTimeoutMs: 10_000, budgetMs: 15_000 },
    );
    await vi.advanceTimersByTimeAsync(15_000);
    await shutdown;
    expect(done).toEqual([]);
    expect(Date.now()).toBe(15_000);
    expect(l.errors).toEqual([{ skipped: 1 }]);
  });
});
