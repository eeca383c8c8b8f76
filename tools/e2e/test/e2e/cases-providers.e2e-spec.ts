import { CaseServiceClient, CaseStatus } from '@tolem/contracts/checkout';
import { LedgerServiceClient } from '@tolem/contracts/ledger';
import { createClient, type PromiseClient } from '@tolem/grpc-kit';
import type { ReceivedNotification, Stack } from '@tolem/stack';
import { waitFor } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { formById, submit } from './html-forms';
import { openShop, type PaymentJson, type Shop } from './shop';

interface SandboxCallback {
  attempts: { status?: number; body?: string }[];
}

const FEE_BPS = 300;

function wallet(html: string): string {
  const m = /<dt>Wallet number<\/dt><dd>(\d+)<\/dd>/.exec(html);
  if (!m) throw new Error(`no wallet number on the page:\n${html.slice(0, 3_000)}`);
  return m[1] as string;
}

/**
 * What the providers' adapters report when verified money does not fit its payment, end to end
 * through real processes: a signed Paykassma postback of another amount, a Paykassma activation
 * that does not say how much arrived, a WebMoney authorization hold (refused: only reserved
 * money), and a second IntellectMoney invoice paid for the same order. The provider gets its
 * normal accept answer only once the money is held in the ledger under a case.
 */
