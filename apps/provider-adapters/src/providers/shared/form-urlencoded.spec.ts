import { describe, expect, it } from 'vitest';

import {
  FormParseError,
  parseFormBody,
  parseFormBodyWindows1251,
  redactFormFields,
} from './form-urlencoded';

const parse = (text: string, encoding: BufferEncoding = 'utf8') =>
  parseFormBody(Buffer.from(text, encoding));

describe('parseFormBody', () => {
  it('decodes plus, percent-escapes and UTF-8 from the raw bytes', () => {
    const fields = parse(
      'A=1&LMI_SYS_TRANS_DATE=20151007+13%3A07%3A36&DESC=%D0%97%D0%B0%D0%BA%D0%B0%D0%B7&EMPTY=&FLAG',
    );
    expect(Object.fromEntries(fields)).toEqual({
      A: '1',
      LMI_SYS_TRANS_DATE: '20151007 13:07:36',
      DESC: 'Заказ',
      EMPTY: '',
      FLAG: '',
    });
    expect(parse('RAW=Заказ').get('RAW')).toBe('Заказ');
  });

  it.each([
    ['an empty body', ''],
    ['only separators', '&&'],
    ['a repeated field', 'A=1&A=2'],
    ['a malformed escape', 'A=%E0%A4%A'],
    ['an escape that is not UTF-8', 'A=%FF'],
    ['a control character', 'A=%00'],
    ['an empty name', '=1'],
  ])('refuses %s', (_name, body) => {
    expect(() => parse(body)).toThrow(FormParseError);
  });

  it('refuses raw bytes that are not UTF-8 and bodies over 64 KiB', () => {
    expect(() => parse('A=\xff', 'latin1')).toThrow(FormParseError);
    expect(() => parse(`A=${'x'.repeat(65 * 1024)}`)).toThrow(/too large/);
  });
});

describe('redactFormFields', () => {
  it('replaces only the named values and keeps every other byte', () => {
    const body = Buffer.from('A=%D1%87&LMI_SECRET_KEY=s3cr3t&B=\xff', 'latin1');
    const redacted = redactFormFields(body, new Set(['lmi_secret_key']));
    expect(redacted.toString('latin1')).toBe('A=%D1%87&LMI_SECRET_KEY=REDACTED&B=\xff');
  });

  it('matches a named field whatever its case', () => {
    const body = Buffer.from('SECRETKEY=a&secretKey=b&SecretKey=c&secret=d', 'latin1');
    expect(redactFormFields(body, new Set(['secretkey'])).toString('latin1')).toBe(
      'SECRETKEY=REDACTED&secretKey=REDACTED&SecretKey=REDACTED&secret=d',
    );
  });
});

describe('parseFormBodyWindows1251', () => {
  it('decodes cp1251 percent-escapes and plus signs', () => {
    const fields = parseFormBodyWindows1251(
      Buffer.from('userName=%C8%E2%E0%ED&desc=a+b&x=%25', 'latin1'),
    );
    expect(Object.fromEntries(fields)).toEqual({ userName: 'Иван', desc: 'a b', x: '%' });
  });

  it.each([
    ['an empty body', ''],
    ['a repeated field', 'a=1&a=2'],
    ['a broken escape', 'a=%C'],
    ['a control character', 'a=%01'],
    ['a raw 8-bit byte', 'a=\xc8'],
  ])('refuses %s', (_name, body) => {
    expect(() => parseFormBodyWindows1251(Buffer.from(body, 'latin1'))).toThrow(FormParseError);
  });
});
