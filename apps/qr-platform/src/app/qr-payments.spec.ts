import { newId } from '@tolem/ids';
import { money } from '@tolem/money';
import type { PaymentEvent } from '@tolem/payment-events';
import { describe, expect, it } from 'vitest';

import {
  inMemoryChanges,
  inMemoryCodes,
  inMemoryPayments,
  recordingNotifier,
} from '../../test/fakes/in-memory';
import { type QrCode, type QrCodeRequest, qrCodeStatus, type QrIssuer } from '../domain/qr-code';
import { makeApplyPaymentEvent } from './apply-payment-event';
import { makeCreateQrCode } from './create-qr-code';
import { makeGetQrCode } from './get-qr-code';
import { makeListQrCodePayments } from './list-qr-code-payments';
import { makeWatchQrPayment, type WatchItem } from './watch-qr-payment';

const NOW = new Date('2026-12-07T10:00:00.000Z');
const MERCHANT = 'mer_01jdemo';
const issuer: QrIssuer = {
  providerId: 'tolem.kg',
  serviceCode: undefined,
  mcc: '4829',
  displayName: 'Tolem',
  linkBaseUrl: 'https://pay.payqr.kg/',
};
const base: QrCodeRequest = {
  merchantId: MERCHANT,
  idempotencyKey: 'k',
  kind: 'dynamic',
  amount: { amountMinor: 150_000n, currency: 'KGS' },
  description: 'Order 1',
  livemode: false,
  expiresAt: new Date(NOW.getTime() + 15 * 60_000),
  paymentId: 'pay_01jdynamic',
  label: '',
};

function setup() {
  const clock = { at: NOW, now: () => clock.at };
  const codes = inMemoryCodes(clock);
  const payments = inMemoryPayments();
  const notifier = recordingNotifier();
  const changes = inMemoryChanges();
  const debug: unknown[] = [];
  const log = { debug: (o: unknown) => void debug.push(o), warn: () => undefined };
  const create = makeCreateQrCode({ codes, issuer, clock, newQrId: () => newId('qr') });
  const apply = makeApplyPaymentEvent({ codes, payments, notifier, clock, log });
  const getQrCode = makeGetQrCode({ codes });
  const list = makeListQrCodePayments({ getQrCode, payments });
  const watch = makeWatchQrPayment({ getQrCode, codes, payments, changes, clock });
  return { clock, codes, payments, notifier, changes, debug, create, apply, list, watch };
}

function anEvent(overrides: Partial<PaymentEvent>): PaymentEvent {
  return {
    eventId: newId('evt'),
    eventType: 'payment.pending',
    occurredAt: NOW,
    paymentId: 'pay_01jdynamic',
    merchantId: MERCHANT,
    orderId: '',
    livemode: false,
    gross: money(150_000n, 'KGS'),
    fee: undefined,
    net: undefined,
    method: 'qr',
    provider: 'qr_acquirer',
    providerPaymentId: '',
    providerAttributes: {},
    ledgerTransactionId: '',
    description: '',
    sequence: 1n,
    paymentStatus: 'pending',
    failureCode: '',
    caseId: '',
    caseKind: '',
    caseResolution: '',
    ...overrides,
  };
}

