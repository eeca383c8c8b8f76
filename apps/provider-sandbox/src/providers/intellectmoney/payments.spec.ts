import { Secret } from '@tolem/config';
import { describe, expect, it } from 'vitest';

import { parseFormBody } from '../../form-body';
import { recordingDispatcher, silentLog } from '../../testing/fakes';
import { parseCardInput } from './cards';
import { createInvoiceNumbers, createInvoiceStore } from './invoices';
import type { InvoiceTerms } from './payment-form';
import { makeIntellectmoneyPayments } from './payments';
import { LEGACY_HASH_ORDER } from './signing';

const DAY = 86_400_000;

function setup() {
  let now = new Date('2025-06-15T12:00:00Z');
  const clock = () => now;
  const { dispatcher, sent } = recordingDispatcher();
  const invoices = createInvoiceStore(createInvoiceNumbers(clock));
  const payments = makeIntellectmoneyPayments({
    config: {
      eshopId: '450000',
      secretKey: new Secret('secret123'),
      resultUrl: 'http://tolem.test/callbacks/intellectmoney',
      hashOrder: LEGACY_HASH_ORDER,
    },
    invoices,
    dispatcher,
    clock,
    log: silentLog,
  });
  const statuses = () =>
    sent.map((s) => Object.fromEntries(parseFormBody(s.callback.body, 'utf-8'))['paymentStatus']);
  return {
    payments,
    invoices,
    sent,
    statuses,
    advance: (ms: number) => (now = new Date(now.getTime() + ms)),
  };
}

const terms = (overrides: Partial<InvoiceTerms> = {}): InvoiceTerms => ({
  eshopId: '450000',
  orderId: 'ORDER-1',
  serviceName: 'Subscription',
  recipientAmount: '100.00',
  amountMinor: 10000n,
  recipientCurrency: 'TST',
  userName: 'Ivan',
  userEmail: 'ivan@example.com',
  holdMode: false,
  recurringRequested: true,
  userFields: [],
  ...overrides,
});
const card = (pan: string) => parseCardInput({ pan, expiry: '12/30', cvv: '123' });

