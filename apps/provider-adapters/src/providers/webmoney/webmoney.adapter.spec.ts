import { createHash } from 'node:crypto';

import { Secret } from '@tolem/config';
import { type CurrencyCode, money } from '@tolem/money';
import { describe, expect, it } from 'vitest';

import type { RawCallback } from '../../domain/callback';
import { inMemoryTransactions } from '../../testing/in-memory.fakes';
import type { StartPaymentInput } from '../provider.port';
import keeperFixture from './__fixtures__/notification-keeper-mobile.json';
import purseFixture from './__fixtures__/notification-purse.json';
import preFixture from './__fixtures__/prerequest.json';
import { createWebMoneyAdapter, type WebMoneyConfig } from './webmoney.adapter';

const SECRET = purseFixture.secretKey;

const baseConfig: WebMoneyConfig = {
  merchantUrl: 'https://sandbox.test/webmoney/lmi/payment_utf.asp',
  resultUrl: 'https://pay.test/callbacks/webmoney',
  purses: new Map<CurrencyCode, string>([
    ['USD', 'Z123428476799'],
    ['EUR', 'E123456789012'],
  ]),
  secretKey: new Secret(SECRET),
  allowSignHash: false,
  requireHash2: true,
  mode: '1',
};

/** Signs like WebMoney does, independently of the adapter's code (protocols.md §1.5, §1.6). */
function sign(fields: Record<string, string>, secret = SECRET): Record<string, string> {
  const f = (k: string) => fields[k] ?? '';
  const head = [f('LMI_PAYEE_PURSE'), f('LMI_PAYMENT_AMOUNT')];
  const tail = [
    f('LMI_PAYMENT_NO'),
    f('LMI_MODE'),
    f('LMI_SYS_INVS_NO'),
    f('LMI_SYS_TRANS_NO'),
    f('LMI_SYS_TRANS_DATE'),
    secret,
    f('LMI_PAYER_PURSE'),
    f('LMI_PAYER_WM'),
  ];
  const sha = (t: string) => createHash('sha256').update(t, 'utf8').digest('hex').toUpperCase();
  const hold = fields['LMI_HOLD'] ? [fields['LMI_HOLD']] : [];
  return {
    ...fields,
    LMI_HASH: sha([...head, ...tail].join('')),
    LMI_HASH2: sha([...head, ...hold, ...tail].join(';')),
  };
}

function post(fields: Record<string, string>, headers: Record<string, string> = {}): RawCallback {
  return {
    method: 'POST',
    path: '/callbacks/webmoney',
    query: '',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: Buffer.from(new URLSearchParams(fields).toString(), 'utf8'),
    remoteAddress: '203.0.113.7',
  };
}

const startInput: StartPaymentInput = {
  paymentId: 'pay_vec',
  merchantId: 'mer_1',
  method: 'webmoney_purse',
  amount: money(1465n, 'USD'),
  description: 'Order #42 — чай',
  successUrl: 'https://shop.test/ok',
  failUrl: 'https://shop.test/fail',
  payer: {},
  providerShopId: '4711',
};

/** An adapter with the public vector's order (no 1444212666, 14.65 USD to Z123428476799) started. */
async function withVectorOrder(overrides: Partial<WebMoneyConfig> = {}) {
  const transactions = inMemoryTransactions({
    firstOrderNo: BigInt(purseFixture.fields.LMI_PAYMENT_NO),
  });
  const adapter = createWebMoneyAdapter({ config: { ...baseConfig, ...overrides }, transactions });
  await adapter.startPayment(startInput);
  const tx = () => [...transactions.rows.values()][0];
  return { adapter, transactions, tx };
}

async function errorOf(
  promise: Promise<unknown>,
): Promise<{ code: string; kind: string; details: Record<string, string> }> {
  try {
    await promise;
  } catch (err) {
    return err as { code: string; kind: string; details: Record<string, string> };
  }
  throw new Error('expected a rejection');
}

const fieldsOf = (action: { kind: string; fields?: { name: string; value: string }[] }) =>
  Object.fromEntries((action.fields ?? []).map((f) => [f.name, f.value]));

