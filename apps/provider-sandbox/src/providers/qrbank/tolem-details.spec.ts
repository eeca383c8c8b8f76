import { createHash } from 'node:crypto';
import { createServer } from 'node:net';

import { Secret } from '@tolem/config';
import { isDomainError } from '@tolem/errors';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { type FakeTolem, startFakeTolem } from '../../testing/fake-tolem';
import { recordingDispatcher, silentLog } from '../../testing/fakes';
import { decodeElqr } from './elqr';
import { makeQrBank } from './payments';
import { assertPayable, createTolemQrDetails, detailsJson } from './tolem-details';

const tlv = (id: string, value: string) => `${id}${String(value.length).padStart(2, '0')}${value}`;
/** The test's own ELQR builder: TLV with character lengths, SHA-256 checksum (ID 63). */
function link(qrId: string, kind: '11' | '12', amount?: number): string {
  const body =
    tlv('00', '01') +
    tlv('01', kind) +
    tlv('32', tlv('00', 'pay.tolem.kg') + tlv('01', 'checkout') + tlv('11', qrId)) +
    tlv('35', tlv('00', 'order:Order:42:Order no:11')) +
    tlv('53', '417') +
    (amount !== undefined ? tlv('54', String(amount)) : '') +
    tlv('59', 'Decoded Name');
  const sum = createHash('sha256').update(body, 'utf8').digest('hex').slice(-4);
  return `https://pay.payqr.kg/#${encodeURIComponent(`${body}6304${sum}`)}`;
}

/** The QRBANK_* code (and HTTP-facing kind) a promise is refused with. */
async function refusal(p: Promise<unknown>) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isDomainError(err)) throw new Error(`expected a DomainError, got ${String(err)}`);
  return { code: err.code, kind: err.kind, details: err.details, message: err.message };
}

