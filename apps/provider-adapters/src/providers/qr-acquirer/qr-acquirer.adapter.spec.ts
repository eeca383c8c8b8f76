import { createHmac } from 'node:crypto';

import { Secret } from '@tolem/config';
import { money } from '@tolem/money';
import { describe, expect, it } from 'vitest';

import type { RawCallback } from '../../domain/callback';
import { inMemoryTransactions } from '../../testing/in-memory.fakes';
import type { StartPaymentInput } from '../provider.port';
import vector from './__fixtures__/confirmation.json';
import { createQrAcquirerAdapter } from './qr-acquirer.adapter';
import { acquirerSignature, withinSkew } from './signatures';
import { parseAcquirerSecrets } from './transformers';

const NOW = new Date('2026-11-23T10:00:00Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);
const SECRETS = { mbank: 'mbank-secret-0001', bakai: 'bakai-secret-0002' };
const QR_ID = 'qr_01jdzzzzzzzzzzzzzzzzzzzzzz';

function setup() {
  const transactions = inMemoryTransactions();
  const adapter = createQrAcquirerAdapter({
    config: {
      secrets: new Map(Object.entries(SECRETS).map(([k, v]) => [k, new Secret(v)])),
      maxSkewMs: 300_000,
    },
    transactions,
    clock: { now: () => NOW },
  });
  const tx = () => {
    const row = [...transactions.rows.values()][0];
    if (!row) throw new Error('no transaction');
    return row;
  };
  return { adapter, transactions, tx };
}

/** A bank's signed callback, computed here with node:crypto (provider.proto contract). */
function signed(
  body: Record<string, unknown> | string,
  options: { acquirer?: string; secret?: string; timestamp?: number; signature?: string } = {},
): RawCallback {
  const acquirer = options.acquirer ?? 'mbank';
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const timestamp = String(options.timestamp ?? NOW_S);
  const secret = options.secret ?? SECRETS[acquirer as keyof typeof SECRETS] ?? 'x';
  const signature =
    options.signature ?? createHmac('sha256', secret).update(`${timestamp}.${text}`).digest('hex');
  return {
    method: 'POST',
    path: '/callbacks/qr',
    query: '',
    headers: {
      'content-type': 'application/json',
      'x-tolem-acquirer': acquirer,
      'x-tolem-timestamp': timestamp,
      'x-tolem-signature': signature,
    },
    body: Buffer.from(text, 'utf8'),
    remoteAddress: '203.0.113.40',
  };
}

const confirmation = (overrides: Record<string, unknown> = {}) => ({
  qr_id: 'pay_qr_1',
  amount: 150000,
  currency: 'KGS',
  acquirer_reference: 'MB-20261123-000042',
  payer_bank: 'mbank',
  paid_at: '2026-11-23T09:59:58.000Z',
  ...overrides,
});

const start: StartPaymentInput = {
  paymentId: 'pay_qr_1',
  merchantId: 'mer_1',
  method: 'qr',
  amount: money(150000n, 'KGS'),
  description: 'Coffee',
  successUrl: '',
  failUrl: '',
  payer: {},
  providerShopId: '',
};

describe('QR acquirer signature (provider.proto QrAcquirerConfirmation)', () => {
  it('is hex HMAC-SHA256(secret, "<timestamp>.<raw body>") over the vector', () => {
    expect(acquirerSignature(vector.secret, vector.timestamp, Buffer.from(vector.body))).toBe(
      vector.signature,
    );
  });

  it('changes with the secret, the timestamp and any body byte (negative vectors)', () => {
    const body = Buffer.from(vector.body);
    expect(acquirerSignature('other-secret', vector.timestamp, body)).not.toBe(vector.signature);
    expect(acquirerSignature(vector.secret, '1763892001', body)).not.toBe(vector.signature);
    expect(
      acquirerSignature(vector.secret, vector.timestamp, Buffer.from(`${vector.body} `)),
    ).not.toBe(vector.signature);
  });

  it('bounds the timestamp both ways', () => {
    expect(withinSkew(BigInt(NOW_S - 300), NOW, 300_000)).toBe(true);
    expect(withinSkew(BigInt(NOW_S - 301), NOW, 300_000)).toBe(false);
    expect(withinSkew(BigInt(NOW_S + 301), NOW, 300_000)).toBe(false);
  });

  it('parses QR_ACQUIRER_SECRETS, splitting on the first colon only', () => {
    const secrets = parseAcquirerSecrets('mbank:abc:defgh12, bakai:yyyyyyyy');
    expect(secrets.get('mbank')?.reveal()).toBe('abc:defgh12');
    expect(secrets.get('bakai')?.reveal()).toBe('yyyyyyyy');
    expect(() => parseAcquirerSecrets('MBank:12345678')).toThrow(/acquirer id/);
    expect(() => parseAcquirerSecrets('mbank:short')).toThrow(/at least 8/);
    expect(() => parseAcquirerSecrets('mbank:12345678,mbank:87654321')).toThrow(/twice/);
    expect(() => parseAcquirerSecrets('')).toThrow(/at least one/);
    expect(JSON.stringify([...secrets.values()])).not.toContain('yyyy');
  });
});

describe('QR acquirer adapter', () => {
  it('registers the expected payment and points to qr-platform for the code', async () => {
    const { adapter, tx } = setup();
    const result = await adapter.startPayment({ ...start, payer: { qr_code_id: QR_ID } });
    expect(result).toMatchObject({ provider: 'qr_acquirer', providerReference: QR_ID });
    expect(result.action).toMatchObject({
      kind: 'instructions',
      values: {
        qr_id: QR_ID,
        amount_tyiyn: '150000',
        currency: 'KGS',
        qr_issuer: 'qr-platform',
      },
    });
    expect(tx()).toMatchObject({ externalRef: QR_ID, status: 'created' });
    await expect(
      adapter.startPayment({ ...start, amount: money(100n, 'USD') }),
    ).rejects.toMatchObject({
      code: 'PROVIDER_CURRENCY_UNSUPPORTED',
    });
    await expect(
      adapter.startPayment({ ...start, payer: { qr_code_id: 'nope' } }),
    ).rejects.toMatchObject({
      code: 'PROVIDER_INVALID_REQUEST',
    });
  });

  it('confirms a signed callback by payment id or QR code id, answering {"status":"ok"}', async () => {
    const { adapter, tx } = setup();
    await adapter.startPayment({ ...start, payer: { qr_code_id: QR_ID } });
    const res = await adapter.handleCallback(signed(confirmation({ qr_id: QR_ID })));
    expect(res).toMatchObject({
      outcome: 'succeeded',
      verdict: 'accepted',
      paymentId: 'pay_qr_1',
      method: 'qr',
      providerPaymentId: 'mbank:MB-20261123-000042',
      attributes: {
        qr_acquirer_id: 'mbank',
        qr_acquirer_reference: 'MB-20261123-000042',
        qr_payer_bank: 'mbank',
      },
    });
    expect(JSON.parse(res.reply.body.toString())).toEqual({
      status: 'ok',
      code: '',
      payment_id: 'pay_qr_1',
    });
    expect(tx().status).toBe('succeeded');
  });

  it('renders a retry as a 503 QrAcquirerReply and a refusal as its 409', async () => {
    const { adapter } = setup();
    await adapter.startPayment({ ...start, payer: { qr_code_id: QR_ID } });
    const res = await adapter.handleCallback(signed(confirmation({ qr_id: QR_ID })));
    expect(res.retryReply).toMatchObject({ statusCode: 503, contentType: 'application/json' });
    expect(JSON.parse(res.retryReply.body.toString())).toEqual({
      status: 'rejected',
      code: 'PROVIDER_UNAVAILABLE',
      payment_id: 'pay_qr_1',
    });
    expect(res.refusalReply.statusCode).toBe(409);
    expect(JSON.parse(res.refusalReply.body.toString())).toEqual({
      status: 'rejected',
      code: 'PROVIDER_PAYMENT_ALREADY_FINAL',
      payment_id: 'pay_qr_1',
    });
  });

  it('is idempotent on the acquirer reference and reports a second reference for a paid payment as money received', async () => {
    const { adapter, tx } = setup();
    await adapter.startPayment(start);
    await adapter.handleCallback(signed(confirmation()));
    const again = await adapter.handleCallback(signed(confirmation(), { timestamp: NOW_S - 10 }));
    expect(again).toMatchObject({ outcome: 'succeeded', verdict: 'duplicate' });
    expect(again.reply.statusCode).toBe(200);
    const second = await adapter.handleCallback(
      signed(confirmation({ acquirer_reference: 'MB-2' })),
    );
    expect(second).toMatchObject({
      outcome: 'succeeded',
      verdict: 'accepted',
      providerPaymentId: 'mbank:MB-2',
      attributes: { qr_acquirer_second_transfer: 'true' },
    });
    expect(second.reply.statusCode).toBe(200);
    expect(tx().providerPaymentId).toBe('mbank:MB-20261123-000042');
    const secondAgain = await adapter.handleCallback(
      signed(confirmation({ acquirer_reference: 'MB-2' })),
    );
    expect(secondAgain).toMatchObject({ verdict: 'duplicate', providerPaymentId: 'mbank:MB-2' });
    expect(tx().extraTransfers).toHaveLength(1);
  });

  it.each([
    [
      'a forged signature',
      () => signed(confirmation(), { signature: 'a'.repeat(64) }),
      401,
      'PROVIDER_SIGNATURE_INVALID',
    ],
    [
      'another acquirer secret',
      () => signed(confirmation(), { secret: SECRETS.bakai }),
      401,
      'PROVIDER_SIGNATURE_INVALID',
    ],
    [
      'an unknown acquirer',
      () => signed(confirmation(), { acquirer: 'demir' }),
      401,
      'PROVIDER_SIGNATURE_INVALID',
    ],
    [
      'a stale timestamp',
      () => signed(confirmation(), { timestamp: NOW_S - 301 }),
      401,
      'PROVIDER_TIMESTAMP_SKEW',
    ],
    [
      'a future timestamp',
      () => signed(confirmation(), { timestamp: NOW_S + 600 }),
      401,
      'PROVIDER_TIMESTAMP_SKEW',
    ],
    [
      'a currency Tolem does not book',
      () => signed(confirmation({ currency: 'XXX' })),
      422,
      'PROVIDER_CURRENCY_MISMATCH',
    ],
    [
      'an unknown reference',
      () => signed(confirmation({ qr_id: 'pay_nope' })),
      404,
      'PROVIDER_UNKNOWN_ORDER',
    ],
    [
      'a body acquirer that differs from the header',
      () => signed(confirmation({ acquirer_id: 'bakai' })),
      400,
      'PROVIDER_MALFORMED_CALLBACK',
    ],
    ['a malformed body', () => signed('{"qr_id":'), 400, 'PROVIDER_MALFORMED_CALLBACK'],
    [
      'a fractional amount',
      () => signed(confirmation({ amount: 1500.5 })),
      400,
      'PROVIDER_MALFORMED_CALLBACK',
    ],
  ])('refuses %s and changes nothing', async (_name, request, status, code) => {
    const { adapter, tx } = setup();
    await adapter.startPayment(start);
    const res = await adapter.handleCallback(request());
    expect(res).toMatchObject({ outcome: 'rejected', reasonCode: code });
    expect(res.reply.statusCode).toBe(status);
    expect(JSON.parse(res.reply.body.toString())).toMatchObject({ status: 'rejected', code });
    expect(tx().status).toBe('created');
  });

  it.each([
    ['a wrong amount', { amount: 149999 }, money(149999n, 'KGS')],
    ['a wrong currency', { currency: 'USD' }, money(150000n, 'USD')],
  ])(
    'reports a signed confirmation with %s as the money received, leaving the payment open',
    async (_name, overrides, received) => {
      const { adapter, tx } = setup();
      await adapter.startPayment(start);
      const res = await adapter.handleCallback(signed(confirmation(overrides)));
      expect(res).toMatchObject({
        outcome: 'succeeded',
        verdict: 'accepted',
        amount: received,
        providerPaymentId: 'mbank:MB-20261123-000042',
        attributes: { qr_acquirer_amount_differs: 'true' },
      });
      expect(res.reply.statusCode).toBe(200);
      expect(tx()).toMatchObject({ status: 'created', providerPaymentId: null });
    },
  );

  it('accepts the amount as a digit string and the numeric currency 417', async () => {
    const { adapter } = setup();
    await adapter.startPayment(start);
    const res = await adapter.handleCallback(
      signed(confirmation({ amount: '150000', currency: '417', acquirer_id: 'mbank' })),
    );
    expect(res.outcome).toBe('succeeded');
  });
});

describe('QR acquirer adapter: static code scans', () => {
  const STATIC_ID = 'qr_01jdstaticstaticstaticstat';
  const REF = 'mbank:MB-20261123-000042';
  const scanStart = (paymentId: string, reference = REF): StartPaymentInput => ({
    ...start,
    paymentId,
    payer: { qr_code_id: STATIC_ID, qr_scan_reference: reference },
  });

  it('answers a verified confirmation for a code without a payment as unregistered, recording nothing', async () => {
    const { adapter, transactions } = setup();
    const res = await adapter.handleCallback(signed(confirmation({ qr_id: STATIC_ID })));
    expect(res).toMatchObject({
      outcome: 'unregistered_qr',
      verdict: 'unregistered_qr',
      qrCodeId: STATIC_ID,
      amount: money(150000n, 'KGS'),
      method: 'qr',
      providerPaymentId: REF,
      attributes: { qr_acquirer_id: 'mbank', qr_code_id: STATIC_ID, qr_payer_bank: 'mbank' },
    });
    expect(res.paymentId).toBeUndefined();
    // checkout answers the refusal when it knows no such static code.
    expect(res.refusalReply.statusCode).toBe(404);
    expect(JSON.parse(res.refusalReply.body.toString())).toEqual({
      status: 'rejected',
      code: 'PROVIDER_UNKNOWN_ORDER',
      payment_id: '',
    });
    expect(res.retryReply.statusCode).toBe(503);
    expect(transactions.rows.size).toBe(0);
  });

  it('still refuses an unsigned confirmation for an unregistered code', async () => {
    const { adapter } = setup();
    const res = await adapter.handleCallback(
      signed(confirmation({ qr_id: STATIC_ID }), { signature: 'b'.repeat(64) }),
    );
    expect(res).toMatchObject({ outcome: 'rejected', reasonCode: 'PROVIDER_SIGNATURE_INVALID' });
  });

  it('settles a scan registered under the bank reference, with the static code in its attributes', async () => {
    const { adapter, tx } = setup();
    const started = await adapter.startPayment(scanStart('pay_scan_1'));
    expect(started.providerReference).toBe(REF);
    expect(started.action).toMatchObject({ values: { qr_id: STATIC_ID } });
    expect(tx()).toMatchObject({ externalRef: REF, attributes: { qr_code_id: STATIC_ID } });
    const res = await adapter.handleCallback(signed(confirmation({ qr_id: STATIC_ID })));
    expect(res).toMatchObject({
      outcome: 'succeeded',
      verdict: 'accepted',
      paymentId: 'pay_scan_1',
      providerPaymentId: REF,
      attributes: { qr_code_id: STATIC_ID, qr_acquirer_reference: 'MB-20261123-000042' },
    });
    const replay = await adapter.handleCallback(signed(confirmation({ qr_id: STATIC_ID })));
    expect(replay).toMatchObject({ verdict: 'duplicate', paymentId: 'pay_scan_1' });
  });

  it('keeps two scans of one static code apart by their references', async () => {
    const { adapter, transactions } = setup();
    await adapter.startPayment(scanStart('pay_scan_1'));
    await adapter.startPayment(scanStart('pay_scan_2', 'mbank:MB-2'));
    const first = await adapter.handleCallback(signed(confirmation({ qr_id: STATIC_ID })));
    const second = await adapter.handleCallback(
      signed(confirmation({ qr_id: STATIC_ID, acquirer_reference: 'MB-2' })),
    );
    expect([first.paymentId, second.paymentId]).toEqual(['pay_scan_1', 'pay_scan_2']);
    expect([...transactions.rows.values()].map((t) => t.status)).toEqual([
      'succeeded',
      'succeeded',
    ]);
  });

  it('refuses a confirmation whose reference was registered for another code', async () => {
    const { adapter, tx } = setup();
    await adapter.startPayment(scanStart('pay_scan_1'));
    const res = await adapter.handleCallback(signed(confirmation({ qr_id: QR_ID })));
    expect(res).toMatchObject({ outcome: 'rejected', reasonCode: 'PROVIDER_UNKNOWN_ORDER' });
    expect(tx().status).toBe('created');
  });

  it('refuses a scan reference that is malformed or comes without its code', async () => {
    const { adapter } = setup();
    await expect(
      adapter.startPayment({ ...start, payer: { qr_scan_reference: REF } }),
    ).rejects.toMatchObject({ code: 'PROVIDER_INVALID_REQUEST' });
    await expect(
      adapter.startPayment(scanStart('pay_scan_1', 'no-acquirer')),
    ).rejects.toMatchObject({ code: 'PROVIDER_INVALID_REQUEST' });
  });

  it('puts the dynamic code in a settled payment attributes', async () => {
    const { adapter } = setup();
    await adapter.startPayment({ ...start, payer: { qr_code_id: QR_ID } });
    const res = await adapter.handleCallback(signed(confirmation({ qr_id: QR_ID })));
    expect(res.attributes['qr_code_id']).toBe(QR_ID);
  });
});
