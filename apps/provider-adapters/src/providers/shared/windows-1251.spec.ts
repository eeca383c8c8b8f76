import { describe, expect, it } from 'vitest';

import { decodeWindows1251, encodeWindows1251 } from './windows-1251';

describe('windows-1251', () => {
  it('encodes Cyrillic, Ё/ё, № and ASCII to the cp1251 bytes', () => {
    // Bytes from the cp1251 code chart: А=C0, я=FF, Ё=A8, ё=B8, №=B9.
    expect(encodeWindows1251('Аяa Ёё№')?.toString('hex')).toBe('c0ff6120a8b8b9');
    expect(decodeWindows1251(Buffer.from('c0ff6120a8b8b9', 'hex'))).toBe('Аяa Ёё№');
  });

  it('has no byte for characters outside the code page', () => {
    expect(encodeWindows1251('漢')).toBeUndefined();
    expect(encodeWindows1251('😀')).toBeUndefined();
  });
});
