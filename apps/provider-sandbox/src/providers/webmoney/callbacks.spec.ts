import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { notificationFields, otherAmount, prerequestFields } from './callbacks';
import type { Payer } from './invoices';
import { parsePaymentForm } from './payment-form';

const request = parsePaymentForm([
  ['LMI_PAYEE_PURSE', 'Z123428476799'],
  ['LMI_PAYMENT_AMOUNT', '14.65'],
  ['LMI_PAYMENT_NO', '1444212666'],
  ['LMI_SHOP_ID', '77'],
  ['LMI_PAYMENT_DESC', 'Order'],
  ['LMI_RESULT_URL', 'http://127.0.0.1/cb'],
  ['TOLEM_PAYMENT_ID', 'pay_1'],
]);
const purse: Payer = { method: 'purse', purse: 'Z366393600555', wmid: '404521188333' };
const numbers = { sysInvsNo: '897', sysTransNo: '892', sysTransDate: '20151007 13:07:36' };

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex').toUpperCase();

describe('prerequestFields', () => {
  it('carries LMI_PREREQUEST=1, the payment, the payer and the custom fields, and no hash', () => {
    const fields = Object.fromEntries(prerequestFields(request, purse, '1'));
    expect(fields).toEqual({
      LMI_PREREQUEST: '1',
      LMI_PAYEE_PURSE: 'Z123428476799',
      LMI_PAYMENT_AMOUNT: '14.65',
      LMI_PAYMENT_NO: '1444212666',
      LMI_MODE: '1',
      LMI_PAYER_WM: '404521188333',
      LMI_PAYER_PURSE: 'Z366393600555',
      LMI_PAYMENT_DESC: 'Order',
      TOLEM_PAYMENT_ID: 'pay_1',
    });
  });
});

describe('notificationFields', () => {
  const sign = (tamper: 'none' | 'hash' | 'hash2' | 'amount', payer: Payer = purse) =>
    Object.fromEntries(
      notificationFields({
        request,
        payer,
        mode: '1',
        ...numbers,
        secretKey: '226778888',
        algorithm: 'sha256',
        tamper,
      }),
    );

  it('signs the public fixture values to the public vectors', () => {
    const f = sign('none');
    expect(f['LMI_HASH']).toBe('0B12E75431284D6FCC05D8AF02B90AC28A0788FB95C9FF6B655344022F0746E5');
    expect(f['LMI_HASH2']).toBe('76779BA0135594E6CAB3F1582CC92835F2B7005EFD98F918EC66B4258B09B774');
    expect(f).toMatchObject({
      LMI_DBLCHK: 'ENUM',
      LMI_LANG: 'ru-RU',
      TOLEM_PAYMENT_ID: 'pay_1',
      LMI_PAYMENT_DESC: 'Order',
    });
    expect(f['LMI_TELEPAT_PHONENUMBER']).toBeUndefined();
  });

  it('adds the telepat fields and LMI_DBLCHK=SMS for Keeper Mobile, outside the hash', () => {
    const km: Payer = { ...purse, method: 'keeper_mobile', phone: '79001234567' };
    const f = Object.fromEntries(
      notificationFields({
        request,
        payer: km,
        mode: '1',
        ...numbers,
        telepatOrderId: '555',
        secretKey: '226778888',
        algorithm: 'sha256',
        tamper: 'none',
      }),
    );
    expect(f).toMatchObject({
      LMI_TELEPAT_PHONENUMBER: '79001234567',
      LMI_TELEPAT_ORDERID: '555',
      LMI_DBLCHK: 'SMS',
    });
    expect(f['LMI_HASH']).toBe('0B12E75431284D6FCC05D8AF02B90AC28A0788FB95C9FF6B655344022F0746E5');
  });

  it('uses MD5 for LMI_HASH when configured, LMI_HASH2 stays SHA-256', () => {
    const f = Object.fromEntries(
      notificationFields({
        request,
        payer: purse,
        mode: '1',
        ...numbers,
        secretKey: '226778888',
        algorithm: 'md5',
        tamper: 'none',
      }),
    );
    expect(f['LMI_HASH']).toBe('1D3FFAFA982B134479C4AD1AE2CABB5C');
    expect(f['LMI_HASH2']).toBe('76779BA0135594E6CAB3F1582CC92835F2B7005EFD98F918EC66B4258B09B774');
  });

  it('tamper=hash / hash2 corrupts only that signature', () => {
    const good = sign('none');
    const badHash = sign('hash');
    expect(badHash['LMI_HASH']).not.toBe(good['LMI_HASH']);
    expect(badHash['LMI_HASH']).toHaveLength(64);
    expect(badHash['LMI_HASH2']).toBe(good['LMI_HASH2']);
    const badHash2 = sign('hash2');
    expect(badHash2['LMI_HASH']).toBe(good['LMI_HASH']);
    expect(badHash2['LMI_HASH2']).not.toBe(good['LMI_HASH2']);
  });

  it('tamper=amount signs another amount validly', () => {
    const f = sign('amount');
    expect(f['LMI_PAYMENT_AMOUNT']).toBe('14.64');
    const joined = [
      'Z123428476799',
      '14.64',
      '1444212666',
      '1',
      '897',
      '892',
      '20151007 13:07:36',
      '226778888',
      'Z366393600555',
      '404521188333',
    ];
    expect(f['LMI_HASH']).toBe(sha256(joined.join('')));
    expect(f['LMI_HASH2']).toBe(sha256(joined.join(';')));
  });
});

describe('otherAmount', () => {
  it('moves one minor unit without floats', () => {
    expect(otherAmount('14.65')).toBe('14.64');
    expect(otherAmount('10')).toBe('9.99');
    expect(otherAmount('0.5')).toBe('0.49');
    expect(otherAmount('0.01')).toBe('0.02');
    expect(otherAmount('99999999999.99')).toBe('99999999999.98');
  });
});
