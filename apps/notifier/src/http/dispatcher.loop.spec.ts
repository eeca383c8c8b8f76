import { createLogger } from '@tolem/observability';
import { afterEach, describe, expect, it } from 'vitest';

import type { AttemptSummary, Dispatcher } from '../app/dispatch-due';
import type { DispatchTarget } from '../domain/ports';
import { type DispatcherLoop, startDispatcherLoop } from './dispatcher.loop';

const log = createLogger({ service: 'notifier-loop-spec', level: 'silent' });
const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

/** A target of `endpointId`: only the ids the loop reads matter here. */
const targetOf = (endpointId: string, n: number) =>
  ({
    delivery: { id: `dlv_${endpointId}_${n}`, attempts: 0, paymentId: 'pay_1' },
    endpoint: { id: endpointId },
  }) as unknown as DispatchTarget;

/**
 * A dispatcher whose claims are recorded (undefined: a sweep over every endpoint) and answered
 * from `work` (endpoint id → deliveries waiting), and whose attempts finish when the test says.
 */
function fakeDispatcher() {
  const claims: (readonly string[] | undefined)[] = [];
  const work = new Map<string, number>();
  const pending: (() => void)[] = [];
  let failNext = false;
  let seq = 0;
  const dispatcher: Dispatcher = {
    claim(limit, endpointIds) {
      claims.push(endpointIds ? [...endpointIds].sort() : undefined);
      if (failNext) {
        failNext = false;
        return Promise.reject(new Error('database down'));
      }
      const taken: DispatchTarget[] = [];
      for (const [endpointId, waiting] of work) {
        if (endpointIds && !endpointIds.includes(endpointId)) continue;
        const n = Math.min(waiting, limit - taken.length);
        for (let i = 0; i < n; i += 1) taken.push(targetOf(endpointId, (seq += 1)));
        work.set(endpointId, waiting - n);
      }
      return Promise.resolve(taken);
    },
    attempt: (target) =>
      new Promise<AttemptSummary>((resolve) =>
        pending.push(() =>
          resolve({
            deliveryId: target.delivery.id,
            endpointId: target.endpoint.id,
            paymentId: 'pay_1',
            attempt: 1,
            statusCode: 200,
            durationMs: 1,
            decision: { status: 'delivered' } as AttemptSummary['decision'],
            effects: { exhausted: false },
          }),
        ),
      ),
    expireWaiting: () => Promise.resolve(0),
  };
  return {
    dispatcher,
    claims,
    work,
    failNextClaim: () => (failNext = true),
    /** Finishes every attempt in flight. */
    finishAll: () => pending.splice(0).forEach((finish) => finish()),
    inFlightAttempts: () => pending.length,
  };
}

