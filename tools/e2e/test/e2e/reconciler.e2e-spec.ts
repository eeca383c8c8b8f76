import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { LedgerServiceClient } from '@tolem/contracts/ledger';
import { Outcome, ProviderServiceClient } from '@tolem/contracts/provider';
import { createClient, type PromiseClient } from '@tolem/grpc-kit';
import { type Stack, WEBMONEY_PURSES } from '@tolem/stack';
import { randomSuffix, waitFor } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { formById, submit } from './html-forms';
import { openShop, type Shop } from './shop';

const ROOT = join(import.meta.dirname, '../../../..');
/** Short, so a test waits a second rather than the production half minute. */
const GRACE_MS = 1_000;
const USD_PURSE = WEBMONEY_PURSES.split(',')
  .find((p) => p.startsWith('USD:'))
  ?.slice(4) as string;

/** Signs a WebMoney payment notification (protocols.md §1.5, §1.6) as WebMoney would. */
function signedNotification(secret: string, fields: Record<string, string>) {
  const v = (k: string) => fields[k] ?? '';
  const values = [
    v('LMI_PAYEE_PURSE'),
    v('LMI_PAYMENT_AMOUNT'),
    v('LMI_PAYMENT_NO'),
    v('LMI_MODE'),
    v('LMI_SYS_INVS_NO'),
    v('LMI_SYS_TRANS_NO'),
    v('LMI_SYS_TRANS_DATE'),
    secret,
    v('LMI_PAYER_PURSE'),
    v('LMI_PAYER_WM'),
  ];
  const sha256 = (text: string) =>
    createHash('sha256').update(text, 'utf8').digest('hex').toUpperCase();
  const body = {
    ...fields,
    LMI_HASH: sha256(values.join('')),
    LMI_HASH2: sha256(values.join(';')),
  };
  return {
    provider: Provider.PROVIDER_WEBMONEY,
    request: {
      method: 'POST',
      path: '/callbacks/webmoney',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'WebMoney' },
      body: Buffer.from(new URLSearchParams(body).toString(), 'utf8'),
      remoteAddress: '198.51.100.20',
      query: '',
    },
  };
}