describe('applyPaymentEvent', () => {
  it('records a dynamic code payment found by its payment id, marks the code paid on success and notifies', async () => {
    const t = setup();
    const { qrCode } = await t.create(base);
    expect(await t.apply(anEvent({ sequence: 1n }))).toBe('applied');
    const succeeded = anEvent({
      eventType: 'payment.succeeded',
      paymentStatus: 'succeeded',
      sequence: 2n,
      occurredAt: new Date(NOW.getTime() + 1_000),
      providerAttributes: { qr_code_id: qrCode.id, qr_payer_bank: 'mbank' },
    });
    expect(await t.apply(succeeded)).toBe('applied');
    expect(t.payments.rows.get('pay_01jdynamic')).toMatchObject({
      qrCodeId: qrCode.id,
      status: 'succeeded',
      payerBank: 'mbank',
      eventId: succeeded.eventId,
      sequence: 2n,
      amount: { amountMinor: 150_000n, currency: 'KGS' },
      createdAt: NOW,
    });
    expect(t.codes.rows.get(qrCode.id)).toMatchObject({
      paidAt: new Date(NOW.getTime() + 1_000),
      paidPaymentId: 'pay_01jdynamic',
    });
    expect(t.notifier.sent).toEqual([`${qrCode.id}:pay_01jdynamic`, `${qrCode.id}:pay_01jdynamic`]);
  });

  it.each([
    ['canceled', 'payment.canceled', 'canceled'],
    ['failed', 'payment.failed', 'canceled'],
    ['expired', 'payment.expired', 'expired'],
  ] as const)(
    'closes a dynamic code when its payment ends %s unpaid, and the code then reads %s',
    async (paymentStatus, eventType, codeStatus) => {
      const t = setup();
      const { qrCode } = await t.create(base);
      const status = () => qrCodeStatus(t.codes.rows.get(qrCode.id) as QrCode, t.clock.now());
      await t.apply(anEvent({ sequence: 1n }));
      expect(status()).toBe('active');
      const ended = new Date(NOW.getTime() + 2_000);
      await t.apply(anEvent({ eventType, paymentStatus, sequence: 2n, occurredAt: ended }));
      expect(t.codes.rows.get(qrCode.id)).toMatchObject({ closedReason: paymentStatus });
      expect(status()).toBe(codeStatus);
      // A late success (a case applied to the payment) still makes it paid: paid wins.
      await t.apply(
        anEvent({ eventType: 'payment.succeeded', paymentStatus: 'succeeded', sequence: 3n }),
      );
      expect(status()).toBe('paid');
    },
  );

  it('never closes a static code or a dynamic code for another payment', async () => {
    const t = setup();
    const { qrCode: stat } = await t.create({
      ...base,
      kind: 'static',
      amount: undefined,
      expiresAt: undefined,
      paymentId: '',
      idempotencyKey: 'k-static',
    });
    const canceledScan = anEvent({
      paymentId: 'pay_scan1',
      eventType: 'payment.canceled',
      paymentStatus: 'canceled',
      providerAttributes: { qr_code_id: stat.id },
    });
    expect(await t.apply(canceledScan)).toBe('applied');
    expect(t.codes.rows.get(stat.id)?.closedReason).toBe('');
  });

  it('only moves a row forward: a redelivered or older event changes nothing and notifies nobody', async () => {
    const t = setup();
    const { qrCode } = await t.create(base);
    const succeeded = anEvent({
      eventType: 'payment.succeeded',
      paymentStatus: 'succeeded',
      sequence: 2n,
    });
    await t.apply(succeeded);
    const before = t.payments.rows.get('pay_01jdynamic');
    expect(await t.apply(succeeded)).toBe('stale');
    expect(await t.apply(anEvent({ sequence: 1n }))).toBe('stale');
    expect(t.payments.rows.get('pay_01jdynamic')).toEqual(before);
    expect(t.notifier.sent).toEqual([`${qrCode.id}:pay_01jdynamic`]);
  });

  it('makes one row per scan under a static code and never marks a static code paid', async () => {
    const t = setup();
    const { qrCode } = await t.create({
      ...base,
      kind: 'static',
      amount: undefined,
      expiresAt: undefined,
      paymentId: '',
      label: 'Desk 1',
    });
    for (const [paymentId, amount] of [
      ['pay_scan1', 500n],
      ['pay_scan2', 700n],
    ] as const) {
      await t.apply(
        anEvent({
          paymentId,
          eventType: 'payment.succeeded',
          paymentStatus: 'succeeded',
          gross: money(amount, 'KGS'),
          providerAttributes: { qr_code_id: qrCode.id },
        }),
      );
    }
    expect([...t.payments.rows.values()].map((r) => [r.paymentId, r.amount.amountMinor])).toEqual([
      ['pay_scan1', 500n],
      ['pay_scan2', 700n],
    ]);
    expect(t.codes.rows.get(qrCode.id)?.paidAt).toBeUndefined();
  });

  it('keeps the payment amount when a refund event (carrying the refund amount) moves the row', async () => {
    const t = setup();
    await t.create(base);
    await t.apply(
      anEvent({ eventType: 'payment.succeeded', paymentStatus: 'succeeded', sequence: 2n }),
    );
    await t.apply(
      anEvent({
        eventType: 'refund.succeeded',
        paymentStatus: 'partially_refunded',
        sequence: 3n,
        gross: money(1_000n, 'KGS'),
      }),
    );
    expect(t.payments.rows.get('pay_01jdynamic')).toMatchObject({
      status: 'partially_refunded',
      amount: { amountMinor: 150_000n },
      sequence: 3n,
    });
  });

  it('skips events of payments under no known code, of another merchant, or that set no status', async () => {
    const t = setup();
    const { qrCode } = await t.create(base);
    expect(await t.apply(anEvent({ paymentId: 'pay_card' }))).toBe('not_qr');
    expect(
      await t.apply(
        anEvent({ providerAttributes: { qr_code_id: 'qr_unknown' }, paymentId: 'pay_x' }),
      ),
    ).toBe('not_qr');
    expect(await t.apply(anEvent({ merchantId: 'mer_evil' }))).toBe('not_qr');
    expect(
      await t.apply(anEvent({ eventType: 'case.opened', paymentStatus: '', caseId: 'case_1' })),
    ).toBe('no_status');
    expect(t.payments.rows.size).toBe(0);
    expect(t.notifier.sent).toEqual([]);
    expect(t.codes.rows.get(qrCode.id)?.paidAt).toBeUndefined();
    expect(t.debug).toHaveLength(2);
  });
});

