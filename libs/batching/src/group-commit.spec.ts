import { describe, expect, it } from 'vitest';

import { createGroupCommitter } from './group-commit';

describe('group commit', () => {
  it('batches what queues up while a batch is written, per lane, and answers each item', async () => {
    const batches: number[][] = [];
    let release: (() => void) | undefined;
    const committer = createGroupCommitter<number, string>({
      lanes: 2,
      maxBatch: 3,
      laneOf: (n) => n % 2,
      async writeBatch(items) {
        batches.push(items);
        if (items[0] === 0) await new Promise<void>((r) => (release = r));
        return items.map((n) => ({ ok: true, value: `v${n}` }));
      },
      writeOne: async (n) => `one${n}`,
    });
    const first = committer.submit(0);
    await new Promise((r) => setImmediate(r));
    const rest = [2, 4, 6, 8, 1].map((n) => committer.submit(n));
    await new Promise((r) => setImmediate(r));
    release?.();
    expect(await Promise.all([first, ...rest])).toEqual(['v0', 'v2', 'v4', 'v6', 'v8', 'v1']);
    expect(batches).toEqual([[0], [1], [2, 4, 6], [8]]);
    await committer.drain();
  });

  it('retries every item alone when the batch fails as a whole, so one bad item fails alone', async () => {
    const failed: number[] = [];
    const committer = createGroupCommitter<number, number>({
      lanes: 1,
      maxBatch: 10,
      laneOf: () => 0,
      async writeBatch() {
        throw new Error('batch refused');
      },
      async writeOne(n) {
        if (n === 2) throw new Error('bad item');
        return n * 10;
      },
      onBatchFailed: (_err, size) => failed.push(size),
    });
    const results = await Promise.allSettled([1, 2, 3].map((n) => committer.submit(n)));
    expect(
      results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
    ).toEqual([10, 'bad item', 30]);
    expect(failed).toEqual([3]);
  });
});
