import { createKnex, type Knex, migrateLatest } from '@tolem/db-kit';
import { freshDatabase } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { migrations } from '../../migrations';

const BEFORE_ISSUE_10 = Object.fromEntries(
  Object.entries(migrations).filter(([name]) => name < '20261208000000'),
);

describe('webhook endpoints migration (real PostgreSQL, data written by the previous schema)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Knex;

  beforeAll(async () => {
    database = await freshDatabase('notifier_mig');
    db = createKnex({ url: database.url, applicationName: 'notifier-migration-it' });
    await migrateLatest(db, BEFORE_ISSUE_10);
    const at = new Date('2026-03-01T10:00:00Z');
    await db('endpoints').insert({
      merchant_id: 'mer_a',
      url: 'https://a.example/hook',
      signing_secret: 'plain-secret-0123456789',
      previous_signing_secret: 'older-secret-0123456789',
      previous_secret_expires_at: new Date('2026-03-02T10:00:00Z'),
      updated_at: at,
    });
    const delivery = (id: string, merchant: string, url: string, status: string) => ({
      id,
      event_id: `evt_${id}`,
      event_type: 'payment.succeeded',
      payment_id: `pay_${id}`,
      merchant_id: merchant,
      sequence: 1,
      url,
      payload: `{"id":"evt_${id}"}`,
      status,
      next_attempt_at: at,
      expires_at: at,
      created_at: at,
    });
    await db('deliveries').insert([
      delivery('sent', 'mer_a', 'https://a.example/hook', 'delivered'),
      delivery('waiting', 'mer_b', '', 'pending'),
    ]);
    await db('delivery_attempts').insert({
      delivery_id: 'sent',
      attempted_at: new Date('2026-03-01T10:00:01Z'),
      status_code: 200,
      duration_ms: 5,
    });
    await migrateLatest(db, migrations);
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('makes each old endpoint the merchant default, secrets unchanged', async () => {
    const rows = await db('webhook_endpoints').select();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      merchant_id: 'mer_a',
      url: 'https://a.example/hook',
      is_default: true,
      format: 'json',
      ack: 'ok',
      status: 'enabled',
      event_types: [],
      signing_secret: 'plain-secret-0123456789',
      previous_signing_secret: 'older-secret-0123456789',
    });
    expect(rows[0].id).toMatch(/^we_[0-9a-f]{32}$/);
    expect(await db.schema.hasTable('endpoints')).toBe(false);
  });

  it('gives deliveries their endpoint and first attempt, attempts their URL', async () => {
    const [endpoint] = await db('webhook_endpoints').select('id');
    expect(await db('deliveries').select('id', 'endpoint_id', 'first_attempt_at')).toEqual([
      {
        id: 'sent',
        endpoint_id: endpoint.id,
        first_attempt_at: new Date('2026-03-01T10:00:01Z'),
      },
    ]);
    expect((await db('delivery_attempts').first()).url).toBe('https://a.example/hook');
  });

  it('keeps every event; a URL-less delivery becomes an unrouted event with its body', async () => {
    const events = await db('notification_events').orderBy('event_id').select();
    expect(
      events.map((e: { event_id: string; routed: boolean }) => [e.event_id, e.routed]),
    ).toEqual([
      ['evt_sent', true],
      ['evt_waiting', false],
    ]);
    expect(events[1].data).toEqual({ legacy_json: '{"id":"evt_waiting"}' });
  });

  it('allows one delivery per (event, endpoint), no longer one per event', async () => {
    const [endpoint] = await db('webhook_endpoints').select('id');
    const at = new Date();
    await db('webhook_endpoints').insert({
      id: 'we_second',
      merchant_id: 'mer_a',
      url: 'https://a2.example',
      signing_secret: 'whsec_x',
      created_at: at,
      updated_at: at,
    });
    const row = (id: string, endpointId: string) => ({
      id,
      event_id: 'evt_sent',
      event_type: 'payment.succeeded',
      payment_id: 'pay_sent',
      merchant_id: 'mer_a',
      endpoint_id: endpointId,
      sequence: 1,
      url: 'https://a2.example',
      payload: '{}',
      status: 'pending',
      next_attempt_at: at,
      expires_at: at,
    });
    await db('deliveries').insert(row('second', 'we_second'));
    await expect(db('deliveries').insert(row('dup', endpoint.id))).rejects.toThrow(/duplicate/);
  });
});