describe('listQrCodePayments', () => {
  it('pages a code’s payments newest first and scopes the code to its merchant', async () => {
    const t = setup();
    const { qrCode } = await t.create({
      ...base,
      kind: 'static',
      amount: undefined,
      expiresAt: undefined,
      paymentId: '',
    });
    for (let i = 1; i <= 3; i++) {
      await t.apply(
        anEvent({
          paymentId: `pay_${i}`,
          occurredAt: new Date(NOW.getTime() + i * 1_000),
          providerAttributes: { qr_code_id: qrCode.id },
        }),
      );
    }
    const first = await t.list({
      qrCodeId: qrCode.id,
      merchantId: MERCHANT,
      limit: 2,
      startingAfter: '',
    });
    expect(first.items.map((p) => p.paymentId)).toEqual(['pay_3', 'pay_2']);
    expect(first.hasMore).toBe(true);
    const second = await t.list({
      qrCodeId: qrCode.id,
      merchantId: MERCHANT,
      limit: 2,
      startingAfter: 'pay_2',
    });
    expect(second).toMatchObject({ items: [{ paymentId: 'pay_1' }], hasMore: false });
    await expect(
      t.list({ qrCodeId: qrCode.id, merchantId: 'mer_other', limit: 0, startingAfter: '' }),
    ).rejects.toMatchObject({ code: 'QR_CODE_NOT_FOUND' });
    await expect(
      t.list({ qrCodeId: qrCode.id, merchantId: MERCHANT, limit: 101, startingAfter: '' }),
    ).rejects.toMatchObject({ code: 'QR_INVALID_REQUEST', details: { field: 'limit' } });
    await expect(
      t.list({ qrCodeId: qrCode.id, merchantId: MERCHANT, limit: 0, startingAfter: 'pay_nope' }),
    ).rejects.toMatchObject({ code: 'QR_INVALID_REQUEST', details: { field: 'starting_after' } });
  });
});

