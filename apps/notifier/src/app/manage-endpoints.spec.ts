import { Secret } from '@tolem/config';
import { describe, expect, it } from 'vitest';

import {
  aNotificationEvent,
  endpointsFixture as setup,
  RETRY_WINDOW_MS,
} from '../../test/fakes/endpoints.fixture';
import { MAX_ROTATION_OVERLAP_S } from './manage-endpoints';

/** mer_1's live payment.succeeded for pay_1. */
const event = aNotificationEvent();

let rotationKeys = 0;
const rotation = (
  merchantId: string,
  endpointId: string,
  overlapSeconds: number,
  key?: string,
) => ({
  merchantId,
  endpointId,
  overlapSeconds,
  idempotencyKey: key ?? `rot-${(rotationKeys += 1)}`,
});

const create = (overrides: Record<string, unknown> = {}) => ({
  merchantId: 'mer_1',
  url: 'https://shop.example/hook',
  description: 'ERP',
  eventTypes: [] as string[],
  idempotencyKey: '',
  ...overrides,
});

describe('createEndpoint', () => {
  it('creates an enabled endpoint with its own whsec_ secret and the defaults', async () => {
    const { manage } = setup();
    const res = await manage.createEndpoint(
      create({ eventTypes: ['refund.succeeded', 'payment.succeeded', 'refund.succeeded'] }),
    );
    expect(res.replayed).toBe(false);
    expect(res.endpoint).toMatchObject({
      merchantId: 'mer_1',
      isDefault: false,
      format: 'json',
      ack: 'ok',
      status: 'enabled',
      maxInFlight: 4,
      eventTypes: ['refund.succeeded', 'payment.succeeded'],
    });
    expect(res.endpoint.id).toMatch(/^we_/);
    const secret = res.signingSecret.reveal();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    const other = await manage.createEndpoint(create());
    expect(other.signingSecret.reveal()).not.toBe(secret);
  });

  it.each([
    [{ url: 'ftp://x.example' }, 'url'],
    [{ url: 'https://u:p@x.example' }, 'url'],
    // A live endpoint (an operator's too) must be https.
    [{ url: 'http://x.example/hook', livemode: true }, 'url'],
    [{ url: 'http://x.example/hook' }, 'url'],
    [{ eventTypes: ['payment.pending'] }, 'event_types'],
    [{ eventTypes: ['payment.succeded'] }, 'event_types'],
    [{ description: 'x'.repeat(501) }, 'description'],
    [{ maxInFlight: 65 }, 'max_in_flight'],
    [{ merchantId: ' ' }, 'merchant_id'],
    // Longer than any index entry PostgreSQL can hold once random (btree limit, 54000).
    [{ merchantId: `mer_${'x'.repeat(252)}` }, 'merchant_id'],
    [{ idempotencyKey: 'k'.repeat(256) }, 'idempotency_key'],
  ])('refuses %o naming %s, creating nothing', async (change, field) => {
    const { manage, store } = setup();
    await expect(manage.createEndpoint(create(change))).rejects.toMatchObject({
      code: 'NOTIFIER_INVALID_ENDPOINT',
      details: { field },
    });
    expect(store.endpointRows.size).toBe(0);
  });

  it('answers a retried key with the same endpoint and secret, and refuses it for other settings', async () => {
    const { manage, store } = setup();
    const first = await manage.createEndpoint(create({ idempotencyKey: 'k1' }));
    const again = await manage.createEndpoint(create({ idempotencyKey: 'k1' }));
    expect(again).toMatchObject({ replayed: true, endpoint: { id: first.endpoint.id } });
    expect(again.signingSecret.reveal()).toBe(first.signingSecret.reveal());
    // The default max_in_flight asked for explicitly is the same request.
    await expect(
      manage.createEndpoint(create({ idempotencyKey: 'k1', maxInFlight: 4 })),
    ).resolves.toMatchObject({ replayed: true });
    for (const [change, field] of [
      [{ url: 'https://other.example' }, 'url'],
      [{ maxInFlight: 8 }, 'max_in_flight'],
      [{ format: 'form' }, 'format'],
      [{ eventTypes: ['refund.succeeded'] }, 'event_types'],
    ] as const) {
      await expect(
        manage.createEndpoint(create({ idempotencyKey: 'k1', ...change })),
      ).rejects.toMatchObject({
        code: 'NOTIFIER_IDEMPOTENCY_KEY_REUSED',
        kind: 'conflict',
        details: { field },
      });
    }
    expect(store.endpointRows.size).toBe(1);
  });

  it('stops at 16 endpoints per merchant', async () => {
    const { manage } = setup();
    for (let i = 0; i < 16; i += 1) await manage.createEndpoint(create());
    await expect(manage.createEndpoint(create())).rejects.toMatchObject({
      code: 'NOTIFIER_ENDPOINT_LIMIT',
      kind: 'precondition',
    });
    expect(await manage.createEndpoint(create({ merchantId: 'mer_2' }))).toBeTruthy();
  });

  it('routes events recorded while the merchant had no endpoint, in its format', async () => {
    const { manage, record, store } = setup();
    await record(event);
    const { endpoint } = await manage.createEndpoint(create({ format: 'form' }));
    const [d] = await store.deliveries.list({ merchantId: 'mer_1', limit: 5 });
    expect(d).toMatchObject({ endpointId: endpoint.id, status: 'pending' });
    expect(new URLSearchParams(d?.payload).get('event_id')).toBe('evt_1');
  });

  it('keeps live events for a live endpoint when only a test endpoint exists, before and after', async () => {
    const { manage, record, store } = setup();
    // A live event waits; then a test endpoint is created, then another live event arrives.
    await record(event);
    const test = await manage.createEndpoint(create({ livemode: false }));
    await record({ ...event, eventId: 'evt_2', sequence: 2n });
    await record({ ...event, eventId: 'evt_test', livemode: false, sequence: 3n });
    const deliveries = () => store.deliveries.list({ merchantId: 'mer_1', limit: 10 });
    expect((await deliveries()).map((d) => [d.eventId, d.endpointId])).toEqual([
      ['evt_test', test.endpoint.id],
    ]);
    // The live endpoint gets both live events: neither was lost to the test endpoint.
    const live = await manage.createEndpoint(create({ livemode: true }));
    const toLive = (await deliveries()).filter((d) => d.endpointId === live.endpoint.id);
    expect(toLive.map((d) => d.eventId).sort()).toEqual(['evt_1', 'evt_2']);
  });
});

