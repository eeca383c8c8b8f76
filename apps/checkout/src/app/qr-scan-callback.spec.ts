import { DomainError } from '@tolem/errors';
import { describe, expect, it } from 'vitest';

import { callback, rawRequest } from '../../test/fakes/in-memory';
import { world } from '../../test/fakes/world';
import { textReply, type VerifiedCallback } from '../domain/provider';

const decode = (b: Uint8Array) => new TextDecoder().decode(b);
const MINUTE = 60_000;

/** The QR adapter's answers: retry 503, refusal the 404 of an unknown order. */
const replies = {
  reply: textReply(404, 'PROVIDER_UNKNOWN_ORDER'),
  retryReply: textReply(503, 'PROVIDER_UNAVAILABLE'),
  refusalReply: textReply(404, 'PROVIDER_UNKNOWN_ORDER'),
};

/**
 * Plays the QR adapter: a confirmation is unregistered until a payment was started with its
 * reference as payer.qr_scan_reference; then it settles that payment (a repeat is a duplicate).
 */
function bank(w: ReturnType<typeof world>) {
  const calls: string[] = [];
  w.provider.handleCallback = async (_provider, request) => {
    w.provider.callbacks.push(request);
    const c = JSON.parse(decode(request.body)) as { qrId: string; ref: string; amount: string };
    calls.push(c.ref);
    const base = {
      ...replies,
      amount: { amountMinor: BigInt(c.amount), currency: 'KGS' },
      method: 'qr' as const,
      providerPaymentId: `mbank:${c.ref}`,
      attributes: { qr_acquirer_id: 'mbank', qr_code_id: c.qrId },
      callbackId: `cb_${w.provider.callbacks.length}`,
    };
    const registered = w.provider.starts.find(
      (s) => s.payer['qr_scan_reference'] === `mbank:${c.ref}`,
    );
    if (!registered) return callback({ ...base, outcome: 'unregistered_qr', qrCodeId: c.qrId });
    return callback({
      ...base,
      reply: textReply(200, '{"status":"ok"}'),
      outcome: 'succeeded',
      paymentId: registered.paymentId,
    });
  };
  w.provider.nextStart = {
    provider: 'qr_acquirer',
    action: { kind: 'instructions', title: 'Pay by QR code', values: {} },
    providerReference: 'scan',
  };
  const confirm = (qrId: string, ref: string, amount = 25_000n) =>
    w.handleCallback({
      provider: 'qr_acquirer',
      request: {
        ...rawRequest,
        body: new TextEncoder().encode(JSON.stringify({ qrId, ref, amount: String(amount) })),
      },
    });
  return { calls, confirm };
}

async function cashDesk() {
  const w = world();
  const { merchant } = await w.merchant({ idempotencyKey: 'mer-cafe', enabledMethods: ['qr'] });
  const code = w.qr.addStatic({ merchantId: merchant.id, description: 'Cafe Navat, desk 2' });
  return { w, merchant, code, ...bank(w) };
}

