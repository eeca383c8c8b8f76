import { describe, expect, it } from 'vitest';

import { encodeForm, fieldOf, parseFormBody } from './form-body';

describe('parseFormBody', () => {
  it('decodes UTF-8 percent escapes and + as space, keeping order and duplicates', () => {
    const fields = parseFormBody(
      Buffer.from('b=%D0%97%D0%B0%D0%BA%D0%B0%D0%B7+1&a=x&b=2'),
      'utf-8',
    );
    expect(fields).toEqual([
      ['b', 'Заказ 1'],
      ['a', 'x'],
      ['b', '2'],
    ]);
    expect(fieldOf(fields, 'b')).toBe('Заказ 1');
  });

  it('decodes windows-1251 bytes for payment.asp', () => {
    // "Заказ" in windows-1251 is C7 E0 EA E0 E7.
    expect(parseFormBody(Buffer.from('d=%C7%E0%EA%E0%E7'), 'windows-1251')).toEqual([
      ['d', 'Заказ'],
    ]);
  });

  it('keeps a literal % that is not an escape and empty values', () => {
    expect(parseFormBody('a=100%&b=&c', 'utf-8')).toEqual([
      ['a', '100%'],
      ['b', ''],
      ['c', ''],
    ]);
  });

  it('round-trips with encodeForm', () => {
    const fields: Array<[string, string]> = [
      ['LMI_PAYMENT_DESC', 'Заказ №5 & co = 100%+'],
      ['LMI_SYS_TRANS_DATE', '20151007 13:07:36'],
    ];
    expect(parseFormBody(Buffer.from(encodeForm(fields)), 'utf-8')).toEqual(fields);
    expect(encodeForm(fields)).toContain('LMI_SYS_TRANS_DATE=20151007+13%3A07%3A36');
  });
});
