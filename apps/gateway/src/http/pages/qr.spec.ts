import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';

import { qrSvg } from './qr';

describe('qrSvg', () => {
  const link = 'https://pay.payqr.kg/#00020101021232990012c2c.payqr.kg6304ABCD';

  it('draws every dark module of the code, inside a quiet zone, as an image with a label', () => {
    const svg = qrSvg(link, 'QR <code> "of" the payment');
    const { size, data } = QRCode.create(link, { errorCorrectionLevel: 'M' }).modules;
    expect(svg).toMatch(/^<svg id="qr-image" class="qr" xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain(`viewBox="0 0 ${size + 8} ${size + 8}"`);
    expect(svg).toContain('role="img" aria-label="QR &lt;code&gt; &quot;of&quot; the payment"');
    const squares = [...svg.matchAll(/M(\d+) (\d+)h1v1h-1z/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]);
    expect(squares).toHaveLength(data.filter(Boolean).length);
    // The top-left finder pattern: a 7x7 ring starts at the quiet zone's corner.
    expect(squares).toContainEqual([4, 4]);
    expect(squares).toContainEqual([10, 10]);
    expect(squares.every(([x, y]) => x! >= 4 && y! >= 4 && x! < size + 4 && y! < size + 4)).toBe(
      true,
    );
  });

  it('differs for different payloads and is stable for one', () => {
    expect(qrSvg(link, 'x')).toBe(qrSvg(link, 'x'));
    expect(qrSvg(link, 'x')).not.toBe(qrSvg(`${link}0`, 'x'));
  });
});
