import { describe, expect, it } from 'vitest';

import { createSmsOutbox } from '../../sms-outbox';
import { createInvoiceStore } from './invoices';
import { createKeeperMobileCodes, MAX_CODE_ATTEMPTS } from './keeper-mobile';
import { keeperMobilePayer, normalizePhone } from './payer';
import { parsePaymentForm } from './payment-form';

const NOW = new Date('2026-03-01T09:30:05Z');

function setup() {
  const sms = createSmsOutbox();
  const codes = createKeeperMobileCodes({ sms, clock: () => NOW });
  const invoice = createInvoiceStore().add(
    parsePaymentForm([
      ['LMI_PAYEE_PURSE', 'E307809264417'],
      ['LMI_PAYMENT_AMOUNT', '5.00'],
      ['LMI_PAYMENT_NO', '7'],
      ['LMI_SHOP_ID', '1'],
      ['LMI_PAYMENT_DESC', 'x'],
      ['LMI_RESULT_URL', 'http://merchant.test/cb'],
    ]),
    'utf-8',
    NOW,
  );
  return { sms, codes, invoice };
}

describe('Keeper Mobile codes', () => {
  it('sends a 4-digit code to the phone and accepts it once', () => {
    const { sms, codes, invoice } = setup();
    const code = codes.issue(invoice, '79001234567');
    expect(code).toMatch(/^\d{4}$/);
    expect(sms.latest('79001234567')).toMatchObject({ phone: '79001234567', code });
    expect(sms.latest('79001234567')?.text).toContain('5.00 WME');
    expect(() => codes.confirm(invoice.id, '79001234567', code)).not.toThrow();
    expect(() => codes.confirm(invoice.id, '79001234567', code)).toThrow(
      expect.objectContaining({ code: 'WEBMONEY_SMS_CODE_NOT_SENT' }),
    );
  });

  it('refuses a wrong code and voids the code after the allowed attempts', () => {
    const { codes, invoice } = setup();
    const code = codes.issue(invoice, '79001234567');
    const wrong = code === '0000' ? '1111' : '0000';
    for (let i = 0; i < MAX_CODE_ATTEMPTS; i++) {
      expect(() => codes.confirm(invoice.id, '79001234567', wrong)).toThrow(
        expect.objectContaining({ code: 'WEBMONEY_SMS_CODE_WRONG' }),
      );
    }
    expect(() => codes.confirm(invoice.id, '79001234567', code)).toThrow(
      expect.objectContaining({ code: 'WEBMONEY_SMS_CODE_NOT_SENT' }),
    );
  });

  it('binds the code to the phone it was sent to', () => {
    const { codes, invoice } = setup();
    const code = codes.issue(invoice, '79001234567');
    expect(() => codes.confirm(invoice.id, '79001234568', code)).toThrow(
      expect.objectContaining({ code: 'WEBMONEY_SMS_CODE_NOT_SENT' }),
    );
  });
});

describe('Keeper Mobile payer', () => {
  it('normalizes phones to 10-15 digits', () => {
    expect(normalizePhone('+7 (900) 123-45-67')).toBe('79001234567');
    expect(() => normalizePhone('123456789')).toThrow(
      expect.objectContaining({ code: 'WEBMONEY_PAYER_INVALID' }),
    );
    expect(() => normalizePhone('1234567890123456')).toThrow(
      expect.objectContaining({ code: 'WEBMONEY_PAYER_INVALID' }),
    );
    expect(() => normalizePhone('79001234567a')).toThrow(
      expect.objectContaining({ code: 'WEBMONEY_PAYER_INVALID' }),
    );
  });

  it('pays from a stable purse of the payee type linked to the phone', () => {
    const a = keeperMobilePayer('E307809264417', '79001234567');
    expect(a.purse).toMatch(/^E\d{12}$/);
    expect(a.wmid).toMatch(/^[1-9]\d{11}$/);
    expect(keeperMobilePayer('E307809264417', '79001234567')).toEqual(a);
    expect(keeperMobilePayer('E307809264417', '79001234568').purse).not.toBe(a.purse);
  });
});
