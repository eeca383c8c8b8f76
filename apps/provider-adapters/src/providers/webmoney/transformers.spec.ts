import { money } from '@tolem/money';
import { describe, expect, it } from 'vitest';

import {
  currencyOfPurse,
  encodeDescription,
  fromWebMoneyAmount,
  isKeeperMobileNotification,
  normalizePayerPhone,
  notificationAttributes,
  parsePurses,
  toWebMoneyAmount,
} from './transformers';

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code ?? (err as Error).message;
  }
  return 'no error';
};

describe('WebMoney amounts', () => {
  it('writes minor units as the decimal string WebMoney expects', () => {
    expect(toWebMoneyAmount(money(1465n, 'USD'))).toBe('14.65');
    expect(toWebMoneyAmount(money(1208n, 'EUR'))).toBe('12.08');
    expect(toWebMoneyAmount(money(5n, 'RUB'))).toBe('0.05');
    expect(toWebMoneyAmount(money(100000n, 'KZT'))).toBe('1000.00');
    expect(toWebMoneyAmount(money(250000n, 'VND'))).toBe('250000');
    expect(toWebMoneyAmount(money(9_007_199_254_740_993n, 'USD'))).toBe('90071992547409.93');
  });

  it('reads a decimal string back exactly, never rounding', () => {
    expect(fromWebMoneyAmount('14.65', 'USD').amountMinor).toBe(1465n);
    expect(fromWebMoneyAmount('14.6', 'USD').amountMinor).toBe(1460n);
    expect(fromWebMoneyAmount('90071992547409.93', 'USD').amountMinor).toBe(9_007_199_254_740_993n);
    expect(codeOf(() => fromWebMoneyAmount('14.655', 'USD'))).toBe('MONEY_BAD_DECIMAL');
    expect(codeOf(() => fromWebMoneyAmount('14,65', 'USD'))).toBe('MONEY_BAD_DECIMAL');
    expect(codeOf(() => fromWebMoneyAmount('1.5', 'VND'))).toBe('MONEY_BAD_DECIMAL');
  });
});

describe('WebMoney purses', () => {
  it('maps purse letters to currencies', () => {
    expect(currencyOfPurse('Z145179295679')).toBe('USD');
    expect(currencyOfPurse('E145179295679')).toBe('EUR');
    expect(currencyOfPurse('R145179295679')).toBe('RUB');
    expect(currencyOfPurse('K145179295679')).toBe('KZT');
    expect(currencyOfPurse('U145179295679')).toBe('UAH');
    expect(currencyOfPurse('B145179295679')).toBe('BYN');
    expect(currencyOfPurse('Y145179295679')).toBe('UZS');
    expect(currencyOfPurse('V145179295679')).toBe('VND');
    expect(currencyOfPurse('G145179295679')).toBeUndefined();
    expect(currencyOfPurse('Z14517929567')).toBeUndefined();
  });

  it('parses WEBMONEY_PURSES and refuses a letter that does not match the currency', () => {
    const purses = parsePurses('USD:Z145179295679, EUR:E123456789012,KZT:K000000000001');
    expect([...purses.entries()]).toEqual([
      ['USD', 'Z145179295679'],
      ['EUR', 'E123456789012'],
      ['KZT', 'K000000000001'],
    ]);
    expect(codeOf(() => parsePurses('USD:E145179295679'))).toMatch(/does not hold USD/);
    expect(codeOf(() => parsePurses('USD:Z1451'))).toMatch(/12 digits/);
    expect(codeOf(() => parsePurses('XXX:Z145179295679'))).toMatch(/known ISO 4217/);
    expect(codeOf(() => parsePurses('USD:Z145179295679,USD:Z145179295670'))).toMatch(/twice/);
    expect(codeOf(() => parsePurses(''))).toMatch(/at least one/);
  });
});

describe('WebMoney description and payer phone', () => {
  it('base64-encodes the UTF-8 description, cut to 255 whole characters', () => {
    expect(encodeDescription('Заказ №7')).toBe(Buffer.from('Заказ №7', 'utf8').toString('base64'));
    const long = '😀'.repeat(300);
    const decoded = Buffer.from(encodeDescription(long), 'base64').toString('utf8');
    expect(Array.from(decoded)).toHaveLength(255);
    expect(decoded).toBe('😀'.repeat(255));
  });

  it('keeps only the digits of a phone and refuses non-phones', () => {
    expect(normalizePayerPhone('+7 (916) 123-45-67')).toBe('79161234567');
    expect(normalizePayerPhone('996555123456')).toBe('996555123456');
    expect(codeOf(() => normalizePayerPhone(undefined))).toBe('PROVIDER_PAYER_PHONE_INVALID');
    expect(codeOf(() => normalizePayerPhone('call me'))).toBe('PROVIDER_PAYER_PHONE_INVALID');
    expect(codeOf(() => normalizePayerPhone('12345'))).toBe('PROVIDER_PAYER_PHONE_INVALID');
    expect(codeOf(() => normalizePayerPhone('1'.repeat(16)))).toBe('PROVIDER_PAYER_PHONE_INVALID');
  });
});

describe('WebMoney notification attributes', () => {
  it('maps LMI fields to the shared attribute keys, Keeper Mobile extras only when present', () => {
    const purse = new Map([
      ['LMI_PAYER_PURSE', 'Z366393600555'],
      ['LMI_PAYER_WM', '404521188333'],
      ['LMI_SYS_INVS_NO', '897'],
      ['LMI_SYS_TRANS_NO', '892'],
      ['LMI_SYS_TRANS_DATE', '20151007 13:07:36'],
    ]);
    expect(notificationAttributes(purse)).toEqual({
      payer_purse: 'Z366393600555',
      payer_wmid: '404521188333',
      wm_invoice_no: '897',
      wm_transfer_no: '892',
      wm_transfer_date: '20151007 13:07:36',
    });
    expect(isKeeperMobileNotification(purse)).toBe(false);
    const keeper = new Map([
      ...purse,
      ['LMI_TELEPAT_PHONENUMBER', '79161234567'],
      ['LMI_TELEPAT_ORDERID', '5551234'],
    ]);
    expect(notificationAttributes(keeper)).toMatchObject({
      payer_phone: '79161234567',
      keeper_mobile_payment_no: '5551234',
    });
    expect(isKeeperMobileNotification(keeper)).toBe(true);
  });
});