describe('WebMoney startPayment', () => {
  it('returns a UTF-8 form post with the exact LMI fields', async () => {
    const transactions = inMemoryTransactions({ firstOrderNo: 1444212666n });
    const adapter = createWebMoneyAdapter({ config: baseConfig, transactions });
    const result = await adapter.startPayment(startInput);

    expect(result.provider).toBe('webmoney');
    expect(result.providerReference).toBe('1444212666');
    if (result.action.kind !== 'form_post') throw new Error('expected a form post');
    expect(result.action.url).toBe(baseConfig.merchantUrl);
    expect(result.action.acceptCharset).toBe('utf-8');
    expect(result.action.fields.map((f) => f.name)).toEqual([
      'LMI_PAYEE_PURSE',
      'LMI_PAYMENT_AMOUNT',
      'LMI_PAYMENT_NO',
      'LMI_PAYMENT_DESC_BASE64',
      'LMI_SHOP_ID',
      'LMI_RESULT_URL',
      'LMI_SUCCESS_URL',
      'LMI_SUCCESS_METHOD',
      'LMI_FAIL_URL',
      'LMI_FAIL_METHOD',
      'LMI_SIM_MODE',
      'TOLEM_PAYMENT_ID',
    ]);
    const f = fieldsOf(result.action);
    expect(f).toMatchObject({
      LMI_PAYEE_PURSE: 'Z123428476799',
      LMI_PAYMENT_AMOUNT: '14.65',
      LMI_PAYMENT_NO: '1444212666',
      LMI_SHOP_ID: '4711',
      LMI_RESULT_URL: 'https://pay.test/callbacks/webmoney',
      LMI_SUCCESS_URL: 'https://shop.test/ok',
      LMI_SUCCESS_METHOD: '2',
      LMI_FAIL_URL: 'https://shop.test/fail',
      LMI_FAIL_METHOD: '2',
      LMI_SIM_MODE: '0',
      TOLEM_PAYMENT_ID: 'pay_vec',
    });
    expect(Buffer.from(f['LMI_PAYMENT_DESC_BASE64'] ?? '', 'base64').toString('utf8')).toBe(
      'Order #42 — чай',
    );

    const row = [...transactions.rows.values()][0];
    expect(row).toMatchObject({
      amountText: '14.65',
      payeePurse: 'Z123428476799',
      status: 'created',
    });
  });

  it('is idempotent per payment: the same order number, one transaction', async () => {
    const transactions = inMemoryTransactions({ firstOrderNo: 10n });
    const adapter = createWebMoneyAdapter({ config: baseConfig, transactions });
    const first = await adapter.startPayment(startInput);
    const again = await adapter.startPayment(startInput);
    expect(again.providerReference).toBe(first.providerReference);
    expect(again.action).toEqual(first.action);
    expect(transactions.rows.size).toBe(1);
    const other = await adapter.startPayment({ ...startInput, paymentId: 'pay_other' });
    expect(other.providerReference).toBe('11');
  });

  it('lets an unpaid payment switch to Keeper Mobile on the same order, with phone digits and TOLEM_METHOD', async () => {
    const transactions = inMemoryTransactions({ firstOrderNo: 5n });
    const adapter = createWebMoneyAdapter({ config: baseConfig, transactions });
    await adapter.startPayment(startInput);
    const result = await adapter.startPayment({
      ...startInput,
      method: 'webmoney_keeper_mobile',
      payer: { phone: '+7 (916) 123-45-67' },
    });
    expect(result.providerReference).toBe('5');
    const f = fieldsOf(result.action);
    expect(f['LMI_PAYER_PHONE_NUMBER']).toBe('79161234567');
    expect(f['TOLEM_METHOD']).toBe('keeper_mobile');
    expect([...transactions.rows.values()][0]?.method).toBe('webmoney_keeper_mobile');
  });

  it('signs the form with the X20 secret and leaves LMI_SIM_MODE out in real mode', async () => {
    const adapter = createWebMoneyAdapter({
      config: { ...baseConfig, mode: '0', x20Secret: new Secret('x20-secret') },
      transactions: inMemoryTransactions({ firstOrderNo: 77n }),
    });
    const f = fieldsOf((await adapter.startPayment(startInput)).action);
    const expected = createHash('sha256')
      .update('Z123428476799;14.65;77;x20-secret;')
      .digest('hex')
      .toUpperCase();
    expect(f['LMI_PAYMENTFORM_SIGN']).toBe(expected);
    expect(f).not.toHaveProperty('LMI_SIM_MODE');
  });

  it('omits return URLs it was not given and defaults the description to the order', async () => {
    const adapter = createWebMoneyAdapter({
      config: baseConfig,
      transactions: inMemoryTransactions({ firstOrderNo: 3n }),
    });
    const f = fieldsOf(
      (await adapter.startPayment({ ...startInput, successUrl: '', failUrl: '', description: ' ' }))
        .action,
    );
    expect(f).not.toHaveProperty('LMI_SUCCESS_URL');
    expect(f).not.toHaveProperty('LMI_FAIL_METHOD');
    expect(Buffer.from(f['LMI_PAYMENT_DESC_BASE64'] ?? '', 'base64').toString('utf8')).toBe(
      'Order 3',
    );
  });

  it('refuses bad input with stable codes before writing anything', async () => {
    const transactions = inMemoryTransactions();
    const adapter = createWebMoneyAdapter({ config: baseConfig, transactions });
    expect(
      await errorOf(adapter.startPayment({ ...startInput, amount: money(100n, 'RUB') })),
    ).toMatchObject({
      code: 'PROVIDER_CURRENCY_UNSUPPORTED',
      kind: 'invalid',
    });
    expect(
      await errorOf(adapter.startPayment({ ...startInput, providerShopId: '' })),
    ).toMatchObject({
      code: 'PROVIDER_SHOP_ID_REQUIRED',
      kind: 'precondition',
    });
    expect(
      await errorOf(
        adapter.startPayment({ ...startInput, method: 'webmoney_keeper_mobile', payer: {} }),
      ),
    ).toMatchObject({ code: 'PROVIDER_PAYER_PHONE_INVALID', kind: 'invalid' });
    expect(
      await errorOf(
        adapter.startPayment({
          ...startInput,
          method: 'webmoney_keeper_mobile',
          payer: { phone: '12-ab' },
        }),
      ),
    ).toMatchObject({ code: 'PROVIDER_PAYER_PHONE_INVALID' });
    expect(
      await errorOf(adapter.startPayment({ ...startInput, providerShopId: 'shop-1' })),
    ).toMatchObject({
      code: 'PROVIDER_INVALID_REQUEST',
      details: { field: 'provider_shop_id' },
    });
    expect(
      await errorOf(adapter.startPayment({ ...startInput, successUrl: 'javascript:alert(1)' })),
    ).toMatchObject({
      code: 'PROVIDER_INVALID_REQUEST',
      details: { field: 'success_url' },
    });
    expect(await errorOf(adapter.startPayment({ ...startInput, method: 'card' }))).toMatchObject({
      code: 'PROVIDER_METHOD_UNSUPPORTED',
      kind: 'precondition',
    });
    expect(transactions.rows.size).toBe(0);
  });

  it('refuses the same payment with another amount, currency or merchant, naming the field', async () => {
    const adapter = createWebMoneyAdapter({
      config: baseConfig,
      transactions: inMemoryTransactions(),
    });
    await adapter.startPayment(startInput);
    expect(
      await errorOf(adapter.startPayment({ ...startInput, amount: money(1466n, 'USD') })),
    ).toMatchObject({
      code: 'PROVIDER_PAYMENT_CONFLICT',
      kind: 'conflict',
      details: { field: 'amount' },
    });
    expect(
      await errorOf(adapter.startPayment({ ...startInput, amount: money(1465n, 'EUR') })),
    ).toMatchObject({
      details: { field: 'currency' },
    });
    expect(
      await errorOf(adapter.startPayment({ ...startInput, merchantId: 'mer_2' })),
    ).toMatchObject({
      details: { field: 'merchant_id' },
    });
  });

  it('refuses to start a payment that is already paid', async () => {
    const { adapter } = await withVectorOrder();
    expect((await adapter.handleCallback(post(sign(purseFixture.fields)))).outcome).toBe(
      'succeeded',
    );
    expect(await errorOf(adapter.startPayment(startInput))).toMatchObject({
      code: 'PROVIDER_PAYMENT_ALREADY_FINAL',
    });
  });
});