describe('watchQrPayment', () => {
  async function take(it: AsyncIterator<WatchItem>, n: number): Promise<WatchItem[]> {
    const out: WatchItem[] = [];
    for (let i = 0; i < n; i++) {
      const next = await it.next();
      if (next.done) break;
      out.push(next.value);
    }
    return out;
  }

  it('sends the snapshot, then each newer change once, and ends and unsubscribes on abort', async () => {
    const t = setup();
    const { qrCode } = await t.create(base);
    await t.apply(anEvent({ sequence: 1n }));
    const abort = new AbortController();
    const stream = t
      .watch({ qrCodeId: qrCode.id, merchantId: MERCHANT }, abort.signal)
      [Symbol.asyncIterator]();
    const [snapshot] = await take(stream, 1);
    expect(snapshot).toMatchObject({
      snapshot: true,
      codeStatus: 'active',
      payment: { status: 'pending' },
    });
    expect(t.changes.count()).toBe(1);

    const pending = t.payments.rows.get('pay_01jdynamic');
    if (!pending) throw new Error('no row');
    // A change the snapshot already covered is not sent again.
    t.changes.emit({ payment: pending, code: qrCode });
    await t.apply(
      anEvent({ eventType: 'payment.succeeded', paymentStatus: 'succeeded', sequence: 2n }),
    );
    const paid = t.payments.rows.get('pay_01jdynamic');
    const code = t.codes.rows.get(qrCode.id);
    if (!paid || !code) throw new Error('no row');
    t.changes.emit({ payment: paid, code });
    const [change] = await take(stream, 1);
    expect(change).toMatchObject({
      snapshot: false,
      codeStatus: 'paid',
      payment: { status: 'succeeded', sequence: 2n },
    });

    const next = stream.next();
    abort.abort();
    expect(await next).toMatchObject({ done: true });
    expect(t.changes.count()).toBe(0);
  });

  it('re-reads the code after a lost LISTEN connection and sends only what it missed', async () => {
    const t = setup();
    const { qrCode } = await t.create(base);
    await t.apply(anEvent({ sequence: 1n }));
    const abort = new AbortController();
    const stream = t
      .watch({ qrCodeId: qrCode.id, merchantId: '' }, abort.signal)
      [Symbol.asyncIterator]();
    await take(stream, 1);
    await t.apply(
      anEvent({ eventType: 'payment.succeeded', paymentStatus: 'succeeded', sequence: 2n }),
    );
    t.changes.resyncAll();
    const [missed] = await take(stream, 1);
    expect(missed).toMatchObject({
      snapshot: false,
      codeStatus: 'paid',
      payment: { sequence: 2n },
    });
    abort.abort();
    expect(await stream.next()).toMatchObject({ done: true });
  });

  it('ends open streams with QR_WATCH_INTERRUPTED (unavailable) when the process shuts down', async () => {
    const t = setup();
    const { qrCode } = await t.create(base);
    const closing = new AbortController();
    const watch = makeWatchQrPayment({
      getQrCode: makeGetQrCode({ codes: t.codes }),
      codes: t.codes,
      payments: t.payments,
      changes: t.changes,
      clock: t.clock,
      closing: closing.signal,
    });
    const stream = watch(
      { qrCodeId: qrCode.id, merchantId: MERCHANT },
      new AbortController().signal,
    )[Symbol.asyncIterator]();
    const next = stream.next();
    await Promise.resolve();
    closing.abort();
    await expect(next).rejects.toMatchObject({
      code: 'QR_WATCH_INTERRUPTED',
      kind: 'unavailable',
      retriable: true,
    });
    expect(t.changes.count()).toBe(0);
  });

  it('refuses another merchant’s code before subscribing', async () => {
    const t = setup();
    const { qrCode } = await t.create(base);
    const stream = t
      .watch({ qrCodeId: qrCode.id, merchantId: 'mer_other' }, new AbortController().signal)
      [Symbol.asyncIterator]();
    await expect(stream.next()).rejects.toMatchObject({ code: 'QR_CODE_NOT_FOUND' });
    expect(t.changes.count()).toBe(0);
  });
});
