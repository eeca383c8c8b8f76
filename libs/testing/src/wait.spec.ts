import { describe, expect, it } from 'vitest';

import { waitFor } from './wait';

describe('waitFor', () => {
  it('resolves with the first truthy value', async () => {
    let n = 0;
    await expect(waitFor(() => (++n >= 3 ? n : undefined), { intervalMs: 1 })).resolves.toBe(3);
  });

  it('times out naming what it waited for and the last error', async () => {
    await expect(
      waitFor(
        () => {
          throw new Error('still down');
        },
        { timeoutMs: 30, intervalMs: 5, what: 'the broker' },
      ),
    ).rejects.toThrow('timed out waiting for the broker: still down');
  });
});
