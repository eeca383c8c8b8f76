import { describe, expect, it } from 'vitest';

import { inMemoryCallbacks } from '../testing/in-memory.fakes';
import { makeGetCallback } from './get-callback';

describe('getCallback', () => {
  it('returns a stored callback with its decision, and PROVIDER_CALLBACK_NOT_FOUND otherwise', async () => {
    const callbacks = inMemoryCallbacks(() => new Date('2026-12-06T10:00:00.000Z'));
    const id = await callbacks.record('webmoney', {
      method: 'POST',
      path: '/callbacks/webmoney',
      query: '',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from('LMI_PAYMENT_NO=1'),
      remoteAddress: '10.0.0.1',
    });
    await callbacks.decide(id, { verdict: 'accepted', paymentId: 'pay_1' });
    const getCallback = makeGetCallback({ callbacks });
    expect(await getCallback(id)).toMatchObject({
      id,
      provider: 'webmoney',
      receivedAt: new Date('2026-12-06T10:00:00.000Z'),
      verdict: 'accepted',
      paymentId: 'pay_1',
      body: Buffer.from('LMI_PAYMENT_NO=1'),
    });
    await expect(getCallback('cb_unknown')).rejects.toMatchObject({
      code: 'PROVIDER_CALLBACK_NOT_FOUND',
    });
    await expect(getCallback("x'; drop table")).rejects.toMatchObject({
      code: 'PROVIDER_CALLBACK_NOT_FOUND',
    });
  });
});
