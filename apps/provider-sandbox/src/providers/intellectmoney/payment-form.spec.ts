import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { parsePaymentForm } from './payment-form';

const SHOP = { eshopId: '450000', secretKey: 'secret123' };
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

function form(overrides: Record<string, string | undefined> = {}): Array<[string, string]> {
  const base: Record<string, string | undefined> = {
    eshopId: '450000',
    orderId: 'ORDER-42',
    serviceName: 'Test order',
    recipientAmount: '100.00',
    recipientCurrency: 'TST',
    userName: 'Ivan',
    email: 'ivan@example.com',
    successUrl: 'https://shop.example/ok',
    failUrl: 'https://shop.example/fail',
    // protocols.md §3.3 vector.
    hash: '3536088f07edcf783e525c81a417f9f0',
    ...overrides,
  };
  return Object.entries(base).filter((e): e is [string, string] => e[1] !== undefined);
}

const errorOf = (fields: Array<[string, string]>) => {
  try {
    parsePaymentForm(fields, SHOP);
  } catch (err) {
    return err as { code: string; details: Record<string, string> };
  }
  throw new Error('expected a refusal');
};

describe('parsePaymentForm', () => {
  it('accepts the protocols.md form with its public hash', () => {
    const terms = parsePaymentForm(form(), SHOP);
    expect(terms).toMatchObject({
      eshopId: '450000',
      orderId: 'ORDER-42',
      serviceName: 'Test order',
      recipientAmount: '100.00',
      amountMinor: 10000n,
      recipientCurrency: 'TST',
      userName: 'Ivan',
      userEmail: 'ivan@example.com',
      successUrl: 'https://shop.example/ok',
      holdMode: false,
      recurringRequested: false,
    });
  });

  it('accepts recurringType=Activate only with the recurring hash', () => {
    const recurring = parsePaymentForm(
      form({ recurringType: 'Activate', hash: 'be7f89c37952fcc24bb4c5004a4d5bfc' }),
      SHOP,
    );
    expect(recurring.recurringRequested).toBe(true);
    // The plain hash with recurringType added: the payer added binding to the shop's form.
    expect(errorOf(form({ recurringType: 'Activate' })).code).toBe(
      'INTELLECTMONEY_FORM_HASH_INVALID',
    );
  });

  it('refuses a bad hash, an edited amount, another shop', () => {
    expect(errorOf(form({ hash: '3536088f07edcf783e525c81a417f9f1' })).code).toBe(
      'INTELLECTMONEY_FORM_HASH_INVALID',
    );
    expect(errorOf(form({ recipientAmount: '1.00' })).code).toBe(
      'INTELLECTMONEY_FORM_HASH_INVALID',
    );
    expect(errorOf(form({ hash: undefined })).details.field).toBe('hash');
    expect(errorOf(form({ eshopId: '450001' })).code).toBe('INTELLECTMONEY_ESHOP_UNKNOWN');
  });

  it('hashes the amount as sent and reports it with two decimals', () => {
    const hash = md5('450000::ORDER-42::Test order::100::TST::secret123');
    const terms = parsePaymentForm(form({ recipientAmount: '100', hash }), SHOP);
    expect(terms.recipientAmount).toBe('100.00');
  });

  it('names the malformed field', () => {
    expect(errorOf(form({ recipientAmount: '100,00' })).details.field).toBe('recipientAmount');
    expect(errorOf(form({ recipientAmount: '0.00' })).details.field).toBe('recipientAmount');
    expect(errorOf(form({ recipientCurrency: 'XXX' })).details.field).toBe('recipientCurrency');
    expect(errorOf(form({ orderId: 'x'.repeat(51) })).details.field).toBe('orderId');
    expect(errorOf(form({ recurringType: 'Other' })).details.field).toBe('recurringType');
    expect(errorOf(form({ successUrl: 'javascript:alert(1)' })).details.field).toBe('successUrl');
    expect(errorOf(form({ holdMode: 'maybe' })).details.field).toBe('holdMode');
  });

  it('keeps user fields in index order and reads holdMode', () => {
    const terms = parsePaymentForm(
      [
        ...form({ holdMode: '1' }),
        ['userField_2', 'b'],
        ['userFieldName_1', 'Plan'],
        ['userField_1', 'gold'],
      ],
      SHOP,
    );
    expect(terms.holdMode).toBe(true);
    expect(terms.userFields).toEqual([
      ['userFieldName_1', 'Plan'],
      ['userField_1', 'gold'],
      ['userField_2', 'b'],
    ]);
  });
});
