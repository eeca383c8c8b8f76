import { Secret } from '@tolem/config';
import { createKnex, type Knex, migrateLatest } from '@tolem/db-kit';
import type { CallContext } from '@tolem/grpc-kit';
import { money } from '@tolem/money';
import {
  freePort,
  freshDatabase,
  httpAnswers,
  type ServiceProcess,
  spawnService,
} from '@tolem/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { migrations } from '../../migrations';
import { receiptHandlers } from '../../src/grpc/receipts.grpc';
import { createCashRegisterClient } from '../../src/receipts/cash-register.client';
import { issueReceiptForCharge, type IssueReceiptInput } from '../../src/receipts/issue-receipt';
import { makeReceiptQueries } from '../../src/receipts/list-receipts';
import { makeReceiptSender, type ReceiptSenderPolicy } from '../../src/receipts/sender';

const SHOP = '510001';
const SECRET = 'it_cashbox_secret';
const POLICY: Partial<ReceiptSenderPolicy> = {
  batchSize: 50,
  leaseMs: 30_000,
  retryBaseMs: 10_000,
  retryMaxMs: 600_000,
  refusedRetryMs: 6 * 3_600_000,
};

interface Shown {
  id: string;
  payment_id: string;
  requests: number;
  fiscal_document_number: string;
  fiscal_storage_number: string;
  fiscal_attribute: string;
  items: Array<{ description: string; vat_code: number; amount: { value: string } }>;
  settlements: Array<{ type: string; amount: { value: string; currency: string } }>;
  customer: { email?: string };
}