describe('cases from the providers: verified money that does not fit is held, never dropped', () => {
  let shop: Shop;
  let stack: Stack;
  let merchantId: string;
  let cases: PromiseClient<CaseServiceClient>;
  let ledger: PromiseClient<LedgerServiceClient>;
  const createPayment = (amount: number, currency: string) => shop.createPayment(amount, currency);
  const getPayment = (id: string) => shop.getPayment(id);
  const methodForm = (payment: PaymentJson, method: string) => shop.methodForm(payment, method);

  beforeAll(async () => {
    shop = await openShop({
      name: 'E2E shop, provider cases',
      methods: ['webmoney_purse', 'card', 'wavepay'],
      feeRules: ['webmoney_purse', 'card', 'wavepay'].map((method) => ({
        method,
        percent_bps: FEE_BPS,
      })),
      webmoneyShopId: '4246',
      // The `…01` Wavepay deposit waits for a postback; only the tests send one.
      stack: { sandbox: { paykassmaPendingDelayMs: 600_000, callbackBackoffMs: 200 } },
    });
    ({ stack, merchantId } = shop);
    cases = createClient(CaseServiceClient, stack.addresses.checkout);
    ledger = createClient(LedgerServiceClient, stack.addresses.ledger);
  });

  afterAll(async () => {
    cases?.close();
    ledger?.close();
    await shop?.close();
  });

  const balance = async (currency: string) =>
    (await ledger.getBalance({ merchantId, currency, asOf: undefined, livemode: false })).available
      ?.amountMinor ?? 0n;

  const notificationsOf = (paymentId: string, type?: string): ReceivedNotification[] =>
    shop
      .notificationsOf(paymentId)
      .filter((n) => type === undefined || (n.json as { type?: string }).type === type);

  async function sandbox<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${stack.sandboxUrl}${path}`, {
      method,
      headers: method === 'GET' ? {} : { 'content-type': 'application/json' },
      body: method === 'GET' ? undefined : JSON.stringify(body ?? {}),
    });
    const json = (await res.json()) as T;
    expect(res.status, JSON.stringify(json)).toBe(200);
    return json;
  }

  /** Hosted page -> Wavepay -> pays `kyat` in the sandbox wallet -> types the number on our page. */
  async function payWavepay(payment: PaymentJson, kyat: number) {
    const started = await submit(await methodForm(payment, 'wavepay'));
    const html = await started.text();
    expect(started.status, html.slice(0, 2_000)).toBe(200);
    const inputForm = formById(html, payment.payment_url, 'payer-input-form');
    const { key1 } = await sandbox<{ key1: string }>(
      'POST',
      '/_sandbox/paykassma/wallet/transfers',
      {
        amount: kyat,
        to: wallet(html),
      },
    );
    const answered = await submit(inputForm, { key1 });
    const page = await answered.text();
    expect(answered.status, page.slice(0, 2_000)).toBe(200);
    const { deposits } = await sandbox<{ deposits: { id: string }[] }>(
      'GET',
      `/_sandbox/paykassma/deposits?key1=${encodeURIComponent(key1)}`,
    );
    return { page, key1, deposit: deposits[0]?.id ?? '' };
  }

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
    expect(found).toHaveLength(1);
    return found[0]!;
  }

  /** Applies the case and returns the one payment.succeeded notification it caused. */
  async function applyAndExpectCredited(caseId: string, paymentId: string, currency: string) {
    const before = await balance(currency);
    const applied = await cases.applyCase({ caseId, operator: 'e2e-ops', note: 'checked' });
    expect(applied.case?.status).toBe(CaseStatus.CASE_STATUS_APPLIED);
    const succeeded = await waitFor(() => notificationsOf(paymentId, 'payment.succeeded')[0], {
      timeoutMs: 30_000,
      what: 'the payment.succeeded notification',
    });
    expect(succeeded.signatureValid).toBe(true);
    const data = (succeeded.json as { data: { amount: number; fee: number; net: number } }).data;
    expect(data.net).toBe(data.amount - data.fee);
    expect(await balance(currency)).toBe(before + BigInt(data.net));
    // Applied again: the same answer, no second credit, no second notification.
    await cases.applyCase({ caseId, operator: 'e2e-ops', note: 'checked' });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(notificationsOf(paymentId, 'payment.succeeded')).toHaveLength(1);
    expect(await balance(currency)).toBe(before + BigInt(data.net));
    expect((await getPayment(paymentId)).status).toBe('succeeded');
    return data;
  }

  it('amount_mismatch: a signed Paykassma postback of another amount is held as received, then applied', async () => {
    const payment = await createPayment(500_100, 'MMK');
    // …01: the deposit waits for its postback; the payer sees "waiting".
    const { page, key1, deposit } = await payWavepay(payment, 5_001);
    expect(page).toContain('Waiting for confirmation');
    const before = await balance('MMK');

    // Paykassma reports (and signs) one kyat more than the payment asked.
    const { postback } = await sandbox<{ postback: SandboxCallback }>(
      'POST',
      `/_sandbox/paykassma/deposits/${deposit}/postback`,
      { tamper: 'amount' },
    );
    // Its normal answer: HTTP 200 {"status":"ok"}, given once the money is held.
    expect(postback.attempts[0]).toMatchObject({ status: 200 });
    expect(JSON.parse(postback.attempts[0]?.body ?? '{}')).toEqual({ status: 'ok' });

    const opened = await openCaseOf(payment.id);
    expect(opened).toMatchObject({
      kind: 'amount_mismatch',
      amount: { amountMinor: 500_200n, currency: 'MMK' },
      expected: { amountMinor: 500_100n, currency: 'MMK' },
      providerPaymentId: `key1:${key1}`,
    });
    const held = await ledger.getUnappliedFunds({ caseId: opened.id });
    expect(held.funds).toMatchObject({
      status: 'held',
      paymentId: payment.id,
      amount: { amountMinor: 500_200n, currency: 'MMK' },
    });
    expect(await balance('MMK')).toBe(before);
    expect(notificationsOf(payment.id, 'payment.succeeded')).toHaveLength(0);

    // Paykassma sends the same postback again: the same case, the same answer.
    const { postback: again } = await sandbox<{ postback: SandboxCallback }>(
      'POST',
      `/_sandbox/paykassma/deposits/${deposit}/resend`,
      {},
    );
    expect(again.attempts[0]).toMatchObject({ status: 200 });
    await openCaseOf(payment.id);

    const data = await applyAndExpectCredited(opened.id, payment.id, 'MMK');
    expect(data.amount).toBe(500_200);
  });

  it('amount_unknown: a Paykassma activation `ok` without the amount is held, the payer told it is being checked', async () => {
    const payment = await createPayment(500_400, 'MMK');
    const before = await balance('MMK');
    // …04: the activation says ok but not how much was deposited.
    const { page } = await payWavepay(payment, 5_004);
    expect(page).toContain('Your payment is being checked');

    const opened = await openCaseOf(payment.id);
    expect(opened).toMatchObject({
      kind: 'amount_unknown',
      // Unconfirmed: the payment's amount until an operator decides.
      amount: { amountMinor: 500_400n, currency: 'MMK' },
    });
    const held = await ledger.getUnappliedFunds({ caseId: opened.id });
    expect(held.funds).toMatchObject({
      status: 'held',
      amount: { amountMinor: 500_400n, currency: 'MMK' },
    });
    expect(await balance('MMK')).toBe(before);
    expect((await getPayment(payment.id)).status).toBe('requires_review');

    const data = await applyAndExpectCredited(opened.id, payment.id, 'MMK');
    expect(data.amount).toBe(500_400);
  });

  it('WebMoney LMI_HOLD: the held notification is refused, nothing credited, no case, the payment open', async () => {
    const payment = await createPayment(1_500, 'USD');
    const before = await balance('USD');
    const started = await submit(await methodForm(payment, 'webmoney_purse'));
    const wmForm = formById(await started.text(), payment.payment_url, 'provider-form');
    const paymentNo = wmForm.fields.find(([k]) => k === 'LMI_PAYMENT_NO')?.[1] ?? '';
    expect(paymentNo).toMatch(/^\d+$/);
    expect((await submit(wmForm)).status).toBe(200);
    const { invoices } = await sandbox<{ invoices: { id: string }[] }>(
      'GET',
      `/_sandbox/webmoney/invoices?payment_no=${paymentNo}`,
    );
    const invoice = invoices[0]?.id ?? '';

    const paid = await sandbox<{
      prerequest: { status: number; body: string };
      notification: { status: number; body: string; fields: Record<string, string> } | null;
    }>('POST', `/_sandbox/webmoney/invoices/${invoice}/pay`, { method: 'purse', hold_days: 3 });
    expect(paid.prerequest).toEqual({ status: 200, body: 'YES' });
    expect(paid.notification?.fields['LMI_HOLD']).toBe('3');
    expect(paid.notification?.status).not.toBe(200);
    expect(paid.notification?.body).not.toBe('YES');

    await new Promise((r) => setTimeout(r, 2_000));
    const listed = await cases.listCases({
      status: CaseStatus.CASE_STATUS_UNSPECIFIED,
      merchantId: '',
      paymentId: payment.id,
      pageSize: 10,
      pageToken: '',
    });
    expect(listed.cases).toHaveLength(0);
    expect(
      (await ledger.listPaymentTransactions({ paymentId: payment.id })).transactions,
    ).toHaveLength(0);
    expect(await balance('USD')).toBe(before);
    expect((await getPayment(payment.id)).status).toBe('pending');
    expect(notificationsOf(payment.id)).toHaveLength(0);
  });

  it('duplicate_payment: a second IntellectMoney invoice paid for a paid order is held; the merchant paid once', async () => {
    const amount = 2_700;
    const payment = await createPayment(amount, 'USD');

    const first = await shop.openCardPage(payment);
    await shop.payCard(first.form);
    await waitFor(() => notificationsOf(payment.id, 'payment.succeeded').length === 1, {
      timeoutMs: 30_000,
      what: 'the payment.succeeded notification',
    });
    const afterFirst = await balance('USD');

    // IntellectMoney issues a second invoice for the same order (a shop that does not insist on
    // unique orderIds), and the payer pays that too: a second transfer of the same provider.
    const second = await sandbox<{ payment_id: string }>(
      'POST',
      `/_sandbox/intellectmoney/invoices/${first.invoice}/repeat-order`,
    );
    expect(second.payment_id).not.toBe(first.invoice);
    const paidAgain = await sandbox<{ outcome: string }>(
      'POST',
      `/_sandbox/intellectmoney/invoices/${second.payment_id}/pay`,
      { remember: false },
    );
    expect(paidAgain.outcome).toBe('paid');
    const opened = await openCaseOf(payment.id);
    expect(opened).toMatchObject({
      kind: 'duplicate_payment',
      paymentStatus: 'succeeded',
      amount: { amountMinor: BigInt(amount), currency: 'USD' },
      providerPaymentId: second.payment_id,
    });
    expect((await ledger.getUnappliedFunds({ caseId: opened.id })).funds?.status).toBe('held');
    await waitFor(
      async () => (await shop.intellectMoneyAnswers(second.payment_id)).includes('200 OK'),
      {
        timeoutMs: 15_000,
        what: 'Tolem to answer the second invoice OK',
      },
    );
    expect(await balance('USD')).toBe(afterFirst);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(notificationsOf(payment.id)).toHaveLength(1);

    const returned = await cases.returnCase({
      caseId: opened.id,
      operator: 'e2e-ops',
      note: 'paid twice',
      returnReference: 'IM-REFUND-7',
    });
    expect(returned.case?.status).toBe(CaseStatus.CASE_STATUS_RETURNED);
    expect(await balance('USD')).toBe(afterFirst);
    expect((await ledger.checkIntegrity({})).violations).toEqual([]);
  });
});
