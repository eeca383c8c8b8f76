import { describe, expect, it } from 'vitest';

import { createInvoiceStore } from './invoices';
import { parsePaymentForm } from './payment-form';
import { failReturn, successReturn, urlWithQuery } from './returns';

describe('browser returns', () => {
  const invoice = createInvoiceStore().add(
    parsePaymentForm([
      ['LMI_PAYEE_PURSE', 'Z145179295679'],
      ['LMI_PAYMENT_AMOUNT', '1.00'],
      ['LMI_PAYMENT_NO', '9'],
      ['LMI_SHOP_ID', '1'],
      ['LMI_PAYMENT_DESC', 'x'],
      ['LMI_RESULT_URL', 'http://merchant.test/cb'],
      ['LMI_SUCCESS_URL', 'http://merchant.test/ok?from=wm'],
      ['LMI_SUCCESS_METHOD', '2'],
      ['TOLEM_PAYMENT_ID', 'pay_9'],
    ]),
    'utf-8',
    new Date(),
  );
  invoice.transfer = {
    payer: { method: 'purse', purse: 'Z366393600555', wmid: '404521188333' },
    sysInvsNo: '100',
    sysTransNo: '200',
    sysTransDate: '20260301 12:00:00',
    tamper: 'none',
  };

  it('returns to the success URL with the WebMoney numbers and the custom fields', () => {
    const ret = successReturn(invoice);
    expect(ret).toEqual({
      url: 'http://merchant.test/ok?from=wm',
      method: '2',
      fields: [
        ['LMI_PAYMENT_NO', '9'],
        ['LMI_SYS_INVS_NO', '100'],
        ['LMI_SYS_TRANS_NO', '200'],
        ['LMI_SYS_TRANS_DATE', '20260301 12:00:00'],
        ['TOLEM_PAYMENT_ID', 'pay_9'],
      ],
    });
    expect(urlWithQuery(ret!.url, ret!.fields)).toBe(
      'http://merchant.test/ok?from=wm&LMI_PAYMENT_NO=9&LMI_SYS_INVS_NO=100&LMI_SYS_TRANS_NO=200&LMI_SYS_TRANS_DATE=20260301+12%3A00%3A00&TOLEM_PAYMENT_ID=pay_9',
    );
  });

  it('has no fail return without LMI_FAIL_URL', () => {
    expect(failReturn(invoice)).toBeUndefined();
  });
});