describe('WebMoney notification against the public vectors (§1.5, §1.6)', () => {
  const vector = (extra: Record<string, string>) => post({ ...purseFixture.fields, ...extra });

  it.each([
    ['MD5', purseFixture.expected.md5],
    ['SHA-256', purseFixture.expected.sha256],
    ['lower-case SHA-256', purseFixture.expected.sha256.toLowerCase()],
  ])('accepts LMI_HASH as %s', async (_name, hash) => {
    const { adapter, tx } = await withVectorOrder({ requireHash2: false });
    const result = await adapter.handleCallback(vector({ LMI_HASH: hash }));
    expect(result).toMatchObject({
      outcome: 'succeeded',
      verdict: 'accepted',
      paymentId: 'pay_vec',
      amount: { amountMinor: 1465n, currency: 'USD' },
      method: 'webmoney_purse',
      providerPaymentId: '892',
      attributes: {
        payer_purse: 'Z366393600555',
        payer_wmid: '404521188333',
        wm_invoice_no: '897',
        wm_transfer_no: '892',
        wm_transfer_date: '20151007 13:07:36',
      },
    });
    expect(result.reply).toEqual({
      statusCode: 200,
      contentType: 'text/plain; charset=utf-8',
      body: Buffer.from('YES'),
    });
    expect(tx()).toMatchObject({ status: 'succeeded', providerPaymentId: '892' });
    expect(tx()?.attributes['payer_purse']).toBe('Z366393600555');
  });

  it('accepts LMI_HASH with the LMI_HASH2 vector when LMI_HASH2 is required', async () => {
    const { adapter } = await withVectorOrder();
    const result = await adapter.handleCallback(
      vector({ LMI_HASH: purseFixture.expected.sha256, LMI_HASH2: purseFixture.expected.hash2 }),
    );
    expect(result.outcome).toBe('succeeded');
  });

  it.each([
    ['the last character changed', { LMI_HASH: purseFixture.rejected.lastCharChanged }],
    ['a hash signed for LMI_MODE 0', { LMI_HASH: purseFixture.rejected.signedForMode0 }],
    ['a hash of unknown length', { LMI_HASH: purseFixture.rejected.tooShort }],
    ['no LMI_HASH', {}],
    [
      'a wrong LMI_HASH2',
      {
        LMI_HASH: purseFixture.expected.sha256,
        LMI_HASH2: purseFixture.expected.hash2.replace(/^7/, '8'),
      },
    ],
  ])('rejects %s and changes nothing', async (_name, extra: Record<string, string>) => {
    const { adapter, tx } = await withVectorOrder({ requireHash2: false });
    const result = await adapter.handleCallback(vector(extra));
    expect(result).toMatchObject({
      outcome: 'rejected',
      verdict: 'rejected',
      reasonCode: 'PROVIDER_SIGNATURE_INVALID',
    });
    expect(result.reply.statusCode).toBe(400);
    expect(result.reply.body.toString()).toBe('PROVIDER_SIGNATURE_INVALID');
    expect(result.paymentId).toBeUndefined();
    expect(tx()).toMatchObject({ status: 'created', providerPaymentId: null });
  });

  it('requires LMI_HASH2 by default', async () => {
    const { adapter } = await withVectorOrder();
    const result = await adapter.handleCallback(vector({ LMI_HASH: purseFixture.expected.sha256 }));
    expect(result.reasonCode).toBe('PROVIDER_SIGNATURE_INVALID');
    expect(result.diagnostics?.fields).toEqual(['LMI_HASH2']);
  });

  it('verifies a correct signature for LMI_MODE 0 and then refuses the mode', async () => {
    const { adapter, tx } = await withVectorOrder({ requireHash2: false });
    const result = await adapter.handleCallback(
      vector({ LMI_MODE: '0', LMI_HASH: purseFixture.rejected.signedForMode0 }),
    );
    expect(result.reasonCode).toBe('PROVIDER_MODE_MISMATCH');
    expect(result.paymentId).toBe('pay_vec');
    expect(tx()?.status).toBe('created');
  });

  it('refuses the SIGN form unless allowed, and even then only with a valid LMI_HASH2', async () => {
    const sign132 = { LMI_HASH: purseFixture.rejected.signForm };
    const refused = await withVectorOrder({ requireHash2: false });
    expect((await refused.adapter.handleCallback(vector(sign132))).reasonCode).toBe(
      'PROVIDER_SIGNATURE_UNSUPPORTED',
    );

    const allowed = await withVectorOrder({ requireHash2: false, allowSignHash: true });
    expect((await allowed.adapter.handleCallback(vector(sign132))).reasonCode).toBe(
      'PROVIDER_SIGNATURE_INVALID',
    );
    expect(allowed.tx()?.status).toBe('created');
    const ok = await allowed.adapter.handleCallback(
      vector({ ...sign132, LMI_HASH2: purseFixture.expected.hash2 }),
    );
    expect(ok.outcome).toBe('succeeded');
  });

  it('puts LMI_HOLD after the amount in LMI_HASH2 only', async () => {
    const { adapter } = await withVectorOrder();
    const held = sign({ ...purseFixture.fields, LMI_HOLD: '3' });
    expect(held['LMI_HASH']).toBe(purseFixture.expected.sha256);
    // Validly signed: refused for being a hold, not for its signature.
    expect((await adapter.handleCallback(post(held))).reasonCode).toBe(
      'PROVIDER_HOLD_NOT_SUPPORTED',
    );

    const other = await withVectorOrder();
    const wrong = { ...held, LMI_HASH2: purseFixture.expected.hash2 };
    expect((await other.adapter.handleCallback(post(wrong))).reasonCode).toBe(
      'PROVIDER_SIGNATURE_INVALID',
    );
  });
});