describe('IntellectMoney payments', () => {
  it('announces a new invoice with status 3, and reopens it for the same terms', () => {
    const { payments, sent, statuses } = setup();
    const first = payments.openInvoice(terms());
    expect(first.invoice.paymentId).toMatch(/^3\d{9}$/);
    expect(statuses()).toEqual(['3']);
    expect(sent[0]?.callback.url).toBe('http://tolem.test/callbacks/intellectmoney');
    const again = payments.openInvoice(terms());
    expect(again).toMatchObject({ reused: true });
    expect(again.invoice.paymentId).toBe(first.invoice.paymentId);
    expect(statuses()).toEqual(['3']);
    expect(() => payments.openInvoice(terms({ amountMinor: 10100n }))).toThrow(/other terms/);
  });

  it('opens a second invoice for a paid order on demand, payable on its own (test API)', async () => {
    const { payments, invoices, statuses } = setup();
    const { invoice } = payments.openInvoice(terms());
    await payments.payWithCard(invoice.paymentId, card('4111111111111111'), false);
    expect(() => payments.openInvoice(terms())).toThrow(/already paid/);
    const second = payments.repeatOrder(invoice.paymentId);
    expect(second.paymentId).not.toBe(invoice.paymentId);
    expect(second).toMatchObject({ status: 'created', terms: { orderId: 'ORDER-1' } });
    const paid = await payments.payWithCard(second.paymentId, card('4111111111111111'), false);
    expect(paid.outcome).toBe('paid');
    expect(statuses()).toEqual(['3', '5', '3', '5']);
    expect(invoices.byOrderId('ORDER-1').map((i) => i.status)).toEqual(['paid', 'paid']);
  });

  it('declines without notifying and lets the payer try another card', async () => {
    const { payments, statuses } = setup();
    const { invoice } = payments.openInvoice(terms());
    const declined = await payments.payWithCard(invoice.paymentId, card('4000000000000515'), true);
    expect(declined).toMatchObject({ outcome: 'declined', responseCode: '51' });
    expect(invoice.status).toBe('created');
    expect(statuses()).toEqual(['3']);
    const paid = await payments.payWithCard(invoice.paymentId, card('4111111111111111'), true);
    expect(paid.outcome).toBe('paid');
    expect(statuses()).toEqual(['3', '5']);
    expect(invoice.attempts.map((a) => [a.cardMask, a.responseCode])).toEqual([
      ['**** 0515', '51'],
      ['**** 1111', '00'],
    ]);
    await expect(
      payments.payWithCard(invoice.paymentId, card('4111111111111111'), true),
    ).rejects.toThrow(/is paid/);
  });

  it('binds the card only when the form asked and the payer ticked remember', async () => {
    const { payments, invoices, sent } = setup();
    const asked = payments.openInvoice(terms({ orderId: 'A' })).invoice;
    await payments.payWithCard(asked.paymentId, card('4111111111111111'), true);
    expect(asked.recurring).toEqual({ state: 'Activated', bindingId: asked.paymentId });
    expect(invoices.binding(asked.paymentId)).toMatchObject({
      state: 'active',
      cardMask: '**** 1111',
    });
    const last = Object.fromEntries(parseFormBody(sent.at(-1)?.callback.body ?? '', 'utf-8'));
    expect(last).toMatchObject({
      recurringState: 'Activated',
      recurringBindingId: asked.paymentId,
    });

    const notTicked = payments.openInvoice(terms({ orderId: 'B' })).invoice;
    await payments.payWithCard(notTicked.paymentId, card('4111111111111111'), false);
    expect(notTicked.recurring).toBeUndefined();

    const notAsked = payments.openInvoice(
      terms({ orderId: 'C', recurringRequested: false }),
    ).invoice;
    await payments.payWithCard(notAsked.paymentId, card('4111111111111111'), true);
    expect(notAsked.recurring).toBeUndefined();
    expect(invoices.binding(notAsked.paymentId)).toBeUndefined();

    const failing = payments.openInvoice(terms({ orderId: 'D' })).invoice;
    await payments.payWithCard(failing.paymentId, card('4000000000020000'), true);
    expect(failing.recurring).toEqual({ state: 'Error' });
    expect(invoices.binding(failing.paymentId)).toBeUndefined();
  });

  it('holds instead of paying with holdMode (status 6)', async () => {
    const { payments, statuses } = setup();
    const { invoice } = payments.openInvoice(terms({ holdMode: true }));
    expect(
      (await payments.payWithCard(invoice.paymentId, card('4111111111111111'), false)).outcome,
    ).toBe('held');
    expect(statuses()).toEqual(['3', '6']);
  });

  it('charges a binding by amount, replays an approved orderId, refuses another amount for it', async () => {
    const { payments, statuses } = setup();
    const { invoice } = payments.openInvoice(terms());
    await payments.payWithCard(invoice.paymentId, card('4111111111111111'), true);
    const ok = await payments.chargeBinding({
      bindingId: invoice.paymentId,
      orderId: 'charge-1',
      amountMinor: 50000n,
      serviceName: 'Month 2',
    });
    expect(ok).toMatchObject({ kind: 'charged', responseCode: '00', replayed: false });
    const again = await payments.chargeBinding({
      bindingId: invoice.paymentId,
      orderId: 'charge-1',
      amountMinor: 50000n,
      serviceName: 'Month 2',
    });
    expect(again).toMatchObject({ kind: 'charged', responseCode: '00', replayed: true });
    await expect(
      payments.chargeBinding({
        bindingId: invoice.paymentId,
        orderId: 'charge-1',
        amountMinor: 1n,
        serviceName: '',
      }),
    ).rejects.toThrow(/another amount/);
    const declined = await payments.chargeBinding({
      bindingId: invoice.paymentId,
      orderId: 'charge-2',
      amountMinor: 50051n,
      serviceName: '',
    });
    expect(declined).toMatchObject({ kind: 'charged', responseCode: '51' });
    expect(statuses()).toEqual(['3', '5', '5', '4']);
  });

  it('cancels the binding on a hard decline and stops after 4 soft declines in 16 days', async () => {
    const { payments, invoices, advance } = setup();
    const a = payments.openInvoice(terms({ orderId: 'A' })).invoice;
    await payments.payWithCard(a.paymentId, card('4111111111111111'), true);
    const hard = await payments.chargeBinding({
      bindingId: a.paymentId,
      orderId: 'h1',
      amountMinor: 10054n,
      serviceName: '',
    });
    expect(hard).toMatchObject({ responseCode: '54' });
    expect(invoices.binding(a.paymentId)?.state).toBe('cancelled');
    expect(
      await payments.chargeBinding({
        bindingId: a.paymentId,
        orderId: 'h2',
        amountMinor: 10000n,
        serviceName: '',
      }),
    ).toMatchObject({ kind: 'refused', reason: 'binding_cancelled' });

    const b = payments.openInvoice(terms({ orderId: 'B' })).invoice;
    await payments.payWithCard(b.paymentId, card('4000000000010514'), true);
    for (let i = 1; i <= 4; i++) {
      const r = await payments.chargeBinding({
        bindingId: b.paymentId,
        orderId: `s${i}`,
        amountMinor: 10000n,
        serviceName: '',
      });
      expect(r).toMatchObject({ kind: 'charged', responseCode: '51' });
      advance(DAY);
    }
    expect(
      await payments.chargeBinding({
        bindingId: b.paymentId,
        orderId: 's5',
        amountMinor: 10000n,
        serviceName: '',
      }),
    ).toMatchObject({ kind: 'refused', reason: 'attempts_exhausted' });
    advance(13 * DAY);
    expect(
      await payments.chargeBinding({
        bindingId: b.paymentId,
        orderId: 's6',
        amountMinor: 10000n,
        serviceName: '',
      }),
    ).toMatchObject({ kind: 'charged', responseCode: '51' });
  });

  it('sends any status on demand and resends byte for byte', async () => {
    const { payments, sent, statuses } = setup();
    const { invoice } = payments.openInvoice(terms());
    await payments.payWithCard(invoice.paymentId, card('4111111111111111'), false);
    payments.notify(invoice.paymentId, '3', { delayMs: 50, tamper: 'hash' });
    expect(statuses()).toEqual(['3', '5', '3']);
    expect(sent[2]).toMatchObject({ delayMs: 50 });
    expect(invoice.status).toBe('paid');
    payments.resend(invoice.paymentId, { index: 1 });
    expect(sent[3]?.callback.body).toBe(sent[1]?.callback.body);
    expect(sent[3]?.duplicateOf).toBe(invoice.notifications[1]?.id);
    expect(() => payments.resend(invoice.paymentId, { index: 9 })).toThrow(/no notification/);
  });
});
