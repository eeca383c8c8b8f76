import { describe, expect, it } from 'vitest';

import { QR_DESCRIPTION_MAX, qrDescriptionOf, qrKeyOf } from './qr';

describe('QR description', () => {
  it('keeps short plain text as is', () => {
    expect(qrDescriptionOf('Two books')).toBe('Two books');
    expect(qrDescriptionOf('')).toBe('');
  });

  it('drops controls and emoji, collapses whitespace and cuts to 32 characters', () => {
    expect(qrDescriptionOf('Line1\nLine2\t\u0085 end')).toBe('Line1 Line2 end');
    expect(qrDescriptionOf('Books 📚 and tea')).toBe('Books and tea');
    const long = 'Китептер жана дептерлер, 3 даана, жеткирүү менен';
    expect(qrDescriptionOf(long)).toBe('Китептер жана дептерлер, 3 даана');
    expect(qrDescriptionOf(long)).toHaveLength(QR_DESCRIPTION_MAX);
    // A cut that ends on a space leaves no trailing blank.
    expect(qrDescriptionOf(`${'a'.repeat(31)} bcd`)).toBe('a'.repeat(31));
  });

  it('is deterministic, so a repeated start repeats the same CreateQrCode request', () => {
    const d = '  Order #1001:\r\n two books ';
    expect(qrDescriptionOf(d)).toBe(qrDescriptionOf(d));
    expect(qrKeyOf('pay_1')).toBe('payment:pay_1');
  });
});