describe('handleProviderCallback: a static QR code’s scans', () => {
  it('makes each scan its own payment, registered under the bank reference and settled once', async () => {
    const { w, merchant, code, confirm } = await cashDesk();
    const first = await confirm(code.id, 'MB-1', 25_000n);
    const second = await confirm(code.id, 'MB-2', 40_000n);

    expect(first.status).toBe('succeeded');
    expect(second.status).toBe('succeeded');
    expect(decode(first.reply.body)).toBe('{"status":"ok"}');
    expect(first.paymentId).not.toBe(second.paymentId);
    const one = await w.payments.findById(first.paymentId);
    expect(one).toMatchObject({
      merchantId: merchant.id,
      status: 'succeeded',
      method: 'qr',
      provider: 'qr_acquirer',
      amount: { amountMinor: 25_000n, currency: 'KGS' },
      description: 'Cafe Navat, desk 2',
      metadata: { qr_code_id: code.id },
      livemode: false,
      providerPaymentId: 'mbank:MB-1',
      providerAttributes: { qr_code_id: code.id, qr_acquirer_id: 'mbank' },
    });
    expect((await w.payments.findById(second.paymentId))?.amount.amountMinor).toBe(40_000n);
    // No code is issued for a scan: the adapters get the static code and the bank's reference.
    expect(w.qr.calls).toHaveLength(0);
    expect(w.provider.starts.map((s) => s.payer)).toEqual([
      { qr_code_id: code.id, qr_scan_reference: 'mbank:MB-1' },
      { qr_code_id: code.id, qr_scan_reference: 'mbank:MB-2' },
    ]);
    expect(w.ledger.calls.map((c) => c.gross.amountMinor)).toEqual([25_000n, 40_000n]);
  });

  it('answers a replayed confirmation from the same payment, crediting nothing twice', async () => {
    const { w, code, confirm } = await cashDesk();
    const first = await confirm(code.id, 'MB-1');
    const again = await confirm(code.id, 'MB-1');
    expect(again).toMatchObject({ paymentId: first.paymentId, status: 'succeeded' });
    expect(w.payments.rows.size).toBe(1);
    expect(w.ledger.calls).toHaveLength(1);
  });

  it('refuses a code qr-platform does not know with the adapter’s refusal, writing nothing', async () => {
    const { w, confirm } = await cashDesk();
    const out = await confirm('qr_01jdzzzzzzzzzzzzzzzzzzzzzz', 'MB-1');
    expect(out).toEqual({ reply: replies.refusalReply, paymentId: '', status: null });
    expect(w.payments.rows.size).toBe(0);
    expect(w.provider.starts).toHaveLength(0);
    expect(w.provider.callbacks).toHaveLength(1);
  });

  it('refuses a dynamic code no payment is registered for: it is paid through its own payment', async () => {
    const { w, merchant, confirm } = await cashDesk();
    const dynamic = w.qr.addStatic({
      merchantId: merchant.id,
      kind: 'dynamic',
      paymentId: 'pay_1',
    });
    const out = await confirm(dynamic.id, 'MB-1');
    expect(decode(out.reply.body)).toBe('PROVIDER_UNKNOWN_ORDER');
    expect(w.payments.rows.size).toBe(0);
  });

  it('refuses a scan for a merchant that no longer takes QR payments', async () => {
    const { w, confirm } = await cashDesk();
    const { merchant: other } = await w.merchant({
      idempotencyKey: 'mer-card',
      enabledMethods: ['card'],
    });
    const code = w.qr.addStatic({ merchantId: other.id });
    expect((await confirm(code.id, 'MB-1')).reply).toEqual(replies.refusalReply);
    expect(w.payments.rows.size).toBe(0);
  });

  it('asks the bank to resend while qr-platform is down, writing nothing, then settles the resend', async () => {
    const { w, code, confirm } = await cashDesk();
    w.qr.failGet = new DomainError('QR_UNAVAILABLE', 'unavailable', 'down');
    const out = await confirm(code.id, 'MB-1');
    expect(out).toEqual({ reply: replies.retryReply, paymentId: '', status: null });
    expect(w.payments.rows.size).toBe(0);

    w.qr.failGet = null;
    expect((await confirm(code.id, 'MB-1')).status).toBe('succeeded');
  });

  it('asks the bank to resend when the adapters fail to register the scan, and the resend reuses its payment', async () => {
    const { w, code, confirm } = await cashDesk();
    w.provider.nextStart = new DomainError('PROVIDER_UNAVAILABLE', 'unavailable', 'down');
    const out = await confirm(code.id, 'MB-1');
    expect(out.reply).toEqual(replies.retryReply);
    expect([...w.payments.rows.values()].map((p) => p.status)).toEqual(['created']);

    w.provider.nextStart = {
      provider: 'qr_acquirer',
      action: { kind: 'instructions', title: 'Pay by QR code', values: {} },
      providerReference: 'scan',
    };
    const resent = await confirm(code.id, 'MB-1');
    expect(resent.status).toBe('succeeded');
    expect(w.payments.rows.size).toBe(1);
  });

  it('answers retry while the ledger is down: the scan succeeded and the sweeper posts it', async () => {
    const { w, code, confirm } = await cashDesk();
    w.ledger.down = true;
    const out = await confirm(code.id, 'MB-1');
    expect(out).toMatchObject({ reply: replies.retryReply, status: 'succeeded' });
    w.ledger.down = false;
    const resent = await confirm(code.id, 'MB-1');
    expect(decode(resent.reply.body)).toBe('{"status":"ok"}');
    expect(w.ledger.posted.size).toBe(1);
    expect(w.payments.rows.size).toBe(1);
  });
});