describe('WebMoney authorization hold (LMI_HOLD, §1.2, §1.4)', () => {
  it('refuses a validly signed notification carrying LMI_HOLD and settles nothing', async () => {
    const { adapter, tx } = await withVectorOrder();
    const result = await adapter.handleCallback(
      post(sign({ ...purseFixture.fields, LMI_HOLD: '3' })),
    );
    expect(result).toMatchObject({
      outcome: 'rejected',
      verdict: 'rejected',
      reasonCode: 'PROVIDER_HOLD_NOT_SUPPORTED',
      paymentId: 'pay_vec',
      diagnostics: { fields: ['LMI_HOLD'], level: 'error' },
    });
    expect(result.amount).toBeUndefined();
    expect(result.reply.statusCode).toBe(400);
    expect(result.reply.body.toString()).toBe('PROVIDER_HOLD_NOT_SUPPORTED');
    expect(tx()).toMatchObject({ status: 'created', providerPaymentId: null });

    // The same transfer without the hold still settles the order: nothing was consumed.
    expect((await adapter.handleCallback(post(sign(purseFixture.fields)))).outcome).toBe(
      'succeeded',
    );
  });

  it('refuses a held notification for an order already paid, leaving it as it was', async () => {
    const { adapter, tx } = await withVectorOrder();
    await adapter.handleCallback(post(sign(purseFixture.fields)));
    const result = await adapter.handleCallback(
      post(sign({ ...purseFixture.fields, LMI_SYS_TRANS_NO: '893', LMI_HOLD: '7' })),
    );
    expect(result).toMatchObject({
      outcome: 'rejected',
      reasonCode: 'PROVIDER_HOLD_NOT_SUPPORTED',
    });
    expect(tx()).toMatchObject({ status: 'succeeded', providerPaymentId: '892' });
  });

  it('refuses a pre-request announcing a hold with a text the payer sees', async () => {
    const { adapter, tx } = await withVectorOrder();
    const result = await adapter.handleCallback(post({ ...preFixture.fields, LMI_HOLD: '3' }));
    expect(result).toMatchObject({
      outcome: 'rejected',
      verdict: 'precheck_refused',
      reasonCode: 'PROVIDER_HOLD_NOT_SUPPORTED',
    });
    expect(result.reply.statusCode).toBe(200);
    expect(result.reply.body.toString()).toBe('Authorization hold is not accepted');
    expect(tx()?.status).toBe('created');
  });

  it('treats an empty LMI_HOLD as no hold', async () => {
    const { adapter } = await withVectorOrder();
    const result = await adapter.handleCallback(
      post(sign({ ...purseFixture.fields, LMI_HOLD: '' })),
    );
    expect(result.outcome).toBe('succeeded');
  });
});

