import { describe, expect, it } from 'vitest';

import { corruptHex, createCallbackDispatcher } from './callbacks';
import { scriptedHttp, silentLog } from './testing/fakes';

const callback = {
  kind: 'notification',
  url: 'http://merchant.test/cb',
  headers: { 'content-type': 'text/plain' },
  body: 'a=1',
  meta: { id: '1' },
};

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};

describe('createCallbackDispatcher', () => {
  it('delivers once when the first answer is accepted', async () => {
    const merchant = scriptedHttp(() => ({ status: 200, body: 'OK' }));
    const d = createCallbackDispatcher({
      http: merchant.http,
      log: silentLog,
      attempts: 3,
      backoffMs: 1,
      accepted: (a) => a.body === 'OK',
    });
    const sent = d.send(callback);
    expect(sent.record.state).toBe('sending');
    const record = await sent.firstAttempt;
    expect(record.state).toBe('delivered');
    expect(merchant.calls).toEqual([
      { url: 'http://merchant.test/cb', body: 'a=1', headers: { 'content-type': 'text/plain' } },
    ]);
  });

  it('retries the same bytes until accepted, then stops', async () => {
    const merchant = scriptedHttp((n) =>
      n < 3 ? { status: 500, body: 'no' } : { status: 200, body: 'OK' },
    );
    const d = createCallbackDispatcher({
      http: merchant.http,
      log: silentLog,
      attempts: 5,
      backoffMs: 1,
      accepted: (a) => a.status === 200 && a.body === 'OK',
    });
    const record = await d.send(callback).firstAttempt;
    expect(record.state).toBe('retrying');
    await until(() => record.state === 'delivered');
    expect(record.attempts.map((a) => a.status)).toEqual([500, 500, 200]);
    expect(new Set(merchant.calls.map((c) => c.body))).toEqual(new Set(['a=1']));
  });

  it('gives up after the last attempt', async () => {
    const merchant = scriptedHttp(() => ({ status: 200, body: 'ok' }));
    const d = createCallbackDispatcher({
      http: merchant.http,
      log: silentLog,
      attempts: 2,
      backoffMs: 1,
      accepted: (a) => a.body === 'OK',
    });
    const record = await d.send(callback).firstAttempt;
    await until(() => record.state === 'gave_up');
    expect(merchant.calls).toHaveLength(2);
  });

  it('holds a delayed callback back, and stop() cancels it', async () => {
    const merchant = scriptedHttp(() => ({ status: 200, body: 'OK' }));
    const d = createCallbackDispatcher({
      http: merchant.http,
      log: silentLog,
      attempts: 1,
      backoffMs: 1,
      accepted: () => true,
    });
    const late = d.send(callback, { delayMs: 30 });
    expect((await late.firstAttempt).state).toBe('scheduled');
    expect(merchant.calls).toHaveLength(0);
    await until(() => late.record.state === 'delivered');

    const cancelled = d.send(callback, { delayMs: 10_000 });
    d.stop();
    await until(() => cancelled.record.state === 'stopped');
    expect(merchant.calls).toHaveLength(1);
  });

  it('corruptHex changes exactly the last digit', () => {
    expect(corruptHex('abc0')).toBe('abc1');
    expect(corruptHex('abc9')).toBe('abc0');
  });
});
