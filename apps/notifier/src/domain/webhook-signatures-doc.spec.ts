import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';

import { webhookHeaders } from './signature';

type Verify = (
  headers: Record<string, string>,
  rawBody: string | Buffer,
  secret: string,
  nowSeconds?: number,
) => boolean;

/** The Node snippet of docs/webhook-signatures.md, exactly as a merchant copies it. */
function documentedVerifier(): Verify {
  const doc = readFileSync(
    join(import.meta.dirname, '../../../../docs/webhook-signatures.md'),
    'utf8',
  );
  const snippet = /```js\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
  const load = new Function('require', `${snippet}\nreturn verifyTolemWebhook;`) as (
    r: NodeJS.Require,
  ) => Verify;
  return load(createRequire(import.meta.url));
}

describe('docs/webhook-signatures.md Node snippet', () => {
  const verify = documentedVerifier();
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const body = '{"id":"evt_1","type":"payment.succeeded"}';

  it('accepts what the notifier sends, and what the standardwebhooks package signs', () => {
    expect(
      verify(webhookHeaders({ id: 'evt_1', body, at: new Date(), secret }), body, secret),
    ).toBe(true);
    const at = new Date();
    const headers = {
      'webhook-id': 'evt_1',
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign('evt_1', at, body),
    };
    expect(verify(headers, Buffer.from(body), secret)).toBe(true);
  });

  it('accepts either secret during a rotation and a legacy raw secret', () => {
    const previous = `whsec_${randomBytes(32).toString('base64')}`;
    const headers = webhookHeaders({
      id: 'evt_2',
      body,
      at: new Date(),
      secret,
      previousSecret: previous,
    });
    expect(verify(headers, body, secret)).toBe(true);
    expect(verify(headers, body, previous)).toBe(true);
    const legacy = 'legacy_secret_0123456789';
    expect(
      verify(webhookHeaders({ id: 'evt_3', body, at: new Date(), secret: legacy }), body, legacy),
    ).toBe(true);
  });

  it('refuses a changed body, another secret, a missing header and an old timestamp', () => {
    const at = new Date();
    const headers = webhookHeaders({ id: 'evt_4', body, at, secret });
    expect(verify(headers, `${body} `, secret)).toBe(false);
    expect(verify(headers, body, `whsec_${randomBytes(32).toString('base64')}`)).toBe(false);
    expect(verify({ ...headers, 'webhook-signature': '' }, body, secret)).toBe(false);
    expect(verify(headers, body, secret, Math.floor(at.getTime() / 1000) + 301)).toBe(false);
  });
});