describe('WebMoney retry and refusal replies', () => {
  it('renders a notification retry as 503 without YES and a refusal as 400', async () => {
    const { adapter } = await withVectorOrder();
    const result = await adapter.handleCallback(post(sign(purseFixture.fields)));
    expect(result.reply.body.toString()).toBe('YES');
    expect(result.retryReply.statusCode).toBe(503);
    expect(result.retryReply.body.toString()).toBe('PROVIDER_UNAVAILABLE');
    expect(result.refusalReply.statusCode).toBe(400);
    expect(result.refusalReply.body.toString()).not.toMatch(/YES/);
  });

  it('renders both pre-request alternatives as readable non-YES texts with 200', async () => {
    const { adapter } = await withVectorOrder();
    const result = await adapter.handleCallback(post(preFixture.fields));
    expect(result.reply.body.toString()).toBe('YES');
    for (const reply of [result.retryReply, result.refusalReply]) {
      expect(reply.statusCode).toBe(200);
      expect(reply.contentType).toBe('text/plain; charset=utf-8');
      expect(reply.body.toString()).not.toMatch(/YES/);
      expect(reply.body.length).toBeGreaterThan(0);
    }
    expect(result.refusalReply.body.toString()).toBe('This order can no longer be paid');
  });

  it('renders them for a malformed body too', async () => {
    const { adapter } = await withVectorOrder();
    const result = await adapter.handleCallback({ ...post({}), method: 'GET' });
    expect(result.reasonCode).toBe('PROVIDER_MALFORMED_CALLBACK');
    expect(result.retryReply.statusCode).toBe(503);
    expect(result.refusalReply.statusCode).toBe(400);
  });
});

