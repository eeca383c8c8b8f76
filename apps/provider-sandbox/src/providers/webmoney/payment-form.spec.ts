import { DomainError } from '@tolem/errors';
import { describe, expect, it } from 'vitest';

import type { FormFields } from '../../form-body';
import { parsePaymentForm } from './payment-form';
import { paymentFormSign } from './signing';

const base: FormFields = [
  ['LMI_PAYEE_PURSE', 'Z145179295679'],
  ['LMI_PAYMENT_AMOUNT', '12.08'],
  ['LMI_PAYMENT_NO', '42'],
  ['LMI_SHOP_ID', '1234'],
  ['LMI_PAYMENT_DESC_BASE64', Buffer.from('Заказ №42', 'utf8').toString('base64')],
  ['LMI_RESULT_URL', 'http://127.0.0.1:8080/callbacks/webmoney'],
  ['LMI_SUCCESS_URL', 'http://127.0.0.1:8080/pay/pay_1/return?x=1'],
  ['LMI_SUCCESS_METHOD', '1'],
  ['LMI_FAIL_URL', 'http://127.0.0.1:8080/pay/pay_1/fail'],
  ['TOLEM_PAYMENT_ID', 'pay_1'],
  ['LMI_PAYER_PHONE_NUMBER', '+7 (900) 123-45-67'],
  ['FIELD_2', 'two'],
];

const withField = (name: string, value: string | undefined): FormFields => {
  const others = base.filter(([n]) => n !== name);
  return value === undefined ? others : [...others, [name, value]];
};

function errorOf(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a DomainError');
}

describe('parsePaymentForm', () => {
  it('reads a complete form, decoding the base64 description and keeping custom fields in order', () => {
    const r = parsePaymentForm(base);
    expect(r).toMatchObject({
      payeePurse: 'Z145179295679',
      amount: '12.08',
      paymentNo: '42',
      shopId: '1234',
      description: 'Заказ №42',
      resultUrl: 'http://127.0.0.1:8080/callbacks/webmoney',
      successMethod: '1',
      failMethod: '0',
      payerPhone: '79001234567',
      customFields: [
        ['TOLEM_PAYMENT_ID', 'pay_1'],
        ['FIELD_2', 'two'],
      ],
    });
  });

  it('keeps the amount exactly as sent', () => {
    expect(parsePaymentForm(withField('LMI_PAYMENT_AMOUNT', '14.6')).amount).toBe('14.6');
    expect(parsePaymentForm(withField('LMI_PAYMENT_AMOUNT', '100')).amount).toBe('100');
  });

  it('prefers LMI_PAYMENT_DESC_BASE64 and falls back to LMI_PAYMENT_DESC', () => {
    const plain = [
      ...withField('LMI_PAYMENT_DESC_BASE64', undefined),
      ['LMI_PAYMENT_DESC', 'Order 42'],
    ] as FormFields;
    expect(parsePaymentForm(plain).description).toBe('Order 42');
  });

  it.each([
    ['LMI_PAYEE_PURSE', 'Z14517929567'],
    ['LMI_PAYEE_PURSE', 'Q145179295679'],
    ['LMI_PAYEE_PURSE', undefined],
    ['LMI_PAYMENT_AMOUNT', '12,08'],
    ['LMI_PAYMENT_AMOUNT', '12.081'],
    ['LMI_PAYMENT_AMOUNT', '0.00'],
    ['LMI_PAYMENT_AMOUNT', '-1'],
    ['LMI_PAYMENT_AMOUNT', ' 12.08'],
    ['LMI_PAYMENT_NO', '0'],
    ['LMI_PAYMENT_NO', '2147483648'],
    ['LMI_PAYMENT_NO', '12a'],
    ['LMI_SHOP_ID', undefined],
    ['LMI_SHOP_ID', 'shop'],
    ['LMI_RESULT_URL', undefined],
    ['LMI_RESULT_URL', 'ftp://example.com/x'],
    ['LMI_SUCCESS_METHOD', '3'],
    ['LMI_PAYMENT_DESC_BASE64', '***'],
  ])('refuses %s = %j naming the field', (name, value) => {
    const err = errorOf(() => parsePaymentForm(withField(name, value)));
    expect(err.code).toBe('WEBMONEY_FORM_INVALID');
    expect(err.details['field']).toBe(name);
  });

  it('accepts the largest payment number', () => {
    expect(parsePaymentForm(withField('LMI_PAYMENT_NO', '2147483647')).paymentNo).toBe(
      '2147483647',
    );
  });

  it('refuses a form without any description', () => {
    const err = errorOf(() => parsePaymentForm(withField('LMI_PAYMENT_DESC_BASE64', undefined)));
    expect(err.details['field']).toBe('LMI_PAYMENT_DESC');
  });

  describe('with an X20 secret', () => {
    const sign = paymentFormSign('Z145179295679', '12.08', '42', 'x20');

    it('accepts a matching LMI_PAYMENTFORM_SIGN in either hex case', () => {
      expect(() =>
        parsePaymentForm([...base, ['LMI_PAYMENTFORM_SIGN', sign]], { x20Secret: 'x20' }),
      ).not.toThrow();
      expect(() =>
        parsePaymentForm([...base, ['LMI_PAYMENTFORM_SIGN', sign.toLowerCase()]], {
          x20Secret: 'x20',
        }),
      ).not.toThrow();
    });

    it('refuses a missing or wrong signature, and a signed form with another amount', () => {
      expect(errorOf(() => parsePaymentForm(base, { x20Secret: 'x20' })).code).toBe(
        'WEBMONEY_FORM_SIGNATURE_INVALID',
      );
      const edited = [
        ...withField('LMI_PAYMENT_AMOUNT', '1.00'),
        ['LMI_PAYMENTFORM_SIGN', sign],
      ] as FormFields;
      expect(errorOf(() => parsePaymentForm(edited, { x20Secret: 'x20' })).code).toBe(
        'WEBMONEY_FORM_SIGNATURE_INVALID',
      );
    });
  });
});
