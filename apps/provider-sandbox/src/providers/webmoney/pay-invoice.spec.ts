import { Secret } from '@tolem/config';
import { createLogger } from '@tolem/observability';
import { describe, expect, it } from 'vitest';

import { parseFormBody } from '../../form-body';
import type { HttpAnswer, MerchantHttp } from '../../merchant-http';
import { createInvoiceStore } from './invoices';
import { createNumbering } from './numbering';
import { makePayInvoice, makeResendNotification } from './pay-invoice';
import { keeperMobilePayer, pursePayer } from './payer';
import { parsePaymentForm } from './payment-form';
import type { WebmoneySandboxConfig } from './settings';
import { lmiHash, lmiHash2 } from './signing';

const log = createLogger({ service: 'test', level: 'silent' });
const NOW = new Date('2026-03-01T09:30:05Z');

/** A Result URL that records bodies and answers from a script. */
type Answer = (fields: Record<string, string>, n: number) => HttpAnswer | Promise<HttpAnswer>;

function fakeMerchant(answer: Answer) {
  const calls: Array<{ url: string; body: string; fields: Record<string, string> }> = [];
  const http: MerchantHttp = {
    async postForm(url, body) {
      const fields = Object.fromEntries(parseFormBody(body, 'utf-8'));
      calls.push({ url, body, fields });
      return answer(fields, calls.length);
    },
    post() {
      throw new Error('WebMoney posts forms only');
    },
  };
  return { http, calls };
}

function setup(answer: Answer, overrides: Partial<WebmoneySandboxConfig> = {}) {
  const config: WebmoneySandboxConfig = {
    secretKey: new Secret('s3cr3t'),
    hashAlgorithm: 'sha256',
    mode: '1',
    notifyAttempts: 3,
    notifyBackoffMs: 10,
    ...overrides,
  };
  const invoices = createInvoiceStore();
  const merchant = fakeMerchant(answer);
  const sleeps: number[] = [];
  const deps = {
    config,
    invoices,
    http: merchant.http,
    numbering: createNumbering(() => NOW),
    clock: () => NOW,
    log,
    sleep: async (ms: number) => {
      sleeps.push(ms);
    },
  };
  const pay = makePayInvoice(deps);
  const resend = makeResendNotification(deps);
  const newInvoice = (extra: Array<[string, string]> = []) =>
    invoices.add(
      parsePaymentForm([
        ['LMI_PAYEE_PURSE', 'Z145179295679'],
        ['LMI_PAYMENT_AMOUNT', '12.08'],
        ['LMI_PAYMENT_NO', '42'],
        ['LMI_SHOP_ID', '1'],
        ['LMI_PAYMENT_DESC', 'Order 42'],
        ['LMI_RESULT_URL', 'http://merchant.test/cb'],
        ['TOLEM_PAYMENT_ID', 'pay_42'],
        ...extra,
      ]),
      'utf-8',
      NOW,
    );
  return { pay, resend, newInvoice, merchant, sleeps, invoices };
}

const yes = (f: Record<string, string>): HttpAnswer => ({
  status: 200,
  body: f['LMI_PREREQUEST'] === '1' ? 'YES\n' : 'OK',
});
const payer = pursePayer('Z145179295679', 'Z366393600555', '404521188333');