describe('WebMoney notification checks after the signature', () => {
  const signed = (extra: Record<string, string>) =>
    post(sign({ ...purseFixture.fields, ...extra }));

  it.each([
    ['another payee purse', { LMI_PAYEE_PURSE: 'Z999999999999' }, 'PROVIDER_PURSE_MISMATCH'],
    ['our EUR purse', { LMI_PAYEE_PURSE: 'E123456789012' }, 'PROVIDER_PURSE_MISMATCH'],
    ['an unknown order', { LMI_PAYMENT_NO: '99' }, 'PROVIDER_UNKNOWN_ORDER'],
    ['a foreign TOLEM_PAYMENT_ID', { TOLEM_PAYMENT_ID: 'pay_other' }, 'PROVIDER_UNKNOWN_ORDER'],
    ['a non-numeric order', { LMI_PAYMENT_NO: '12a' }, 'PROVIDER_MALFORMED_CALLBACK'],
    [
      'an amount that is not a decimal',
      { LMI_PAYMENT_AMOUNT: '14,65' },
      'PROVIDER_MALFORMED_CALLBACK',
    ],
    ['a non-numeric transfer number', { LMI_SYS_TRANS_NO: 'x1' }, 'PROVIDER_MALFORMED_CALLBACK'],
  ])('refuses %s', async (_name, extra: Record<string, string>, code) => {
    const { adapter, tx } = await withVectorOrder();
    const result = await adapter.handleCallback(signed(extra));
    expect(result).toMatchObject({ outcome: 'rejected', reasonCode: code });
    expect(result.reply.statusCode).toBe(400);
    expect(tx()).toMatchObject({ status: 'created', providerPaymentId: null, attributes: {} });
  });

  it('settles on an amount formatted differently but of the same value', async () => {
    const { adapter, tx } = await withVectorOrder();
    const result = await adapter.handleCallback(signed({ LMI_PAYMENT_AMOUNT: '14.650' }));
    expect(result).toMatchObject({
      outcome: 'succeeded',
      verdict: 'accepted',
      amount: money(1465n, 'USD'),
      providerPaymentId: '892',
    });
    expect(tx()).toMatchObject({ status: 'succeeded', extraTransfers: [] });
  });

  it('settles money from a payer purse of another letter: it arrived in our purse, in its currency', async () => {
    const { adapter, tx } = await withVectorOrder();
    const result = await adapter.handleCallback(signed({ LMI_PAYER_PURSE: 'E366393600555' }));
    expect(result).toMatchObject({ outcome: 'succeeded', amount: money(1465n, 'USD') });
    expect(tx()?.status).toBe('succeeded');
  });

  it('reports a signed notification of another amount as the money received, without settling the order', async () => {
    const { adapter, tx } = await withVectorOrder();
    const result = await adapter.handleCallback(signed({ LMI_PAYMENT_AMOUNT: '1.00' }));
    expect(result).toMatchObject({
      outcome: 'succeeded',
      verdict: 'accepted',
      paymentId: 'pay_vec',
      amount: money(100n, 'USD'),
      providerPaymentId: '892',
      attributes: { webmoney_amount_differs: 'true', wm_transfer_no: '892' },
    });
    expect(result.reply.body.toString()).toBe('YES');
    expect(result.diagnostics?.level).toBe('error');
    expect(tx()).toMatchObject({ status: 'created', providerPaymentId: null });
    expect(tx()?.extraTransfers).toMatchObject([
      { providerPaymentId: '892', amount: money(100n, 'USD'), reason: 'amount_differs' },
    ]);

    // WebMoney sends it again: the same transfer, answered the same way, recorded once.
    const again = await adapter.handleCallback(signed({ LMI_PAYMENT_AMOUNT: '1.00' }));
    expect(again).toMatchObject({
      outcome: 'succeeded',
      verdict: 'duplicate',
      amount: money(100n, 'USD'),
      providerPaymentId: '892',
    });
    expect(tx()?.extraTransfers).toHaveLength(1);
  });

  it('answers a repeated notification as a duplicate and reports a second transfer as money received', async () => {
    const { adapter, tx } = await withVectorOrder();
    const first = await adapter.handleCallback(signed({}));
    const again = await adapter.handleCallback(signed({}));
    expect(again).toMatchObject({
      outcome: 'succeeded',
      verdict: 'duplicate',
      providerPaymentId: '892',
    });
    expect(again.attributes).toEqual(first.attributes);
    expect(again.reply.body.toString()).toBe('YES');

    const secondFields = { LMI_SYS_TRANS_NO: '893', LMI_SYS_INVS_NO: '898' };
    const second = await adapter.handleCallback(signed(secondFields));
    expect(second).toMatchObject({
      outcome: 'succeeded',
      verdict: 'accepted',
      paymentId: 'pay_vec',
      amount: money(1465n, 'USD'),
      providerPaymentId: '893',
      attributes: { webmoney_second_transfer: 'true', wm_transfer_no: '893' },
    });
    expect(second.reply.body.toString()).toBe('YES');
    expect(second.diagnostics?.level).toBe('error');
    // The first settlement stays as it was.
    expect(tx()).toMatchObject({
      status: 'succeeded',
      providerPaymentId: '892',
      attributes: { wm_transfer_no: '892' },
    });
    const secondAgain = await adapter.handleCallback(signed(secondFields));
    expect(secondAgain).toMatchObject({ verdict: 'duplicate', providerPaymentId: '893' });
    expect(tx()?.extraTransfers.map((t) => t.providerPaymentId)).toEqual(['893']);
  });

  it('refuses a transfer number that already settled another order', async () => {
    const transactions = inMemoryTransactions({ firstOrderNo: 1n });
    const adapter = createWebMoneyAdapter({ config: baseConfig, transactions });
    await adapter.startPayment({ ...startInput, paymentId: 'pay_a' });
    await adapter.startPayment({ ...startInput, paymentId: 'pay_b' });
    const fields: Record<string, string> = purseFixture.fields;
    expect(
      (await adapter.handleCallback(post(sign({ ...fields, LMI_PAYMENT_NO: '1' })))).outcome,
    ).toBe('succeeded');
    const reused = await adapter.handleCallback(post(sign({ ...fields, LMI_PAYMENT_NO: '2' })));
    expect(reused.reasonCode).toBe('PROVIDER_DUPLICATE_PAYMENT');
    expect([...transactions.rows.values()].map((r) => r.status)).toEqual(['succeeded', 'created']);
  });

  it('reports Keeper Mobile with the payer phone and the Keeper Mobile payment number', async () => {
    const transactions = inMemoryTransactions({ firstOrderNo: 7n });
    const adapter = createWebMoneyAdapter({
      config: { ...baseConfig, purses: new Map<CurrencyCode, string>([['USD', 'Z145179295679']]) },
      transactions,
    });
    // Started as a purse payment: the notification's telepat fields say how it was paid.
    await adapter.startPayment({
      ...startInput,
      paymentId: 'pay_km_1',
      amount: money(2500n, 'USD'),
    });
    const result = await adapter.handleCallback(post(keeperFixture.fields));
    expect(result).toMatchObject({
      outcome: 'succeeded',
      method: 'webmoney_keeper_mobile',
      providerPaymentId: '905',
      attributes: {
        payer_phone: '79161234567',
        keeper_mobile_payment_no: '5551234',
        payer_wmid: '404521188333',
      },
    });
    expect([...transactions.rows.values()][0]).toMatchObject({
      method: 'webmoney_keeper_mobile',
      attributes: { payer_phone: '79161234567', keeper_mobile_payment_no: '5551234' },
    });
  });
});

