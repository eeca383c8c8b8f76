import { randomBytes } from 'node:crypto';

import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';

import { signingKey, webhookHeaders } from './signature';

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

describe('webhookHeaders (Standard Webhooks), verified with the standardwebhooks package', () => {
  const body = '{"id":"evt_1","type":"payment.succeeded"}';

  it('signs id.timestamp.body so the reference library accepts it', () => {
    const secret = newSecret();
    const headers = webhookHeaders({ id: 'evt_1', body, at: new Date(), secret });
    expect(headers['webhook-id']).toBe('evt_1');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('matches the specification test vector', () => {
    // From the Standard Webhooks specification's examples.
    const headers = webhookHeaders({
      id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      body: '{"test": 2432232314}',
      at: new Date(1_614_265_330_000),
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    });
    expect(headers['webhook-signature']).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('puts the attempt time in unix seconds into webhook-timestamp', () => {
    const headers = webhookHeaders({
      id: 'evt_1',
      body,
      at: new Date('2026-03-01T10:00:00.750Z'),
      secret: newSecret(),
    });
    expect(headers['webhook-timestamp']).toBe(String(Date.parse('2026-03-01T10:00:00Z') / 1000));
  });

  it('sends both signatures during a rotation, each verifiable with its own secret', () => {
    const current = newSecret();
    const previous = newSecret();
    const headers = webhookHeaders({
      id: 'evt_2',
      body,
      at: new Date(),
      secret: current,
      previousSecret: previous,
    });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(current).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(previous).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(newSecret()).verify(body, headers)).toThrow(/No matching signature/);
  });

  it('uses a secret that is not whsec_<base64> as raw bytes (format: raw)', () => {
    const legacy = 'whsec_legacy_not_base64_0123456789';
    expect(signingKey(legacy).toString('utf8')).toBe(legacy);
    const headers = webhookHeaders({ id: 'evt_3', body, at: new Date(), secret: legacy });
    expect(() => new Webhook(legacy, { format: 'raw' }).verify(body, headers)).not.toThrow();
  });

  it('fails verification when the body, the id or the timestamp was changed', () => {
    const secret = newSecret();
    const headers = webhookHeaders({ id: 'evt_4', body, at: new Date(), secret });
    const hook = new Webhook(secret);
    expect(() => hook.verify(`${body} `, headers)).toThrow();
    expect(() => hook.verify(body, { ...headers, 'webhook-id': 'evt_5' })).toThrow();
    const t = String(Number(headers['webhook-timestamp']) - 1);
    expect(() => hook.verify(body, { ...headers, 'webhook-timestamp': t })).toThrow();
  });
});
