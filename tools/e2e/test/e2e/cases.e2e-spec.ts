import { CaseServiceClient, CaseStatus } from '@tolem/contracts/checkout';
import { LedgerServiceClient } from '@tolem/contracts/ledger';
import { createClient, type PromiseClient } from '@tolem/grpc-kit';
import type { Stack } from '@tolem/stack';
import { waitFor } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { formById, type ParsedForm, submit } from './html-forms';
import { openShop, type PaymentJson, type Shop } from './shop';

const FEE_BPS = 300;
const feeOf = (amount: number) => Math.floor((amount * FEE_BPS + 5_000) / 10_000);

/**
 * Verified money that cannot settle its payment, end to end through real processes: the provider
 * is answered only once the money is in the ledger's unapplied funds, a case exists, and the
 * operator's decision credits (and notifies) the merchant exactly once or records the return.
 */
describe('cases: money that does not match its payment is held, never dropped', () => {
  let shop: Shop;
  let stack: Stack;
  let apiKey: string;
  let merchantId: string;
  let cases: PromiseClient<CaseServiceClient>;
  let ledger: PromiseClient<LedgerServiceClient>;
  const notificationsOf = (paymentId: string) => shop.notificationsOf(paymentId);
  const getPayment = (id: string) => shop.getPayment(id);
  const createPayment = (amount: number) => shop.createPayment(amount, 'USD');
  const methodForm = (payment: PaymentJson, method: string) => shop.methodForm(payment, method);

  beforeAll(async () => {
    shop = await openShop({
      name: 'E2E shop, cases',
      methods: ['webmoney_purse', 'card'],
      feeRules: [
        { method: 'webmoney_purse', percent_bps: FEE_BPS },
        { method: 'card', percent_bps: FEE_BPS },
      ],
      stack: { sandbox: { callbackBackoffMs: 200 } },
    });
    ({ stack, apiKey, merchantId } = shop);
    cases = createClient(CaseServiceClient, stack.addresses.checkout);
    ledger = createClient(LedgerServiceClient, stack.addresses.ledger);
  });

  afterAll(async () => {
    cases?.close();
    ledger?.close();
    await shop?.close();
  });

  const balance = async () =>
    (await ledger.getBalance({ merchantId, currency: 'USD', asOf: undefined, livemode: false }))
      .available?.amountMinor ?? 0n;

  const openCardPage = (payment: PaymentJson) => shop.openCardPage(payment);
  const payCard = (form: ParsedForm) => shop.payCard(form);
  const intellectMoneyAnswers = (invoice: string) => shop.intellectMoneyAnswers(invoice);

  async function openCaseOf(paymentId: string) {
    const { cases: found } = await waitFor(
      async () => {
        const listed = await cases.listCases({
          status: CaseStatus.CASE_STATUS_OPEN,
          merchantId: '',
          paymentId,
          pageSize: 10,
          pageToken: '',
        });
        return listed.cases.length > 0 && listed;
      },
      { timeoutMs: 30_000, what: `an open case for ${paymentId}` },
    );
    return found[0]!;
  }

  it('late money (paid after the merchant canceled): held, then applied: credited and notified once', async () => {
    const amount = 3_100;
    const payment = await createPayment(amount);
    const { form: cardForm, invoice } = await openCardPage(payment);
    const canceled = await fetch(`${stack.gatewayUrl}/v1/payments/${payment.id}/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(canceled.status).toBe(200);
    await waitFor(() => notificationsOf(payment.id).length === 1, {
      timeoutMs: 30_000,
      what: 'the payment.canceled notification',
    });
    const before = await balance();

    await payCard(cardForm);
    const opened = await openCaseOf(payment.id);
    expect(opened).toMatchObject({
      kind: 'late_payment',
      paymentStatus: 'canceled',
      amount: { amountMinor: BigInt(amount), currency: 'USD' },
    });
    // The money is in unapplied funds, not the merchant's; the provider heard "OK".
    const held = await ledger.getUnappliedFunds({ caseId: opened.id });
    expect(held.funds).toMatchObject({ status: 'held', paymentId: payment.id });
    expect(await balance()).toBe(before);
    await waitFor(async () => (await intellectMoneyAnswers(invoice)).includes('200 OK'), {
      timeoutMs: 15_000,
      what: 'Tolem to answer the notification OK',
    });
    expect((await getPayment(payment.id)).status).toBe('canceled');

    const applied = await cases.applyCase({ caseId: opened.id, operator: 'e2e-ops', note: 'ok' });
    expect(applied.case?.status).toBe(CaseStatus.CASE_STATUS_APPLIED);
    const succeeded = await waitFor(
      () =>
        notificationsOf(payment.id).find(
          (n) => (n.json as { type: string }).type === 'payment.succeeded',
        ),
      { timeoutMs: 30_000, what: 'the payment.succeeded notification' },
    );
    expect(succeeded.signatureValid).toBe(true);
    expect((succeeded.json as { data: Record<string, unknown> }).data).toMatchObject({
      amount,
      fee: feeOf(amount),
      net: amount - feeOf(amount),
      status: 'succeeded',
    });
    expect(await balance()).toBe(before + BigInt(amount - feeOf(amount)));
    expect((await getPayment(payment.id)).status).toBe('succeeded');
    // Again: the same answer, no second credit, no second notification.
    await cases.applyCase({ caseId: opened.id, operator: 'e2e-ops', note: 'ok' });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(
      notificationsOf(payment.id).filter(
        (n) => (n.json as { type: string }).type === 'payment.succeeded',
      ),
    ).toHaveLength(1);
    expect(await balance()).toBe(before + BigInt(amount - feeOf(amount)));
    const detail = await cases.getCase({ caseId: opened.id });
    expect(detail.audit.map((a) => a.action)).toEqual(['opened', 'held', 'applied']);
    // The evidence: IntellectMoney's notification as received (its signed hash included).
    expect(detail.callback).toMatchObject({ callbackId: opened.callbackId, method: 'POST' });
    const raw = Buffer.from(detail.callback?.body ?? []).toString('utf8');
    expect(raw).toContain('paymentStatus=5');
    expect(raw).toContain('hash=');
  });

  it('a second payment (card after WebMoney): held, then returned to the payer; the merchant paid once', async () => {
    const amount = 2_200;
    const payment = await createPayment(amount);
    const { form: cardForm, invoice } = await openCardPage(payment);

    // The payer comes back and pays with WebMoney instead.
    const started = await submit(await methodForm(payment, 'webmoney_purse'));
    const wmForm = formById(await started.text(), payment.payment_url, 'provider-form');
    const wmPage = await submit(wmForm);
    const paid = await submit(formById(await wmPage.text(), wmForm.action, 'pay-purse'));
    expect([200, 302, 303]).toContain(paid.status);
    await waitFor(() => notificationsOf(payment.id).length === 1, {
      timeoutMs: 30_000,
      what: 'the WebMoney payment.succeeded notification',
    });
    const afterFirst = await balance();

    // ... and the card tab still open pays too.
    await payCard(cardForm);
    const opened = await openCaseOf(payment.id);
    expect(opened).toMatchObject({ kind: 'duplicate_payment', paymentStatus: 'succeeded' });
    await waitFor(async () => (await intellectMoneyAnswers(invoice)).includes('200 OK'), {
      timeoutMs: 15_000,
      what: 'Tolem to answer the notification OK',
    });
    expect(await balance()).toBe(afterFirst);

    const returned = await cases.returnCase({
      caseId: opened.id,
      operator: 'e2e-ops',
      note: 'paid twice',
      returnReference: 'IM-REFUND-42',
    });
    expect(returned.case).toMatchObject({
      status: CaseStatus.CASE_STATUS_RETURNED,
      returnReference: 'IM-REFUND-42',
    });
    expect((await ledger.getUnappliedFunds({ caseId: opened.id })).funds?.status).toBe('returned');
    await expect(
      cases.applyCase({ caseId: opened.id, operator: 'e2e-ops', note: '' }),
    ).rejects.toMatchObject({ code: 'CASE_ALREADY_RESOLVED' });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(notificationsOf(payment.id)).toHaveLength(1);
    expect(await balance()).toBe(afterFirst);
    expect((await getPayment(payment.id)).status).toBe('succeeded');
    expect((await ledger.checkIntegrity({})).violations).toEqual([]);
  });
});
