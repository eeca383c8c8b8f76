import { freePort, httpAnswers, type ServiceProcess, spawnService } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SHOP = '510001';
const SECRET = 'cashbox_integration_secret';

describe('provider-sandbox cash register (real process, real HTTP)', () => {
  let sandbox: ServiceProcess;
  let base: string;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    sandbox = await spawnService({
      name: 'provider-sandbox',
      entry: 'apps/provider-sandbox/src/main.ts',
      env: {
        HTTP_PORT: String(port),
        LOG_LEVEL: 'warn',
        SANDBOX_WEBMONEY_SECRET_KEY: 'wm-secret',
        SANDBOX_CASHBOX_SHOP_ID: SHOP,
        SANDBOX_CASHBOX_SECRET_KEY: SECRET,
      },
      ready: () => httpAnswers(`${base}/healthz`),
    });
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  const body = {
    type: 'payment',
    payment_id: 'pay_cashbox_it',
    customer: { phone: '79123456789' },
    items: [
      {
        description: 'Подписка',
        quantity: '1',
        amount: { value: '1500.00', currency: 'RUB' },
        vat_code: 12,
        payment_subject: 'service',
        payment_mode: 'full_payment',
      },
    ],
    settlements: [{ type: 'cashless', amount: { value: '1500.00', currency: 'RUB' } }],
    send: true,
  };
  const post = (key: string, secret = SECRET) =>
    fetch(`${base}/cashbox/v3/receipts`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${SHOP}:${secret}`).toString('base64')}`,
        'idempotence-key': key,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    });

  it('registers over HTTP, replays a repeated key, and lists what it received', async () => {
    const first = await post('it-key-1');
    expect(first.status).toBe(200);
    const receipt = (await first.json()) as { id: string; status: string };
    expect(receipt.status).toBe('succeeded');
    const again = (await (await post('it-key-1')).json()) as { id: string };
    expect(again.id).toBe(receipt.id);

    const listed = (await (
      await fetch(`${base}/_sandbox/cashbox/receipts?payment_id=pay_cashbox_it`)
    ).json()) as {
      receipts: Array<{ id: string; requests: number; customer: { phone: string } }>;
    };
    expect(listed.receipts).toEqual([
      expect.objectContaining({ id: receipt.id, requests: 2, customer: { phone: '79123456789' } }),
    ]);
  });

  it('refuses a wrong secret with 401 and is listed on the index page', async () => {
    expect((await post('it-key-2', 'wrong')).status).toBe(401);
    const index = await (await fetch(`${base}/`)).text();
    expect(index).toContain('/cashbox/v3/receipts');
  });
});