/** A port nobody listens on: taken, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe("the bank's details lookup at Tolem (GET /qr/v1/details over real HTTP)", () => {
  let tolem: FakeTolem;
  const client = () => createTolemQrDetails({ baseUrl: `${tolem.url}/`, timeoutMs: 500 });

  beforeAll(async () => {
    tolem = await startFakeTolem();
  });
  afterAll(async () => {
    await tolem?.close();
  });
  beforeEach(() => {
    tolem.setMode('normal');
    tolem.codes.clear();
    tolem.lookups.length = 0;
  });

  it('sends the decoded payload text and reads the details Tolem answers', async () => {
    const l = link('qr_dyn_1', '12', 150000);
    tolem.register(l, {
      qr_code_id: 'qr_dyn_1',
      merchant_name: 'Кафе Ала-Тоо',
      amount: 150000,
      description: 'Order 42',
      expires_at: '2030-01-02T03:04:05.000Z',
      visible_fields: [{ key: 'order', label: 'Order', value: '42', title: 'Order no' }],
    });
    const qr = decodeElqr(l);
    const details = await client().lookup(qr);
    expect(tolem.lookups).toEqual([qr.payload]);
    expect(details).toEqual({
      qrCodeId: 'qr_dyn_1',
      kind: 'dynamic',
      status: 'active',
      merchantName: 'Кафе Ала-Тоо',
      amountTyiyn: 150000n,
      currency: 'KGS',
      description: 'Order 42',
      label: '',
      expiresAt: new Date('2030-01-02T03:04:05.000Z'),
      visibleFields: [{ key: 'order', label: 'Order', value: '42', title: 'Order no' }],
    });
    expect(detailsJson(details)).toMatchObject({
      amount: '150000',
      expires_at: '2030-01-02T03:04:05.000Z',
    });
  });

  it('reads a static code: no amount, its cash desk label', async () => {
    const l = link('qr_sta_1', '11');
    tolem.register(l, { qr_code_id: 'qr_sta_1', kind: 'static', label: 'Desk 3' });
    const details = await client().lookup(decodeElqr(l));
    expect(details.amountTyiyn).toBeUndefined();
    expect(details).toMatchObject({ kind: 'static', label: 'Desk 3' });
  });

  it('refuses a code Tolem does not know (404) as QRBANK_CODE_UNKNOWN', async () => {
    expect(await refusal(client().lookup(decodeElqr(link('qr_nobody', '12', 100))))).toMatchObject({
      code: 'QRBANK_CODE_UNKNOWN',
      kind: 'not_found',
      details: { qr_id: 'qr_nobody', tolem_code: 'QR_CODE_NOT_FOUND' },
    });
  });

  it.each([
    ['Tolem answers 503', 'unavailable', /HTTP 503 UPSTREAM_UNAVAILABLE/],
    ['Tolem answers something that is not qr_details', 'garbage', /not JSON/],
    ['Tolem does not answer within the timeout', 'hang', /TimeoutError/],
  ] as const)('does not pay blind when %s: QRBANK_TOLEM_UNAVAILABLE', async (_what, mode, why) => {
    const l = link('qr_dyn_2', '12', 100);
    tolem.register(l, { qr_code_id: 'qr_dyn_2', amount: 100 });
    tolem.setMode(mode);
    const refused = await refusal(client().lookup(decodeElqr(l)));
    expect(refused).toMatchObject({ code: 'QRBANK_TOLEM_UNAVAILABLE', kind: 'unavailable' });
    expect(refused.message).toMatch(why);
  });

  it('refuses when nothing listens at the Tolem URL: QRBANK_TOLEM_UNAVAILABLE', async () => {
    const down = createTolemQrDetails({
      baseUrl: `http://127.0.0.1:${await closedPort()}`,
      timeoutMs: 500,
    });
    expect(await refusal(down.lookup(decodeElqr(link('qr_x', '12', 100))))).toMatchObject({
      code: 'QRBANK_TOLEM_UNAVAILABLE',
      details: { reason: 'ECONNREFUSED' },
    });
  });

  it('finds a paid or expired code not payable, and an amount that differs from the code a mismatch', async () => {
    const l = link('qr_dyn_3', '12', 5000);
    const qr = decodeElqr(l);
    for (const status of ['paid', 'expired'] as const) {
      tolem.register(l, { qr_code_id: 'qr_dyn_3', amount: 5000, status });
      const details = await client().lookup(qr);
      let thrown: unknown;
      try {
        assertPayable(qr, details);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toMatchObject({
        code: 'QRBANK_CODE_NOT_PAYABLE',
        kind: 'conflict',
        details: { status },
      });
    }
    tolem.register(l, { qr_code_id: 'qr_dyn_3', amount: 5001 });
    const differs = await client().lookup(qr);
    expect(() => assertPayable(qr, differs)).toThrow(/differ/);
  });
});

describe('the bank pays only what Tolem says is payable', () => {
  let tolem: FakeTolem;
  beforeAll(async () => {
    tolem = await startFakeTolem();
  });
  afterAll(async () => {
    await tolem?.close();
  });

  const bankWith = () => {
    const { dispatcher, sent } = recordingDispatcher();
    const bank = makeQrBank({
      config: {
        acquirerId: 'acq',
        acquirerSecret: new Secret('s'),
        callbackUrl: 'http://tolem.test/callbacks/qr',
        tolemUrl: tolem.url,
      },
      dispatcher,
      clock: () => new Date('2026-01-01T00:00:00Z'),
      log: silentLog,
      tolem: createTolemQrDetails({ baseUrl: tolem.url, timeoutMs: 500 }),
    });
    return { bank, sent };
  };

  it('reviews, pays and keeps the details it saw; once Tolem says paid, refuses without a confirmation', async () => {
    const { bank, sent } = bankWith();
    const l = link('qr_pay_1', '12', 700);
    tolem.register(l, { qr_code_id: 'qr_pay_1', amount: 700, merchant_name: 'Shop' });
    const payment = await bank.pay(await bank.review(l), { payerBank: 'mbank' });
    expect(payment).toMatchObject({
      amountTyiyn: 700n,
      details: { qrCodeId: 'qr_pay_1', merchantName: 'Shop', status: 'active' },
    });
    expect(sent).toHaveLength(1);

    tolem.register(l, { qr_code_id: 'qr_pay_1', amount: 700, status: 'paid' });
    expect(await refusal(bank.review(l))).toMatchObject({
      code: 'QRBANK_CODE_NOT_PAYABLE',
      details: { status: 'paid' },
    });
    expect(sent).toHaveLength(1);
  });

  it('keeps no memory of its own: a code Tolem still calls active is paid again (Tolem decides)', async () => {
    const { bank, sent } = bankWith();
    const l = link('qr_pay_2', '12', 900);
    tolem.register(l, { qr_code_id: 'qr_pay_2', amount: 900 });
    const first = await bank.pay(await bank.review(l));
    const second = await bank.pay(await bank.review(l));
    expect(second.acquirerReference).not.toBe(first.acquirerReference);
    expect(sent).toHaveLength(2);
  });

  it('lets the payer enter the amount of a static code; refuses none', async () => {
    const { bank } = bankWith();
    const l = link('qr_pay_3', '11');
    tolem.register(l, { qr_code_id: 'qr_pay_3', kind: 'static', label: 'Desk 1' });
    const code = await bank.review(l);
    expect((await bank.pay(code, { amountTyiyn: 2550n })).amountTyiyn).toBe(2550n);
    expect(await refusal(bank.pay(code))).toMatchObject({ code: 'QRBANK_AMOUNT_INVALID' });
  });
});