describe('handleProviderCallback: a dynamic code confirmed after its expiry', () => {
  async function dynamicPayment() {
    const w = world();
    const { merchant } = await w.merchant({ idempotencyKey: 'mer-qr', enabledMethods: ['qr'] });
    w.provider.nextStart = {
      provider: 'qr_acquirer',
      action: { kind: 'instructions', title: 'Pay by QR code', values: {} },
      providerReference: 'qr',
    };
    const { view, qrCodeId } = await w.createQrPayment({
      payment: w.paymentInput(merchant.id, { currency: 'KGS', amountMinor: 150_000n }),
      expiresAt: new Date(w.clock.now().getTime() + 5 * MINUTE),
    });
    const confirmed: VerifiedCallback = callback({
      outcome: 'succeeded',
      paymentId: view.payment.id,
      amount: { amountMinor: 150_000n, currency: 'KGS' },
      method: 'qr',
      providerPaymentId: 'mbank:MB-LATE',
      attributes: { qr_code_id: qrCodeId },
    });
    w.provider.nextCallback = confirmed;
    return { w, payment: view.payment };
  }

  it('opens a late_payment case and credits nobody, before the expiry sweeper ran', async () => {
    const { w, payment } = await dynamicPayment();
    w.clock.advance(5 * MINUTE + 1_000);
    const out = await w.handleCallback({ provider: 'qr_acquirer', request: rawRequest });
    expect(out.status).toBe('expired');
    expect(await w.payments.findById(payment.id)).toMatchObject({ status: 'expired' });
    const [opened] = [...w.caseRepo.rows.values()];
    expect(opened).toMatchObject({
      kind: 'late_payment',
      paymentStatus: 'expired',
      status: 'open',
    });
    expect(w.ledger.calls).toHaveLength(0);
  });

  it('opens a late_payment case when the sweeper already expired it', async () => {
    const { w, payment } = await dynamicPayment();
    w.clock.advance(6 * MINUTE);
    await w.expirePayments();
    expect((await w.payments.findById(payment.id))?.status).toBe('expired');
    await w.handleCallback({ provider: 'qr_acquirer', request: rawRequest });
    expect([...w.caseRepo.rows.values()].map((c) => c.kind)).toEqual(['late_payment']);
    expect(w.ledger.calls).toHaveLength(0);
  });

  it('settles a confirmation in time', async () => {
    const { w, payment } = await dynamicPayment();
    w.clock.advance(4 * MINUTE);
    const out = await w.handleCallback({ provider: 'qr_acquirer', request: rawRequest });
    expect(out).toMatchObject({ paymentId: payment.id, status: 'succeeded' });
    expect(w.ledger.calls).toHaveLength(1);
  });
});

describe('reconcile: a dynamic code’s money the callback missed', () => {
  async function reconciled(settledAfterMs: number) {
    const w = world();
    const { merchant } = await w.merchant({ idempotencyKey: 'mer-qr', enabledMethods: ['qr'] });
    w.provider.nextStart = {
      provider: 'qr_acquirer',
      action: { kind: 'instructions', title: 'Pay by QR code', values: {} },
      providerReference: 'qr',
    };
    const { view } = await w.createQrPayment({
      payment: w.paymentInput(merchant.id, { currency: 'KGS', amountMinor: 150_000n }),
      expiresAt: new Date(w.clock.now().getTime() + 5 * MINUTE),
    });
    w.provider.settled.push({
      paymentId: view.payment.id,
      merchantId: merchant.id,
      provider: 'qr_acquirer',
      method: 'qr',
      providerPaymentId: 'mbank:MB-9',
      amount: { amountMinor: 150_000n, currency: 'KGS' },
      attributes: {},
      settledAt: new Date(w.clock.now().getTime() + settledAfterMs),
      transactionId: 'ptx_9',
    });
    // The reconciler sees it well after the code expired, whenever the bank paid.
    w.clock.advance(10 * MINUTE);
    await w.reconcile();
    return { w, payment: await w.payments.findById(view.payment.id) };
  }

  it('settles money the bank paid in time', async () => {
    const { w, payment } = await reconciled(4 * MINUTE);
    expect(payment?.status).toBe('succeeded');
    expect(w.caseRepo.rows.size).toBe(0);
  });

  it('holds money the bank paid after the expiry in a case', async () => {
    const { w, payment } = await reconciled(6 * MINUTE);
    expect(payment?.status).toBe('expired');
    expect([...w.caseRepo.rows.values()].map((c) => c.kind)).toEqual(['late_payment']);
    expect(w.ledger.calls).toHaveLength(0);
  });
});