describe('WebMoney pre-request (§1.3)', () => {
  it('answers YES for an open order with the exact purse and amount', async () => {
    const { adapter, tx } = await withVectorOrder();
    const result = await adapter.handleCallback(post(preFixture.fields));
    expect(result).toMatchObject({
      outcome: 'precheck_accepted',
      verdict: 'precheck_accepted',
      paymentId: 'pay_vec',
    });
    expect(result.reply).toMatchObject({ statusCode: 200, body: Buffer.from('YES') });
    expect(tx()?.status).toBe('created');
  });

  it.each([
    ['another amount', { LMI_PAYMENT_AMOUNT: '14.6' }, 'PROVIDER_AMOUNT_MISMATCH'],
    ['another purse', { LMI_PAYEE_PURSE: 'Z000000000001' }, 'PROVIDER_PURSE_MISMATCH'],
    ['an unknown order', { LMI_PAYMENT_NO: '5' }, 'PROVIDER_UNKNOWN_ORDER'],
    ['the wrong mode', { LMI_MODE: '0' }, 'PROVIDER_MODE_MISMATCH'],
    ['no amount', { LMI_PAYMENT_AMOUNT: '' }, 'PROVIDER_MALFORMED_CALLBACK'],
  ])(
    'refuses %s with 200 and a short text that is not YES',
    async (_name, extra: Record<string, string>, code) => {
      const { adapter } = await withVectorOrder();
      const result = await adapter.handleCallback(post({ ...preFixture.fields, ...extra }));
      expect(result).toMatchObject({
        outcome: 'rejected',
        verdict: 'precheck_refused',
        reasonCode: code,
      });
      expect(result.reply.statusCode).toBe(200);
      expect(result.reply.body.toString()).not.toMatch(/YES/);
      expect(result.reply.body.length).toBeGreaterThan(0);
    },
  );

  it('refuses a pre-request for an order already paid', async () => {
    const { adapter } = await withVectorOrder();
    await adapter.handleCallback(post(sign(purseFixture.fields)));
    const result = await adapter.handleCallback(post(preFixture.fields));
    expect(result).toMatchObject({
      verdict: 'precheck_refused',
      reasonCode: 'PROVIDER_ORDER_ALREADY_PAID',
    });
    expect(result.reply.body.toString()).toBe('Order already paid');
  });
});