/** `npm run reconcile` as an operator runs it, against this stack's checkout. */
function runReconcile(
  stack: Stack,
  args: string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'reconcile', '--', ...args], {
      cwd: ROOT,
      // As an operator: checkout's address and the operator's certificate.
      env: {
        ...process.env,
        CHECKOUT_ADDR: stack.addresses.checkout,
        GRPC_TLS_DIR: stack.operatorTlsDir as string,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const count = (out: string, label: string) => {
  const m = new RegExp(`^${label.replace(/[()]/g, '\\$&')}\\s+(\\d+)$`, 'm').exec(out);
  return m ? Number(m[1]) : NaN;
};

/**
 * A stack whose checkout reconciles every `sweepMs` (0: only when asked), a merchant, and the
 * helpers of a payment the adapters settle behind checkout's back.
 */
function harness(sweepMs: number) {
  let shop: Shop;
  let stack: Stack;
  let adapters: PromiseClient<ProviderServiceClient>;
  let ledger: PromiseClient<LedgerServiceClient>;

  beforeAll(async () => {
    shop = await openShop({
      name: 'E2E shop, reconciler',
      methods: ['webmoney_purse'],
      feeRules: [],
      webmoneyShopId: '4246',
      stack: {
        extraEnv: { RECONCILE_SWEEP_MS: String(sweepMs), RECONCILE_GRACE_MS: String(GRACE_MS) },
      },
    });
    stack = shop.stack;
    adapters = createClient(ProviderServiceClient, stack.addresses['provider-adapters']);
    ledger = createClient(LedgerServiceClient, stack.addresses.ledger);
  });

  afterAll(async () => {
    adapters?.close();
    ledger?.close();
    await shop?.close();
  });

  const notificationsOf = (paymentId: string) => shop.notificationsOf(paymentId);
  const getPayment = (id: string) => shop.getPayment(id);

  /** A payment started with WebMoney on the hosted page: the fields WebMoney was sent. */
  async function startedWithWebMoney(amount: number) {
    const payment = await shop.createPayment(amount, 'USD');
    const started = await submit(await shop.methodForm(payment, 'webmoney_purse'));
    const page = await started.text();
    try {
      const wmForm = formById(page, payment.payment_url, 'provider-form');
      return { payment, fields: Object.fromEntries(wmForm.fields) };
    } catch (err) {
      // What the services said about it, for a failure seen only under CI's load.
      const said = (['gateway', 'checkout', 'provider-adapters'] as const)
        .map((name) => {
          const lines = (stack.processes.get(name)?.output() ?? '')
            .split('\n')
            .filter((l) => /"level":(40|50|60)/.test(l));
          return `--- ${name}\n${lines.slice(-5).join('\n')}`;
        })
        .join('\n');
      throw new Error(`${(err as Error).message}\n${said}`);
    }
  }

  /** The provider's verified notification reaches the adapters, and checkout never hears of it. */
  async function settleBehindCheckout(fields: Record<string, string>, transferNo: string) {
    const verdict = await adapters.handleCallback(
      signedNotification(stack.secrets.webmoneySecretKey, {
        LMI_PAYEE_PURSE: fields['LMI_PAYEE_PURSE'] ?? USD_PURSE,
        LMI_PAYMENT_AMOUNT: fields['LMI_PAYMENT_AMOUNT'] ?? '',
        LMI_PAYMENT_NO: fields['LMI_PAYMENT_NO'] ?? '',
        LMI_MODE: '1',
        LMI_SYS_INVS_NO: `7${transferNo}`,
        LMI_SYS_TRANS_NO: transferNo,
        LMI_SYS_TRANS_DATE: '20261206 10:00:00',
        LMI_PAYER_PURSE: 'Z366393600555',
        LMI_PAYER_WM: '404521188333',
      }),
    );
    expect(verdict.outcome, verdict.reasonCode).toBe(Outcome.OUTCOME_SUCCEEDED);
  }

  /** Checkout crashes as the provider's notification is verified; the provider never resends. */
  async function crashWhileAdapterSettles(fields: Record<string, string>, transferNo: string) {
    await stack.processes.get('checkout')?.kill();
    await settleBehindCheckout(fields, transferNo);
    await stack.restart('checkout');
  }

  const succeededNotifications = (paymentId: string) =>
    notificationsOf(paymentId).filter(
      (n) => (n.json as { type: string }).type === 'payment.succeeded',
    );

  return {
    stack: () => stack,
    merchantId: () => shop.merchantId,
    merchant: () => shop.merchant,
    adapters: () => adapters,
    ledger: () => ledger,
    getPayment,
    startedWithWebMoney,
    settleBehindCheckout,
    crashWhileAdapterSettles,
    succeededNotifications,
  };
}

/**
 * Reconciliation through real processes: provider-adapters settled a payment (the provider's
 * notification was verified and stored) but checkout never applied it, as when checkout dies
 * between the adapter's verdict and its own write, and the provider does not resend. The
 * reconciler makes the payment succeed, the ledger posts it once and the merchant is notified
 * once: on demand (`npm run reconcile`) and in the background.
 */
describe('reconciler on demand: npm run reconcile', () => {
  // Passes run only when the test asks, so their counts are the test's to read.
  const h = harness(0);

  it('applies a payment settled at the adapter while checkout missed it: succeeded, posted and notified once', async () => {
    const amount = 4_200;
    const { payment, fields } = await h.startedWithWebMoney(amount);
    expect((await h.getPayment(payment.id)).status).toBe('pending');

    await h.crashWhileAdapterSettles(fields, '880001');
    expect((await h.getPayment(payment.id)).status).toBe('pending');

    await new Promise((r) => setTimeout(r, GRACE_MS + 200));
    const first = await runReconcile(h.stack());
    expect(first.code, first.stderr).toBe(0);
    expect(count(first.stdout, 'settled transactions seen')).toBe(1);
    expect(count(first.stdout, '  applied (payment succeeded)')).toBe(1);
    expect(count(first.stdout, 'unexplained')).toBe(0);

    expect((await h.getPayment(payment.id)).status).toBe('succeeded');
    const posted = await h.ledger().listPaymentTransactions({ paymentId: payment.id });
    expect(posted.transactions).toHaveLength(1);
    const notified = await waitFor(() => h.succeededNotifications(payment.id)[0], {
      timeoutMs: 30_000,
      what: 'the payment.succeeded notification',
    });
    expect(notified.signatureValid).toBe(true);
    expect((notified.json as { data: Record<string, unknown> }).data).toMatchObject({
      amount,
      status: 'succeeded',
    });

    // Again: nothing new to apply, nothing posted or notified twice.
    const second = await runReconcile(h.stack());
    expect(second.code, second.stderr).toBe(0);
    expect(count(second.stdout, '  applied (payment succeeded)')).toBe(0);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(
      (await h.ledger().listPaymentTransactions({ paymentId: payment.id })).transactions,
    ).toHaveLength(1);
    expect(h.succeededNotifications(payment.id)).toHaveLength(1);
    expect((await h.ledger().checkIntegrity({})).violations).toEqual([]);
  });

  it('exits 1 naming money settled for a payment checkout does not have until acknowledged, and 2 on a usage error', async () => {
    const unknown = `pay_e2e_unknown_${randomSuffix()}`;
    const started = await h.adapters().startPayment({
      paymentId: unknown,
      merchantId: h.merchantId(),
      method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
      amount: { amountMinor: 1_500n, currency: 'USD' },
      description: 'not a checkout payment',
      successUrl: `${h.merchant().url}/success`,
      failUrl: `${h.merchant().url}/fail`,
      payer: {},
      providerShopId: '4246',
    });
    const action = started.action?.action;
    if (action?.$case !== 'formPost') throw new Error('expected a WebMoney form');
    await h.settleBehindCheckout(
      Object.fromEntries(action.value.fields.map((f) => [f.name, f.value])),
      '880002',
    );
    await new Promise((r) => setTimeout(r, GRACE_MS + 200));

    const run = await runReconcile(h.stack());
    expect(run.code).toBe(1);
    expect(count(run.stdout, 'unexplained')).toBe(1);
    const line = new RegExp(`RECONCILE_UNKNOWN_PAYMENT {2}(ptx_\\S+) {2}${unknown} {2}webmoney`);
    const transactionId = line.exec(run.stdout)?.[1] ?? '';
    expect(transactionId, run.stdout).toMatch(/^ptx_/);
    expect(run.stderr).toContain('1 unexplained difference');

    // Kept, not forgotten behind the cursor: the next pass reports it again ...
    const again = await runReconcile(h.stack());
    expect(again.code).toBe(1);
    expect(again.stdout).toContain(transactionId);

    // ... until a person acknowledges it.
    const ack = await runReconcile(h.stack(), [
      'acknowledge',
      transactionId,
      '--operator',
      'e2e-ops',
      '--note',
      'returned to the payer',
    ]);
    expect(ack.code, ack.stderr).toBe(0);
    expect(ack.stdout).toContain(`${transactionId} acknowledged by e2e-ops`);
    const clean = await runReconcile(h.stack());
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect(count(clean.stdout, 'unexplained')).toBe(0);

    const usage = await runReconcile(h.stack(), ['--fix-everything']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('Usage: npm run reconcile');
  });
});

describe('reconciler in the background', () => {
  const h = harness(300);

  it('makes the payment succeed by itself after checkout crashed as the adapter settled it', async () => {
    const amount = 5_300;
    const { payment, fields } = await h.startedWithWebMoney(amount);
    await h.crashWhileAdapterSettles(fields, '880003');

    await waitFor(async () => (await h.getPayment(payment.id)).status === 'succeeded', {
      timeoutMs: 30_000,
      what: 'the background reconciler to apply the settled payment',
    });
    const notified = await waitFor(() => h.succeededNotifications(payment.id)[0], {
      timeoutMs: 30_000,
      what: 'the payment.succeeded notification',
    });
    expect((notified.json as { data: Record<string, unknown> }).data).toMatchObject({ amount });
    // Passes keep running: still one posting, one notification.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(
      (await h.ledger().listPaymentTransactions({ paymentId: payment.id })).transactions,
    ).toHaveLength(1);
    expect(h.succeededNotifications(payment.id)).toHaveLength(1);
  });
});