describe('endpoint management', () => {
  it('takes http for a test endpoint or loopback, and keeps a live one on https when its URL changes', async () => {
    const { manage } = setup();
    const test = await manage.createEndpoint(
      create({ url: 'http://test-shop.example/hook', livemode: false }),
    );
    expect(test.endpoint.url).toBe('http://test-shop.example/hook');
    const local = await manage.createEndpoint(
      create({ url: 'http://127.0.0.1:9000/hook', livemode: true }),
    );
    expect(local.endpoint.url).toBe('http://127.0.0.1:9000/hook');
    const live = await manage.createEndpoint(create({ livemode: true }));
    await expect(
      manage.updateEndpoint({
        merchantId: 'mer_1',
        endpointId: live.endpoint.id,
        url: 'http://shop.example/hook',
      }),
    ).rejects.toMatchObject({ code: 'NOTIFIER_INVALID_ENDPOINT', details: { field: 'url' } });
    const moved = await manage.updateEndpoint({
      merchantId: 'mer_1',
      endpointId: test.endpoint.id,
      url: 'http://other-test-shop.example/hook',
    });
    expect(moved.url).toBe('http://other-test-shop.example/hook');
  });

  it("never shows or changes another merchant's endpoint", async () => {
    const { manage } = setup();
    const { endpoint } = await manage.createEndpoint(create());
    const notFound = { code: 'NOTIFIER_ENDPOINT_NOT_FOUND', kind: 'not_found' };
    await expect(manage.getEndpoint('mer_2', endpoint.id)).rejects.toMatchObject(notFound);
    await expect(
      manage.updateEndpoint({ merchantId: 'mer_2', endpointId: endpoint.id, url: 'https://x.ex' }),
    ).rejects.toMatchObject(notFound);
    await expect(manage.deleteEndpoint('mer_2', endpoint.id)).rejects.toMatchObject(notFound);
    await expect(manage.disableEndpoint('mer_2', endpoint.id)).rejects.toMatchObject(notFound);
    await expect(manage.rotateSecret(rotation('mer_2', endpoint.id, 0))).rejects.toMatchObject(
      notFound,
    );
    await expect(manage.recoverEndpoint('mer_2', endpoint.id, new Date(0))).rejects.toMatchObject(
      notFound,
    );
    expect(await manage.listEndpoints('mer_2')).toEqual([]);
    expect((await manage.getEndpoint('mer_1', endpoint.id)).url).toBe(endpoint.url);
  });

  it('updates what is set and keeps the rest', async () => {
    const { manage } = setup();
    const { endpoint } = await manage.createEndpoint(create({ eventTypes: ['payment.failed'] }));
    const updated = await manage.updateEndpoint({
      merchantId: 'mer_1',
      endpointId: endpoint.id,
      url: 'https://new.example/hook',
      ack: 'ANY_2XX',
    });
    expect(updated).toMatchObject({
      url: 'https://new.example/hook',
      ack: 'ANY_2XX',
      format: 'json',
      description: 'ERP',
      eventTypes: ['payment.failed'],
    });
  });

  it("keeps the default endpoint's URL and secret checkout's, and the default undeletable", async () => {
    const { manage, store } = setup();
    const def = await store.endpoints.upsertDefault({
      merchantId: 'mer_1',
      url: 'https://onboarding.example',
      signingSecret: new Secret('0123456789abcdef'),
      now: new Date(),
    });
    const managed = { code: 'NOTIFIER_DEFAULT_ENDPOINT_MANAGED', kind: 'precondition' };
    await expect(
      manage.updateEndpoint({ merchantId: 'mer_1', endpointId: def.id, url: 'https://x.ex' }),
    ).rejects.toMatchObject(managed);
    await expect(manage.deleteEndpoint('mer_1', def.id)).rejects.toMatchObject(managed);
    await expect(manage.rotateSecret(rotation('mer_1', def.id, 0))).rejects.toMatchObject(managed);
    // Its subscription and format are the merchant's to choose.
    expect(
      (await manage.updateEndpoint({ merchantId: 'mer_1', endpointId: def.id, format: 'form' }))
        .format,
    ).toBe('form');
  });

  it('disables and enables with an event each, clearing the reason', async () => {
    const { manage, store } = setup();
    const { endpoint } = await manage.createEndpoint(create());
    const disabled = await manage.disableEndpoint('mer_1', endpoint.id);
    expect(disabled).toMatchObject({ status: 'disabled', disabledReason: 'merchant' });
    expect(await manage.disableEndpoint('mer_1', endpoint.id)).toMatchObject({
      status: 'disabled',
    });
    const enabled = await manage.enableEndpoint('mer_1', endpoint.id);
    expect(enabled).toMatchObject({
      status: 'enabled',
      disabledReason: '',
      disabledAt: null,
      failingSince: null,
    });
    expect(store.endpointEventRows.map((e) => e.type)).toEqual([
      'endpoint.disabled',
      'endpoint.enabled',
    ]);
    const page = await manage.listEndpointEvents({
      merchantId: 'mer_1',
      endpointId: endpoint.id,
      pageSize: 1,
      pageToken: '',
    });
    expect(page.events).toHaveLength(1);
    expect(page.nextPageToken).not.toBe('');
  });

  it('deletes: gone from the API and from fan-out, pending deliveries given up', async () => {
    const { manage, record, store } = setup();
    const { endpoint } = await manage.createEndpoint(create());
    await record(event);
    expect(await manage.deleteEndpoint('mer_1', endpoint.id)).toEqual({
      endpointId: endpoint.id,
      canceledDeliveries: 1,
    });
    await expect(manage.getEndpoint('mer_1', endpoint.id)).rejects.toMatchObject({
      code: 'NOTIFIER_ENDPOINT_NOT_FOUND',
    });
    expect(await manage.listEndpoints('mer_1')).toEqual([]);
    const [d] = await store.deliveries.list({ merchantId: 'mer_1', limit: 5 });
    expect(d).toMatchObject({ status: 'exhausted', lastError: 'endpoint deleted' });
    await record({ ...event, eventId: 'evt_2' });
    expect(await store.deliveries.list({ merchantId: 'mer_1', limit: 5 })).toHaveLength(1);
  });

  it('rotates with an overlap: the old secret keeps signing until it ends', async () => {
    const { manage, clock } = setup();
    const { endpoint, signingSecret } = await manage.createEndpoint(create());
    const res = await manage.rotateSecret(rotation('mer_1', endpoint.id, 3600));
    expect(res.signingSecret.reveal()).toMatch(/^whsec_/);
    expect(res.signingSecret.reveal()).not.toBe(signingSecret.reveal());
    expect(res.endpoint.previousSigningSecret?.reveal()).toBe(signingSecret.reveal());
    expect(res.endpoint.previousSecretExpiresAt).toEqual(
      new Date(clock.now().getTime() + 3_600_000),
    );
    const defaulted = await manage.rotateSecret(rotation('mer_1', endpoint.id, 0));
    expect(defaulted.endpoint.previousSecretExpiresAt).toEqual(
      new Date(clock.now().getTime() + 24 * 3_600_000),
    );
    await expect(
      manage.rotateSecret(rotation('mer_1', endpoint.id, MAX_ROTATION_OVERLAP_S + 1)),
    ).rejects.toMatchObject({ details: { field: 'overlap_seconds' } });
  });

  it('answers a retried rotation with the secret it made instead of rotating again', async () => {
    const { manage } = setup();
    const { endpoint, signingSecret: original } = await manage.createEndpoint(create());
    const first = await manage.rotateSecret(rotation('mer_1', endpoint.id, 3600, 'k1'));
    const retry = await manage.rotateSecret(rotation('mer_1', endpoint.id, 3600, 'k1'));
    expect(first.replayed).toBe(false);
    expect(retry.replayed).toBe(true);
    expect(retry.signingSecret.reveal()).toBe(first.signingSecret.reveal());
    // The secret the merchant verifies with today still signs: the retry did not push it out.
    expect(retry.endpoint.previousSigningSecret?.reveal()).toBe(original.reveal());
    await expect(
      manage.rotateSecret(rotation('mer_1', endpoint.id, 60, 'k1')),
    ).rejects.toMatchObject({
      code: 'NOTIFIER_IDEMPOTENCY_KEY_REUSED',
      details: { field: 'overlap_seconds' },
    });
    await manage.rotateSecret(rotation('mer_1', endpoint.id, 3600, 'k2'));
    await expect(
      manage.rotateSecret(rotation('mer_1', endpoint.id, 3600, 'k1')),
    ).rejects.toMatchObject({ code: 'NOTIFIER_IDEMPOTENCY_KEY_REUSED' });
    await expect(manage.rotateSecret(rotation('mer_1', endpoint.id, 0, ''))).rejects.toMatchObject({
      details: { field: 'idempotency_key' },
    });
    // The key is the merchant's: it does not rotate another endpoint's secret as well.
    const other = await manage.createEndpoint(create({ url: 'https://shop.example/other' }));
    await expect(
      manage.rotateSecret(rotation('mer_1', other.endpoint.id, 3600, 'k1')),
    ).rejects.toMatchObject({
      code: 'NOTIFIER_IDEMPOTENCY_KEY_REUSED',
      details: { field: 'endpoint_id' },
    });
    expect((await manage.getEndpoint('mer_1', other.endpoint.id)).signingSecret.reveal()).toBe(
      other.signingSecret.reveal(),
    );
    // Another merchant's same key is its own.
    const theirs = await manage.createEndpoint(create({ merchantId: 'mer_2' }));
    await expect(
      manage.rotateSecret(rotation('mer_2', theirs.endpoint.id, 3600, 'k1')),
    ).resolves.toMatchObject({ replayed: false });
  });

  it('recovers the exhausted deliveries created since a time, and only those', async () => {
    const { manage, record, store, clock } = setup();
    const { endpoint } = await manage.createEndpoint(create());
    await record(event);
    clock.advance(60_000);
    const since = clock.now();
    await record({ ...event, eventId: 'evt_2', sequence: 2n });
    await record({ ...event, eventId: 'evt_3', sequence: 3n });
    for (const d of store.deliveryRows.values()) d.status = 'exhausted';
    const [third] = [...store.deliveryRows.values()].filter((d) => d.eventId === 'evt_3');
    if (third) third.status = 'delivered';
    clock.advance(RETRY_WINDOW_MS);
    expect(await manage.recoverEndpoint('mer_1', endpoint.id, since)).toBe(1);
    const byEvent = new Map([...store.deliveryRows.values()].map((d) => [d.eventId, d]));
    expect(byEvent.get('evt_1')?.status).toBe('exhausted');
    expect(byEvent.get('evt_2')).toMatchObject({ status: 'pending', nextAttemptAt: clock.now() });
    expect(byEvent.get('evt_2')?.expiresAt.getTime()).toBe(clock.now().getTime() + RETRY_WINDOW_MS);
    expect(byEvent.get('evt_3')?.status).toBe('delivered');
    await expect(
      manage.recoverEndpoint('mer_1', endpoint.id, new Date(clock.now().getTime() + 1)),
    ).rejects.toMatchObject({ details: { field: 'since' } });
  });

  it('shows a delivery with its attempts to its merchant only', async () => {
    const { manage, record, store } = setup();
    await manage.createEndpoint(create());
    await record(event);
    const [d] = await store.deliveries.list({ merchantId: 'mer_1', limit: 1 });
    const id = d?.id ?? '';
    store.addAttempt({
      deliveryId: id,
      attemptedAt: new Date(),
      statusCode: 500,
      error: 'HTTP 500',
      durationMs: 12,
      responseSnippet: 'oops',
    });
    const got = await manage.getDelivery('mer_1', id);
    expect(got.attempts).toEqual([expect.objectContaining({ statusCode: 500, durationMs: 12 })]);
    await expect(manage.getDelivery('mer_2', id)).rejects.toMatchObject({
      code: 'NOTIFIER_DELIVERY_NOT_FOUND',
    });
  });
});