describe('WebMoney malformed callbacks', () => {
  const raw = (body: string, extra: Partial<RawCallback> = {}): RawCallback => ({
    method: 'POST',
    path: '/callbacks/webmoney',
    query: '',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: Buffer.from(body, 'latin1'),
    remoteAddress: '',
    ...extra,
  });

  it.each([
    ['an empty body', raw('')],
    ['bad percent-encoding', raw('LMI_PAYMENT_NO=%zz')],
    ['invalid UTF-8', raw('LMI_PAYMENT_DESC=\xff\xfe')],
    ['a repeated field', raw('LMI_PAYMENT_AMOUNT=14.65&LMI_PAYMENT_AMOUNT=1.00')],
    ['JSON', raw('{"LMI_PAYMENT_NO":1}', { headers: { 'content-type': 'application/json' } })],
    ['a GET', raw('', { method: 'GET', query: 'LMI_PAYMENT_NO=1' })],
    ['missing signed fields', raw('LMI_PAYMENT_NO=1444212666&LMI_HASH=ABC')],
  ])('refuses %s with 400 PROVIDER_MALFORMED_CALLBACK', async (_name, request) => {
    const { adapter, tx } = await withVectorOrder();
    const result = await adapter.handleCallback(request);
    expect(result).toMatchObject({
      outcome: 'rejected',
      verdict: 'rejected',
      reasonCode: 'PROVIDER_MALFORMED_CALLBACK',
    });
    expect(result.reply).toMatchObject({
      statusCode: 400,
      body: Buffer.from('PROVIDER_MALFORMED_CALLBACK'),
    });
    expect(tx()?.status).toBe('created');
  });

  it('keeps LMI_SECRET_KEY out of what is stored for audit, byte for byte otherwise', async () => {
    const { adapter } = await withVectorOrder();
    const request = raw('LMI_PAYMENT_NO=1&LMI_SECRET_KEY=226778888&LMI_PAYMENT_DESC=%D1%87');
    const stored = adapter.redactForAudit?.(request);
    expect(stored?.body.toString('latin1')).toBe(
      'LMI_PAYMENT_NO=1&LMI_SECRET_KEY=REDACTED&LMI_PAYMENT_DESC=%D1%87',
    );
    const untouched = raw('LMI_PAYMENT_NO=1');
    expect(adapter.redactForAudit?.(untouched).body).toBe(untouched.body);
  });
});