describe('dispatcher loop: claims look where the work is', () => {
  let loop: DispatcherLoop | undefined;
  let fakeInUse: ReturnType<typeof fakeDispatcher> | undefined;
  afterEach(async () => {
    // stop() waits for the attempts in flight: let them finish.
    const stopping = loop?.stop();
    fakeInUse?.finishAll();
    await stopping;
    loop = undefined;
  });

  const start = (
    fake: ReturnType<typeof fakeDispatcher>,
    opts: { pollMs: number; concurrency?: number },
  ) => {
    fakeInUse = fake;
    loop = startDispatcherLoop({
      dispatcher: fake.dispatcher,
      concurrency: opts.concurrency ?? 10,
      claimBatch: 10,
      pollMs: opts.pollMs,
      minClaimIntervalMs: 1,
      log,
    });
    return loop;
  };

  it('sweeps every endpoint at start, then claims only for the endpoints new work names', async () => {
    const fake = fakeDispatcher();
    const l = start(fake, { pollMs: 60_000 });
    await tick(20);
    expect(fake.claims).toEqual([undefined]);

    fake.work.set('we_a', 1);
    fake.work.set('we_b', 1);
    l.wake(['we_a']);
    await tick(20);
    expect(fake.claims).toEqual([undefined, ['we_a']]);
    expect(fake.inFlightAttempts()).toBe(1);
    // we_b's delivery waits for the sweep or its own wake-up.
    expect(fake.work.get('we_b')).toBe(1);
  });

  it("looks again at a finished attempt's endpoint (a slot freed, the payment's next one unblocked)", async () => {
    const fake = fakeDispatcher();
    fake.work.set('we_a', 1);
    start(fake, { pollMs: 60_000 });
    await tick(20);
    expect(fake.inFlightAttempts()).toBe(1);
    fake.finishAll();
    await tick(20);
    expect(fake.claims).toEqual([undefined, ['we_a']]);
  });

  it('still sweeps every pollMs while wake-ups keep coming (retries coming due anywhere)', async () => {
    const fake = fakeDispatcher();
    const l = start(fake, { pollMs: 60 });
    const until = performance.now() + 400;
    while (performance.now() < until) {
      l.wake(['we_busy']);
      await tick(5);
    }
    const sweeps = fake.claims.filter((c) => c === undefined).length;
    // 400 ms at one sweep per 60 ms: the first and about six more (fewer on a busy machine),
    // never one per wake-up (about 80).
    expect(sweeps).toBeGreaterThanOrEqual(2);
    expect(sweeps).toBeLessThanOrEqual(9);
    expect(fake.claims.some((c) => c?.[0] === 'we_busy')).toBe(true);
  });

  it('claims for named endpoints without waiting out the interval meant for sweeps', async () => {
    const fake = fakeDispatcher();
    loop = startDispatcherLoop({
      dispatcher: fake.dispatcher,
      concurrency: 10,
      claimBatch: 10,
      pollMs: 60_000,
      minClaimIntervalMs: 400,
      minNamedClaimIntervalMs: 5,
      log,
    });
    fakeInUse = fake;
    await tick(20);
    expect(fake.claims).toEqual([undefined]);
    loop.wake(['we_a']);
    // Well before the 400 ms a sweep would have to wait.
    await tick(150);
    expect(fake.claims).toEqual([undefined, ['we_a']]);
    loop.wake();
    await tick(150);
    // A sweep still waits its interval after the last claim.
    expect(fake.claims).toEqual([undefined, ['we_a']]);
    await tick(400);
    expect(fake.claims).toEqual([undefined, ['we_a'], undefined]);
  });

  it('sweeps at once when new work names no endpoint', async () => {
    const fake = fakeDispatcher();
    const l = start(fake, { pollMs: 60_000 });
    await tick(20);
    l.wake();
    await tick(20);
    expect(fake.claims).toEqual([undefined, undefined]);
  });

  it('after a failed claim, the next claim sweeps (what it was to look at is not lost)', async () => {
    const fake = fakeDispatcher();
    const l = start(fake, { pollMs: 20 });
    await tick(10);
    fake.failNextClaim();
    fake.work.set('we_a', 1);
    l.wake(['we_a']);
    // The failure backs off (pollMs x 2), then sweeps.
    await tick(120);
    expect(fake.claims.slice(0, 3)).toEqual([undefined, ['we_a'], undefined]);
    expect(fake.inFlightAttempts()).toBe(1);
  });

  it('claims again for the same endpoints when a claim came back full', async () => {
    const fake = fakeDispatcher();
    const l = start(fake, { pollMs: 60_000, concurrency: 25 });
    await tick(20);
    fake.work.set('we_a', 15);
    l.wake(['we_a']);
    await tick(30);
    // claimBatch 10: a full claim, then the rest.
    expect(fake.claims).toEqual([undefined, ['we_a'], ['we_a']]);
    expect(fake.inFlightAttempts()).toBe(15);
  });

  it('does not claim while every slot is taken, and does not spin waiting', async () => {
    const fake = fakeDispatcher();
    fake.work.set('we_a', 3);
    const l = start(fake, { pollMs: 10, concurrency: 3 });
    await tick(20);
    expect(fake.inFlightAttempts()).toBe(3);
    const claimsWhenFull = fake.claims.length;
    fake.work.set('we_b', 1);
    l.wake(['we_b']);
    await tick(100);
    expect(fake.claims.length).toBe(claimsWhenFull);
    fake.finishAll();
    await tick(30);
    // The named endpoint was kept for when there was room again.
    expect(
      fake.claims.slice(claimsWhenFull).some((c) => c === undefined || c.includes('we_b')),
    ).toBe(true);
    expect(fake.work.get('we_b')).toBe(0);
  });
});