describe('payInvoice', () => {
  it('sends the pre-request, then a notification signed with the secret, and marks the invoice paid', async () => {
    const { pay, newInvoice, merchant } = setup(yes);
    const invoice = newInvoice();
    const result = await pay(invoice.id, payer);

    expect(result.outcome).toBe('paid');
    expect(merchant.calls.map((c) => c.fields['LMI_PREREQUEST'] ?? 'notification')).toEqual([
      '1',
      'notification',
    ]);
    const n = merchant.calls[1]!.fields;
    expect(n).toMatchObject({
      LMI_PAYEE_PURSE: 'Z145179295679',
      LMI_PAYMENT_AMOUNT: '12.08',
      LMI_PAYMENT_NO: '42',
      LMI_MODE: '1',
      LMI_SYS_TRANS_DATE: '20260301 12:30:05',
      LMI_PAYER_PURSE: 'Z366393600555',
      LMI_PAYER_WM: '404521188333',
      LMI_DBLCHK: 'ENUM',
      TOLEM_PAYMENT_ID: 'pay_42',
    });
    const values = {
      payeePurse: n['LMI_PAYEE_PURSE']!,
      amount: n['LMI_PAYMENT_AMOUNT']!,
      paymentNo: n['LMI_PAYMENT_NO']!,
      mode: n['LMI_MODE']!,
      sysInvsNo: n['LMI_SYS_INVS_NO']!,
      sysTransNo: n['LMI_SYS_TRANS_NO']!,
      sysTransDate: n['LMI_SYS_TRANS_DATE']!,
      payerPurse: n['LMI_PAYER_PURSE']!,
      payerWm: n['LMI_PAYER_WM']!,
    };
    expect(n['LMI_HASH']).toBe(lmiHash(values, 's3cr3t', 'sha256'));
    expect(n['LMI_HASH2']).toBe(lmiHash2(values, 's3cr3t'));
    expect(invoice.status).toBe('paid');
    expect(invoice.transfer?.sysTransNo).toBe(n['LMI_SYS_TRANS_NO']);
  });

  it('stops at a pre-request that is not exactly YES: no notification, invoice refused, payable again', async () => {
    let refuse = true;
    const { pay, newInvoice, merchant } = setup((f) =>
      f['LMI_PREREQUEST'] === '1' && refuse
        ? { status: 200, body: 'YES, but no' }
        : { status: 200, body: 'YES' },
    );
    const invoice = newInvoice();
    const refused = await pay(invoice.id, payer);
    expect(refused.outcome).toBe('refused');
    expect(refused.prerequest.body).toBe('YES, but no');
    expect(merchant.calls).toHaveLength(1);
    expect(invoice.status).toBe('refused');

    refuse = false;
    expect((await pay(invoice.id, payer)).outcome).toBe('paid');
  });

  it('refuses a pre-request answered YES with a non-200 status or no answer at all', async () => {
    const { pay, newInvoice } = setup(() => ({ status: 500, body: 'YES' }));
    expect((await pay(newInvoice().id, payer)).outcome).toBe('refused');
    const down = setup(() => ({ status: 0, body: '', error: 'ECONNREFUSED' }));
    const result = await down.pay(down.newInvoice().id, payer);
    expect(result.outcome).toBe('refused');
    expect(result.prerequest.error).toBe('ECONNREFUSED');
  });

  it('retries the notification with doubling backoff until HTTP 200', async () => {
    const { pay, newInvoice, merchant, sleeps } = setup((f, n) =>
      f['LMI_PREREQUEST'] === '1'
        ? { status: 200, body: 'YES' }
        : n < 4
          ? { status: 503, body: 'busy' }
          : { status: 200, body: 'OK' },
    );
    const result = await pay(newInvoice().id, payer);
    expect(result.notification).toMatchObject({ attempt: 3, status: 200 });
    expect(merchant.calls).toHaveLength(4);
    expect(merchant.calls[1]!.body).toBe(merchant.calls[3]!.body);
    expect(sleeps).toEqual([10, 20]);
  });

  it('gives up after the configured attempts but keeps the invoice paid (money moved)', async () => {
    const { pay, newInvoice, merchant } = setup((f) =>
      f['LMI_PREREQUEST'] === '1' ? { status: 200, body: 'YES' } : { status: 500, body: '' },
    );
    const invoice = newInvoice();
    const result = await pay(invoice.id, payer);
    expect(result.outcome).toBe('paid');
    expect(result.notification?.status).toBe(500);
    expect(merchant.calls).toHaveLength(1 + 3);
    expect(invoice.status).toBe('paid');
  });

  it('refuses to pay an invoice twice, or another invoice of the same payment number once paid', async () => {
    const { pay, newInvoice } = setup(yes);
    const first = newInvoice();
    const second = newInvoice();
    await pay(first.id, payer);
    await expect(pay(first.id, payer)).rejects.toMatchObject({
      code: 'WEBMONEY_PAYMENT_NO_ALREADY_PAID',
    });
    await expect(pay(second.id, payer)).rejects.toMatchObject({
      code: 'WEBMONEY_PAYMENT_NO_ALREADY_PAID',
    });
    expect(second.status).toBe('awaiting_payment');
  });

  it('refuses a second payment while the first is running', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const { pay, newInvoice } = setup(async (f) => {
      if (f['LMI_PREREQUEST'] === '1') await gate;
      return { status: 200, body: 'YES' };
    });
    const invoice = newInvoice();
    const running = pay(invoice.id, payer);
    await expect(pay(invoice.id, payer)).rejects.toMatchObject({ code: 'WEBMONEY_INVOICE_BUSY' });
    release();
    expect((await running).outcome).toBe('paid');
  });

  it('LMI_SIM_MODE=1 fails the transfer after the pre-request in test mode', async () => {
    const { pay, newInvoice, merchant } = setup(yes);
    const invoice = newInvoice([['LMI_SIM_MODE', '1']]);
    const result = await pay(invoice.id, payer);
    expect(result.outcome).toBe('failed');
    expect(merchant.calls).toHaveLength(1);
    expect(invoice.status).toBe('failed');
    expect(invoice.transfer?.sysInvsNo).toBeDefined();
  });

  it('sends Keeper Mobile payments with the phone and a unique order id', async () => {
    const { pay, newInvoice, merchant } = setup(yes);
    const km = keeperMobilePayer('Z145179295679', '79001234567');
    await pay(newInvoice().id, km);
    const n = merchant.calls[1]!.fields;
    expect(n).toMatchObject({
      LMI_TELEPAT_PHONENUMBER: '79001234567',
      LMI_DBLCHK: 'SMS',
      LMI_PAYER_PURSE: km.purse,
      LMI_PAYER_WM: km.wmid,
    });
    expect(n['LMI_TELEPAT_ORDERID']).toMatch(/^\d+$/);
  });

  it('includes LMI_HOLD in the notification and in LMI_HASH2 only', async () => {
    const { pay, newInvoice, merchant } = setup(yes);
    await pay(newInvoice([['LMI_HOLD', '3']]).id, payer);
    const n = merchant.calls[1]!.fields;
    expect(n['LMI_HOLD']).toBe('3');
    const values = {
      payeePurse: n['LMI_PAYEE_PURSE']!,
      amount: n['LMI_PAYMENT_AMOUNT']!,
      paymentNo: n['LMI_PAYMENT_NO']!,
      mode: n['LMI_MODE']!,
      sysInvsNo: n['LMI_SYS_INVS_NO']!,
      sysTransNo: n['LMI_SYS_TRANS_NO']!,
      sysTransDate: n['LMI_SYS_TRANS_DATE']!,
      payerPurse: n['LMI_PAYER_PURSE']!,
      payerWm: n['LMI_PAYER_WM']!,
    };
    expect(n['LMI_HASH']).toBe(lmiHash(values, 's3cr3t', 'sha256'));
    expect(n['LMI_HASH2']).toBe(lmiHash2({ ...values, hold: '3' }, 's3cr3t'));
  });

  it('sends a held notification on request (hold_days) although the form asked for none', async () => {
    const { pay, newInvoice, merchant } = setup(yes);
    await pay(newInvoice().id, payer, { holdDays: '5' });
    const pre = merchant.calls[0]!.fields;
    const n = merchant.calls[1]!.fields;
    expect(pre['LMI_HOLD']).toBeUndefined();
    expect(n['LMI_HOLD']).toBe('5');
    const values = {
      payeePurse: n['LMI_PAYEE_PURSE']!,
      amount: n['LMI_PAYMENT_AMOUNT']!,
      paymentNo: n['LMI_PAYMENT_NO']!,
      mode: n['LMI_MODE']!,
      sysInvsNo: n['LMI_SYS_INVS_NO']!,
      sysTransNo: n['LMI_SYS_TRANS_NO']!,
      sysTransDate: n['LMI_SYS_TRANS_DATE']!,
      payerPurse: n['LMI_PAYER_PURSE']!,
      payerWm: n['LMI_PAYER_WM']!,
    };
    expect(n['LMI_HASH']).toBe(lmiHash(values, 's3cr3t', 'sha256'));
    expect(n['LMI_HASH2']).toBe(lmiHash2({ ...values, hold: '5' }, 's3cr3t'));
  });
});

describe('resendNotification', () => {
  it('sends the same bytes again', async () => {
    const { pay, resend, newInvoice, merchant } = setup(yes);
    const invoice = newInvoice();
    await pay(invoice.id, payer);
    const again = await resend(invoice.id);
    expect(again.attempt).toBe(2);
    expect(merchant.calls[2]!.body).toBe(merchant.calls[1]!.body);
  });

  it('refuses an invoice that has not notified yet', async () => {
    const { resend, newInvoice } = setup(yes);
    await expect(resend(newInvoice().id)).rejects.toMatchObject({
      code: 'WEBMONEY_NOTHING_TO_RESEND',
    });
  });
});