/** The receipt handlers read nothing from the call context. */
const ctx = {} as CallContext;

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('recurring receipts (real PostgreSQL, real sandbox cash register)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Knex;
  let sandbox: ServiceProcess;
  let base: string;
  let n = 0;
  const clock = {
    at: new Date('2026-12-06T09:00:00Z'),
    now() {
      return this.at;
    },
  };
  const advance = (ms: number) => {
    clock.at = new Date(clock.at.getTime() + ms);
  };

  const register = (timeoutMs = 5_000) =>
    createCashRegisterClient({
      url: `${base}/cashbox`,
      shopId: SHOP,
      secretKey: new Secret(SECRET),
      timeoutMs,
    });
  const sender = (timeoutMs?: number, on: Knex = db) =>
    makeReceiptSender({ db: on, client: register(timeoutMs), clock, log: silent, policy: POLICY });

  const faults = async (body: object) => {
    const res = await fetch(`${base}/_sandbox/cashbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
  };
  const atRegister = async (paymentId: string): Promise<Shown[]> => {
    const res = await fetch(`${base}/_sandbox/cashbox/receipts?payment_id=${paymentId}`);
    return ((await res.json()) as { receipts: Shown[] }).receipts;
  };
  const row = (id: string) => db('receipts').where({ id }).first();

  const charge = (over: Partial<IssueReceiptInput> = {}): IssueReceiptInput => {
    n += 1;
    return {
      merchantId: 'mer_rct',
      chargeId: `chg_it_${n}_${Math.random().toString(36).slice(2, 8)}`,
      paymentId: `pay_it_${n}_${Math.random().toString(36).slice(2, 8)}`,
      operationId: 'sop_it_1',
      description: 'Подписка «Премиум», декабрь',
      amount: money(99_050n, 'RUB'),
      customer: { email: 'payer@example.com' },
      vatRate: 'vat22',
      taxSystemCode: 1,
      livemode: false,
      ...over,
    };
  };
  const handlers = () => {
    const h = receiptHandlers({ receipts: makeReceiptQueries(db) });
    return {
      getReceipt: (req: Parameters<typeof h.getReceipt>[0]) => h.getReceipt(req, ctx),
      listReceipts: (req: Parameters<typeof h.listReceipts>[0]) => h.listReceipts(req, ctx),
    };
  };
  const issue = (input: IssueReceiptInput) =>
    db.transaction((trx) => issueReceiptForCharge(trx, input, { clock }));

  beforeAll(async () => {
    database = await freshDatabase('recurring_receipts_it');
    db = createKnex({ url: database.url, applicationName: 'receipts-it' });
    await migrateLatest(db, migrations);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    sandbox = await spawnService({
      name: 'provider-sandbox',
      entry: 'apps/provider-sandbox/src/main.ts',
      env: {
        HTTP_PORT: String(port),
        LOG_LEVEL: 'warn',
        SANDBOX_WEBMONEY_SECRET_KEY: 'it-webmoney-secret',
        SANDBOX_CASHBOX_SHOP_ID: SHOP,
        SANDBOX_CASHBOX_SECRET_KEY: SECRET,
      },
      ready: () => httpAnswers(`${base}/healthz`),
    });
  });

  afterAll(async () => {
    await sandbox?.stop();
    await db?.destroy();
    await database?.drop();
  });

  beforeEach(async () => {
    await faults({});
    // Nothing left due from an earlier test: each test sees only its own receipts sent.
    await db('receipts').where({ status: 'pending' }).update({ status: 'canceled' });
  });

  it('issues one receipt per charge, however often and concurrently the charge asks', async () => {
    const input = charge();
    const ids = await Promise.all([issue(input), issue(input), issue(input)]);
    const again = await issue({ ...input, description: 'edited later' });
    expect(new Set([...ids, again]).size).toBe(1);
    const rows = await db('receipts').where({ charge_id: input.chargeId });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      status: 'pending',
      currency: 'RUB',
      settlement_minor: 99_050n,
    });
  });

  it("is part of the caller's transaction: a rolled-back charge leaves no receipt", async () => {
    const input = charge();
    await expect(
      db.transaction(async (trx) => {
        await issueReceiptForCharge(trx, input, { clock });
        throw new Error('charge recording failed');
      }),
    ).rejects.toThrow('charge recording failed');
    expect(await db('receipts').where({ charge_id: input.chargeId })).toHaveLength(0);
  });

  it('sends a receipt once and records the fiscal data the register answered', async () => {
    const input = charge();
    const id = await issue(input);
    expect(await sender().runOnce()).toBe(1);

    const [registered, ...others] = await atRegister(input.paymentId);
    expect(others).toHaveLength(0);
    expect(registered).toMatchObject({
      requests: 1,
      customer: { email: 'payer@example.com' },
      items: [
        { description: 'Подписка «Премиум», декабрь', vat_code: 11, amount: { value: '990.50' } },
      ],
      settlements: [{ type: 'cashless', amount: { value: '990.50', currency: 'RUB' } }],
    });

    const { receipt } = await handlers().getReceipt({ merchantId: 'mer_rct', receiptId: id });
    expect(receipt).toMatchObject({
      id,
      status: 'succeeded',
      chargeId: input.chargeId,
      paymentId: input.paymentId,
      registerReceiptId: registered?.id,
      fiscalDocumentNumber: registered?.fiscal_document_number,
      fiscalStorageNumber: registered?.fiscal_storage_number,
      fiscalAttribute: registered?.fiscal_attribute,
      sendAttempts: 1,
      lastError: '',
      taxSystemCode: 1,
      settlement: { amountMinor: 99_050n, currency: 'RUB' },
      items: [
        { quantity: '1', vatCode: 11, paymentSubject: 'service', paymentMode: 'full_payment' },
      ],
    });
    expect(receipt?.registeredAt).toBeInstanceOf(Date);

    // Accepted receipts are never sent again.
    advance(86_400_000);
    expect(await sender().runOnce()).toBe(0);
    expect((await atRegister(input.paymentId))[0]?.requests).toBe(1);
  });

  it('retries after the register answers 500, with backoff, until it is accepted', async () => {
    await faults({ fail_next: 2, fail_status: 500 });
    const input = charge();
    const id = await issue(input);

    expect(await sender().runOnce()).toBe(1);
    expect(await row(id)).toMatchObject({
      status: 'pending',
      send_attempts: 1,
      last_error: expect.stringContaining('HTTP 500'),
    });
    // Not due again before the backoff has passed.
    expect(await sender().runOnce()).toBe(0);
    advance(10_000);
    expect(await sender().runOnce()).toBe(1);
    expect(await row(id)).toMatchObject({ status: 'pending', send_attempts: 2 });
    advance(10_000);
    expect(await sender().runOnce()).toBe(0);
    advance(10_000);
    expect(await sender().runOnce()).toBe(1);
    expect(await row(id)).toMatchObject({ status: 'succeeded', send_attempts: 3, last_error: '' });
    expect((await atRegister(input.paymentId)).map((r) => r.requests)).toEqual([1]);
  });

  it('is never registered twice when a send times out and is sent again', async () => {
    // The register registers, then answers after 1.5 s; the client gives up after 300 ms.
    await faults({ delay_next: 1, delay_ms: 1_500 });
    const input = charge();
    const id = await issue(input);

    expect(await sender(300).runOnce()).toBe(1);
    expect(await row(id)).toMatchObject({
      status: 'pending',
      last_error: expect.stringContaining('timeout'),
    });
    advance(10_000);
    expect(await sender(300).runOnce()).toBe(1);

    const atTheRegister = await atRegister(input.paymentId);
    expect(atTheRegister).toHaveLength(1);
    expect(atTheRegister[0]?.requests).toBe(2);
    expect(await row(id)).toMatchObject({
      status: 'succeeded',
      register_receipt_id: atTheRegister[0]?.id,
    });
  });

  it('keeps a refused receipt pending, retried only after the long refusal pause', async () => {
    const input = charge({ customer: { email: 'refuse@cashbox.test' } });
    const id = await issue(input);
    expect(await sender().runOnce()).toBe(1);
    expect(await row(id)).toMatchObject({
      status: 'pending',
      refusals: 1,
      last_error: expect.stringMatching(
        /^refused: HTTP 400 invalid_request: .*\(customer\.email\)$/,
      ),
    });
    advance(600_000);
    expect(await sender().runOnce()).toBe(0);
    advance(6 * 3_600_000);
    expect(await sender().runOnce()).toBe(1);
    expect(await row(id)).toMatchObject({ status: 'pending', refusals: 2, send_attempts: 2 });
    expect(await atRegister(input.paymentId)).toHaveLength(0);
  });

  it.each<[string, Partial<IssueReceiptInput>, string]>([
    ['no customer contact', { customer: {} }, 'RECEIPT_CUSTOMER_CONTACT_REQUIRED'],
    ['a vat rate without a 54-FZ code', { vatRate: 'vat12' }, 'RECEIPT_VAT_RATE_UNSUPPORTED'],
    ['a KGS charge', { amount: money(50_000n, 'KGS') }, 'RECEIPT_CURRENCY_UNSUPPORTED'],
  ])(
    'stores a receipt with %s as canceled with its code and never sends it',
    async (_name, over, code) => {
      const input = charge(over);
      const id = await issue(input);
      expect(await row(id)).toMatchObject({
        status: 'canceled',
        last_error: expect.stringMatching(new RegExp(`^${code}: `)),
      });
      expect(await sender().runOnce()).toBe(0);
      expect(await atRegister(input.paymentId)).toHaveLength(0);
    },
  );

  it('cuts a description longer than 128 characters instead of losing the receipt', async () => {
    const id = await issue(charge({ description: 'x'.repeat(200) }));
    const { receipt } = await handlers().getReceipt({
      merchantId: 'mer_rct',
      receiptId: id,
    });
    expect(receipt?.status).toBe('pending');
    expect(receipt?.items[0]?.description).toHaveLength(128);
  });

  it('two senders racing send every receipt exactly once', async () => {
    const inputs = Array.from({ length: 12 }, () => charge());
    for (const input of inputs) await issue(input);
    const other = createKnex({ url: database.url, applicationName: 'receipts-it-2' });
    try {
      const sent = await Promise.all([
        sender(undefined, db).runOnce(),
        sender(undefined, other).runOnce(),
        sender(undefined, other).runOnce(),
      ]);
      expect(sent.reduce((a, b) => a + b, 0)).toBe(12);
    } finally {
      await other.destroy();
    }
    for (const input of inputs) {
      const at = await atRegister(input.paymentId);
      expect(at.map((r) => r.requests)).toEqual([1]);
    }
    const statuses = await db('receipts')
      .whereIn(
        'charge_id',
        inputs.map((i) => i.chargeId),
      )
      .pluck('status');
    expect(statuses).toEqual(Array(12).fill('succeeded'));
  });

  it("lists a merchant's receipts newest first, paged and filtered, and hides other merchants'", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      advance(1_000);
      ids.push(
        await issue(
          charge({ merchantId: 'mer_list', operationId: i === 1 ? 'sop_other' : 'sop_list' }),
        ),
      );
    }
    const req = {
      merchantId: 'mer_list',
      limit: 2,
      startingAfter: '',
      endingBefore: '',
      operationId: '',
      paymentId: '',
      status: '',
    };
    const page1 = await handlers().listReceipts(req);
    expect(page1.receipts.map((r) => r.id)).toEqual([ids[2], ids[1]]);
    expect(page1.hasMore).toBe(true);
    const page2 = await handlers().listReceipts({ ...req, startingAfter: ids[1] as string });
    expect(page2.receipts.map((r) => r.id)).toEqual([ids[0]]);
    expect(page2.hasMore).toBe(false);
    const back = await handlers().listReceipts({ ...req, endingBefore: ids[0] as string });
    expect(back.receipts.map((r) => r.id)).toEqual([ids[2], ids[1]]);
    const byOperation = await handlers().listReceipts({
      ...req,
      limit: 10,
      operationId: 'sop_other',
    });
    expect(byOperation.receipts.map((r) => r.id)).toEqual([ids[1]]);

    await expect(
      handlers().getReceipt({ merchantId: 'mer_rct', receiptId: ids[0] as string }),
    ).rejects.toMatchObject({ code: 'RECEIPT_NOT_FOUND' });
    await expect(handlers().listReceipts({ ...req, limit: 101 })).rejects.toMatchObject({
      code: 'RECEIPT_INVALID_REQUEST',
      details: { field: 'limit' },
    });
    await expect(handlers().listReceipts({ ...req, status: 'lost' })).rejects.toMatchObject({
      code: 'RECEIPT_INVALID_REQUEST',
      details: { field: 'status' },
    });
  });
});
