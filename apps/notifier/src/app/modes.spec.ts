import { Secret } from '@tolem/config';
import { describe, expect, it } from 'vitest';

import {
  aNotificationEvent,
  endpointsFixture,
  RETRY_WINDOW_MS,
} from '../../test/fakes/endpoints.fixture';
import { makeListDeliveries } from './list-deliveries';
import { makeRedeliverDelivery } from './redeliver-delivery';

/** mer_1's payment.succeeded for pay_<id>, in the given mode (undefined: from before modes). */
const eventOf = (id: string, livemode: boolean | undefined) =>
  aNotificationEvent({ eventId: id, paymentId: `pay_${id}`, livemode });

async function setup() {
  const fixture = endpointsFixture();
  const { store, clock, manage, record } = fixture;
  const list = makeListDeliveries(store);
  const redeliver = makeRedeliverDelivery({ ...store, clock, retryWindowMs: RETRY_WINDOW_MS });
  const endpoint = (livemode: boolean, idempotencyKey = '') =>
    manage.createEndpoint({
      merchantId: 'mer_1',
      url: `https://shop.example/${livemode ? 'live' : 'test'}`,
      description: '',
      eventTypes: [],
      idempotencyKey,
      livemode,
    });
  const live = (await endpoint(true)).endpoint;
  const test = (await endpoint(false)).endpoint;
  const onboarding = await store.endpoints.upsertDefault({
    merchantId: 'mer_1',
    url: 'https://shop.example/result',
    signingSecret: new Secret('0123456789abcdef'),
    now: clock.now(),
  });
  await record(eventOf('evt_live', true));
  await record(eventOf('evt_test', false));
  const deliveryTo = (endpointId: string, eventId: string) => {
    const d = [...store.deliveryRows.values()].find(
      (r) => r.endpointId === endpointId && r.eventId === eventId,
    );
    if (!d) throw new Error(`no delivery of ${eventId} to ${endpointId}`);
    return d;
  };
  return {
    ...fixture,
    list,
    redeliver,
    endpoint,
    live,
    test,
    onboarding,
    deliveryTo,
  };
}

describe('test and live mode apart', () => {
  it("routes an event to its own mode's endpoints, and both to the onboarding endpoint", async () => {
    const { store, live, test, onboarding } = await setup();
    const routed = [...store.deliveryRows.values()].map((d) => [
      d.endpointId,
      d.eventId,
      d.livemode,
    ]);
    expect(routed).toEqual(
      expect.arrayContaining([
        [live.id, 'evt_live', true],
        [test.id, 'evt_test', false],
        [onboarding.id, 'evt_live', true],
        [onboarding.id, 'evt_test', false],
      ]),
    );
    expect(routed).toHaveLength(4);
  });

  it('counts an event from before modes as test', async () => {
    const { store, record, test, live } = await setup();
    await record(eventOf('evt_old', undefined));
    const to = [...store.deliveryRows.values()].filter((d) => d.eventId === 'evt_old');
    expect(to.map((d) => d.endpointId)).toContain(test.id);
    expect(to.map((d) => d.endpointId)).not.toContain(live.id);
    expect(to.every((d) => !d.livemode)).toBe(true);
  });

  it("lists, reads and manages only the key's mode's endpoints; the operator sees all", async () => {
    const { manage, live, test, onboarding } = await setup();
    expect((await manage.listEndpoints('mer_1', false)).map((e) => e.id)).toEqual([test.id]);
    expect((await manage.listEndpoints('mer_1', true)).map((e) => e.id).sort()).toEqual(
      [live.id, onboarding.id].sort(),
    );
    expect(await manage.listEndpoints('mer_1')).toHaveLength(3);
    const notFound = { code: 'NOTIFIER_ENDPOINT_NOT_FOUND' };
    // A test key never reads or changes the live configuration, the onboarding endpoint included.
    for (const id of [live.id, onboarding.id]) {
      await expect(manage.getEndpoint('mer_1', id, false)).rejects.toMatchObject(notFound);
      await expect(
        manage.updateEndpoint({
          merchantId: 'mer_1',
          endpointId: id,
          description: 'x',
          livemode: false,
        }),
      ).rejects.toMatchObject(notFound);
      await expect(manage.disableEndpoint('mer_1', id, false)).rejects.toMatchObject(notFound);
      await expect(
        manage.rotateSecret({
          merchantId: 'mer_1',
          endpointId: id,
          overlapSeconds: 0,
          idempotencyKey: `rot-${id}`,
          livemode: false,
        }),
      ).rejects.toMatchObject(notFound);
    }
    await expect(manage.deleteEndpoint('mer_1', live.id, false)).rejects.toMatchObject(notFound);
    await expect(manage.getEndpoint('mer_1', test.id, true)).rejects.toMatchObject(notFound);
    expect((await manage.getEndpoint('mer_1', test.id, false)).livemode).toBe(false);
    expect((await manage.disableEndpoint('mer_1', live.id, true)).status).toBe('disabled');
  });

  it('refuses a retried create whose key was first used in the other mode', async () => {
    const { endpoint } = await setup();
    await endpoint(false, 'k-1');
    await expect(endpoint(true, 'k-1')).rejects.toMatchObject({
      code: 'NOTIFIER_IDEMPOTENCY_KEY_REUSED',
    });
    expect((await endpoint(false, 'k-1')).replayed).toBe(true);
  });

  it("lists, shows and redelivers only the key's mode's deliveries", async () => {
    const { manage, list, redeliver, onboarding, deliveryTo } = await setup();
    const page = (livemode?: boolean) =>
      list({ merchantId: 'mer_1', paymentId: '', pageSize: 0, pageToken: '', livemode });
    expect((await page(false)).deliveries.map((d) => d.eventId)).toEqual(['evt_test', 'evt_test']);
    expect((await page(true)).deliveries.map((d) => d.eventId)).toEqual(['evt_live', 'evt_live']);
    expect((await page()).deliveries).toHaveLength(4);
    const liveToOnboarding = deliveryTo(onboarding.id, 'evt_live');
    const notFound = { code: 'NOTIFIER_DELIVERY_NOT_FOUND' };
    await expect(manage.getDelivery('mer_1', liveToOnboarding.id, false)).rejects.toMatchObject(
      notFound,
    );
    await expect(redeliver(liveToOnboarding.id, 'mer_1', false)).rejects.toMatchObject(notFound);
    expect((await manage.getDelivery('mer_1', liveToOnboarding.id, true)).delivery.id).toBe(
      liveToOnboarding.id,
    );
    expect((await redeliver(liveToOnboarding.id, 'mer_1', true)).status).toBe('pending');
  });

  it("recovers only the caller's mode's deliveries of the onboarding endpoint", async () => {
    const { manage, store, clock, onboarding, deliveryTo } = await setup();
    for (const d of store.deliveryRows.values()) d.status = 'exhausted';
    clock.advance(60_000);
    const since = new Date(clock.now().getTime() - 120_000);
    expect(await manage.recoverEndpoint('mer_1', onboarding.id, since, true)).toBe(1);
    expect(deliveryTo(onboarding.id, 'evt_live').status).toBe('pending');
    expect(deliveryTo(onboarding.id, 'evt_test').status).toBe('exhausted');
  });
});
