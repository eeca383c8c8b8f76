import { Secret } from '@tolem/config';
import { describe, expect, it } from 'vitest';

import { inMemoryStore, manualClock } from '../../test/fakes/in-memory-store';
import { makeUpsertEndpoint } from './upsert-endpoint';

describe('upsertEndpoint', () => {
  const good = {
    merchantId: 'mer_1',
    url: 'https://shop.example/tolem',
    signingSecret: new Secret('0123456789abcdef'),
  };

  it('stores http and https endpoints and replaces the previous one', async () => {
    const store = inMemoryStore();
    const upsert = makeUpsertEndpoint({
      transactor: store.transactor,
      clock: manualClock(),
      retryWindowMs: 1,
    });
    await upsert(good);
    const first = await store.endpoints.getDefault('mer_1');
    const replaced = await upsert({ ...good, url: 'http://127.0.0.1:8080/hook' });
    expect(replaced.url).toBe('http://127.0.0.1:8080/hook');
    expect(replaced).toMatchObject({ id: first?.id, isDefault: true });
    expect(await store.endpoints.listForMerchant('mer_1')).toHaveLength(1);
    expect((await store.endpoints.getDefault('mer_1'))?.url).toBe('http://127.0.0.1:8080/hook');
  });

  it.each([
    [{ url: 'ftp://shop.example/x' }, 'url'],
    [{ url: 'not a url' }, 'url'],
    [{ url: '' }, 'url'],
    [{ url: 'https://user:pw@shop.example/' }, 'url'],
    // The default endpoint gets live events: https, unless loopback.
    [{ url: 'http://shop.example/tolem' }, 'url'],
    [{ signingSecret: new Secret('0123456789abcde') }, 'signing_secret'],
    [{ merchantId: '' }, 'merchant_id'],
    [{ merchantId: `mer_${'x'.repeat(252)}` }, 'merchant_id'],
  ])(
    'refuses %o with NOTIFIER_INVALID_ENDPOINT naming %s and stores nothing',
    async (change, field) => {
      const store = inMemoryStore();
      const upsert = makeUpsertEndpoint({
        transactor: store.transactor,
        clock: manualClock(),
        retryWindowMs: 1,
      });
      await expect(upsert({ ...good, ...change })).rejects.toMatchObject({
        code: 'NOTIFIER_INVALID_ENDPOINT',
        kind: 'invalid',
        details: { field },
      });
      expect(await store.endpoints.getDefault('mer_1')).toBeUndefined();
    },
  );

  it('never puts the secret in the error message', async () => {
    const upsert = makeUpsertEndpoint({
      transactor: inMemoryStore().transactor,
      clock: manualClock(),
      retryWindowMs: 1,
    });
    const err = await upsert({ ...good, signingSecret: new Secret('tooshort') }).catch(
      (e: Error) => e,
    );
    expect(String((err as Error).message)).not.toContain('tooshort');
  });
});
