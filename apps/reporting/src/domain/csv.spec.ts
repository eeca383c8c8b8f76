import { describe, expect, it } from 'vitest';

import { csvField, csvRow, factCsvRow } from './csv';
import type { PaymentFact } from './payment-fact';

describe('RFC 4180 CSV', () => {
  it('leaves plain fields alone', () => {
    expect(csvField('pay_01abc')).toBe('pay_01abc');
    expect(csvField('')).toBe('');
    expect(csvField("it's fine; really")).toBe("it's fine; really");
  });

  it('quotes fields with commas, quotes, CR or LF and doubles inner quotes', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "ok"')).toBe('"say ""ok"""');
    expect(csvField('line1\nline2')).toBe('"line1\nline2"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField('"')).toBe('""""');
  });

  it('neutralises a text a spreadsheet would run as a formula, and leaves signed numbers alone', () => {
    expect(csvField('=HYPERLINK("https://evil.example","x")')).toBe(
      '"\'=HYPERLINK(""https://evil.example"",""x"")"',
    );
    expect(csvField("+cmd|' /C calc'!A0")).toBe("'+cmd|' /C calc'!A0");
    expect(csvField('@SUM(1+1)')).toBe("'@SUM(1+1)");
    expect(csvField('-2+3')).toBe("'-2+3");
    expect(csvField('\t=1')).toBe("'\t=1");
    expect(csvField('\r=1')).toBe('"\'\r=1"');
    expect(csvField('-1500')).toBe('-1500');
    expect(csvField('-15.00')).toBe('-15.00');
    expect(csvField('+7')).toBe('+7');
    expect(csvField('order=42')).toBe('order=42');
  });

  it('ends records with CRLF', () => {
    expect(csvRow(['a', 'b,c', ''])).toBe('a,"b,c",\r\n');
  });

  it('writes a fact with exact integer amounts beyond 2^53 and attributes as sorted JSON', () => {
    const fact: PaymentFact = {
      paymentId: 'pay_1',
      merchantId: 'mer_1',
      orderId: 'Order "7", blue',
      status: 'succeeded',
      failureCode: '',
      grossMinor: 9_007_199_254_740_993n,
      feeMinor: 0n,
      netMinor: 9_007_199_254_740_993n,
      currency: 'KGS',
      method: 'qr',
      provider: 'qr_acquirer',
      providerPaymentId: 'q-1',
      providerAttributes: { z: '1', a: 'x,y' },
      lastEventId: 'evt_1',
      lastSequence: 2n,
      occurredAt: new Date('2026-03-01T10:00:00Z'),
      updatedAt: new Date('2026-03-01T10:00:01Z'),
      createdAt: new Date('2026-03-01T00:00:00Z'),
      history: [],
      seenSequences: [1n],
      statusSequence: 1n,
      amountsSequence: 1n,
      feeSequence: 1n,
      livemode: false,
    };
    expect(factCsvRow(fact)).toBe(
      'pay_1,mer_1,"Order ""7"", blue",succeeded,9007199254740993,0,9007199254740993,KGS,qr,qr_acquirer,q-1,' +
        '2026-03-01T10:00:00.000Z,2026-03-01T10:00:01.000Z,2,"{""a"":""x,y"",""z"":""1""}",false\r\n',
    );
  });
});
