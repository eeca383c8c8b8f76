import { describe, expect, it } from 'vitest';

import { createNumbering, wmTransDate } from './numbering';

describe('numbering', () => {
  it('gives unique increasing numbers even within one millisecond', () => {
    const at = new Date('2026-03-01T00:00:00Z');
    const n = createNumbering(() => at);
    const a = Number(n.nextTransferNo());
    const b = Number(n.nextTransferNo());
    expect(b).toBe(a + 1);
  });

  it('starts above the numbers of an earlier run (seeded from the clock)', () => {
    const earlier = createNumbering(() => new Date('2026-03-01T00:00:00Z'));
    const later = createNumbering(() => new Date('2026-03-01T00:00:01Z'));
    const last = Number(earlier.nextInvoiceNo());
    expect(Number(later.nextInvoiceNo())).toBeGreaterThan(last);
  });
});

describe('wmTransDate', () => {
  it('formats YYYYMMDD HH:MM:SS in Moscow time', () => {
    expect(wmTransDate(new Date('2015-10-07T10:07:36Z'))).toBe('20151007 13:07:36');
    expect(wmTransDate(new Date('2026-12-31T22:00:00Z'))).toBe('20270101 01:00:00');
  });
});
