import { describe, expect, it } from 'vitest';

import { decimalFromMinor, displayMinor, minorFromDecimal } from './decimal';
import { dateTimeAt, isoAt, MANILA_OFFSET_MINUTES, MOSCOW_OFFSET_MINUTES } from './time-format';

describe('decimal text and minor units', () => {
  it('parses without floats and refuses what is not a plain decimal', () => {
    expect(minorFromDecimal('100.5', 2)).toBe(10050n);
    expect(minorFromDecimal('0.01', 2)).toBe(1n);
    expect(minorFromDecimal('99999999999.99', 2)).toBe(9999999999999n);
    expect(minorFromDecimal('5000', 0)).toBe(5000n);
    expect(minorFromDecimal('1.001', 2)).toBeUndefined();
    expect(minorFromDecimal('1,00', 2)).toBeUndefined();
    expect(minorFromDecimal('-1', 2)).toBeUndefined();
    expect(minorFromDecimal('1e3', 2)).toBeUndefined();
    expect(minorFromDecimal('', 2)).toBeUndefined();
  });

  it('formats back with the exponent and groups for display', () => {
    expect(decimalFromMinor(10050n, 2)).toBe('100.50');
    expect(decimalFromMinor(5n, 2)).toBe('0.05');
    expect(decimalFromMinor(5000n, 0)).toBe('5000');
    expect(displayMinor(1241200n, 2)).toBe('12\u00a0412.00');
  });
});

describe('time formats', () => {
  const at = new Date('2024-01-01T23:04:05.678Z');
  it('renders wall-clock time at a fixed offset', () => {
    expect(dateTimeAt(at, MOSCOW_OFFSET_MINUTES)).toBe('2024-01-02 02:04:05');
    expect(isoAt(at, MANILA_OFFSET_MINUTES)).toBe('2024-01-02T07:04:05+08:00');
    expect(isoAt(at, 0)).toBe('2024-01-01T23:04:05+00:00');
  });
});
